"""Reading the settings file named by AURORA_WEB_CONFIG, and the user's files it names, safely.

Only regular files are read (a FIFO would block forever, /dev/zero would fill memory), and only up to a size cap
checked with stat before anything is opened. A document nested deeper than any settings file needs is refused
before it reaches code that recurses.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from constructs_lib.key_pair_config import PUBLIC_KEY_FILE_BYTES
from constructs_lib.validation import ConfigError, Problem

from . import CONFIG_ENV_VAR

SETTINGS_FILE_LIMIT = 1024 * 1024  # 1 MiB: a settings file is a few hundred bytes
PUBLIC_KEY_FILE_LIMIT = PUBLIC_KEY_FILE_BYTES  # the key pair's own limit: an OpenSSH public key line
PRIVATE_KEY_FILE_LIMIT = 64 * 1024  # an OpenSSH private key: a few KiB even for RSA
MAX_DEPTH = 16  # environments.<name>.<table>.<key> is 4 deep; tags and lists add one or two


def settings_path(path: str | None = None) -> str | None:
    """The file to read: `path`, else $AURORA_WEB_CONFIG, else None (unset: no file, one dev stack)."""
    if path is not None:
        return path
    value = os.environ.get(CONFIG_ENV_VAR)
    if value == "":
        raise ConfigError(
            [Problem(CONFIG_ENV_VAR, "", "is set but empty; name a settings file, or unset it for the dev stack")]
        )
    return value


def regular_file_problem(path: str, limit: int, what: str = "TOML file") -> str | None:
    """Why `path` must not be read (missing, not a regular file, too large), or None. Never opens it."""
    try:
        status = os.stat(path)
    except (OSError, ValueError) as error:
        return _stat_failure(error)
    problem = None
    if stat.S_ISDIR(status.st_mode):
        problem = f"is a directory, not a {what}"
    elif not stat.S_ISREG(status.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(status.st_mode) else "a device or socket"
        problem = f"is {kind}, not a regular file; only regular files are read"
    elif status.st_size > limit:
        problem = f"is {status.st_size} bytes; at most {limit} are read"
    return problem


def _stat_failure(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, PermissionError):
        return "cannot be read (permission denied)"
    return f"cannot be read ({getattr(error, 'strerror', None) or error})"


def read_limited(path: str, limit: int) -> bytes:
    """The file's bytes, refusing to read more than `limit` even if it grew since stat."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"grew past {limit} bytes while being read")
    return data


def read_toml(path: str) -> dict[str, Any]:
    problem = regular_file_problem(path, SETTINGS_FILE_LIMIT)
    if problem is None:
        try:
            document = tomllib.loads(read_limited(path, SETTINGS_FILE_LIMIT).decode("utf-8"))
        except PermissionError:
            problem = "cannot be read (permission denied)"
        except OSError as error:
            problem = f"cannot be read ({error.strerror or error})"
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            problem = f"is not valid TOML ({error})"
        except RecursionError:
            problem = f"is nested too deeply (settings are at most {MAX_DEPTH} levels deep)"
        else:
            if depth(document) > MAX_DEPTH:
                problem = f"is nested too deeply (settings are at most {MAX_DEPTH} levels deep)"
            else:
                return document
    raise ConfigError([Problem(CONFIG_ENV_VAR, path, problem)])


def depth(value: Any) -> int:
    """How deeply tables and arrays nest in `value` (without recursion, so any depth is measured)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def expand_user(path: str) -> str:
    """`~` and `~user` expanded; ValueError with a message when the user is unknown."""
    try:
        return str(Path(path).expanduser())
    except RuntimeError:
        user = path[1:].split("/", 1)[0]
        raise ValueError(
            f"names the home of {'an unknown user ' + user if user else 'a user'} that does not exist"
        ) from None
