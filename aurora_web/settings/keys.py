"""Where a generated private key may be written: never where `git add` would pick it up.

Policy (refuse, rather than write a .gitignore beside the key): key_directory must not be empty, `~` is expanded,
and a directory inside a git work tree must be git-ignored there. Loose permissions on an existing directory or
key are warned about, not refused (the key itself is always written 0600).
"""

from __future__ import annotations

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
    directory = Path(key_directory).absolute()
    existing = next(path for path in [directory, *directory.parents] if path.exists())
    if not existing.is_dir():
        return f"cannot be created: {existing} is a file, not a directory"
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
        f"is inside the git work tree {root} and not git-ignored: `git add` would pick up the private key; "
        "add the directory to .gitignore, or choose one outside the project (e.g. ~/.ssh/aurora-web)"
    )


def existing_key_problem(private_key_path: Path) -> str | None:
    """Why a private key already at `private_key_path` cannot be reused (synth reuses it), or None."""
    if not private_key_path.exists() and not private_key_path.is_symlink():
        return None
    from cryptography.hazmat.primitives import serialization

    from .files import PRIVATE_KEY_FILE_LIMIT, read_limited, regular_file_problem

    problem = regular_file_problem(str(private_key_path), PRIVATE_KEY_FILE_LIMIT, what="private key file")
    if problem is not None:
        return f"holds {private_key_path}, which {problem}"
    try:
        serialization.load_ssh_private_key(read_limited(str(private_key_path), PRIVATE_KEY_FILE_LIMIT), password=None)
    except TypeError:
        return (
            f"holds {private_key_path}, which is passphrase-protected; synth reuses that key without a passphrase: "
            "move it away, or register its public key with web.public_key_path"
        )
    except (ValueError, OSError) as error:
        return f"holds {private_key_path}, which is not an OpenSSH private key synth can reuse ({error})"
    return None


def loose_mode_warnings(key_directory: str, key_name: str) -> list[str]:
    """Warnings for a key directory or private key that others may read."""
    warnings = []
    for path in (Path(key_directory), Path(key_directory) / f"{key_name}.pem"):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            warnings.append(
                f"{path} has mode {mode:04o}: other users may read it; chmod {'700' if path.is_dir() else '600'} {path}"
            )
    return warnings
