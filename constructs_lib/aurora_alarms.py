"""CloudWatch alarms on the cluster's writer and readers, into an encrypted SNS topic (and an e-mail, if given)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from .aurora_cluster import AuroraCluster
from .validation import ProblemList, is_int, is_number

NAMESPACE = "AWS/RDS"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# CloudWatch: standard-resolution periods are multiples of 60 s, and period x evaluation periods is at most a day.
PERIOD_STEP_SECONDS = 60
MAX_EVALUATION_SECONDS = 24 * 3600
MIB = 1024 * 1024


@dataclass(frozen=True)
class AuroraAlarmsConfig:
    """Thresholds of the alarms on each instance; an alarm fires after evaluation_periods bad periods in a row.

    email: an address subscribed to the topic (AWS mails a confirmation link first). Default None (topic only).
    cpu_percent: CPUUtilization above this, 1 to 100. Default 80.
    freeable_memory_mib: FreeableMemory below this many MiB, 1 or more. Default 256 (of a db.t3.medium's 4 GiB).
    database_connections: DatabaseConnections above this, 1 or more. Default 75 (about 80 % of the 90 that
        max_connections allows on db.t3.medium and db.t4g.medium; raise it for larger classes).
    replica_lag_ms: AuroraReplicaLag (readers only) above this many milliseconds, 1 or more. Default 2000.
    acu_utilization_percent: ACUUtilization (Serverless v2 only: share of the maximum ACUs) above this, 1 to 100.
        Default 90.
    period_seconds: a multiple of 60. Default 60. evaluation_periods: 1 or more, period x periods <= 1 day. Default 5.
    """

    email: str | None = None
    cpu_percent: float = 80
    freeable_memory_mib: int = 256
    database_connections: int = 75
    replica_lag_ms: int = 2000
    acu_utilization_percent: float = 90
    period_seconds: int = 60
    evaluation_periods: int = 5

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            self.email is None or (isinstance(self.email, str) and bool(EMAIL.match(self.email))),
            "email",
            self.email,
            "must be an e-mail address like ops@example.com",
        )
        for name in ("cpu_percent", "acu_utilization_percent"):
            value = getattr(self, name)
            problems.check(is_number(value) and 1 <= value <= 100, name, value, "must be a percentage from 1 to 100")
        for name in ("freeable_memory_mib", "database_connections", "replica_lag_ms"):
            value = getattr(self, name)
            problems.check(is_int(value) and value >= 1, name, value, "must be a positive integer")
        period_ok = problems.check(
            is_int(self.period_seconds)
            and self.period_seconds >= PERIOD_STEP_SECONDS
            and self.period_seconds % PERIOD_STEP_SECONDS == 0,
            "period_seconds",
            self.period_seconds,
            f"must be a multiple of {PERIOD_STEP_SECONDS} seconds",
        )
        if (
            problems.check(
                is_int(self.evaluation_periods) and self.evaluation_periods >= 1,
                "evaluation_periods",
                self.evaluation_periods,
                "must be a positive integer",
            )
            and period_ok
        ):
            problems.check(
                self.period_seconds * self.evaluation_periods <= MAX_EVALUATION_SECONDS,
                "evaluation_periods",
                self.evaluation_periods,
                f"times period_seconds ({self.period_seconds}) must be at most one day ({MAX_EVALUATION_SECONDS} s)",
            )
        problems.raise_if_any()


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
