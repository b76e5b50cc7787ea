"""Alarms on the writer and the readers into an SNS topic under the stack's key, which admits CloudWatch."""

import pytest

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_cluster import AuroraClusterConfig
from constructs_lib.validation import ConfigError
from tests.support.samples import MIB


def test_custom_thresholds_alone_in_a_bare_stack():
    from constructs_lib.aurora_alarms import AuroraAlarms
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import KMS_KEY_ARN, SUBNET_IDS, ZONES, BareStack

    config = AuroraAlarmsConfig(
        email="dba@example.org",
        cpu_percent=90,
        freeable_memory_mib=512,
        database_connections=900,
        replica_lag_ms=500,
        acu_utilization_percent=75.5,
        period_seconds=300,
        evaluation_periods=3,
    )

    def build(stack):
        cluster_config = AuroraClusterConfig(
            identifier="solo-db", reader_count=2, serverless_min_acu=1, serverless_max_acu=16
        )
        cluster = AuroraCluster(stack, "db", cluster_config, subnet_ids=SUBNET_IDS, availability_zones=ZONES)
        return AuroraAlarms(stack, "alarms", config, cluster=cluster, kms_key_arn=KMS_KEY_ARN)

    bare = BareStack(build)
    bare.has("aws_sns_topic", {"name": "solo-db-alarms", "kms_master_key_id": KMS_KEY_ARN})
    bare.has("aws_sns_topic_subscription", {"protocol": "email", "endpoint": "dba@example.org"})
    assert len(bare.resources("aws_cloudwatch_metric_alarm")) == 4 + 5 + 5
    for name, metric, threshold in [
        ("solo-db-writer-cpu", "CPUUtilization", 90),
        ("solo-db-writer-memory", "FreeableMemory", 512 * MIB),
        ("solo-db-reader-2-connections", "DatabaseConnections", 900),
        ("solo-db-reader-2-replica-lag", "AuroraReplicaLag", 500),
        ("solo-db-reader-1-acu", "ACUUtilization", 75.5),
    ]:
        bare.has(
            "aws_cloudwatch_metric_alarm",
            {
                "alarm_name": name,
                "metric_name": metric,
                "threshold": threshold,
                "period": 300,
                "evaluation_periods": 3,
            },
        )


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"email": "not-an-address"}, "email"),
        ({"cpu_percent": 0}, "cpu_percent"),
        ({"cpu_percent": 101}, "cpu_percent"),
        ({"acu_utilization_percent": True}, "acu_utilization_percent"),
        ({"freeable_memory_mib": 0}, "freeable_memory_mib"),
        ({"database_connections": 1.5}, "database_connections"),
        ({"replica_lag_ms": -1}, "replica_lag_ms"),
        ({"period_seconds": 30}, "period_seconds"),
        ({"period_seconds": 90}, "period_seconds"),
        ({"evaluation_periods": 0}, "evaluation_periods"),
        ({"period_seconds": 3600, "evaluation_periods": 25}, "evaluation_periods"),
    ],
)
def test_bad_alarm_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        AuroraAlarmsConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == [key]
