"""How failures reach the user: one line per problem, naming the key they wrote or the file, and an exit code.

Bad input (settings, an output directory that is not ours or that the user cannot write to): exit 2. The machine
failing under a good request (a full disk): exit 1. Interrupted (SIGINT, SIGTERM): 130 and 143, the shell's codes.
"""

from __future__ import annotations

import contextlib
import errno
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from constructs_lib.validation import ConfigError

from .settings import CONFIG_ENV_VAR

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}
# The output directory cannot be written because of where the user pointed it: their input.
USER_FILESYSTEM_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}
# Node's fs errors come back from the jsii kernel as RuntimeError("Error: ENOSPC: no space left on device, write").
_NODE_FS_ERROR = re.compile(r"\bError: (E[A-Z]+): ([^,\n]+)")


def report_bad_input(error: ConfigError, *, nothing_changed: bool = True) -> None:
    """One line per problem. `nothing_changed` is only claimed for problems found before anything was built."""
    outcome = "nothing was changed" if nothing_changed else "synth stopped; earlier output was kept"
    print(f"aurora-web: invalid configuration (set by {CONFIG_ENV_VAR}); {outcome}:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem.render()}", file=sys.stderr)


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived: raised where Python was, so every `finally` (the staging folder's) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Held:
    """Inside interrupts_held(): how deep, and the signal that arrived meanwhile (raised when the block ends)."""

    depth = 0
    pending: int | None = None


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Postpone Interrupted to the end of the block: for the step between making something and the `try` whose
    `finally` removes it (the staging folder). A thread mask would not do: the jsii kernel's reader thread can take a
    process-wide signal, and Python then runs the handler in the main thread all the same."""
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
        if not _Held.depth and _Held.pending is not None:
            signum, _Held.pending = _Held.pending, None
            raise Interrupted(signum)


@contextlib.contextmanager
def raising_on_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise Interrupted (SIGTERM would otherwise end the process with no clean-up
    at all); the handlers that were there before are put back afterwards (synth may run inside a longer process)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if _Held.depth:
            _Held.pending = signum
            return
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in EXIT_INTERRUPTED}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def report_interrupted(error: Interrupted) -> int:
    name = signal.Signals(error.signum).name
    print(f"aurora-web: stopped by {name}; the staging folder was removed and earlier output kept", file=sys.stderr)
    return EXIT_INTERRUPTED[signal.Signals(error.signum)]


def filesystem_error(error: BaseException) -> tuple[int, str] | None:
    """(errno, strerror) of an OSError, or of a Node fs error relayed by the jsii kernel; None for anything else."""
    if isinstance(error, OSError) and error.errno is not None:
        return error.errno, error.strerror or str(error)
    match = _NODE_FS_ERROR.search(str(error)) if isinstance(error, RuntimeError) else None
    if match and hasattr(errno, match.group(1)):
        return getattr(errno, match.group(1)), match.group(2)
    return None


def report_filesystem_error(code: int, strerror: str, outdir: Path) -> int:
    """One line; exit 2 when the user's choice of directory is the cause, else 1."""
    name = errno.errorcode.get(code, str(code))
    print(
        f"aurora-web: cannot write the output directory {outdir}: {strerror} ({name}); earlier output was kept",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT if code in USER_FILESYSTEM_ERRORS else EXIT_FAILED
