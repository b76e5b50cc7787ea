"""The key pair: a user's public key, or an ed25519 key generated once, kept 0600, never in JSON or state."""

import base64
import multiprocessing
import os
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import cdktf
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from constructs_lib.key_pair import KeyPair, KeyPairConfig, ensure_generated_key
from constructs_lib.validation import ConfigError


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "file not found"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n", "is a private key"),
        ("hello world\n", "is not an OpenSSH public key"),
    ],
)
def test_bad_public_key_files_are_refused(tmp_path, content, message):
    key_file = tmp_path / "key.pub"
    if content is not None:
        key_file.write_text(content)
    with pytest.raises(ConfigError) as raised:
        KeyPairConfig(public_key_path=str(key_file))
    assert message in str(raised.value)
    assert raised.value.problems[0].key == "public_key_path"


def test_key_pair_alone_in_a_bare_stack(tmp_path):
    from constructs_lib.key_pair import KeyPair, KeyPairConfig
    from tests.support.bare_stack import BareStack

    config = KeyPairConfig(name="solo-key", key_directory=str(tmp_path / "keys"))
    bare = BareStack(lambda stack: KeyPair(stack, "key", config))
    (pair,) = bare.resources("aws_key_pair").values()
    assert pair["key_name"] == "solo-key" and pair["public_key"].startswith("ssh-ed25519 ")
    assert (tmp_path / "keys" / "solo-key.pem").stat().st_mode & 0o777 == 0o600


def _generate_in_child(arguments) -> str:
    private_key_path, barrier = arguments
    barrier.wait()
    return ensure_generated_key(Path(private_key_path))


def test_first_synths_at_once_share_one_generated_key(tmp_path):
    """Several first synths racing to generate the key: none fails with 'File exists'; all register the same key."""
    context = multiprocessing.get_context("fork")
    private_key_path = tmp_path / "keys" / "aurora-web-key.pem"
    for _round in range(5):
        shutil.rmtree(private_key_path.parent, ignore_errors=True)
        barrier = context.Manager().Barrier(6)
        with context.Pool(6) as pool:
            lines = pool.map(_generate_in_child, [(str(private_key_path), barrier)] * 6)
        assert len(set(lines)) == 1
        loaded = serialization.load_ssh_private_key(private_key_path.read_bytes(), password=None)
        public = loaded.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        assert public.decode() == lines[0]
        assert (private_key_path.with_suffix(".pub")).read_text() == lines[0] + "\n"
        assert stat.S_IMODE(os.stat(private_key_path).st_mode) == 0o600
        assert sorted(path.name for path in private_key_path.parent.iterdir()) == [
            "aurora-web-key.pem",
            "aurora-web-key.pub",
        ], "a temporary key file was left behind"


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _passphrase_protected_openssh_key() -> bytes:
    """An OpenSSH private key file as `ssh-keygen -N pass` writes it (the encrypted part is never read)."""
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    public_blob = _ssh_string(b"ssh-ed25519") + _ssh_string(public)
    body = (
        b"openssh-key-v1\0"
        + _ssh_string(b"aes256-ctr")
        + _ssh_string(b"bcrypt")
        + _ssh_string(_ssh_string(os.urandom(16)) + struct.pack(">I", 16))
        + struct.pack(">I", 1)
        + _ssh_string(public_blob)
        + _ssh_string(os.urandom(160))
    )
    encoded = base64.b64encode(body).decode()
    lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
    armored = ["-----BEGIN OPENSSH PRIVATE KEY-----", *lines, "-----END OPENSSH PRIVATE KEY-----", ""]
    return "\n".join(armored).encode()


@pytest.mark.parametrize(
    "content, message",
    [
        (_passphrase_protected_openssh_key(), "is passphrase-protected"),
        (b"-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n", "is not an OpenSSH"),
        (b"", "is not an OpenSSH"),
    ],
)
def test_unusable_private_key_in_the_key_directory_is_one_clear_problem(tmp_path, content, message):
    (tmp_path / "aurora-web-key.pem").write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        KeyPair(cdktf.Testing.app(), "key", KeyPairConfig(key_directory=str(tmp_path)))
    [problem] = raised.value.problems
    assert problem.key == "key_directory"
    assert message in problem.allowed
    assert "Traceback" not in problem.allowed
    assert not (tmp_path / "aurora-web-key.pub").exists()


def test_a_directory_where_the_private_key_should_be_is_one_clear_problem(tmp_path):
    (tmp_path / "aurora-web-key.pem").mkdir()
    with pytest.raises(ConfigError) as raised:
        KeyPair(cdktf.Testing.app(), "key", KeyPairConfig(key_directory=str(tmp_path)))
    assert "is not a regular file" in raised.value.problems[0].allowed


def test_a_killed_synths_temporary_key_file_is_removed_a_live_ones_is_not(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = tmp_path / f".aurora-web-key.pem.tmp-{dead.stdout.strip()}-abc"
    live = tmp_path / f".aurora-web-key.pem.tmp-{os.getpid()}-def"
    stale.write_bytes(b"half a key")
    live.write_bytes(b"being written")
    ensure_generated_key(tmp_path / "aurora-web-key.pem")
    assert not stale.exists()
    assert live.exists()


def test_a_public_key_file_that_is_not_the_private_keys_half_is_refused_and_kept(tmp_path):
    """The construct itself never leaves a pair whose .pub is another key's (issue 22), nor overwrites that file."""
    from cryptography.hazmat.primitives.asymmetric import ed25519 as keys

    private_key_path = tmp_path / "keys" / "solo-key.pem"
    ensure_generated_key(private_key_path)
    other = keys.Ed25519PrivateKey.generate().public_key()
    stranger = other.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" x@y\n"
    private_key_path.with_suffix(".pub").write_bytes(stranger)
    config = KeyPairConfig(name="solo-key", key_directory=str(tmp_path / "keys"))
    with pytest.raises(ConfigError) as raised:
        KeyPair(cdktf.TerraformStack(cdktf.App(outdir=str(tmp_path / "out")), "stack"), "key", config)
    (problem,) = raised.value.problems
    assert problem.key == "key_directory"
    assert problem.allowed == (
        f"{private_key_path.with_suffix('.pub')} is not the public half of {private_key_path} (a key pair's files "
        "must match); move the wrong one away"
    )
    assert private_key_path.with_suffix(".pub").read_bytes() == stranger
