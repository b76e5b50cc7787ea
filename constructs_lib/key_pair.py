"""The SSH key pair of the web server: the user's public key, or an ed25519 key made once and kept locally."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.key_pair import KeyPair as AwsKeyPair
from constructs import Construct
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .validation import ConfigError, Problem, ProblemList

OPENSSH_PUBLIC_KEY = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$"
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


def ensure_generated_key(private_key_path: Path) -> str:
    """Create an ed25519 key at first use and reuse it afterwards; returns the OpenSSH public key line."""
    public_key_path = private_key_path.with_suffix(".pub")
    if private_key_path.exists():
        private_key = serialization.load_ssh_private_key(private_key_path.read_bytes(), password=None)
    else:
        private_key = ed25519.Ed25519PrivateKey.generate()
        private_key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        )
        # O_EXCL: never overwrite a key someone else just wrote; 0600 from the first byte.
        descriptor = os.open(private_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    public_line = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
    )
    if not public_key_path.exists():
        public_key_path.write_text(public_line + "\n", encoding="ascii")
    return public_line


class KeyPair(Construct):
    """Registers the public half only: the private key never enters the synthesized JSON or Terraform state.

    Attributes: key_name, public_key, private_key_path (None when the user brought their own key).
    """

    def __init__(self, scope: Construct, id: str, config: KeyPairConfig) -> None:
        super().__init__(scope, id)
        if config.public_key_path is not None:
            problems = ProblemList()
            public_key = read_public_key(config.public_key_path, problems)
            problems.raise_if_any()
            self.private_key_path: Path | None = None
        else:
            self.private_key_path = config.generated_private_key_path
            try:
                public_key = ensure_generated_key(self.private_key_path)
            except (OSError, ValueError) as error:
                raise ConfigError(
                    [
                        Problem(
                            "key_directory",
                            config.key_directory,
                            f"cannot hold the generated key {self.private_key_path}: {error}",
                        )
                    ]
                ) from None
        self.public_key: str = public_key
        self.resource = AwsKeyPair(self, "key-pair", key_name=config.name, public_key=public_key)
        self.key_name: str = self.resource.key_name
