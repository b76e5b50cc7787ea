"""Run the jsii kernel as one Node process, without jsii's relay in front of it.

jsii's Python runtime starts `node jsii-runtime.js`: a relay that checks the Node version, then spawns a second
Node process running the kernel (`lib/program.js`). The kernel speaks the jsii protocol on its file descriptor 3;
the relay copies Python's requests to that descriptor and the replies back, and wraps the kernel's own stdout and
stderr as JSON lines that a Python thread unwraps. Every synth so pays for two Node starts (about 80 ms more
before the kernel's first reply), a second hop on each of its ~170 requests, and ~50 MiB for the relay; jsii also
writes its 1.7 MB of runtime files to a new temporary directory each time.

`install` replaces the start and stop of jsii's `_NodeProcess` with ones that run program.js directly. Its
descriptor 3 is one end of a socket pair (`/bin/sh` places it there with `3<&0`: subprocess cannot choose a
child's descriptor numbers), and its stdout and stderr are the app's own, which is where the relay's unwrapping
thread wrote them. The bytes of every request and reply are jsii's own, sent and read by jsii's own code. The
kernel's two files are copied once into the private cache and checked against jsii's package on every start.

Applied only when enable() found the jsii release in checked_versions.json, and only if the kernel still reads
descriptor 3; a user who sets JSII_RUNTIME keeps their runtime. Otherwise jsii's own launcher runs, with one line on
stderr for an unexpected shape. `CDKTF_FASTPATH_KERNEL=0` turns it off.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import platform
import socket
import subprocess
from collections import deque
from pathlib import Path
from typing import IO, Any, NamedTuple

from . import node_runtime, switches
from .lean_assembly_cache import Unavailable, cache_dir, write_atomically
from .stderr_notice import OnceOnStderr

OFF_ENV_VAR = switches.variable(switches.KERNEL)  # "0": jsii's own relay process
KERNEL_FILES = {"lib__program.js": "program.js", "lib__runtime-index-worker.js": "runtime-index-worker.js"}
PROTOCOL_DESCRIPTOR = "readFD:3,writeFD:3"  # how program.js opens its channel (its SyncStdio)
NODE_ARGUMENTS = ("--max-old-space-size=4069", "--preserve-symlinks")  # what the relay gives the kernel
SHELL = "/bin/sh"
# "$0" is Node, "$@" its arguments; descriptor 3 becomes the socket handed over as stdin, stdin then /dev/null.
PLACE_CHANNEL = 'exec "$0" "$@" 3<&0 0</dev/null'
STOP_TIMEOUT_SECONDS = 5

_spawned: list[KernelChannel] = []  # the kernel `install` started, once per process

DirectKernelNotice = OnceOnStderr("cdktf-fastpath: direct jsii kernel not used ({reason}); starting jsii's relay")


class KernelChannel:
    """The kernel process and its socket, shaped as jsii's code uses `_NodeProcess._process` (stdin, stdout)."""

    def __init__(self, program: Path, environ: dict[str, str]) -> None:
        node = environ.get("JSII_NODE", "node")
        flags = node_runtime.kernel_flags(switches.step_on(switches.SMALL_HEAP))
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [SHELL, "-c", PLACE_CHANNEL, node, *NODE_ARGUMENTS, *flags, str(program)],
                stdin=theirs.fileno(),
                env=environ,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.socket = ours
        self.stdin: IO[bytes] = ours.makefile("wb")
        self.stdout = _Replies(ours.makefile("rb"))

    @property
    def loaded_ahead(self) -> set[tuple[str, str]]:
        """(name, version) of each assembly this channel asked the kernel to load before jsii did."""
        return self.stdout.loaded_ahead

    def load_ahead(self, name: str, version: str, tarball: Path, ours: bool) -> None:
        """Ask the kernel to load `tarball` now; its reply is read before the next one anyone waits for.

        `ours`: the tarball is one of our cache's derived ones, removed if the kernel cannot load it.
        """
        request = {"api": "load", "name": name, "version": version, "tarball": str(tarball)}
        self.stdin.write(json.dumps(request).encode() + b"\n")
        self.stdin.flush()
        self.stdout.expect(_LoadAhead(name, version, tarball, ours))

    def close(self) -> None:
        """Ask the kernel to exit as jsii does, then wait for it (terminated after STOP_TIMEOUT_SECONDS)."""
        if not self.stdin.closed:
            try:
                self.stdin.write(b'{"exit":0}\n')
                self.stdin.flush()
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:  # the kernel is gone already
                pass
            self.stdin.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait()
        self.stdout.close()
        self.socket.close()


class _LoadAhead(NamedTuple):
    name: str
    version: str
    tarball: Path
    ours: bool  # one of our cache's derived tarballs: removed if the kernel cannot load it


class _Replies:
    """The kernel's replies as jsii reads them (`readline`): its hello first, then, before any later reply, the
    replies to the loads sent ahead (in order: the kernel answers requests one by one), each checked."""

    def __init__(self, reader: IO[bytes]) -> None:
        self._reader = reader
        self._hello_read = False
        self._unanswered: deque[_LoadAhead] = deque()
        self.loaded_ahead: set[tuple[str, str]] = set()  # (name, version) of each load sent ahead

    def expect(self, load: _LoadAhead) -> None:
        self._unanswered.append(load)
        self.loaded_ahead.add((load.name, load.version))

    def readline(self) -> bytes:
        if not self._hello_read:  # the kernel says hello before it reads any request
            self._hello_read = True
            return self._reader.readline()
        while self._unanswered:
            self._check(self._reader.readline(), self._unanswered.popleft())
        return self._reader.readline()

    @staticmethod
    def _check(line: bytes, load: _LoadAhead) -> None:
        try:
            reply = json.loads(line)
        except ValueError:
            reply = {"error": "the kernel exited" if not line else f"unreadable reply {line[:200]!r}"}
        if isinstance(reply, dict) and "ok" in reply:
            return
        error = reply.get("error") if isinstance(reply, dict) else reply
        if load.ours:  # the kernel may hold a half-loaded package now: run again with a fresh build
            load.tarball.unlink(missing_ok=True)
        removed = " (removed from the cache: run again)" if load.ours else ""
        raise RuntimeError(
            f"the jsii kernel could not load {load.name}@{load.version} from {load.tarball}{removed}: {error} "
            f"({OFF_ENV_VAR}=0 loads it the usual way)"
        )

    def close(self) -> None:
        self._reader.close()


def jsii_package() -> tuple[Path, str]:
    """jsii's package directory and release, read as jsii reads them, without importing jsii (~0.1 s)."""
    spec = importlib.util.find_spec("jsii")
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("jsii is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    try:
        version = json.loads((package / "_metadata.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Unavailable(f"jsii's release is not readable from {package}: {error}") from error
    return package, str(version)


def kernel_program(package: Path, version: str) -> Path:
    """program.js beside its worker in the private cache, rewritten whenever it differs from jsii's package."""
    embedded = package / "_embedded" / "jsii"
    contents = {target: (embedded / name).read_bytes() for name, target in KERNEL_FILES.items()}
    if contents["program.js"].count(PROTOCOL_DESCRIPTOR.encode()) != 1:
        raise Unavailable(f"jsii {version}'s kernel does not open its channel with {PROTOCOL_DESCRIPTOR}")
    digest = hashlib.sha256(b"".join(contents[target] for target in sorted(contents))).hexdigest()[:16]
    directory = cache_dir() / f"jsii-kernel-{version}-{digest}"
    directory.mkdir(mode=0o700, exist_ok=True)
    for target, data in contents.items():
        path = directory / target
        try:
            current = path.read_bytes()
        except OSError:
            current = None
        if current != data:
            write_atomically(path, data)
    return directory / "program.js"


def install() -> bool:
    """Start the kernel now and have jsii adopt it, if nothing says otherwise; returns whether it will.

    Call only after `checked_versions.unchecked` found this jsii release in the manifest: start/stop below
    mirror its `_NodeProcess`.

    The kernel boots (about 0.1 s) while this process goes on importing jsii and cdktf. Its environment is this
    process's at the time of the call, as jsii's own start would take it at the first kernel request.
    """
    if _spawned:
        return True
    if not switches.step_on(switches.KERNEL) or os.environ.get("JSII_RUNTIME"):
        return False
    try:
        package, version = jsii_package()  # a release of checked_versions.json: enable() checked it
        if os.name != "posix" or not os.access(SHELL, os.X_OK):
            raise Unavailable(f"{SHELL} is needed to hand the kernel its channel")
        program = kernel_program(package, version)
    except (Unavailable, OSError) as error:
        DirectKernelNotice.say(str(error))
        return False
    environ = os.environ.copy()
    environ["JSII_AGENT"] = f"Python/{platform.python_version()}"  # as jsii's own start sets it
    channel = KernelChannel(program, environ)
    _spawned.append(channel)
    waiting = [channel]

    def close_unadopted() -> None:  # the app never made a kernel request
        while waiting:
            waiting.pop().close()

    atexit.register(close_unadopted)

    from jsii._kernel.providers import process
    from jsii._kernel.types import LoadRequest, LoadResponse

    node_process: Any = process._NodeProcess
    jsii_stop, jsii_send = node_process.stop, node_process.send

    def start(self: Any) -> None:
        self._process = waiting.pop() if waiting else KernelChannel(program, environ)
        atexit.register(self.stop)
        self.handshake()

    def send(self: Any, request: Any, response_type: Any) -> Any:
        # A load sent ahead is in the kernel (or will be before its next reply): jsii's Kernel.load discards the
        # reply, so it gets one now instead of a wait for Node.
        if (
            isinstance(request, LoadRequest)
            and isinstance(self._process, KernelChannel)
            and (request.name, request.version) in self._process.loaded_ahead
        ):
            return LoadResponse(assembly=request.name, types=0)
        return jsii_send(self, request, response_type)

    def stop(self: Any) -> None:
        if not isinstance(self._process, KernelChannel):  # a kernel jsii started before `install`
            jsii_stop(self)
            return
        atexit.unregister(self.stop)
        self._process.close()
        self._ctx_stack.close()

    node_process.start = start
    node_process.send = send
    node_process.stop = stop
    return True


def load_ahead(name: str, version: str, tarball: Path, ours: bool) -> bool:
    """Have the kernel this module started load `tarball` now (see KernelChannel.load_ahead); False if none."""
    if not _spawned or _spawned[0].stdin.closed:
        return False
    _spawned[0].load_ahead(name, version, tarball, ours)
    return True
