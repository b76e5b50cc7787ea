"""CloudWatch alarms on the web tier, into the stack's alarm topic: the load balancer's 5xx answers, unhealthy targets,
and a group below its minimum in service, or a single instance's failed status checks (with EC2 auto-recovery)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

from .aurora_alarms_config import AuroraAlarmsConfig

ELB_NAMESPACE = "AWS/ApplicationELB"
GROUP_NAMESPACE = "AWS/AutoScaling"
EC2_NAMESPACE = "AWS/EC2"
# 5xx answers per period before an alarm: a handful is a client's bad luck, ten a minute is an outage.
SERVER_ERRORS_PER_PERIOD = 10
# Auto-recovery (AWS's action ARN): the instance moves to healthy hardware, keeping its ID, IPs and EBS volumes.
RECOVER_ACTION = "arn:aws:automate:{region}:ec2:recover"


@dataclass(frozen=True)
class _Alarm:
    slug: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    comparison: str
    threshold: float
    what: str
    # "notBreaching" where no data means nothing happened (no 5xx answered); "missing" elsewhere.
    missing: str = "missing"


class WebAlarms(Construct):
    """Attributes: alarms (alarm name -> alarm). Periods and evaluation periods are the database alarms' own.

    load_balancer_label / target_group_label: the ARN suffixes CloudWatch names them by (None: no load balancer).
    group_name and min_size: the Auto Scaling group (None: a single instance, instance_id and region given).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: AuroraAlarmsConfig,
        *,
        name: str,
        topic_arn: str,
        region: str,
        load_balancer_label: str | None = None,
        target_group_label: str | None = None,
        group_name: str | None = None,
        min_size: int | None = None,
        instance_id: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._config, self._name, self._topic_arn = config, name, topic_arn
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        every: list[_Alarm] = []
        if load_balancer_label is not None and target_group_label is not None:
            balancer = {"LoadBalancer": load_balancer_label}
            every += [
                _Alarm(
                    "alb-5xx",
                    ELB_NAMESPACE,
                    "HTTPCode_ELB_5XX_Count",
                    balancer,
                    "Sum",
                    "GreaterThanOrEqualToThreshold",
                    SERVER_ERRORS_PER_PERIOD,
                    f"{SERVER_ERRORS_PER_PERIOD} or more 5xx answers from the load balancer itself a period",
                    "notBreaching",
                ),
                _Alarm(
                    "target-5xx",
                    ELB_NAMESPACE,
                    "HTTPCode_Target_5XX_Count",
                    balancer,
                    "Sum",
                    "GreaterThanOrEqualToThreshold",
                    SERVER_ERRORS_PER_PERIOD,
                    f"{SERVER_ERRORS_PER_PERIOD} or more 5xx answers from the web servers a period",
                    "notBreaching",
                ),
                _Alarm(
                    "unhealthy-hosts",
                    ELB_NAMESPACE,
                    "UnHealthyHostCount",
                    {**balancer, "TargetGroup": target_group_label},
                    "Maximum",
                    "GreaterThanThreshold",
                    0,
                    "a web server fails the load balancer's health check",
                ),
            ]
        if group_name is not None and min_size is not None:
            every.append(
                _Alarm(
                    "in-service",
                    GROUP_NAMESPACE,
                    "GroupInServiceInstances",
                    {"AutoScalingGroupName": group_name},
                    "Minimum",
                    "LessThanThreshold",
                    min_size,
                    f"fewer than {min_size} web servers in service (the group's minimum)",
                )
            )
        if instance_id is not None:
            every.append(
                _Alarm(
                    "status-check",
                    EC2_NAMESPACE,
                    "StatusCheckFailed",
                    {"InstanceId": instance_id},
                    "Maximum",
                    "GreaterThanOrEqualToThreshold",
                    1,
                    "the web server fails an EC2 status check (system or instance)",
                )
            )
        for alarm in every:
            self._alarm(alarm, [topic_arn])
        if instance_id is not None:
            # The system check fails when AWS's hardware or network does: recovery fixes that one, not the OS.
            self._alarm(
                _Alarm(
                    "auto-recover",
                    EC2_NAMESPACE,
                    "StatusCheckFailed_System",
                    {"InstanceId": instance_id},
                    "Maximum",
                    "GreaterThanOrEqualToThreshold",
                    1,
                    "the host under the web server fails; EC2 recovers the instance onto healthy hardware",
                ),
                [RECOVER_ACTION.format(region=region), topic_arn],
            )

    def _alarm(self, alarm: _Alarm, actions: list[str]) -> None:
        config = self._config
        alarm_name = f"{self._name}-web-{alarm.slug}"
        self.alarms[alarm_name] = CloudwatchMetricAlarm(
            self,
            alarm.slug,
            alarm_name=alarm_name,
            alarm_description=f"{self._name} web tier: {alarm.what} "
            f"for {config.evaluation_periods} x {config.period_seconds} s",
            namespace=alarm.namespace,
            metric_name=alarm.metric,
            dimensions=alarm.dimensions,
            statistic=alarm.statistic,
            comparison_operator=alarm.comparison,
            threshold=alarm.threshold,
            period=config.period_seconds,
            evaluation_periods=config.evaluation_periods,
            treat_missing_data=alarm.missing,
            actions_enabled=True,
            alarm_actions=actions,
            ok_actions=[self._topic_arn],
        )
