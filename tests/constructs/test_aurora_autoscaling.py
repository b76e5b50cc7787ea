"""Reader autoscaling: Application Auto Scaling on the replica count, target tracking, our own readers the floor."""

from dataclasses import replace

import pytest

from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from constructs_lib.aurora_cluster import AuroraClusterConfig
from constructs_lib.validation import ConfigError
from tests.support.synthesized import Synthesized, make_config, reference


def test_scalable_target_is_the_clusters_reader_count_from_our_readers_up(scaled):
    cluster = scaled.address("aws_rds_cluster", "cluster")
    scaled.has(
        "aws_appautoscaling_target",
        {
            "service_namespace": "rds",
            "scalable_dimension": "rds:cluster:ReadReplicaCount",
            "resource_id": "cluster:" + reference(cluster, "cluster_identifier"),
            "min_capacity": 1,
            "max_capacity": 4,
        },
    )
    depends = scaled.only("aws_appautoscaling_target")["depends_on"]
    assert sorted(depends) == sorted(
        f"aws_rds_cluster_instance.{name}" for name in scaled.resources("aws_rds_cluster_instance")
    )


def test_policy_tracks_reader_cpu_at_70_percent_with_cooldowns(scaled):
    target = scaled.address("aws_appautoscaling_target", "target")
    scaled.has(
        "aws_appautoscaling_policy",
        {
            "name": "aurora-web-db-cluster-readers-cpu",
            "policy_type": "TargetTrackingScaling",
            "resource_id": reference(target, "resource_id"),
            "scalable_dimension": reference(target, "scalable_dimension"),
            "service_namespace": reference(target, "service_namespace"),
            "target_tracking_scaling_policy_configuration": {
                "predefined_metric_specification": {"predefined_metric_type": "RDSReaderAverageCPUUtilization"},
                "target_value": 70,
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 300,
            },
        },
    )


def test_no_autoscaling_unless_configured(dev, prod, serverless):
    for stack in (dev, prod, serverless):
        assert not stack.resources("aws_appautoscaling_target") and not stack.resources("aws_appautoscaling_policy")


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


def test_the_stack_config_refuses_autoscaling_on_serverless_and_below_our_readers(key_directory):
    config = make_config(key_directory, {"database": {"reader_count": 3}})
    with pytest.raises(ConfigError) as raised:
        replace(config, reader_autoscaling=AuroraAutoscalingConfig(max_readers=2))
    assert [problem.key for problem in raised.value.problems] == ["reader_autoscaling.max_readers"]
    assert "reader_count = 3" in str(raised.value)
    serverless = replace(config.database, serverless_min_acu=0.5, serverless_max_acu=2)
    with pytest.raises(
        ConfigError, match=r"reader_autoscaling\.max_readers = 3: reader autoscaling is not for Serverless"
    ):
        replace(config, database=serverless, reader_autoscaling=AuroraAutoscalingConfig())


def test_zero_readers_of_our_own_scale_from_zero(key_directory):
    config = make_config(key_directory, {"database": {"reader_count": 0}})
    stack = Synthesized(replace(config, reader_autoscaling=AuroraAutoscalingConfig(max_readers=2)), "zero-readers")
    stack.has("aws_appautoscaling_target", {"min_capacity": 0, "max_capacity": 2})


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
