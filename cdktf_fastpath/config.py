"""The project's fast-path settings: `[tool.cdktf-fastpath]` in `pyproject.toml` at the project root.

    [tool.cdktf-fastpath]
    providers = ["cdktf_cdktf_provider_aws"]   # provider packages to slim, by Python package name
    sources = ["../lib"]                       # more source trees to scan, relative to the project root

`sources` names directories of libraries used from a checkout (on PYTHONPATH, not installed): their provider
imports must reach the lean assembly like the project's own. Installed libraries are found without it.
No file, no table or an empty list: no provider is slimmed (the kernel, cdktf's lean tarball and the wheel's Node
still apply). Which providers to slim is the project's choice, not ours: each one named gets the lean import and a
lean assembly of the submodules the project (and installed libraries depending on it) import.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

FILE = "pyproject.toml"
TABLE = "cdktf-fastpath"
KEY = f"tool.{TABLE}.providers"
SOURCES_KEY = f"tool.{TABLE}.sources"
KNOWN_KEYS = ("providers", "sources")
_PACKAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """The settings cannot be used; `problems` holds one line per problem, each naming the key as written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FastpathConfig:
    """What to slim. Default: nothing (the safe choice: a provider the user never named is imported as usual)."""

    providers: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()  # absolute: resolved against the project root


def read_config(project_root: Path) -> FastpathConfig:
    """The settings in `project_root/pyproject.toml`; ConfigError naming `tool.cdktf-fastpath.<key>` if unusable."""
    path = Path(project_root) / FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return FastpathConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError([f"{path}: cannot be read: {error}"]) from error
    table = document.get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise ConfigError([f"{path}: tool.{TABLE} must be a table"])
    problems = [
        f"{path}: tool.{TABLE}.{key}: unknown key (known: {', '.join(KNOWN_KEYS)})"
        for key in table
        if key not in KNOWN_KEYS
    ]
    providers = table.get("providers", [])
    if not isinstance(providers, list):
        problems.append(f"{path}: {KEY}: must be a list of Python package names, not {type(providers).__name__}")
        providers = []
    for index, name in enumerate(providers):
        if not isinstance(name, str) or not _PACKAGE_NAME.match(name):
            problems.append(f"{path}: {KEY}[{index}]: {name!r} is not a top-level Python package name")
    sources = table.get("sources", [])
    if not isinstance(sources, list):
        problems.append(f"{path}: {SOURCES_KEY}: must be a list of directories, not {type(sources).__name__}")
        sources = []
    resolved = []
    for index, name in enumerate(sources):
        directory = (Path(project_root) / name).resolve() if isinstance(name, str) else None
        if directory is None or not directory.is_dir():
            problems.append(f"{path}: {SOURCES_KEY}[{index}]: {name!r} is not a directory (relative to {project_root})")
        else:
            resolved.append(directory)
    if problems:
        raise ConfigError(problems)
    return FastpathConfig(tuple(dict.fromkeys(providers)), tuple(dict.fromkeys(resolved)))
