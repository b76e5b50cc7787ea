"""aurora_alarms in the settings profiles: moved from tests/constructs, which builds it alone."""

import json
from dataclasses import replace

import pytest

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.validation import ConfigError
from tests.support.aurora_features import PROD
from tests.support.samples import MIB
from tests.support.synthesized import Synthesized, make_config, reference


def alarms_by_name(stack, namespace="AWS/RDS"):
    """The database's alarms (the web tier's are test_profiles_web_alarms.py's)."""
    alarms = stack.resources("aws_cloudwatch_metric_alarm").values()
    return {alarm["alarm_name"]: alarm for alarm in alarms if alarm["namespace"] == namespace}


def test_topic_is_encrypted_with_the_stack_key_and_mails_ops(scaled):
    key = reference(scaled.address("aws_kms_key", "encryption-key"), "arn")
    scaled.has("aws_sns_topic", {"name": "aurora-web-db-cluster-alarms", "kms_master_key_id": key})
    topic = scaled.address("aws_sns_topic", "alarms")
    scaled.has(
        "aws_sns_topic_subscription",
        {"topic_arn": reference(topic, "arn"), "protocol": "email", "endpoint": "ops@example.com"},
    )


@pytest.fixture(scope="module")
def prod_without_alarms(key_directory):
    return Synthesized(make_config(key_directory, {**PROD, "database": {"alarms": False}}), "prod-without-alarms")


def test_key_policy_admits_cloudwatch_only_when_alarms_are_on(scaled, prod, prod_without_alarms):
    statement = {
        "Sid": "CloudWatchAlarmsPublishToEncryptedTopics",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    for stack in (scaled, prod):
        assert statement in json.loads(stack.only("aws_kms_key")["policy"])["Statement"]
    statements = json.loads(prod_without_alarms.only("aws_kms_key")["policy"])["Statement"]
    assert [statement["Sid"] for statement in statements] == [
        "AccountAdministersThroughIam",
        "CloudWatchLogsOfThisAccount",
    ]


def test_writer_and_reader_alarms_with_the_default_thresholds(scaled):
    alarms = alarms_by_name(scaled)
    expected = {
        "cpu": ("CPUUtilization", "Average", "GreaterThanThreshold", 80),
        "memory": ("FreeableMemory", "Average", "LessThanThreshold", 256 * MIB),
        "connections": ("DatabaseConnections", "Maximum", "GreaterThanThreshold", 75),
    }
    names = {f"aurora-web-db-cluster-writer-{slug}" for slug in expected}
    names |= {f"aurora-web-db-cluster-reader-1-{slug}" for slug in [*expected, "replica-lag"]}
    assert set(alarms) == names, "no ACU alarm on provisioned instances, replica lag on readers only"
    assert alarms["aurora-web-db-cluster-writer-memory"]["alarm_description"] == (
        "aurora-web-db-cluster-writer: freeable memory below 256 MiB for 5 x 60 s"
    )
    assert alarms["aurora-web-db-cluster-reader-1-cpu"]["alarm_description"] == (
        "aurora-web-db-cluster-reader-1: CPU above 80 % for 5 x 60 s"
    )
    topic = reference(scaled.address("aws_sns_topic", "alarms"), "arn")
    for name in alarms:
        role = "writer" if "-writer-" in name else "reader-1"
        slug = name.removeprefix(f"aurora-web-db-cluster-{role}-")
        metric, statistic, comparison, threshold = expected.get(
            slug, ("AuroraReplicaLag", "Maximum", "GreaterThanThreshold", 2000)
        )
        instance = scaled.address("aws_rds_cluster_instance", role)
        scaled.has(
            "aws_cloudwatch_metric_alarm",
            {
                "alarm_name": name,
                "namespace": "AWS/RDS",
                "metric_name": metric,
                "statistic": statistic,
                "comparison_operator": comparison,
                "threshold": threshold,
                "dimensions": {"DBInstanceIdentifier": reference(instance, "identifier")},
                "period": 60,
                "evaluation_periods": 5,
                "actions_enabled": True,
                "alarm_actions": [topic],
                "ok_actions": [topic],
            },
        )


def test_serverless_instances_also_alarm_on_acu_utilisation(serverless):
    alarms = alarms_by_name(serverless)
    for role in ("writer", "reader-1"):
        alarm = alarms[f"aurora-web-db-cluster-{role}-acu"]
        assert (alarm["metric_name"], alarm["threshold"], alarm["comparison_operator"]) == (
            "ACUUtilization",
            90,
            "GreaterThanThreshold",
        )
    assert not serverless.resources("aws_sns_topic_subscription"), "no e-mail unless one is given"


def test_alarms_on_in_prod_off_in_dev(dev, prod, prod_without_alarms):
    assert len(alarms_by_name(prod)) == 7 and prod.resources("aws_sns_topic")
    for stack in (dev, prod_without_alarms):
        assert not stack.resources("aws_cloudwatch_metric_alarm") and not stack.resources("aws_sns_topic")


def test_alarms_need_the_stacks_customer_managed_key(key_directory):
    config = make_config(key_directory, {"customer_managed_key": False})  # dev with AWS-managed keys only
    with pytest.raises(ConfigError, match=r"alarms = True: need customer_managed_key = true"):
        replace(config, alarms=AuroraAlarmsConfig())
    stack = Synthesized(replace(config, customer_managed_key=True, alarms=AuroraAlarmsConfig()), "dev-alarms")
    assert len(alarms_by_name(stack)) == 7
