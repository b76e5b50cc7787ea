"""The on-disk cache of derived tarballs (lean provider, lazy cdktf): private, keyed by what shapes them, built once.

A tarball is found under a key made of the builder's source, the package name and version, the source tarball's
SHA-256 and the variant (the provider's submodule list; lean_cdktf's fixed name), so a provider or cdktf upgrade,
a new import in the project or a change of the builder each lead to a new build. Builds run as a child process
(lean_assembly_build.py), one at a time, and are written atomically with a record of their SHA-256, so a damaged
file is rebuilt instead of loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV_VAR = "CDKTF_FASTPATH_CACHE_DIR"
CACHE_NAME = "cdktf-fastpath"
BUILDER = Path(__file__).resolve().parent / "lean_assembly_build.py"  # run as a script: its imports stay out of here
KEPT_CACHE_ENTRIES = 6  # a checkout uses two (its lean provider and lean cdktf)
BUILD_TIMEOUT_SECONDS = 900


def scan_memo_dir() -> Path:
    """Where the source scans remember their answers: apart from the tarballs, so pruning never counts them."""
    directory = cache_dir() / "scans"
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        raise Unavailable(f"cannot create {directory}: {error.strerror}") from error
    return directory


class Unavailable(Exception):
    """The lean assembly cannot be used here; the message says why."""


@dataclass(frozen=True)
class ProviderAssembly:
    """What the provider's `_jsii/__init__.py` hands to `jsii.JSIIAssembly.load`."""

    name: str
    version: str
    tarball: Path


def cache_dir() -> Path:
    """$CDKTF_FASTPATH_CACHE_DIR, else $XDG_CACHE_HOME/cdktf-fastpath, else ~/.cache/cdktf-fastpath; must be private."""
    configured = os.environ.get(CACHE_ENV_VAR) or ""
    if configured:
        directory = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or ""
        directory = (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / CACHE_NAME
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as error:
        raise Unavailable(f"cannot create the cache directory {directory}: {error.strerror}") from error
    # Node executes what is cached here: refuse a directory someone else could write to.
    if (hasattr(os, "getuid") and info.st_uid != os.getuid()) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Unavailable(f"the cache directory {directory} is not private to this user")
    return directory


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def source_digest(tarball: Path, cache: Path) -> str:
    """The source tarball's SHA-256, recomputed only when its size, mtime or inode change (it is 34 MB)."""
    info = tarball.stat()
    resolved = str(tarball.resolve())
    signature: list[str | int] = [resolved, info.st_size, info.st_mtime_ns, info.st_ino]
    memo = cache / "source-digests" / (hashlib.sha256(resolved.encode()).hexdigest()[:32] + ".json")
    with contextlib.suppress(OSError, ValueError, KeyError):
        recorded = json.loads(memo.read_text())
        if recorded["signature"] == signature:
            recorded_sha256: str = recorded["sha256"]
            return recorded_sha256
    digest = file_sha256(tarball)
    memo.parent.mkdir(mode=0o700, exist_ok=True)
    write_atomically(memo, json.dumps({"signature": signature, "sha256": digest}).encode())
    return digest


def cache_key(assembly: ProviderAssembly, source_sha256: str, variant: tuple[str, ...]) -> str:
    """Changes with the builder's code, the package, its tarball's content or the variant (e.g. submodule list)."""
    parts = {
        "builder": file_sha256(BUILDER),
        "name": assembly.name,
        "version": assembly.version,
        "source": source_sha256,
        "variant": list(variant),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def lean_tarball(assembly: ProviderAssembly, package_dir: Path, submodules: tuple[str, ...]) -> Path:
    """The cached lean tarball for these submodules, built first if missing or damaged."""
    arguments = ("--package-dir", str(package_dir), "--submodules", ",".join(submodules))
    return derived_tarball(assembly, submodules, arguments)


def derived_tarball(assembly: ProviderAssembly, variant: tuple[str, ...], arguments: tuple[str, ...]) -> Path:
    """The cached tarball the builder makes from `assembly.tarball` with `arguments`, built if missing or damaged."""
    cache = cache_dir()
    tarball, record = _entry(cache, assembly, variant)
    if _is_intact(tarball, record):
        return tarball
    with _build_lock(cache):
        if not _is_intact(tarball, record):
            _build(assembly, arguments, tarball, record)
            _prune(cache, keep={tarball, record})
    return tarball


def built_tarball(assembly: ProviderAssembly, variant: tuple[str, ...]) -> Path | None:
    """The cached tarball for `variant` if it is built and intact, else None; never builds."""
    cache = cache_dir()
    tarball, record = _entry(cache, assembly, variant)
    return tarball if _is_intact(tarball, record) else None


def _entry(cache: Path, assembly: ProviderAssembly, variant: tuple[str, ...]) -> tuple[Path, Path]:
    """The tarball and its record (written last, with the tarball's SHA-256) for this assembly and variant."""
    key = cache_key(assembly, source_digest(assembly.tarball, cache), variant)
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", assembly.name).strip("-") + f"-{assembly.version}-{key}"
    return cache / f"{stem}.tgz", cache / f"{stem}.json"


# Tarballs whose SHA-256 matched their record in this process, with the (size, mtime, inode) they had then: one
# synth asks for each twice (loaded ahead at enable(), then by the import hook) and hashes it once.
_verified: dict[Path, tuple[int, int, int]] = {}


def _is_intact(tarball: Path, record: Path) -> bool:
    try:
        info = tarball.stat()
        signature = (info.st_size, info.st_mtime_ns, info.st_ino)
        if _verified.get(tarball) == signature:
            return True
        recorded_sha256: object = json.loads(record.read_text())["sha256"]
        if recorded_sha256 != file_sha256(tarball):
            return False
    except (OSError, ValueError, KeyError):
        return False
    _verified[tarball] = signature
    return True


def _build(assembly: ProviderAssembly, arguments: tuple[str, ...], tarball: Path, record: Path) -> None:
    partial = tarball.with_name(f".{tarball.name}.{os.getpid()}.partial")
    described = partial.with_suffix(".json")
    command = [
        sys.executable,
        str(BUILDER),
        "--source",
        str(assembly.tarball),
        *arguments,
        "--output",
        str(partial),
        "--description",
        str(described),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
            raise Unavailable(f"building it failed: {last_line}")
        description = json.loads(described.read_text())
        if (description["name"], description["version"]) != (assembly.name, assembly.version):
            raise Unavailable("the package's tarball is not the package its _jsii module names")
        description["sha256"] = file_sha256(partial)
        os.replace(partial, tarball)
        write_atomically(record, json.dumps(description, indent=1).encode())  # last: its presence means complete
    except subprocess.TimeoutExpired as error:
        raise Unavailable(f"building it took over {BUILD_TIMEOUT_SECONDS} s") from error
    finally:
        partial.unlink(missing_ok=True)
        described.unlink(missing_ok=True)


@contextlib.contextmanager
def _build_lock(cache: Path) -> Iterator[None]:
    """Concurrent first synths wait for one build instead of each spending ~10 s and ~600 MB on it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: concurrent builds just write the same bytes twice
        yield
        return
    with open(cache / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _prune(cache: Path, keep: set[Path]) -> None:
    """Keep the few most recently built tarballs (other checkouts may use other submodule lists); best effort."""
    with contextlib.suppress(OSError):
        records = sorted(
            (path for path in cache.glob("*.json") if not path.name.startswith(".")),
            key=lambda path: path.stat().st_mtime,
            reverse=True,
        )
        for old in records[KEPT_CACHE_ENTRIES:]:
            if old not in keep:
                old.unlink(missing_ok=True)
                old.with_suffix(".tgz").unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old bytes or the new, never a part: written beside, then renamed over."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
