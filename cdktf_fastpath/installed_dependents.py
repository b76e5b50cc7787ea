"""The Python files of installed distributions that depend on a provider package: construct libraries.

A construct library installed with pip (in site-packages, not in the project's tree) may import provider submodules
the project never names; the lean assembly must hold them too. Its `.dist-info` says it depends on the provider
(`Requires-Dist`), and its RECORD lists its files. Reading the metadata of every installed distribution costs tens
of milliseconds, so the answer is remembered in the cache under a signature of the `.dist-info` directories on
sys.path (their paths and mtimes: an install or uninstall changes it); an unchanged environment costs a directory
listing per sys.path entry.

A provider's distribution name is taken to normalize to its Python package name (`cdktf-cdktf-provider-aws` and
`cdktf_cdktf_provider_aws`), as for every prebuilt cdktf provider.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path

from . import lean_assembly_cache as cache
from .lean_assembly_cache import Unavailable

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
METADATA_SUFFIXES = (".dist-info", ".egg-info")


def normalized(name: str) -> str:
    """PEP 503's comparison form, with `_` for the separator (also a valid package name)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata_directories() -> list[Path]:
    """Every `.dist-info` / `.egg-info` directory on sys.path, in sys.path order."""
    found: list[Path] = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        found.extend(Path(entry or ".") / name for name in names if name.endswith(METADATA_SUFFIXES))
    return found


def source_files_depending_on(package: str) -> list[Path]:
    """The `.py` files of every installed distribution requiring `package` (by Requires-Dist), memoized."""
    directories = metadata_directories()
    signature = []
    for directory in directories:
        try:
            signature.append([str(directory), directory.stat().st_mtime_ns])
        except OSError:
            continue
    memo_file = _memo_file(package)
    if memo_file is not None:
        try:
            recorded = json.loads(memo_file.read_text())
            if recorded["signature"] == signature:
                return [Path(name) for name in recorded["files"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    files = _scan(package, directories)
    if memo_file is not None:
        with contextlib.suppress(OSError):  # best effort: the next run scans again
            cache.write_atomically(
                memo_file, json.dumps({"signature": signature, "files": [str(path) for path in files]}).encode()
            )
    return files


def _scan(package: str, directories: list[Path]) -> list[Path]:
    from importlib.metadata import PathDistribution

    wanted = normalized(package)
    files: list[Path] = []
    for directory in directories:
        distribution = PathDistribution(directory)
        requirements = distribution.requires or []
        names = {normalized(match.group(1)) for match in map(_REQUIREMENT_NAME.match, requirements) if match}
        if wanted not in names:
            continue
        for record in distribution.files or []:
            if record.suffix == ".py":
                path = Path(str(distribution.locate_file(record)))
                if path.is_file():
                    files.append(path)
    return files


def _memo_file(package: str) -> Path | None:
    key = hashlib.sha256(json.dumps([sys.prefix, package]).encode()).hexdigest()[:16]
    try:
        return cache.scan_memo_dir() / f"installed-dependents-{key}.json"
    except Unavailable:
        return None
