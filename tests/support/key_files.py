"""Key directories in the shapes issue 22 describes: linked into a git work tree, writable or owned by others,
holding a planted, readable or mismatched key pair. Files owned by another user need root (os.chown)."""

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.programs import require_program

KEY_NAME = "aurora-web-key"  # the default stack's key pair: "<name_prefix>-key"
ANOTHER_USER = 65534  # nobody: a uid that is not the one running the tests (they run as root)


def write_key_pair(directory: Path, name: str = KEY_NAME, mode: int = 0o600) -> tuple[Path, Path]:
    """A fresh ed25519 pair as ssh-keygen lays it out: <name>.pem (private, `mode`) and <name>.pub."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    private = directory / f"{name}.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    )
    private.chmod(mode)
    public = directory / f"{name}.pub"
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    public.write_bytes(line + b" someone@somewhere\n")
    return private, public


def git_repository(path: Path) -> Path:
    require_program("git")
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def link_into_a_repository(path: Path) -> None:
    """`path` is a symlink to keys/ inside a git work tree that does not ignore it."""
    target = git_repository(path.parent / "repo") / "keys"
    target.mkdir(mode=0o700)
    path.symlink_to(target)


def world_writable(path: Path, sticky: bool = False) -> None:
    path.mkdir()
    path.chmod(0o1777 if sticky else 0o777)


def anothers_directory(path: Path) -> None:
    path.mkdir(mode=0o755)
    os.chown(path, ANOTHER_USER, ANOTHER_USER)


def planted_key(path: Path) -> None:
    """The user's own directory, but a key pair in it that another user made (and so may hold)."""
    for file in write_key_pair(path):
        os.chown(file, ANOTHER_USER, ANOTHER_USER)


def readable_key(path: Path) -> None:
    write_key_pair(path, mode=0o644)


def mismatched_pair(path: Path) -> None:
    """A .pub that is another key's: e.g. left from an earlier key, or swapped in."""
    _, public = write_key_pair(path)
    other = write_key_pair(path.parent / "other")[1]
    public.write_bytes(other.read_bytes())


def lone_public_key(path: Path) -> None:
    private, _ = write_key_pair(path)
    private.unlink()


# The key_directory names the bad-input table uses, and how each is made (inside the test's tmp_path).
KEY_DIRECTORIES: dict[str, Callable[[Path], None]] = {
    "link-into-a-repo": link_into_a_repository,
    "world-writable": world_writable,
    "anothers-directory": anothers_directory,
    "planted-key": planted_key,
    "readable-key": readable_key,
    "mismatched-pair": mismatched_pair,
    "lone-public-key": lone_public_key,
}
