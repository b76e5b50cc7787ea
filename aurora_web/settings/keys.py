"""Where a generated private key may be written and reused: never where `git add` or another user reaches it.

Policy (refuse, rather than write a .gitignore beside the key or fix modes): key_directory must not be empty, `~`
is expanded, and symlinks are resolved first, so the checks see where the key really lands. That directory, inside
a git work tree, must be git-ignored there; it must be the user's own and writable by no one else, sticky bit or not
(a sticky world-writable directory like /tmp stops others deleting our files, not planting a key under our name
before the first synth). A key already there is reused only if the user owns both its files, no one else can read
the private key, and the .pub is the private key's public half. A directory others may read is warned about.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

PROBE_NAME = "aurora-web-private-key-probe.pem"


def git_work_tree(directory: Path) -> Path | None:
    """The root of the git work tree holding `directory` (which need not exist yet), or None."""
    for candidate in [directory, *directory.parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


def key_directory_problem(key_directory: str) -> str | None:
    """Why a private key must not be written in `key_directory`, or None."""
    if not key_directory.strip():
        return 'must name a directory ("" would put the private key wherever the synth runs); the default is .keys'
    written = Path(key_directory).absolute()
    try:
        directory = written.resolve()  # a symlink's target is where the key lands, so that is what is checked
    except (OSError, RuntimeError) as error:
        return f"cannot be resolved ({getattr(error, 'strerror', None) or error}); name a real directory"
    where = "is" if directory == written else f"resolves to {directory}, which is"
    existing = next(path for path in [directory, *directory.parents] if path.exists())
    if not existing.is_dir():
        return f"cannot be created: {existing} is a file, not a directory"
    if existing == directory:
        problem = _others_can_write(directory)
        if problem is not None:
            return f"{where} {problem}"
    return _git_would_add(directory, where)


def _git_would_add(directory: Path, where: str) -> str | None:
    """Why `directory` (resolved) is a place `git add` would pick up the private key from, or None."""
    root = git_work_tree(directory)
    git = shutil.which("git")
    if root is None or git is None:
        return None
    probe = directory / PROBE_NAME
    try:
        ignored = subprocess.run(
            [git, "-C", str(root), "check-ignore", "-q", "--no-index", str(probe)],
            capture_output=True,
            timeout=10,
            check=False,
        ).returncode
    except (OSError, subprocess.TimeoutExpired):
        return None
    if ignored == 0:
        return None
    return (
        f"{where} inside the git work tree {root} and not git-ignored: git add would pick up the private key; "
        "add the directory to .gitignore, or choose one outside the project (e.g. ~/.ssh/aurora-web)"
    )


def _others_can_write(directory: Path) -> str | None:
    """Why users other than this one could add or swap files in `directory`, or None."""
    status = directory.stat()
    if status.st_uid != os.geteuid():
        return (
            f"owned by another user (uid {status.st_uid}), who could plant or swap the key in it; "
            "choose a directory of your own (e.g. ~/.ssh/aurora-web)"
        )
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o022:
        return (
            f"writable by other users (mode {mode:04o}), who could plant or swap the key in it; "
            f"chmod 700 {directory}, or choose a directory of your own"
        )
    return None


def existing_key_problem(private_key_path: Path) -> str | None:
    """Why a key pair already at `private_key_path` (and its .pub) cannot be reused (synth reuses it), or None."""
    public_key_path = private_key_path.with_suffix(".pub")
    if not private_key_path.exists() and not private_key_path.is_symlink():
        if public_key_path.exists() or public_key_path.is_symlink():
            return (
                f"holds {public_key_path} without its private key {private_key_path.name}: a new key would not "
                "match it; move it away, or set web.public_key_path to it"
            )
        return None
    return _unsafe_key_files(private_key_path, public_key_path) or _unusable_key(private_key_path, public_key_path)


def _unsafe_key_files(private_key_path: Path, public_key_path: Path) -> str | None:
    """Why the key pair's files may be another user's, or readable by one, or not files at all; else None."""
    from .files import PRIVATE_KEY_FILE_LIMIT, regular_file_problem

    problem = regular_file_problem(str(private_key_path), PRIVATE_KEY_FILE_LIMIT, what="private key file")
    if problem is not None:
        return f"holds {private_key_path}, which {problem}"
    for path in (private_key_path, public_key_path):
        owner = _owner(path)
        if owner is not None and owner != os.geteuid():
            return (
                f"holds {path}, owned by another user (uid {owner}): synth would register a key they may hold; "
                "remove the key pair's files, or choose a directory of your own"
            )
    mode = stat.S_IMODE(private_key_path.stat().st_mode)
    if mode & 0o077:
        return f"holds {private_key_path} with mode {mode:04o}: other users can read the private key; chmod 600 it"
    return None


def _unusable_key(private_key_path: Path, public_key_path: Path) -> str | None:
    """Why the private key cannot be loaded without a passphrase, or its .pub is not its public half; else None."""
    from cryptography.hazmat.primitives import serialization

    from constructs_lib.key_pair_config import openssh_public_line, public_key_file_mismatch

    from .files import PRIVATE_KEY_FILE_LIMIT, read_limited

    try:
        private_key = serialization.load_ssh_private_key(
            read_limited(str(private_key_path), PRIVATE_KEY_FILE_LIMIT), password=None
        )
    except TypeError:
        return (
            f"holds {private_key_path}, which is passphrase-protected; synth reuses that key without a passphrase: "
            "move it away, or register its public key with web.public_key_path"
        )
    except (ValueError, OSError) as error:
        return f"holds {private_key_path}, which is not an OpenSSH private key synth can reuse ({error})"
    mismatch = public_key_file_mismatch(openssh_public_line(private_key), public_key_path)
    return None if mismatch is None else f"holds a key pair whose files differ: {mismatch}"


def _owner(path: Path) -> int | None:
    try:
        return path.stat().st_uid
    except OSError:
        return None  # absent: nothing to own (the checks that read it say why it cannot be read)


def loose_mode_warnings(key_directory: str) -> list[str]:
    """A warning for a key directory others may list (writing it, or reading a key, is refused, not warned about)."""
    path = Path(key_directory)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return []
    if mode & 0o077:
        return [f"{path} has mode {mode:04o}: other users may read it; chmod 700 {path}"]
    return []
