"""key_pair in the settings profiles: moved from tests/constructs, which builds it alone."""

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.synthesized import Synthesized, make_config


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
