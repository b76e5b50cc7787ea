"""The emulator checks of issue 14's features judge correctly: what the config asks for passes, each change fails."""

import copy
from dataclasses import replace

import pytest

from constructs_lib.aurora_autoscaling_config import METRICS
from constructs_lib.aurora_cluster import LOG_EXPORTS
from tests.support.aurora_operations_checks import expected_alarms, expected_scaling, operations_problems

TOPIC = "arn:aws:sns:us-east-1:123456789012:aurora-web-db-cluster-alarms"
TARGET = "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/" + "a" * 36


def facts_as_asked(config) -> dict:
    """What boto3 would report for a stack applied exactly as `config` says."""
    database, alarms = config.database, config.alarms
    instances = [f"{database.identifier}-writer"] + [
        f"{database.identifier}-reader-{n}" for n in range(1, database.reader_count + 1)
    ]
    facts = {
        "log_groups": [
            {
                "logGroupName": f"/aws/rds/cluster/{database.identifier}/{log}",
                "retentionInDays": database.log_retention_days,
                "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
            }
            for log in LOG_EXPORTS
        ],
        "cluster": {
            "PreferredBackupWindow": database.preferred_backup_window,
            "PreferredMaintenanceWindow": database.preferred_maintenance_window,
            **(
                {
                    "ServerlessV2ScalingConfiguration": {
                        "MinCapacity": database.serverless_min_acu,
                        "MaxCapacity": database.serverless_max_acu,
                    }
                }
                if database.serverless
                else {}
            ),
        },
        "db_instances": [
            {
                "DBInstanceIdentifier": name,
                "DBInstanceClass": database.effective_instance_class,
                "CACertificateIdentifier": database.ca_cert_identifier,
            }
            for name in instances
        ],
        "alarms": [
            {
                "AlarmName": name,
                "MetricName": metric,
                "ComparisonOperator": comparison,
                "Threshold": float(threshold),
                "Dimensions": [
                    {"Name": "DBInstanceIdentifier", "Value": next(i for i in instances if name.startswith(i + "-"))}
                ],
                "AlarmActions": [TOPIC],
                "Period": alarms.period_seconds,
                "EvaluationPeriods": alarms.evaluation_periods,
            }
            for name, (metric, comparison, threshold) in expected_alarms(config).items()
        ],
        "topic": {"TopicArn": TOPIC, "KmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"},
        "subscriptions": [{"Protocol": "email", "Endpoint": alarms.email}] if alarms.email else [],
        "master_secret": {"RotationRules": {"AutomaticallyAfterDays": database.master_secret_rotation_days}},
    }
    facts |= {"scalable_targets": [], "scaling_policies": [], "scalable_target_tags": {}}
    if config.reader_autoscaling is not None:
        scaling = config.reader_autoscaling
        where = {
            "ServiceNamespace": "rds",
            "ResourceId": f"cluster:{database.identifier}",
            "ScalableDimension": "rds:cluster:ReadReplicaCount",
        }
        facts["scalable_targets"] = [
            {
                **where,
                "ScalableTargetARN": TARGET,
                "MinCapacity": database.reader_count,
                "MaxCapacity": scaling.max_readers,
            }
        ]
        facts["scalable_target_tags"] = {TARGET: {"Project": config.name_prefix, "ManagedBy": "terraform"}}
        facts["scaling_policies"] = [
            {
                **where,
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": METRICS[scaling.metric]},
                    "TargetValue": float(scaling.target_value),
                    "ScaleInCooldown": scaling.scale_in_cooldown_seconds,
                    "ScaleOutCooldown": scaling.scale_out_cooldown_seconds,
                },
            }
        ]
    return facts


@pytest.mark.parametrize("name", ["scaled", "serverless"])
def test_a_stack_as_asked_has_no_problem(name, request):
    config = request.getfixturevalue(name).config
    assert operations_problems(facts_as_asked(config), config) == []


def test_serverless_alarms_include_acu_and_readers_lag(serverless):
    names = set(expected_alarms(serverless.config))
    assert {"aurora-web-db-cluster-writer-acu", "aurora-web-db-cluster-reader-1-replica-lag"} <= names
    assert "aurora-web-db-cluster-writer-replica-lag" not in names


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda f: f["log_groups"].pop(), "no log group /aws/rds/cluster/aurora-web-db-cluster/slowquery"),
        (lambda f: f["log_groups"][0].update(retentionInDays=None), "retention None, not 365"),
        (lambda f: f["log_groups"][0].pop("kmsKeyId"), "not encrypted with the stack's key"),
        (lambda f: f["alarms"][0].update(Threshold=1.0), "expected"),
        (lambda f: f["alarms"].pop(), "alarms ["),
        (lambda f: f["topic"].pop("KmsMasterKeyId"), "the alarm topic is not encrypted"),
        (lambda f: f["subscriptions"].clear(), "e-mail subscriptions []"),
        (lambda f: f["scalable_targets"][0].update(MaxCapacity=15), "scalable targets"),
        (lambda f: f["scalable_targets"][0].update(MinCapacity=0), "scalable targets"),
        (lambda f: f["scalable_targets"][0].update(ResourceId="cluster:other"), "scalable targets"),
        (lambda f: f["scalable_targets"].append(dict(f["scalable_targets"][0])), "scalable targets"),
        (lambda f: f["scalable_target_tags"][TARGET].pop("Project"), "missing {'Project': 'aurora-web'}"),
        (lambda f: f["scaling_policies"].clear(), "scaling policies []"),
        (lambda f: f["scaling_policies"][0].update(PolicyType="StepScaling"), "scaling policies"),
        (
            lambda f: f["scaling_policies"][0]["TargetTrackingScalingPolicyConfiguration"].update(TargetValue=50.0),
            "scaling policies",
        ),
        (
            lambda f: f["scaling_policies"][0]["TargetTrackingScalingPolicyConfiguration"].update(ScaleInCooldown=0),
            "scaling policies",
        ),
        (
            lambda f: f["scaling_policies"][0]["TargetTrackingScalingPolicyConfiguration"].update(
                PredefinedMetricSpecification={"PredefinedMetricType": METRICS["connections"]}
            ),
            "scaling policies",
        ),
        (lambda f: f["db_instances"][0].update(CACertificateIdentifier="rds-ca-rsa4096-g1"), "CA rds-ca-rsa4096-g1"),
        (lambda f: f["cluster"].update(PreferredBackupWindow="05:00-06:00"), "PreferredBackupWindow"),
        (lambda f: f["master_secret"].update(RotationRules={}), "master secret rotation"),
    ],
)
def test_each_difference_is_a_problem(scaled, change, problem):
    facts = copy.deepcopy(facts_as_asked(scaled.config))
    change(facts)
    problems = operations_problems(facts, scaled.config)
    assert any(problem in line for line in problems), problems


def test_a_stack_without_reader_autoscaling_has_no_scaling_target_or_policy(serverless, scaled):
    facts = copy.deepcopy(facts_as_asked(serverless.config))
    scaled_facts = facts_as_asked(scaled.config)
    facts["scalable_targets"] = scaled_facts["scalable_targets"]
    facts["scaling_policies"] = scaled_facts["scaling_policies"]
    problems = operations_problems(facts, serverless.config)
    assert any("scalable targets without reader autoscaling" in line for line in problems), problems
    assert any("scaling policies without reader autoscaling" in line for line in problems), problems


def test_the_expected_scaling_follows_the_settings(scaled):
    """Target minimum = our readers, maximum = max_readers; the policy's metric, target and cooldowns as configured."""
    config = scaled.config
    target = expected_scaling(config)[0]
    assert target[3:] == (config.database.reader_count, config.reader_autoscaling.max_readers)
    changed = replace(
        config,
        reader_autoscaling=replace(
            config.reader_autoscaling,
            metric="connections",
            target_connections=123,
            scale_in_cooldown_seconds=7,
            scale_out_cooldown_seconds=8,
        ),
    )
    assert expected_scaling(changed)[1][4:] == ("RDSReaderAverageDatabaseConnections", 123.0, 7, 8)
    assert operations_problems(facts_as_asked(config), changed), "the old policy must not pass for new settings"
