"""aurora_autoscaling in the settings profiles: moved from tests/constructs, which builds it alone."""

from dataclasses import replace

import pytest

from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
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
