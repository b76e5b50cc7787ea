"""What the emulator holds of issue 14's Aurora features, read with boto3, and the problems found in it.

`observe_operations` reads; `operations_problems` judges (a pure function over what was read, so it is tested on its
own in test_aurora_operations_checks.py).
"""

from __future__ import annotations

from typing import Any

from constructs_lib.aurora_alarms_config import MIB
from constructs_lib.aurora_autoscaling_config import METRICS, SCALABLE_DIMENSION, SERVICE_NAMESPACE
from constructs_lib.aurora_cluster import LOG_EXPORTS


def observe_operations(emulator: Any, config: Any) -> dict[str, Any]:
    """Log groups, alarms, the alarm topic, scaling target (and its tags) and policies, instances, secret rotation."""
    cluster_id = config.database.identifier
    logs, cloudwatch, sns = emulator.client("logs"), emulator.client("cloudwatch"), emulator.client("sns")
    rds = emulator.client("rds")
    facts: dict[str, Any] = {
        "log_groups": logs.describe_log_groups(logGroupNamePrefix=f"/aws/rds/cluster/{cluster_id}/")["logGroups"],
        "alarms": cloudwatch.describe_alarms(AlarmNamePrefix=f"{cluster_id}-")["MetricAlarms"],
        "cluster": rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0],
        "db_instances": rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])[
            "DBInstances"
        ],
    }
    topic_arn = next(
        (
            topic["TopicArn"]
            for topic in sns.list_topics()["Topics"]
            if topic["TopicArn"].endswith(f":{cluster_id}-alarms")
        ),
        None,
    )
    facts["topic"] = None if topic_arn is None else sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    facts["subscriptions"] = (
        [] if topic_arn is None else sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    )
    # Read with or without reader autoscaling: a stack without it must have no target or policy on its cluster.
    scaling = emulator.client("application-autoscaling")
    facts["scalable_targets"] = scaling.describe_scalable_targets(
        ServiceNamespace=SERVICE_NAMESPACE, ResourceIds=[scaling_resource_id(config)]
    )["ScalableTargets"]
    facts["scaling_policies"] = scaling.describe_scaling_policies(
        ServiceNamespace=SERVICE_NAMESPACE, ResourceId=scaling_resource_id(config)
    )["ScalingPolicies"]
    facts["scalable_target_tags"] = {
        target["ScalableTargetARN"]: scaling.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"])["Tags"]
        for target in facts["scalable_targets"]
    }
    secret_arn = facts["cluster"]["MasterUserSecret"]["SecretArn"]
    facts["master_secret"] = emulator.client("secretsmanager").describe_secret(SecretId=secret_arn)
    return facts


def expected_alarms(config: Any) -> dict[str, tuple[str, str, float]]:
    """Alarm name -> (metric, comparison, threshold) for the writer and our readers."""
    alarms, database = config.alarms, config.database
    if alarms is None:
        return {}
    every = {
        "cpu": ("CPUUtilization", "GreaterThanThreshold", alarms.cpu_percent),
        "memory": ("FreeableMemory", "LessThanThreshold", alarms.freeable_memory_mib * MIB),
        "connections": ("DatabaseConnections", "GreaterThanThreshold", alarms.database_connections),
    }
    if database.serverless:
        every["acu"] = ("ACUUtilization", "GreaterThanThreshold", alarms.acu_utilization_percent)
    lag = {"replica-lag": ("AuroraReplicaLag", "GreaterThanThreshold", alarms.replica_lag_ms)}
    found = {f"{database.identifier}-writer-{slug}": spec for slug, spec in every.items()}
    for number in range(1, database.reader_count + 1):
        found |= {f"{database.identifier}-reader-{number}-{slug}": spec for slug, spec in {**every, **lag}.items()}
    return found


def operations_problems(facts: dict[str, Any], config: Any) -> list[str]:
    """Every way what the emulator holds differs from what `config` asks for."""
    problems: list[str] = []
    database = config.database
    groups = {group["logGroupName"]: group for group in facts["log_groups"]}
    if database.log_retention_days is None:
        if groups:
            problems.append(f"log groups the stack does not own: {sorted(groups)}")
    else:
        for log in LOG_EXPORTS:
            name = f"/aws/rds/cluster/{database.identifier}/{log}"
            group = groups.get(name)
            if group is None:
                problems.append(f"no log group {name}")
                continue
            if group.get("retentionInDays") != database.log_retention_days:
                problems.append(f"{name}: retention {group.get('retentionInDays')}, not {database.log_retention_days}")
            if config.customer_managed_key and not group.get("kmsKeyId"):
                problems.append(f"{name}: not encrypted with the stack's key")
    cluster = facts["cluster"]
    if database.serverless:
        wanted = {"MinCapacity": database.serverless_min_acu, "MaxCapacity": database.serverless_max_acu}
        if cluster.get("ServerlessV2ScalingConfiguration") != wanted:
            problems.append(f"capacity range {cluster.get('ServerlessV2ScalingConfiguration')}, not {wanted}")
    for key, value in (
        ("PreferredBackupWindow", database.preferred_backup_window),
        ("PreferredMaintenanceWindow", database.preferred_maintenance_window),
    ):
        if value is not None and cluster.get(key) != value:
            problems.append(f"cluster {key} {cluster.get(key)!r}, not {value!r}")
    for instance in facts["db_instances"]:
        name = instance["DBInstanceIdentifier"]
        if instance["DBInstanceClass"] != database.effective_instance_class:
            problems.append(f"{name}: class {instance['DBInstanceClass']}, not {database.effective_instance_class}")
        if database.ca_cert_identifier and instance.get("CACertificateIdentifier") != database.ca_cert_identifier:
            problems.append(f"{name}: CA {instance.get('CACertificateIdentifier')}, not {database.ca_cert_identifier}")
    problems += _alarm_problems(facts, config)
    problems += _scaling_problems(facts, config)
    rules = facts["master_secret"].get("RotationRules", {})
    if database.master_secret_rotation_days is not None and (
        rules.get("AutomaticallyAfterDays") != database.master_secret_rotation_days
    ):
        problems.append(f"master secret rotation {rules}, not every {database.master_secret_rotation_days} days")
    return problems


def _alarm_problems(facts: dict[str, Any], config: Any) -> list[str]:
    problems: list[str] = []
    wanted = expected_alarms(config)
    alarms = {alarm["AlarmName"]: alarm for alarm in facts["alarms"]}
    if set(alarms) != set(wanted):
        problems.append(f"alarms {sorted(alarms)}, expected {sorted(wanted)}")
    topic = facts["topic"]
    if config.alarms is None:
        return problems + ([f"an alarm topic without alarms: {topic}"] if topic else [])
    if topic is None:
        return [*problems, "no alarm topic"]
    if not topic.get("KmsMasterKeyId"):
        problems.append("the alarm topic is not encrypted")
    emails = sorted(sub["Endpoint"] for sub in facts["subscriptions"] if sub["Protocol"] == "email")
    if emails != ([config.alarms.email] if config.alarms.email else []):
        problems.append(f"e-mail subscriptions {emails}, expected {config.alarms.email}")
    for name, (metric, comparison, threshold) in wanted.items():
        alarm = alarms.get(name)
        if alarm is None:
            continue
        instance = name.rsplit("-", 2)[0] if name.endswith("replica-lag") else name.rsplit("-", 1)[0]
        seen = (
            alarm["MetricName"],
            alarm["ComparisonOperator"],
            alarm["Threshold"],
            alarm["Dimensions"],
            alarm["AlarmActions"],
            alarm["Period"],
            alarm["EvaluationPeriods"],
        )
        expected = (
            metric,
            comparison,
            float(threshold),
            [{"Name": "DBInstanceIdentifier", "Value": instance}],
            [topic["TopicArn"]],
            config.alarms.period_seconds,
            config.alarms.evaluation_periods,
        )
        if seen != expected:
            problems.append(f"{name}: {seen}, expected {expected}")
    return problems


def scaling_resource_id(config: Any) -> str:
    """Application Auto Scaling's name for the cluster's reader count."""
    return f"cluster:{config.database.identifier}"


def expected_scaling(config: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(the scalable target, the target-tracking policy) as `config` asks, in the order _scaling_problems reads them."""
    scaling, where = config.reader_autoscaling, (SERVICE_NAMESPACE, scaling_resource_id(config), SCALABLE_DIMENSION)
    target = (*where, config.database.reader_count, scaling.max_readers)
    policy = (
        "TargetTrackingScaling",
        *where,
        METRICS[scaling.metric],
        float(scaling.target_value),
        scaling.scale_in_cooldown_seconds,
        scaling.scale_out_cooldown_seconds,
    )
    return target, policy


def _scaling_problems(facts: dict[str, Any], config: Any) -> list[str]:
    targets, policies = facts.get("scalable_targets", []), facts.get("scaling_policies", [])
    if config.reader_autoscaling is None:
        return [
            f"{kind} without reader autoscaling: {found}"
            for kind, found in (("scalable targets", targets), ("scaling policies", policies))
            if found
        ]
    problems: list[str] = []
    wanted_target, wanted_policy = expected_scaling(config)
    seen_targets = [
        tuple(
            target.get(key)
            for key in ("ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity")
        )
        for target in targets
    ]
    if seen_targets != [wanted_target]:
        problems.append(f"scalable targets {seen_targets}, expected [{wanted_target}]")
    wanted_tags = {"Project": config.name_prefix, **config.tags}
    for target in targets:
        tags = facts.get("scalable_target_tags", {}).get(target.get("ScalableTargetARN"), {})
        missing = {key: value for key, value in wanted_tags.items() if tags.get(key) != value}
        if missing:
            problems.append(f"scalable target tags {tags}, missing {missing}")
    seen_policies = []
    for policy in policies:
        tracking = policy.get("TargetTrackingScalingPolicyConfiguration", {})
        seen_policies.append(
            (
                *(policy.get(key) for key in ("PolicyType", "ServiceNamespace", "ResourceId", "ScalableDimension")),
                tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType"),
                tracking.get("TargetValue"),
                tracking.get("ScaleInCooldown"),
                tracking.get("ScaleOutCooldown"),
            )
        )
    if seen_policies != [wanted_policy]:
        problems.append(f"scaling policies {seen_policies}, expected [{wanted_policy}]")
    return problems
