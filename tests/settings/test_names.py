"""names.py: every name the stack derives fits the AWS limit that applies, reported once on the key written."""

import pytest

from aurora_web.settings.names import IAM_ROLE_NAME_PREFIX, RDS_INSTANCE_IDENTIFIER
from aurora_web.settings.stacks import app_config_from_document
from constructs_lib.validation import ConfigError

# prod puts the site behind an HTTPS load balancer, which needs a certificate.
PROD_LOAD_BALANCER = {
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
}


def lines(document) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        app_config_from_document(document)
    return [problem.render() for problem in raised.value.problems]


def test_a_32_character_prefix_in_prod_is_one_line_on_name_prefix():
    (line,) = lines({"profile": "prod", "name_prefix": "a" * 32, "load_balancer": PROD_LOAD_BALANCER})
    assert line.startswith("name_prefix = 'aaaa")
    assert f"IAM role name_prefix '{'a' * 32}-flow-logs-'" in line and "AWS allows 38" in line


def test_the_longest_prefix_that_fits_is_accepted():
    longest = IAM_ROLE_NAME_PREFIX.max_length - len("-flow-logs-")
    (stack,) = app_config_from_document(
        {"profile": "prod", "name_prefix": "a" * longest, "load_balancer": PROD_LOAD_BALANCER}
    ).values()
    assert stack.name_prefix == "a" * longest


def test_a_63_character_cluster_identifier_with_readers_is_refused():
    (line,) = lines({"database": {"cluster_identifier": "c" * 63, "reader_count": 2}})
    assert line.startswith("database.cluster_identifier = ") and "-reader-2'" in line
    assert f"AWS allows {RDS_INSTANCE_IDENTIFIER.max_length}" in line


def test_an_upper_case_cluster_identifier_is_refused_with_the_lowercase_spelling():
    (line,) = lines({"database": {"cluster_identifier": "MyCluster"}})
    assert line == (
        "database.cluster_identifier = 'MyCluster': must be lowercase: RDS stores identifiers in lowercase and "
        "Terraform refuses upper case; write 'mycluster'"
    )


def test_a_bad_prefix_is_one_line_not_one_per_derived_name():
    assert [line.split(" = ")[0] for line in lines({"name_prefix": "x" * 5000})] == ["name_prefix"]


def test_an_environment_that_makes_the_prefix_too_long_blames_the_prefix_written():
    # Both profiles have flow logs, whose role's name_prefix is the tightest: each environment is one line.
    dev_line, prod_line = lines(
        {
            "name_prefix": "a" * 26,
            "environments": {"dev": {}, "prod": {"profile": "prod", "load_balancer": PROD_LOAD_BALANCER}},
        }
    )
    assert dev_line.startswith(f"name_prefix = '{'a' * 26}': environment dev makes it '{'a' * 26}-dev'")
    assert prod_line.startswith(f"name_prefix = '{'a' * 26}': environment prod makes it '{'a' * 26}-prod'")
    assert "-flow-logs-" in dev_line and "-flow-logs-" in prod_line


def test_an_environment_whose_longer_suffix_alone_breaks_the_limit_is_the_only_line():
    longest = IAM_ROLE_NAME_PREFIX.max_length - len("-flow-logs-") - len("-dev")  # dev fits exactly; prod does not
    (line,) = lines(
        {
            "name_prefix": "a" * longest,
            "environments": {"dev": {}, "prod": {"profile": "prod", "load_balancer": PROD_LOAD_BALANCER}},
        }
    )
    assert line.startswith(f"name_prefix = '{'a' * longest}': environment prod makes it")


def test_long_values_are_shortened():
    (line,) = lines({"name_prefix": "x" * 50_000_000})
    assert len(line) < 300 and "…" in line


def test_a_prefix_that_makes_a_group_name_start_with_sg_is_refused():
    (line,) = lines({"name_prefix": "sg"})
    assert line == "name_prefix = 'sg': makes the security group name 'sg-web', and AWS refuses names starting with sg-"


def test_the_app_artifact_bucket_name_is_checked_with_a_12_digit_account():
    """<prefix>-app-<account>-<region>: the account id is unknown at synth, so its 12 digits are counted."""
    (line,) = lines({"name_prefix": "a" * 32, "region": "ap-southeast-5", "network": {"flow_logs": False}})
    assert line == (
        f"name_prefix = '{'a' * 32}': is 1 character too long for the S3 bucket name "
        f"'{'a' * 32}-app-<account-id>-ap-southeast-5' it makes (64 characters; AWS allows 63)"
    )
    app_config_from_document({"name_prefix": "a" * 31, "region": "ap-southeast-5", "network": {"flow_logs": False}})
    (reserved,) = lines({"name_prefix": "sthree"})
    assert "S3 bucket name 'sthree-app-<account-id>-us-east-1'" in reserved
    app_config_from_document({"name_prefix": "sthree", "web": {"install_app": False}})  # no app, no such bucket
