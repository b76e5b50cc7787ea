"""state_backend in the settings profiles: moved from tests/constructs, which builds it alone."""

import json

from constructs_lib.state_backend import StateBackendConfig
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


def test_s3_lockfile_can_be_turned_off(key_directory):
    from dataclasses import replace

    config = replace(
        make_config(key_directory), state=StateBackendConfig(backend="s3", bucket="b-1", use_lockfile=False)
    )
    backend = Synthesized(config).json["terraform"]["backend"]["s3"]
    assert "use_lockfile" not in backend
    assert json.dumps(backend).count("lock") == 0
