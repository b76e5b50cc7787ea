"""Property-based: any document either loads into a valid config or fails with the clean ConfigError, nothing else."""

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_web.settings.problems import every_key
from aurora_web.settings.stacks import load_stack_config, stack_config_from_document
from constructs_lib.aurora_web_stack import AuroraWebStackConfig
from constructs_lib.validation import ConfigError

KEYS = every_key()
KNOWN_NAMES = sorted({key for keys in KEYS.values() for key in keys} | {name for name in KEYS if name})
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "10.0.0.0/16",
            "0.0.0.0/0",
            "10.0.1.0/24",
            "us-east-1",
            "us-east-1a",
            "db.t3.medium",
            "8.0.mysql_aurora.3.10.0",
            "prod",
            "dev",
            "aurora-web",
            "vpc-0123456789abcdef0",
            "subnet-0123456789abcdef0",
            "203.0.113.7/32",
            "/nonexistent/key.pub",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=8,
)
keys = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=12))
sections = st.dictionaries(keys, values, max_size=6)
documents = st.dictionaries(keys, st.one_of(values, sections), max_size=8)


def loads_or_fails_cleanly(load) -> None:
    try:
        config = load()
    except ConfigError as error:
        assert error.problems, "a ConfigError must name at least one problem"
        for problem in error.problems:
            assert problem.allowed
            rendered = problem.render()
            assert rendered.split(" = ", 1)[0].strip(), f"a problem without a key name: {rendered!r}"
    else:
        assert isinstance(config, AuroraWebStackConfig)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_loads_or_fails_cleanly(document):
    loads_or_fails_cleanly(lambda: stack_config_from_document(document))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["network", "web", "database"]),
        st.dictionaries(
            st.sampled_from(sorted({k for s in ("network", "web", "database") for k in KEYS[s]})), scalars, max_size=6
        ),
        max_size=3,
    ),
    st.sampled_from(["dev", "prod", "staging"]),
)
def test_known_keys_with_wrong_values_fail_cleanly(document, profile):
    loads_or_fails_cleanly(lambda: stack_config_from_document({"profile": profile, **document}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_file_content_loads_or_fails_cleanly(tmp_path, content):
    settings_file = tmp_path / "settings.toml"
    settings_file.write_bytes(content)
    loads_or_fails_cleanly(lambda: load_stack_config(str(settings_file)))


def test_a_valid_document_round_trips():
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    text = f'profile = "prod"\n[database]\nreader_count = 3\n[load_balancer]\ncertificate_arn = "{certificate}"\n'
    config = stack_config_from_document(tomllib.loads(text))
    assert config.database.reader_count == 3
