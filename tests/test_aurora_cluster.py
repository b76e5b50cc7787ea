"""The Aurora cluster: pinned LTS engine, writer + readers across AZs, TLS, managed secret, encryption, backups."""

import pytest
from synthesized import Synthesized, make_config, reference

from constructs_lib.aurora_cluster import DEFAULT_ENGINE_VERSION, AuroraClusterConfig
from constructs_lib.validation import ConfigError


def test_engine_is_aurora_mysql_on_a_pinned_lts_version(dev):
    assert DEFAULT_ENGINE_VERSION.startswith("8.0.mysql_aurora.3.10.")
    dev.has(
        "aws_rds_cluster",
        {"engine": "aurora-mysql", "engine_version": DEFAULT_ENGINE_VERSION, "engine_mode": "provisioned"},
    )


def test_cluster_is_secure_by_default(dev):
    dev.has(
        "aws_rds_cluster",
        {
            "cluster_identifier": "aurora-web-db-cluster",
            "database_name": "sample",
            "master_username": "admin",
            "manage_master_user_password": True,
            "storage_encrypted": True,
            "backup_retention_period": 7,
            "copy_tags_to_snapshot": True,
            "iam_database_authentication_enabled": True,
            "enabled_cloudwatch_logs_exports": ["audit", "error", "general", "slowquery"],
        },
    )


def keys_everywhere(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys_everywhere(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys_everywhere(item)


def test_no_password_argument_anywhere_in_the_json(dev, prod):
    for stack in (dev, prod):
        password_keys = {key for key in keys_everywhere(stack.json) if "password" in key.lower()}
        assert password_keys == {"manage_master_user_password"}


def test_tls_is_enforced_by_the_cluster_parameter_group(dev):
    group = dev.address("aws_rds_cluster_parameter_group", "cluster-parameters")
    parameters = dev.only("aws_rds_cluster_parameter_group")
    assert parameters["family"] == "aurora-mysql8.0"
    assert {"name": "require_secure_transport", "value": "ON"} in parameters["parameter"]
    assert dev.only("aws_rds_cluster")["db_cluster_parameter_group_name"] == reference(group, "name")


def test_subnet_group_covers_the_private_subnets(dev):
    private = sorted(
        reference(f"aws_subnet.{name}")
        for name, subnet in dev.resources("aws_subnet").items()
        if subnet["tags"]["Tier"] == "private"
    )
    assert sorted(dev.only("aws_db_subnet_group")["subnet_ids"]) == private
    group = reference(dev.address("aws_db_subnet_group", "subnet-group"), "name")
    assert dev.only("aws_rds_cluster")["db_subnet_group_name"] == group


def test_one_writer_and_one_reader_in_different_zones(dev):
    instances = dev.resources("aws_rds_cluster_instance")
    writer = next(item for name, item in instances.items() if "writer" in name)
    readers = [item for name, item in instances.items() if "reader" in name]
    assert len(readers) == 1
    assert writer["promotion_tier"] == 0 and all(reader["promotion_tier"] == 1 for reader in readers)
    assert writer["availability_zone"] != readers[0]["availability_zone"]
    for instance in instances.values():
        assert instance["instance_class"] == "db.t3.medium"
        assert instance["publicly_accessible"] is False
        assert instance["cluster_identifier"] == reference(dev.address("aws_rds_cluster", "cluster"))


def test_readers_are_created_after_the_writer(dev):
    writer = dev.address("aws_rds_cluster_instance", "writer")
    for name, reader in dev.resources("aws_rds_cluster_instance").items():
        if "reader" in name:
            assert reader["depends_on"] == [writer]


def test_readers_round_robin_over_the_zones(key_directory):
    stack = Synthesized(make_config(key_directory, {"database": {"reader_count": 3}}))
    instances = stack.resources("aws_rds_cluster_instance")
    assert len(instances) == 4
    zones = [instances[name]["availability_zone"] for name in sorted(instances, key=lambda n: ("reader" in n, n))]
    assert zones[0] != zones[1] and zones[1] != zones[2] and zones[0] == zones[2]


def test_dev_is_easy_to_tear_down_and_prod_is_protected(dev, prod):
    dev.has("aws_rds_cluster", {"deletion_protection": False, "skip_final_snapshot": True})
    assert "final_snapshot_identifier" not in dev.only("aws_rds_cluster")
    prod.has(
        "aws_rds_cluster",
        {
            "deletion_protection": True,
            "skip_final_snapshot": False,
            "final_snapshot_identifier": "aurora-web-db-cluster-final",
        },
    )


def test_construct_defaults_are_the_secure_ones():
    config = AuroraClusterConfig()
    assert config.deletion_protection is True and config.skip_final_snapshot is False


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"identifier": "1cluster"}, "identifier"),
        ({"identifier": "my--cluster"}, "identifier"),
        ({"identifier": "cluster-"}, "identifier"),
        ({"identifier": "c" * 64}, "identifier"),
        ({"engine_version": "5.7.12"}, "engine_version"),
        ({"instance_class": "t3.medium"}, "instance_class"),
        ({"reader_count": 16}, "reader_count"),
        ({"reader_count": -1}, "reader_count"),
        ({"backup_retention_days": 0}, "backup_retention_days"),
        ({"backup_retention_days": 36}, "backup_retention_days"),
        ({"database_name": "1sample"}, "database_name"),
        ({"master_username": "rdsadmin"}, "master_username"),
    ],
)
def test_bad_database_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        AuroraClusterConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == [key]


def test_backtrack_and_enhanced_monitoring_in_both_profiles(dev, prod):
    for stack in (dev, prod):
        stack.has("aws_rds_cluster", {"backtrack_window": 24 * 3600})
        role = reference(stack.address("aws_iam_role", "monitoring-role"), "arn")
        for instance in stack.resources("aws_rds_cluster_instance").values():
            assert instance["monitoring_interval"] == 60 and instance["monitoring_role_arn"] == role
        stack.has(
            "aws_iam_role_policy_attachment",
            {"policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
        )


def test_prod_runs_performance_insights_on_a_class_that_supports_it(dev, prod):
    for instance in prod.resources("aws_rds_cluster_instance").values():
        assert instance["instance_class"] == "db.t4g.medium"
        assert instance["performance_insights_enabled"] is True
    for instance in dev.resources("aws_rds_cluster_instance").values():
        assert instance["performance_insights_enabled"] is False


@pytest.mark.parametrize("instance_class", ["db.t3.medium", "db.t2.medium", "db.t4g.small"])
def test_performance_insights_on_an_unsupported_class_is_refused(instance_class):
    with pytest.raises(ConfigError) as raised:
        AuroraClusterConfig(instance_class=instance_class, performance_insights=True)
    assert f"is not supported on {instance_class}" in str(raised.value)


def test_no_public_access_on_any_instance(dev, prod):
    for stack in (dev, prod):
        for instance in stack.resources("aws_rds_cluster_instance").values():
            assert instance["publicly_accessible"] is False


def test_aurora_cluster_alone_in_a_bare_stack():
    from bare_stack import SUBNET_IDS, ZONES, BareStack

    from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig

    config = AuroraClusterConfig(identifier="solo-db", reader_count=2)
    bare = BareStack(
        lambda stack: AuroraCluster(stack, "database", config, subnet_ids=SUBNET_IDS, availability_zones=ZONES)
    )
    bare.has(
        "aws_rds_cluster", {"cluster_identifier": "solo-db", "storage_encrypted": True, "deletion_protection": True}
    )
    bare.has("aws_db_subnet_group", {"subnet_ids": SUBNET_IDS})
    zones = sorted(instance["availability_zone"] for instance in bare.resources("aws_rds_cluster_instance").values())
    assert zones == ["us-east-1a", "us-east-1a", "us-east-1b"]
