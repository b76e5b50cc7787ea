"""State: one local file per stack by default (relative path), or S3 with encryption and S3's native lock file."""

import pytest

from constructs_lib.state_backend import StateBackendConfig
from constructs_lib.validation import ConfigError


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


def test_state_backend_alone_in_a_bare_stack():
    from constructs_lib.state_backend import StateBackendConfig, configure_backend
    from tests.support.bare_stack import BareStack

    config = StateBackendConfig(backend="s3", bucket="team-state")
    bare = BareStack(lambda stack: configure_backend(stack, "solo", config, default_region="eu-west-1"))
    backend = bare.json["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "team-state" and backend["key"] == "aurora-web/solo.tfstate"
    assert backend["region"] == "eu-west-1" and backend["use_lockfile"] is True
