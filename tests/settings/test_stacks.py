"""stacks.py: the settings file to stack configs: profile defaults, environments, every problem in one error."""

import pytest

from aurora_web.settings.schema import SECTIONS, StackSettings
from aurora_web.settings.stacks import load_stack_config, stack_config_from_document
from constructs_lib.validation import ConfigError

# prod puts the site behind an HTTPS load balancer, which needs a certificate.
PROD_LOAD_BALANCER = {
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
}


def problems_of(document) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        stack_config_from_document(document)
    return {problem.key: problem.allowed for problem in raised.value.problems}


def test_no_file_means_the_dev_defaults(monkeypatch):
    monkeypatch.delenv("AURORA_WEB_CONFIG", raising=False)
    config = load_stack_config()
    assert (config.profile, config.region, config.name_prefix) == ("dev", "us-east-1", "aurora-web")
    assert config.network.vpc_cidr == "10.0.0.0/16" and config.network.az_count == 2
    assert config.web_server.instance_type == "t3.micro" and config.web_server.ssh_cidr is None
    assert config.database.instance_class == "db.t3.medium" and config.database.reader_count == 1
    assert config.database.database_name == "sample" and config.database.master_username == "admin"
    assert config.database.identifier == "aurora-web-db-cluster"
    assert config.database.deletion_protection is False


def test_the_file_named_by_the_environment_is_read(tmp_path, monkeypatch):
    settings = tmp_path / "aurora.toml"
    settings.write_text("""
profile = "prod"
region = "eu-central-1"
name_prefix = "shop"
tags = { team = "web" }
[network]
vpc_cidr = "10.20.0.0/16"
az_count = 3
[web]
instance_type = "t3.small"
ssh_cidr = "198.51.100.0/24"
[database]
reader_count = 2
backup_retention_days = 14
database_name = "shop"
master_username = "owner"
[load_balancer]
certificate_arn = "arn:aws:acm:eu-central-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
""")
    monkeypatch.setenv("AURORA_WEB_CONFIG", str(settings))
    config = load_stack_config()
    assert (config.profile, config.region, config.tags) == ("prod", "eu-central-1", {"team": "web"})
    assert config.network.az_count == 3 and config.network.name == "shop"
    assert config.web_server.ssh_cidr == "198.51.100.0/24"
    assert config.key_pair.name == "shop-key"
    assert config.database.identifier == "shop-db-cluster" and config.database.reader_count == 2
    assert config.database.deletion_protection is True and config.database.skip_final_snapshot is False
    assert config.connection.suffix == "shop"


def test_explicit_keys_win_over_the_profile_defaults():
    config = stack_config_from_document(
        {"profile": "prod", "database": {"deletion_protection": False}, "load_balancer": PROD_LOAD_BALANCER}
    )
    assert config.database.deletion_protection is False and config.database.skip_final_snapshot is False


def test_unknown_keys_get_a_did_you_mean():
    problems = problems_of({"regoin": "us-east-1", "database": {"reader_cnt": 2}, "reader_count": 2})
    assert "did you mean region?" in problems["regoin"]
    assert "did you mean database.reader_count?" in problems["database.reader_cnt"]
    assert "did you mean database.reader_count?" in problems["reader_count"]


def test_wrong_types_and_values_are_all_reported_at_once():
    problems = problems_of(
        {
            "profile": "staging",
            "network": {"az_count": "two"},
            "database": {"reader_count": 99, "backup_retention_days": True},
        }
    )
    assert problems["profile"] == "must be one of dev, prod"
    assert problems["network.az_count"] == "must be an integer"
    assert problems["database.reader_count"] == "must be an integer from 0 to 15"
    assert problems["database.backup_retention_days"] == "must be an integer"


def test_load_balancer_idle_timeout_is_read_and_bounded():
    front_door = {"enabled": True, **PROD_LOAD_BALANCER}
    config = stack_config_from_document({"load_balancer": {**front_door, "idle_timeout_seconds": 300}})
    assert config.load_balancer is not None and config.load_balancer.idle_timeout_seconds == 300
    for bad in (0, 4001):
        problems = problems_of({"load_balancer": {**front_door, "idle_timeout_seconds": bad}})
        assert problems == {"load_balancer.idle_timeout_seconds": "must be an integer from 1 to 4000"}


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "file not found"),
        ("region = ", "is not valid TOML"),
        (b"\xff\xfe", "is not valid TOML"),
    ],
)
def test_unreadable_files_are_reported_by_path(tmp_path, content, message):
    settings = tmp_path / "settings.toml"
    if isinstance(content, bytes):
        settings.write_bytes(content)
    elif content is not None:
        settings.write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_stack_config(str(settings))
    (problem,) = raised.value.problems
    assert problem.key == "AURORA_WEB_CONFIG" and problem.value == str(settings) and message in problem.allowed


def test_every_key_is_documented():
    for model in (StackSettings, *SECTIONS.values()):
        assert model.model_fields, f"{model.__name__} has no keys"
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


@pytest.mark.parametrize("profile, expected", [("dev", False), ("prod", True)])
def test_profile_defaults_reach_every_section_including_the_top_level(profile, expected):
    config = stack_config_from_document({"profile": profile, "load_balancer": PROD_LOAD_BALANCER})
    assert config.customer_managed_key is True and config.network.flow_logs is True  # secure by default: both
    assert (config.load_balancer is not None) is expected
    assert config.network.nat_gateway is expected
    assert config.web_server.public is not expected
    assert config.database.performance_insights is expected and (config.backup_plan is not None) is expected


@pytest.mark.parametrize("profile, window, flow_log_days", [("dev", 7, 30), ("prod", 30, 365)])
def test_profiles_choose_the_keys_deletion_window_and_the_flow_log_retention(profile, window, flow_log_days):
    config = stack_config_from_document({"profile": profile, "load_balancer": PROD_LOAD_BALANCER})
    assert config.encryption_key_config().deletion_window_days == window
    assert config.network.flow_logs_config().retention_days == flow_log_days
    written = {"key_deletion_window_days": 12, "network": {"flow_logs_retention_days": 90}}
    config = stack_config_from_document({"profile": profile, "load_balancer": PROD_LOAD_BALANCER, **written})
    assert config.key_deletion_window_days == 12 and config.network.flow_logs_retention_days == 90
    written = {"customer_managed_key": False, "network": {"flow_logs": False}, "database": {"alarms": False}}
    config = stack_config_from_document({"profile": profile, "load_balancer": PROD_LOAD_BALANCER, **written})
    assert config.customer_managed_key is False and config.network.flow_logs is False


REGION = "eu-west-1"


def test_environments_give_one_stack_each_overriding_the_top_level():
    from aurora_web.settings.stacks import app_config_from_document

    stacks = app_config_from_document(
        {
            "name_prefix": "shop",
            "region": "eu-west-1",
            "database": {"reader_count": 2, "backup_retention_days": 9},
            "environments": {
                "dev": {"profile": "dev"},
                "prod": {
                    "profile": "prod",
                    "database": {"reader_count": 3},
                    "tags": {"env": "prod"},
                    "load_balancer": {
                        "certificate_arn": PROD_LOAD_BALANCER["certificate_arn"].replace("us-east-1", REGION)
                    },
                },
            },
            "state": {"backend": "s3", "bucket": "team-state"},
        }
    )
    assert sorted(stacks) == ["dev", "prod"]
    dev, prod = stacks["dev"], stacks["prod"]
    assert (dev.name_prefix, prod.name_prefix) == ("shop-dev", "shop-prod")
    assert dev.database.reader_count == 2 and prod.database.reader_count == 3
    assert prod.database.backup_retention_days == 9, "a section is merged key by key, not replaced"
    assert prod.database.identifier == "shop-prod-db-cluster" and prod.tags == {"env": "prod"}
    assert dev.profile == "dev" and prod.database.deletion_protection is True
    assert dev.state.backend == prod.state.backend == "s3"


def test_environment_problems_name_the_environment_and_shared_problems_appear_once():
    from aurora_web.settings.stacks import app_config_from_document

    with pytest.raises(ConfigError) as raised:
        app_config_from_document(
            {"regoin": "x", "environments": {"dev": {}, "prod": {"database": {"reader_count": 99}}, "Bad Name": {}}}
        )
    keys = [problem.key for problem in raised.value.problems]
    assert keys.count("regoin") == 1
    assert "environments.prod.database.reader_count" in keys
    assert "environments.Bad Name" in keys


def test_without_environments_the_stack_is_named_after_the_prefix():
    from aurora_web.settings.stacks import app_config_from_document

    assert list(app_config_from_document({"name_prefix": "shop"})) == ["shop"]


def test_each_environment_may_keep_its_state_elsewhere():
    from aurora_web.settings.stacks import app_config_from_document

    stacks = app_config_from_document(
        {
            "state": {"backend": "s3", "bucket": "team-state"},
            "environments": {
                "dev": {"state": {"backend": "local"}},
                "prod": {"profile": "prod", "load_balancer": PROD_LOAD_BALANCER},
            },
        }
    )
    assert (stacks["dev"].state.backend, stacks["prod"].state.backend) == ("local", "s3")
    stacks = app_config_from_document(
        {"environments": {"dev": {}, "prod": {"state": {"backend": "s3", "bucket": "team-state"}}}}
    )
    assert (stacks["dev"].state.backend, stacks["prod"].state.bucket) == ("local", "team-state")


@pytest.mark.parametrize(
    "environments, expected",
    [
        (
            {"dev": {"name_prefix": "x"}, "prod": {"name_prefix": "x"}},
            "environments.prod.name_prefix = 'x': is also environment dev's",
        ),
        (
            {"dev": {"environments": {"qa": {}}}},
            "environments.dev.environments = {'qa': {}}: environments do not nest",
        ),
        ({"dev\n": {}}, "environments.\"dev\\n\" = 'dev\\n': environment names are"),
    ],
)
def test_environments_that_would_clash_or_be_lost_are_refused(environments, expected):
    from aurora_web.settings.stacks import app_config_from_document

    with pytest.raises(ConfigError) as raised:
        app_config_from_document({"environments": environments})
    (line,) = [problem.render() for problem in raised.value.problems]
    assert line.startswith(expected), line


def test_a_cluster_identifier_shared_by_every_environment_is_refused_once():
    from aurora_web.settings.stacks import app_config_from_document

    with pytest.raises(ConfigError) as raised:
        app_config_from_document({"database": {"cluster_identifier": "db"}, "environments": {"dev": {}, "prod": {}}})
    (line,) = [problem.render() for problem in raised.value.problems]
    assert line.startswith("database.cluster_identifier = 'db': is shared by environments dev and prod")


@pytest.mark.parametrize(
    "document, expected",
    [
        ({"network": {"vpc_cidr": "127.0.0.0/16"}}, "network.vpc_cidr = '127.0.0.0/16': lies in a reserved range"),
        ({"network": {"vpc_cidr": "224.0.0.0/16"}}, "network.vpc_cidr = '224.0.0.0/16': lies in a reserved range"),
        ({"network": {"vpc_cidr": "169.254.0.0/16"}}, "network.vpc_cidr = '169.254.0.0/16': lies in a reserved"),
        (
            {"network": {"public_subnet_cidrs": ["10.0.0.0/30", "10.0.1.0/24"]}},
            "network.public_subnet_cidrs = '10.0.0.0/30': is smaller than AWS's smallest subnet, /28",
        ),
        (
            {"network": {"public_subnet_cidrs": ["10.0.128.0/20", "10.0.1.0/24"]}},
            "network.public_subnet_cidrs = '10.0.128.0/20': overlaps the default private subnet 10.0.128.0/20",
        ),
        (
            {"network": {"private_subnet_cidrs": ["10.0.0.0/24", "10.0.128.0/24"]}},
            "network.private_subnet_cidrs = '10.0.0.0/24': overlaps the default public subnet 10.0.0.0/20",
        ),
        (
            {"state": {"backend": "s3", "bucket": "192.168.1.1"}},
            "state.bucket = '192.168.1.1': must be an S3 bucket name",
        ),
        (
            {"state": {"backend": "s3", "bucket": "team", "key_prefix": "a/../b"}},
            "state.key_prefix = 'a/../b': must be an S3 key prefix",
        ),
        (
            {"state": {"backend": "s3", "bucket": "team", "key_prefix": "a//b"}},
            "state.key_prefix = 'a//b': must be an S3 key prefix",
        ),
        ({"region": "cn-north-1"}, "region = 'cn-north-1': is in the aws-cn partition"),
        ({"region": "us-gov-west-1"}, "region = 'us-gov-west-1': is in the aws-us-gov partition"),
    ],
)
def test_values_aws_would_refuse_are_refused(document, expected):
    with pytest.raises(ConfigError) as raised:
        stack_config_from_document(document)
    (line,) = [problem.render() for problem in raised.value.problems]
    assert line.startswith(expected), line
