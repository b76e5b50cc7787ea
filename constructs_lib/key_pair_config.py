"""The key pair's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/key_pair.py builds from it)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .validation import ProblemList

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.serialization import SSHPrivateKeyTypes

OPENSSH_PUBLIC_KEY = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521)"
    r" [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$"
)
KEY_PAIR_NAME = re.compile(r"^[\x20-\x7e]{1,255}$")


@dataclass(frozen=True)
class KeyPairConfig:
    """Settings of the key pair.

    name: the EC2 key pair name. Default "aurora-web-key".
    public_key_path: an OpenSSH public key file to register. Default: none, so a key is generated.
    key_directory: where a generated key is kept (private key mode 0600). Default ".keys".
    """

    name: str = "aurora-web-key"
    public_key_path: str | None = None
    key_directory: str = ".keys"

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            isinstance(self.name, str) and bool(KEY_PAIR_NAME.match(self.name)),
            "name",
            self.name,
            "must be 1 to 255 printable ASCII characters",
        )
        if self.public_key_path is not None:
            read_public_key(self.public_key_path, problems)
        problems.raise_if_any()

    @property
    def generated_private_key_path(self) -> Path:
        return Path(self.key_directory) / f"{self.name}.pem"


def read_public_key(path: str, problems: ProblemList, key: str = "public_key_path") -> str | None:
    """The key's single line, after checking it is a readable OpenSSH public key; else a problem is noted."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        problems.add(key, path, "file not found; give the path of an OpenSSH public key (.pub)")
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.add(
            key, path, f"cannot be read ({getattr(error, 'strerror', None) or error}); give a readable .pub file"
        )
        return None
    if "PRIVATE KEY" in text:
        problems.add(key, path, "is a private key; give the public key (.pub) instead, the private key stays with you")
        return None
    if not OPENSSH_PUBLIC_KEY.match(text):
        problems.add(key, path, 'is not an OpenSSH public key (expected one line like "ssh-ed25519 AAAA... comment")')
        return None
    return text


PUBLIC_KEY_FILE_BYTES = 16 * 1024  # an OpenSSH public key line is under 1 KiB even for RSA 16384


def openssh_public_line(private_key: SSHPrivateKeyTypes) -> str:
    """The OpenSSH public key line ("type base64", no comment) derived from a private key."""
    from cryptography.hazmat.primitives import serialization

    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
    )


def public_key_file_mismatch(public_line: str, public_key_path: Path) -> str | None:
    """Why the .pub beside a private key is not that key's public half, or None (also when there is no .pub).

    A key pair's two files must match: someone who copies the .pub (to authorized_keys, to another account) must
    get the key the instance trusts, not a planted or stale one. The comment after the key is not compared.
    """
    try:
        status = os.stat(public_key_path)
    except FileNotFoundError:
        return None if not public_key_path.is_symlink() else f"{public_key_path} is a link to nothing; remove it"
    except OSError as error:
        return f"{public_key_path} cannot be read ({error.strerror or error})"
    if not stat.S_ISREG(status.st_mode) or status.st_size > PUBLIC_KEY_FILE_BYTES:
        return f"{public_key_path} is not a public key file (not a regular file, or too large); move it away"
    try:
        with open(public_key_path, "rb") as handle:
            found = handle.read(PUBLIC_KEY_FILE_BYTES).decode("utf-8", "replace").split()[:2]
    except OSError as error:
        return f"{public_key_path} cannot be read ({error.strerror or error})"
    if found != public_line.split()[:2]:
        return (
            f"{public_key_path} is not the public half of {public_key_path.with_suffix('.pem')} (a key pair's files "
            "must match); move the wrong one away"
        )
    return None
