"""State: one local file per stack by default (relative path), or S3 with encryption and S3's native lock file."""

import json

import pytest

from constructs_lib.state_backend import StateBackendConfig
from constructs_lib.validation import ConfigError
from tests.support.synthesized import Synthesized, make_config


def test_default_is_a_relative_local_state_file_per_stack(dev):
    assert dev.json["terraform"]["backend"] == {"local": {"path": "../../../terraform.test.tfstate"}}


def test_s3_backend_is_encrypted_keyed_per_stack_and_uses_the_s3_lock_file(key_directory):
    config = make_config(key_directory, {"region": "eu-west-1"})
    from dataclasses import replace

    config = replace(config, state=StateBackendConfig(backend="s3", bucket="team-state", key_prefix="web"))
    stack = Synthesized(config, name="prod")
    assert stack.json["terraform"]["backend"] == {
        "s3": {
            "bucket": "team-state",
            "key": "web/prod.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"backend": "consul"}, "backend"),
        ({"backend": "s3"}, "bucket"),
        ({"backend": "s3", "bucket": "Bad_Bucket"}, "bucket"),
        ({"backend": "s3", "bucket": "ok-bucket", "key_prefix": "/abs"}, "key_prefix"),
        ({"backend": "local", "bucket": "ok-bucket"}, "bucket"),
    ],
)
def test_bad_state_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        StateBackendConfig(**settings)
    assert key in [problem.key for problem in raised.value.problems]


def test_s3_lockfile_can_be_turned_off(key_directory):
    from dataclasses import replace

    config = replace(
        make_config(key_directory), state=StateBackendConfig(backend="s3", bucket="b-1", use_lockfile=False)
    )
    backend = Synthesized(config).json["terraform"]["backend"]["s3"]
    assert "use_lockfile" not in backend
    assert json.dumps(backend).count("lock") == 0


def test_state_backend_alone_in_a_bare_stack():
    from constructs_lib.state_backend import StateBackendConfig, configure_backend
    from tests.support.bare_stack import BareStack

    config = StateBackendConfig(backend="s3", bucket="team-state")
    bare = BareStack(lambda stack: configure_backend(stack, "solo", config, default_region="eu-west-1"))
    backend = bare.json["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "team-state" and backend["key"] == "aurora-web/solo.tfstate"
    assert backend["region"] == "eu-west-1" and backend["use_lockfile"] is True
