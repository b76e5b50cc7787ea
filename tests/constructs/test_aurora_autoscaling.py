"""Reader autoscaling: Application Auto Scaling on the replica count, target tracking, our own readers the floor."""

import pytest

from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from constructs_lib.aurora_cluster import AuroraClusterConfig
from constructs_lib.validation import ConfigError


def test_connections_metric_and_custom_cooldowns_alone_in_a_bare_stack():
    from constructs_lib.aurora_autoscaling import AuroraAutoscaling
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import SUBNET_IDS, ZONES, BareStack

    def build(stack):
        cluster = AuroraCluster(
            stack,
            "db",
            AuroraClusterConfig(identifier="solo-db", reader_count=2),
            subnet_ids=SUBNET_IDS,
            availability_zones=ZONES,
        )
        config = AuroraAutoscalingConfig(
            max_readers=15,
            metric="connections",
            target_connections=400,
            scale_in_cooldown_seconds=600,
            scale_out_cooldown_seconds=60,
        )
        return AuroraAutoscaling(stack, "readers", config, cluster=cluster)

    bare = BareStack(build)
    bare.has("aws_appautoscaling_target", {"min_capacity": 2, "max_capacity": 15})
    bare.has(
        "aws_appautoscaling_policy",
        {
            "name": "solo-db-readers-connections",
            "target_tracking_scaling_policy_configuration": {
                "predefined_metric_specification": {"predefined_metric_type": "RDSReaderAverageDatabaseConnections"},
                "target_value": 400,
                "scale_in_cooldown": 600,
                "scale_out_cooldown": 60,
            },
        },
    )


def test_the_construct_refuses_a_serverless_cluster_on_its_own():
    from constructs_lib.aurora_autoscaling import AuroraAutoscaling
    from constructs_lib.aurora_cluster import AuroraCluster
    from tests.support.bare_stack import SUBNET_IDS, ZONES, BareStack

    def build(stack):
        config = AuroraClusterConfig(identifier="solo-db", serverless_min_acu=0.5, serverless_max_acu=4)
        cluster = AuroraCluster(stack, "db", config, subnet_ids=SUBNET_IDS, availability_zones=ZONES)
        return AuroraAutoscaling(stack, "readers", AuroraAutoscalingConfig(), cluster=cluster)

    with pytest.raises(ConfigError, match="not for Serverless v2"):
        BareStack(build)


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"max_readers": 0}, "max_readers"),
        ({"max_readers": 16}, "max_readers"),
        ({"metric": "memory"}, "metric"),
        ({"target_cpu_percent": 0}, "target_cpu_percent"),
        ({"target_cpu_percent": 101}, "target_cpu_percent"),
        ({"target_connections": 0}, "target_connections"),
        ({"scale_in_cooldown_seconds": -1}, "scale_in_cooldown_seconds"),
        ({"scale_out_cooldown_seconds": 1.5}, "scale_out_cooldown_seconds"),
    ],
)
def test_bad_autoscaling_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        AuroraAutoscalingConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == [key]
