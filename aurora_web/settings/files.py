"""Reading the settings file named by AURORA_WEB_CONFIG."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from constructs_lib.validation import ConfigError, Problem

from . import CONFIG_ENV_VAR


def settings_path(path: str | None = None) -> str | None:
    """The file to read: `path`, else $AURORA_WEB_CONFIG, else None (no file: one dev stack)."""
    if path is not None:
        return path
    return os.environ.get(CONFIG_ENV_VAR) or None


def read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problem = "file not found"
    except IsADirectoryError:
        problem = "is a directory, not a TOML file"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except OSError as error:
        problem = f"cannot be read ({error.strerror or error})"
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problem = f"is not valid TOML ({error})"
    raise ConfigError([Problem(CONFIG_ENV_VAR, path, problem)])
