"""The key pair: a user's public key, or an ed25519 key generated once, kept 0600, never in JSON or state."""

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from synthesized import Synthesized, make_config

from constructs_lib.key_pair import KeyPairConfig
from constructs_lib.validation import ConfigError


def test_generated_private_key_is_0600_and_only_its_public_half_is_registered(dev, key_directory):
    private_key_path = Path(key_directory) / "aurora-web-key.pem"
    assert stat.S_IMODE(os.stat(private_key_path).st_mode) == 0o600
    private_key = serialization.load_ssh_private_key(private_key_path.read_bytes(), password=None)
    assert isinstance(private_key, ed25519.Ed25519PrivateKey)
    public_line = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    dev.has("aws_key_pair", {"key_name": "aurora-web-key", "public_key": public_line})
    assert "PRIVATE KEY" not in dev.text
    private_body = private_key_path.read_text().splitlines()[1]
    assert private_body not in dev.text


def test_generated_key_is_reused_on_later_synths(dev, key_directory):
    before = (Path(key_directory) / "aurora-web-key.pem").read_bytes()
    again = Synthesized(make_config(key_directory))
    assert (Path(key_directory) / "aurora-web-key.pem").read_bytes() == before
    assert again.only("aws_key_pair")["public_key"] == dev.only("aws_key_pair")["public_key"]


def test_users_public_key_file_is_registered_and_nothing_is_generated(tmp_path):
    public_key = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    key_file = tmp_path / "mine.pub"
    key_file.write_text(public_key + " me@laptop\n")
    stack = Synthesized(make_config(str(tmp_path / "generated"), {"web": {"public_key_path": str(key_file)}}))
    stack.has("aws_key_pair", {"public_key": public_key + " me@laptop"})
    assert not (tmp_path / "generated").exists()


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
    from bare_stack import BareStack

    from constructs_lib.key_pair import KeyPair, KeyPairConfig

    config = KeyPairConfig(name="solo-key", key_directory=str(tmp_path / "keys"))
    bare = BareStack(lambda stack: KeyPair(stack, "key", config))
    (pair,) = bare.resources("aws_key_pair").values()
    assert pair["key_name"] == "solo-key" and pair["public_key"].startswith("ssh-ed25519 ")
    assert (tmp_path / "keys" / "solo-key.pem").stat().st_mode & 0o777 == 0o600
