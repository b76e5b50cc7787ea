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

Applied only to the jsii release it was checked against, and only if the kernel still reads descriptor 3; a user
who sets JSII_RUNTIME keeps their runtime. Otherwise jsii's own launcher runs, with one line on stderr for an
unexpected shape. `AURORA_WEB_DIRECT_KERNEL=0` turns it off.
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
from pathlib import Path
from typing import IO, Any

from .lean_assembly_cache import Unavailable, cache_dir
from .stderr_notice import OnceOnStderr

OFF_ENV_VAR = "AURORA_WEB_DIRECT_KERNEL"  # "0": jsii's own relay process
CHECKED_JSII_VERSIONS = frozenset({"1.142.0"})  # start/stop below mirror this release's _NodeProcess
KERNEL_FILES = {"lib__program.js": "program.js", "lib__runtime-index-worker.js": "runtime-index-worker.js"}
PROTOCOL_DESCRIPTOR = "readFD:3,writeFD:3"  # how program.js opens its channel (its SyncStdio)
NODE_ARGUMENTS = ("--max-old-space-size=4069", "--preserve-symlinks")  # what the relay gives the kernel
SHELL = "/bin/sh"
# "$0" is Node, "$@" its arguments; descriptor 3 becomes the socket handed over as stdin, stdin then /dev/null.
PLACE_CHANNEL = 'exec "$0" "$@" 3<&0 0</dev/null'
STOP_TIMEOUT_SECONDS = 5

_installed: list[bool] = []  # [True] once installed in this process

DirectKernelNotice = OnceOnStderr("aurora-web: direct jsii kernel not used ({reason}); starting jsii's relay")


class KernelChannel:
    """The kernel process and its socket, shaped as jsii's code uses `_NodeProcess._process` (stdin, stdout)."""

    def __init__(self, program: Path, environ: dict[str, str]) -> None:
        node = environ.get("JSII_NODE", "node")
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [SHELL, "-c", PLACE_CHANNEL, node, *NODE_ARGUMENTS, str(program)], stdin=theirs.fileno(), env=environ
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.socket = ours
        self.stdin: IO[bytes] = ours.makefile("wb")
        self.stdout: IO[bytes] = ours.makefile("rb")

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
            partial = path.with_name(f".{target}.{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, path)
    return directory / "program.js"


def install() -> bool:
    """Start the kernel now and have jsii adopt it, if nothing says otherwise; returns whether it will.

    The kernel boots (about 0.1 s) while this process goes on importing jsii and cdktf. Its environment is this
    process's at the time of the call, as jsii's own start would take it at the first kernel request.
    """
    if _installed:
        return True
    if os.environ.get(OFF_ENV_VAR) == "0" or os.environ.get("JSII_RUNTIME"):
        return False
    try:
        package, version = jsii_package()
        if version not in CHECKED_JSII_VERSIONS:
            raise Unavailable(f"jsii {version} is not a release it was checked against")
        if os.name != "posix" or not os.access(SHELL, os.X_OK):
            raise Unavailable(f"{SHELL} is needed to hand the kernel its channel")
        program = kernel_program(package, version)
    except (Unavailable, OSError) as error:
        DirectKernelNotice.say(str(error))
        return False
    environ = os.environ.copy()
    environ["JSII_AGENT"] = f"Python/{platform.python_version()}"  # as jsii's own start sets it
    waiting = [KernelChannel(program, environ)]

    def close_unadopted() -> None:  # the app never made a kernel request
        while waiting:
            waiting.pop().close()

    atexit.register(close_unadopted)

    from jsii._kernel.providers import process

    node_process: Any = process._NodeProcess
    jsii_stop = node_process.stop

    def start(self: Any) -> None:
        self._process = waiting.pop() if waiting else KernelChannel(program, environ)
        atexit.register(self.stop)
        self.handshake()

    def stop(self: Any) -> None:
        if not isinstance(self._process, KernelChannel):  # a kernel jsii started before `install`
            jsii_stop(self)
            return
        atexit.unregister(self.stop)
        self._process.close()
        self._ctx_stack.close()

    node_process.start = start
    node_process.stop = stop
    _installed.append(True)
    return True
