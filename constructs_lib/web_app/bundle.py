"""The app as one deterministic archive: the bytes depend on the app's files only, never on the machine or the clock.

The archive is a plain (uncompressed) POSIX ustar file: each member has a fixed owner (root, uid/gid 0), mode, mtime
and order, so the same source gives the same bytes, and so the same sha256 and object key, on every machine. It is not
gzipped: zlib builds differ in what they emit at the same level (the reason the old user data used bzip2), and S3
does not care about 30 KB more; the boot script needs only tar to unpack it.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

from .user_data import app_source_path

APP_MODULE_NAME = "employee_directory.py"  # the package's one module, shipped as a top-level module
REQUIREMENTS_NAME = "requirements.txt"  # wheels pinned by version and sha256
# 2000-01-01T00:00:00Z: fixed, and not 0 (GNU tar warns of an "implausibly old time stamp" for the epoch).
FIXED_MTIME = 946684800
MEMBER_MODE = 0o644


def default_source_directory() -> Path:
    """The bundled employee directory package (its __init__.py and requirements.txt)."""
    return app_source_path().parent


def bundle_files(
    source_directory: Path | None = None, extra_files: tuple[tuple[str, str], ...] = ()
) -> dict[str, bytes]:
    """Archive member name -> content, in archive order: the app module, its pinned requirements, then the
    instance's own files (user_data.instance_files: its WSGI entry, systemd unit, httpd config)."""
    directory = Path(source_directory) if source_directory is not None else default_source_directory()
    files = {
        APP_MODULE_NAME: (directory / "__init__.py").read_bytes(),
        REQUIREMENTS_NAME: (directory / REQUIREMENTS_NAME).read_bytes(),
    }
    for name, text in extra_files:
        if name in files or "/" in name or name.startswith("."):
            raise ValueError(f"{name!r} cannot be an extra file of the archive (a plain name, not the app's own)")
        files[name] = text.encode("utf-8")
    return files


def build_archive(source_directory: Path | None = None, extra_files: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The deterministic tar of bundle_files()."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in bundle_files(source_directory, extra_files).items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), FIXED_MTIME, MEMBER_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
