"""The data files of values AWS and MySQL accept: well formed, each entry with a source, and every class and version
the project itself uses (defaults, profiles, examples) listed in them; the checks that read them refuse the rest."""

import json
import tomllib

import pytest

from aurora_web.settings.profiles import PROFILE_DEFAULTS
from constructs_lib.aurora_alarms_config import EMAIL
from constructs_lib.aurora_cluster_config import DEFAULT_ENGINE_VERSION, ENGINE_VERSION, AuroraClusterConfig
from constructs_lib.aurora_web_stack_config import RESOURCE_TAG_KEYS, STACK_TAG_KEYS, AuroraWebStackConfig
from constructs_lib.load_balancer_config import certificate_region
from constructs_lib.published import (
    AURORA_MYSQL3,
    MYSQL_RESERVED_WORDS,
    aurora_mysql3_engine_versions,
    aurora_mysql3_instance_classes,
    mysql_reserved_words,
)
from constructs_lib.state_backend_config import StateBackendConfig
from constructs_lib.validation import ConfigError
from constructs_lib.web_server_config import WebServerConfig
from tests.support.paths import PROJECT_ROOT


@pytest.mark.parametrize("path, section", [(AURORA_MYSQL3, "instance_classes"), (AURORA_MYSQL3, "engine_versions")])
def test_every_entry_names_a_listed_source(path, section):
    document = json.loads(path.read_text())
    assert document["about"] and document["sources"]
    for source in document["sources"].values():
        assert source["url"].startswith("https://") and source["note"]
    for entry in document[section]:
        cited = [name.strip() for name in entry["source"].split(",")]
        assert cited and all(name in document["sources"] for name in cited), entry


def test_the_reserved_words_come_from_the_manual():
    document = json.loads(MYSQL_RESERVED_WORDS.read_text())
    assert "dev.mysql.com/doc/refman/8.0" in document["sources"]["mysql_8_0_manual"]["url"]
    words = mysql_reserved_words()
    assert {"SELECT", "INTERVAL", "RANK", "ROWS"} <= words
    assert not {"ADMIN", "BEGIN", "END", "USER"} & words  # keywords that are not reserved


def test_versions_have_the_api_format_and_include_the_lts_lines():
    versions = aurora_mysql3_engine_versions()
    assert all(ENGINE_VERSION.match(version) for version in versions)
    assert DEFAULT_ENGINE_VERSION in versions
    assert {"8.0.mysql_aurora.3.04.0", "8.0.mysql_aurora.3.08.2"} <= versions


def _example_databases():
    for path in sorted((PROJECT_ROOT / "examples").glob("*.toml")):
        document = tomllib.loads(path.read_text())
        tables = [document, *(document.get("environments") or {}).values()]
        for table in tables:
            yield path.name, table.get("database", {})


def test_the_projects_own_classes_and_versions_are_listed():
    classes, versions = aurora_mysql3_instance_classes(), aurora_mysql3_engine_versions()
    used_classes = {AuroraClusterConfig.instance_class, "db.serverless"}
    used_classes |= {defaults["database"]["instance_class"] for defaults in PROFILE_DEFAULTS.values()}
    used_versions = {AuroraClusterConfig.engine_version}
    for _, database in _example_databases():
        used_classes |= {database["instance_class"]} if "instance_class" in database else set()
        used_versions |= {database["engine_version"]} if "engine_version" in database else set()
    assert used_classes <= classes, used_classes - classes
    assert used_versions <= versions, used_versions - versions


@pytest.mark.parametrize(
    "field, value",
    [
        ("instance_class", "db.t2.micro"),
        ("instance_class", "db.t3.small"),
        ("engine_version", "8.0.mysql_aurora.3.99.0"),
        ("master_username", "Select"),
    ],
)
def test_the_cluster_refuses_what_aws_refuses(field, value):
    with pytest.raises(ConfigError) as raised:
        AuroraClusterConfig(**{field: value})
    assert [problem.key for problem in raised.value.problems] == [field]


@pytest.mark.parametrize("value", ["db.r7g.large", "db.t4g.medium", "db.r8g.48xlarge"])
def test_the_cluster_takes_listed_classes(value):
    assert AuroraClusterConfig(instance_class=value).instance_class == value


def test_tag_keys_reserved_in_any_case_and_the_count_includes_the_stacks_own():
    for key in ("aws:x", "AWS:x", "Aws:x"):
        with pytest.raises(ConfigError):
            AuroraWebStackConfig(tags={key: "v"})
    assert AuroraWebStackConfig(tags={"awsome": "v"}).tags == {"awsome": "v"}
    room = 50 - len({*STACK_TAG_KEYS, *RESOURCE_TAG_KEYS})
    AuroraWebStackConfig(tags={f"t{number}": "x" for number in range(room)})
    with pytest.raises(ConfigError):
        AuroraWebStackConfig(tags={f"t{number}": "x" for number in range(room + 1)})
    # overriding a stack tag adds none
    AuroraWebStackConfig(tags={"Project": "p", **{f"t{number}": "x" for number in range(room)}})


def test_prod_ssh_at_most_a_16_dev_unchanged():
    AuroraWebStackConfig(profile="prod", web_server=WebServerConfig(ssh_cidr="10.1.0.0/16"))
    with pytest.raises(ConfigError) as raised:
        AuroraWebStackConfig(profile="prod", web_server=WebServerConfig(ssh_cidr="10.0.0.0/15"))
    assert [problem.key for problem in raised.value.problems] == ["web.ssh_cidr"]
    AuroraWebStackConfig(profile="dev", web_server=WebServerConfig(ssh_cidr="10.0.0.0/8"))


UUID = "12345678-1234-1234-1234-123456789012"


@pytest.mark.parametrize(
    "arn, region",
    [
        (f"arn:aws:acm:eu-west-1:123456789012:certificate/{UUID}", "eu-west-1"),
        (f"arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/{UUID}", "us-gov-west-1"),
        (f"arn:aws-cn:acm:us-east-1:123456789012:certificate/{UUID}", None),
        (f"arn:aws:acm:cn-north-1:123456789012:certificate/{UUID}", None),
    ],
)
def test_a_certificate_arn_names_a_region_of_its_own_partition(arn, region):
    assert certificate_region(arn) == region


@pytest.mark.parametrize(
    "address, accepted",
    [
        ("ops@example.com", True),
        ("first.last+alarms@mail.example.co.uk", True),
        ("ops@example..com", False),
        ("ops@.example.com", False),
        ("ops@-example.com", False),
        ("ops@localhost", False),
    ],
)
def test_alarm_email_domain_labels(address, accepted):
    assert bool(EMAIL.match(address)) is accepted


@pytest.mark.parametrize("bucket", ["sthree-state", "amzn-s3-demo-state", "state-s3alias", "state--x-s3"])
def test_state_bucket_refuses_names_s3_reserves(bucket):
    with pytest.raises(ConfigError):
        StateBackendConfig(backend="s3", bucket=bucket)
