"""CloudWatch alarms on the cluster's writer and readers, into an encrypted SNS topic (and an e-mail, if given)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from .aurora_alarms_config import MIB, NAMESPACE, AuroraAlarmsConfig
from .aurora_cluster import AuroraCluster


@dataclass(frozen=True)
class _Alarm:
    slug: str
    metric: str
    statistic: str
    comparison: str
    threshold: float
    what: str


class AuroraAlarms(Construct):
    """Attributes: topic, subscription (or None), alarms (alarm name -> alarm).

    kms_key_arn must be a customer-managed key whose policy admits cloudwatch.amazonaws.com (kms:Decrypt,
    kms:GenerateDataKey*): CloudWatch cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key.
    """

    def __init__(
        self, scope: Construct, id: str, config: AuroraAlarmsConfig, *, cluster: AuroraCluster, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id)
        name = cluster.config.identifier
        self.topic = SnsTopic(self, "topic", name=f"{name}-alarms", kms_master_key_id=kms_key_arn)
        self.subscription = (
            SnsTopicSubscription(self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=config.email)
            if config.email is not None
            else None
        )
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        self._config = config
        every = [
            _Alarm(
                "cpu",
                "CPUUtilization",
                "Average",
                "GreaterThanThreshold",
                config.cpu_percent,
                f"CPU above {config.cpu_percent:g} %",
            ),
            _Alarm(
                "memory",
                "FreeableMemory",
                "Average",
                "LessThanThreshold",
                config.freeable_memory_mib * MIB,
                f"freeable memory below {config.freeable_memory_mib} MiB",
            ),
            _Alarm(
                "connections",
                "DatabaseConnections",
                "Maximum",
                "GreaterThanThreshold",
                config.database_connections,
                f"more than {config.database_connections} connections",
            ),
        ]
        if cluster.config.serverless:
            every.append(
                _Alarm(
                    "acu",
                    "ACUUtilization",
                    "Average",
                    "GreaterThanThreshold",
                    config.acu_utilization_percent,
                    f"capacity above {config.acu_utilization_percent:g} % of the maximum ACUs",
                )
            )
        lag = _Alarm(
            "replica-lag",
            "AuroraReplicaLag",
            "Maximum",
            "GreaterThanThreshold",
            config.replica_lag_ms,
            f"replica lag above {config.replica_lag_ms} ms",
        )
        for alarm in every:
            self._alarm(cluster.writer, "writer", alarm)
        for number, reader in enumerate(cluster.readers, start=1):
            for alarm in [*every, lag]:
                self._alarm(reader, f"reader-{number}", alarm)

    def _alarm(self, instance: RdsClusterInstance, role: str, alarm: _Alarm) -> None:
        config = self._config
        alarm_name = f"{instance.identifier_input}-{alarm.slug}" if instance.identifier_input else alarm.slug
        self.alarms[alarm_name] = CloudwatchMetricAlarm(
            self,
            f"{role}-{alarm.slug}",
            alarm_name=alarm_name,
            alarm_description=f"{instance.identifier_input}: {alarm.what} "
            f"for {config.evaluation_periods} x {config.period_seconds} s",
            namespace=NAMESPACE,
            metric_name=alarm.metric,
            dimensions={"DBInstanceIdentifier": instance.identifier},
            statistic=alarm.statistic,
            comparison_operator=alarm.comparison,
            threshold=alarm.threshold,
            period=config.period_seconds,
            evaluation_periods=config.evaluation_periods,
            treat_missing_data="missing",
            actions_enabled=True,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )
