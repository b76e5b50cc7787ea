"""The Aurora cluster: pinned LTS engine, writer + readers across AZs, TLS, managed secret, encryption, backups."""

import pytest

from constructs_lib.aurora_cluster import AuroraClusterConfig
from constructs_lib.validation import ConfigError


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


@pytest.mark.parametrize("instance_class", ["db.t3.medium", "db.t2.medium", "db.t4g.small"])
def test_performance_insights_on_an_unsupported_class_is_refused(instance_class):
    with pytest.raises(ConfigError) as raised:
        AuroraClusterConfig(instance_class=instance_class, performance_insights=True)
    assert f"is not supported on {instance_class}" in str(raised.value)


def test_aurora_cluster_alone_in_a_bare_stack():
    from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig
    from tests.support.bare_stack import SUBNET_IDS, ZONES, BareStack

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


def test_no_instance_is_publicly_accessible():
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import SUBNET_IDS, ZONES, BareStack

    config = AuroraClusterConfig(identifier="solo-db", reader_count=2)
    bare = BareStack(
        lambda stack: AuroraCluster(stack, "database", config, subnet_ids=SUBNET_IDS, availability_zones=ZONES)
    )
    instances = bare.resources("aws_rds_cluster_instance").values()
    assert len(instances) == 3, "a writer and two readers"
    for instance in instances:
        assert instance["publicly_accessible"] is False


def test_new_features_are_off_in_the_construct_by_default():
    """A library user who sets none of issue 14's props gets the cluster as before: nothing new in the JSON."""
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import SUBNET_IDS, ZONES, BareStack

    bare = BareStack(
        lambda stack: AuroraCluster(stack, "db", AuroraClusterConfig(), subnet_ids=SUBNET_IDS, availability_zones=ZONES)
    )
    (cluster,) = bare.resources("aws_rds_cluster").values()
    for key in (
        "serverlessv2_scaling_configuration",
        "preferred_backup_window",
        "preferred_maintenance_window",
        "depends_on",
    ):
        assert key not in cluster
    instances = bare.resources("aws_rds_cluster_instance").values()
    assert len(instances) == 2, "a writer and one reader by default"
    for instance in instances:
        assert "ca_cert_identifier" not in instance and "db_parameter_group_name" not in instance
    assert not bare.types() & {
        "aws_secretsmanager_secret_rotation",
        "aws_db_parameter_group",
        "aws_cloudwatch_log_group",
    }


def _log_group_names(stack):
    return [group["name"] for group in stack.resources("aws_cloudwatch_log_group").values()]


def test_new_cluster_features_alone_in_a_bare_stack():
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import KMS_KEY_ARN, SUBNET_IDS, ZONES, BareStack

    config = AuroraClusterConfig(
        identifier="solo-db",
        serverless_min_acu=0,
        serverless_max_acu=2.5,
        master_secret_rotation_schedule="rate(4 hours)",
        log_retention_days=7,
        instance_parameters={},
        preferred_backup_window="23:45-00:15",
        preferred_maintenance_window="sat:20:00-sat:22:00",
        ca_cert_identifier="rds-ca-ecc384-g1",
    )
    bare = BareStack(
        lambda stack: AuroraCluster(
            stack, "database", config, subnet_ids=SUBNET_IDS, availability_zones=ZONES, kms_key_arn=KMS_KEY_ARN
        )
    )
    bare.has(
        "aws_rds_cluster",
        {
            "serverlessv2_scaling_configuration": {"min_capacity": 0, "max_capacity": 2.5},
            "preferred_backup_window": "23:45-00:15",
            "preferred_maintenance_window": "sat:20:00-sat:22:00",
        },
    )
    bare.has("aws_rds_cluster_instance", {"instance_class": "db.serverless", "ca_cert_identifier": "rds-ca-ecc384-g1"})
    bare.has(
        "aws_secretsmanager_secret_rotation",
        {"rotate_immediately": False, "rotation_rules": {"schedule_expression": "rate(4 hours)"}},
    )
    bare.has("aws_cloudwatch_log_group", {"name": "/aws/rds/cluster/solo-db/slowquery", "retention_in_days": 7})
    bare.has("aws_cloudwatch_log_group", {"kms_key_id": KMS_KEY_ARN})
    (group,) = bare.resources("aws_db_parameter_group").values()
    assert "parameter" not in group or group["parameter"] == []
    (cluster,) = bare.resources("aws_rds_cluster").values()
    assert cluster["depends_on"] == [
        f"aws_cloudwatch_log_group.{name}" for name in bare.resources("aws_cloudwatch_log_group")
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"serverless_min_acu": 0.5, "serverless_max_acu": 256},
        {"serverless_min_acu": 0, "serverless_max_acu": 1, "engine_version": "8.0.mysql_aurora.3.08.0"},
        {"serverless_min_acu": 4, "serverless_max_acu": 4, "performance_insights": True},
        {"serverless_min_acu": 1, "serverless_max_acu": 2, "instance_class": "db.serverless"},
        {"preferred_backup_window": "03:00-03:30", "preferred_maintenance_window": "mon:03:30-mon:04:00"},
        {"preferred_backup_window": "23:30-00:30", "preferred_maintenance_window": "sun:00:30-sun:01:00"},
        {"preferred_maintenance_window": "sun:23:45-mon:00:15"},
        {"master_secret_rotation_days": 1000},
        {"master_secret_rotation_schedule": "cron(0 4 ? * SUN *)"},
        {"master_secret_rotation_schedule": "rate(1 day)"},
        {"log_retention_days": 3653},
        {"instance_parameters": {"innodb_print_all_deadlocks": "1"}},
    ],
)
def test_good_new_settings_are_accepted(settings):
    AuroraClusterConfig(**settings)


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"serverless_min_acu": 0.5}, "serverless_max_acu"),
        ({"serverless_max_acu": 4}, "serverless_min_acu"),
        ({"serverless_min_acu": -0.5, "serverless_max_acu": 4}, "serverless_min_acu"),
        ({"serverless_min_acu": 0.5, "serverless_max_acu": 256.5}, "serverless_max_acu"),
        ({"serverless_min_acu": 0.5, "serverless_max_acu": 0.5}, "serverless_max_acu"),
        ({"serverless_min_acu": 0.7, "serverless_max_acu": 4}, "serverless_min_acu"),
        ({"serverless_min_acu": 8, "serverless_max_acu": 4}, "serverless_min_acu"),
        ({"serverless_min_acu": True, "serverless_max_acu": 4}, "serverless_min_acu"),
        (
            {"serverless_min_acu": 0, "serverless_max_acu": 4, "engine_version": "8.0.mysql_aurora.3.04.3"},
            "serverless_min_acu",
        ),
        ({"instance_class": "db.serverless"}, "instance_class"),
        ({"preferred_backup_window": "3:00-4:00"}, "preferred_backup_window"),
        ({"preferred_backup_window": "03:00-03:29"}, "preferred_backup_window"),
        ({"preferred_backup_window": "24:00-01:00"}, "preferred_backup_window"),
        ({"preferred_maintenance_window": "Sun:05:00-Sun:06:00"}, "preferred_maintenance_window"),
        ({"preferred_maintenance_window": "sun:05:00-sun:05:20"}, "preferred_maintenance_window"),
        ({"preferred_maintenance_window": "05:00-06:00"}, "preferred_maintenance_window"),
        (
            {"preferred_backup_window": "03:00-04:00", "preferred_maintenance_window": "wed:03:59-wed:05:00"},
            "preferred_maintenance_window",
        ),
        (
            {"preferred_backup_window": "23:30-00:30", "preferred_maintenance_window": "sat:23:00-sat:23:45"},
            "preferred_maintenance_window",
        ),
        (
            {"preferred_backup_window": "23:30-00:30", "preferred_maintenance_window": "mon:00:15-mon:01:00"},
            "preferred_maintenance_window",
        ),
        ({"ca_cert_identifier": "rds-ca-2019"}, "ca_cert_identifier"),
        ({"master_secret_rotation_days": 0}, "master_secret_rotation_days"),
        ({"master_secret_rotation_days": 1001}, "master_secret_rotation_days"),
        ({"master_secret_rotation_schedule": "rate(2 hours)"}, "master_secret_rotation_schedule"),
        ({"master_secret_rotation_schedule": "every day"}, "master_secret_rotation_schedule"),
        (
            {"master_secret_rotation_days": 7, "master_secret_rotation_schedule": "rate(7 days)"},
            "master_secret_rotation_schedule",
        ),
        ({"log_retention_days": 0}, "log_retention_days"),
        ({"log_retention_days": 366}, "log_retention_days"),
        ({"instance_parameters": {"bad name": "1"}}, "instance_parameters.bad name"),
        ({"instance_parameters": {"long_query_time": 2}}, "instance_parameters.long_query_time"),
    ],
)
def test_bad_new_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        AuroraClusterConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == [key], raised.value
