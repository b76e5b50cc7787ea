"""The SSH key pair of the web server: the user's public key, or an ed25519 key made once and kept locally."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import tempfile
import time
from pathlib import Path

from cdktf_cdktf_provider_aws.key_pair import KeyPair as AwsKeyPair
from constructs import Construct
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .key_pair_config import (
    KEY_PAIR_NAME,
    OPENSSH_PUBLIC_KEY,
    KeyPairConfig,
    openssh_public_line,
    public_key_file_mismatch,
    read_public_key,
)
from .validation import ConfigError, Problem, ProblemList

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "KEY_PAIR_NAME",
    "MAX_KEY_FILE_BYTES",
    "OPENSSH_PUBLIC_KEY",
    "KeyFileError",
    "KeyPair",
    "KeyPairConfig",
    "ensure_generated_key",
    "read_public_key",
]


MAX_KEY_FILE_BYTES = 64 * 1024  # an OpenSSH private key is a few hundred bytes; anything larger is not one


class KeyFileError(ValueError):
    """The key directory holds a private key synth cannot use; the message says what to do instead."""


def ensure_generated_key(private_key_path: Path) -> str:
    """Create an ed25519 key at first use and reuse it afterwards; returns the OpenSSH public key line.

    Safe when several synths start at once: the key is written to a temporary file and published with a hard
    link, which fails if a key is already there; the loser reads the winner's key. Raises KeyFileError for a
    private key it cannot read (passphrase-protected, not a key) or a .pub beside it that is not its public half,
    OSError for the directory.
    """
    public_key_path = private_key_path.with_suffix(".pub")
    if private_key_path.exists() or private_key_path.is_symlink():
        private_key = _load_private_key(private_key_path)
    else:
        private_key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _remove_stale_temporaries(private_key_path)
        generated = ed25519.Ed25519PrivateKey.generate()
        pem = generated.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        )
        private_key = generated if _publish_new_file(private_key_path, pem) else _load_private_key(private_key_path)
    public_line = openssh_public_line(private_key)
    if not public_key_path.exists() and not public_key_path.is_symlink():
        # The same line whoever writes it; os.replace so a reader never sees half a line.
        _write_replacing(public_key_path, (public_line + "\n").encode("ascii"), 0o644)
    mismatch = public_key_file_mismatch(public_line, public_key_path)
    if mismatch is not None:
        # Never overwritten: a .pub we did not write is the user's file; they choose which half to keep.
        raise KeyFileError(mismatch)
    return public_line


def _load_private_key(path: Path) -> serialization.SSHPrivateKeyTypes:
    if path.is_symlink() or not path.is_file():
        raise KeyFileError(f"{path} is not a regular file; remove it, or point key_directory elsewhere")
    if path.stat().st_size > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"{path} is too large to be an OpenSSH private key")
    data = path.read_bytes()
    try:
        return serialization.load_ssh_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(
            f"{path} is passphrase-protected, so synth cannot read its public half; set web.public_key_path to "
            "its .pub file instead, or point key_directory at a directory without it"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as error:
        raise KeyFileError(
            f"{path} is not an OpenSSH private key synth can read ({error}); move it away, or set "
            "web.public_key_path to your public key"
        ) from None


def _temporary_name(final: Path) -> str:
    return f".{final.name}.tmp-{os.getpid()}-"


def _publish_new_file(final: Path, data: bytes) -> bool:
    """Write data to `final` only if nothing is there, whole and mode 0600 from the first byte.

    Returns False when another process published it first. A temporary file, then os.link (atomic, fails on an
    existing name); where hard links are not supported, O_EXCL on the final name.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=_temporary_name(final), dir=final.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, final)
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            return _publish_exclusively(final, data)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _publish_exclusively(final: Path, data: bytes) -> bool:
    try:
        descriptor = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # The other writer may still be writing: wait a moment for a whole key.
        for _ in range(50):
            try:
                serialization.load_ssh_private_key(final.read_bytes(), password=None)
                break
            except (ValueError, TypeError, UnsupportedAlgorithm):
                time.sleep(0.05)
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return True


def _remove_stale_temporaries(final: Path) -> None:
    """Temporary key files left by a synth that was killed (its process is gone); never another live one's."""
    prefix = f".{final.name}.tmp-"
    for candidate in final.parent.glob(f"{glob.escape(prefix)}*"):
        pid = candidate.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_replacing(path: Path, data: bytes, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=_temporary_name(path), dir=path.parent)
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


class KeyPair(Construct):
    """Registers the public half only: the private key never enters the synthesized JSON or Terraform state.

    Attributes: key_name, public_key, private_key_path (None when the user brought their own key).
    """

    def __init__(self, scope: Construct, id: str, config: KeyPairConfig) -> None:
        super().__init__(scope, id)
        if config.public_key_path is not None:
            problems = ProblemList()
            read_key = read_public_key(config.public_key_path, problems)
            problems.raise_if_any()
            assert read_key is not None  # a None comes with a problem, raised above
            public_key = read_key
            self.private_key_path: Path | None = None
        else:
            self.private_key_path = config.generated_private_key_path
            try:
                public_key = ensure_generated_key(self.private_key_path)
            except KeyFileError as error:
                raise ConfigError([Problem("key_directory", config.key_directory, str(error))]) from None
            except OSError as error:
                raise ConfigError(
                    [
                        Problem(
                            "key_directory",
                            config.key_directory,
                            f"cannot hold the generated key {self.private_key_path}: {error.strerror or error}",
                        )
                    ]
                ) from None
        self.public_key: str = public_key
        self.resource = AwsKeyPair(self, "key-pair", key_name=config.name, public_key=public_key)
        self.key_name: str = self.resource.key_name
