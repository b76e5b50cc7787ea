"""Reader autoscaling: Application Auto Scaling adds and removes Aurora replicas to hold a target CPU or connections."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from constructs import Construct

from .aurora_autoscaling_config import METRICS, SCALABLE_DIMENSION, SERVICE_NAMESPACE, AuroraAutoscalingConfig
from .aurora_cluster import AuroraCluster
from .validation import ProblemList


class AuroraAutoscaling(Construct):
    """Attributes: target (the scalable reader count), policy (target tracking)."""

    def __init__(self, scope: Construct, id: str, config: AuroraAutoscalingConfig, *, cluster: AuroraCluster) -> None:
        super().__init__(scope, id)
        problems = ProblemList()
        problems.problems.extend(config.problems_with(cluster.config))
        problems.raise_if_any()
        self.target = AppautoscalingTarget(
            self,
            "target",
            service_namespace=SERVICE_NAMESPACE,
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=f"cluster:{cluster.cluster.cluster_identifier}",
            min_capacity=cluster.config.reader_count,
            max_capacity=config.max_readers,
            # Registered once the cluster has its writer and our readers; deregistered before they go.
            depends_on=[cluster.writer, *cluster.readers],
        )
        self.policy = AppautoscalingPolicy(
            self,
            "policy",
            name=f"{cluster.config.identifier}-readers-{config.metric}",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                predefined_metric_specification=(
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=METRICS[config.metric]
                    )
                ),
                target_value=config.target_value,
                scale_in_cooldown=config.scale_in_cooldown_seconds,
                scale_out_cooldown=config.scale_out_cooldown_seconds,
            ),
        )
