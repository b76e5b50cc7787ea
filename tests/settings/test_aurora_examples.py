"""examples/serverless.toml and examples/autoscaling-alarms.toml: they load, synthesize what they say, and validate."""

import json
import subprocess
import tomllib

import pytest
from cdktf import Testing as CdktfTesting

from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import Synthesized, make_config, require_program

EXAMPLES = PROJECT_ROOT / "examples"


def example(name: str) -> dict:
    return tomllib.loads((EXAMPLES / name).read_text())


@pytest.fixture(scope="module")
def serverless_example(key_directory) -> Synthesized:
    return Synthesized(make_config(key_directory, example("serverless.toml")), "serverless-example")


@pytest.fixture(scope="module")
def scaled_example(key_directory) -> Synthesized:
    return Synthesized(make_config(key_directory, example("autoscaling-alarms.toml")), "scaled-example")


def test_serverless_example(serverless_example):
    stack = serverless_example
    stack.has(
        "aws_rds_cluster",
        {
            "cluster_identifier": "aurora-web-serverless-db-cluster",
            "serverlessv2_scaling_configuration": {"min_capacity": 0.5, "max_capacity": 8},
            "preferred_backup_window": "03:00-04:00",
            "preferred_maintenance_window": "sun:05:00-sun:06:00",
        },
    )
    for instance in stack.resources("aws_rds_cluster_instance").values():
        assert instance["instance_class"] == "db.serverless" and instance["performance_insights_enabled"] is True
    groups = [group for group in stack.resources("aws_cloudwatch_log_group").values() if "/aws/rds/" in group["name"]]
    assert len(groups) == 4 and all(group["retention_in_days"] == 14 and group["kms_key_id"] for group in groups)
    acu = [
        alarm
        for alarm in stack.resources("aws_cloudwatch_metric_alarm").values()
        if alarm["metric_name"] == "ACUUtilization"
    ]
    assert len(acu) == 2 and all(alarm["threshold"] == 85 for alarm in acu)
    assert not stack.resources("aws_appautoscaling_target")


def test_autoscaling_alarms_example(scaled_example):
    stack = scaled_example
    stack.has("aws_appautoscaling_target", {"min_capacity": 1, "max_capacity": 4})
    stack.has(
        "aws_appautoscaling_policy",
        {
            "target_tracking_scaling_policy_configuration": {
                "predefined_metric_specification": {"predefined_metric_type": "RDSReaderAverageCPUUtilization"},
                "target_value": 60,
            }
        },
    )
    stack.has("aws_sns_topic_subscription", {"protocol": "email", "endpoint": "oncall@example.com"})
    stack.has("aws_cloudwatch_metric_alarm", {"alarm_name": "aurora-web-scaled-db-cluster-writer-cpu", "threshold": 75})
    stack.has("aws_secretsmanager_secret_rotation", {"rotation_rules": {"automatically_after_days": 30}})
    stack.has(
        "aws_db_parameter_group",
        {
            "parameter": [
                {"name": "long_query_time", "value": "2", "apply_method": "pending-reboot"},
                {"name": "slow_query_log", "value": "1", "apply_method": "pending-reboot"},
            ]
        },
    )
    groups = [group for group in stack.resources("aws_cloudwatch_log_group").values() if "/aws/rds/" in group["name"]]
    assert len(groups) == 4 and all(group["retention_in_days"] == 365 for group in groups)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["serverless_example", "scaled_example"])
def test_example_is_valid_terraform(name, request):
    require_program("terraform")
    stack = request.getfixturevalue(name)
    out = CdktfTesting.full_synth(stack.stack)
    stack_dir = f"{out}/stacks/{stack.stack.node.id}"
    init = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"], cwd=stack_dir, capture_output=True, text=True, check=False
    )
    assert init.returncode == 0, init.stderr
    validate = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"], cwd=stack_dir, capture_output=True, text=True, check=False
    )
    result = json.loads(validate.stdout)
    assert result["valid"] and result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)
    assert CdktfTesting.to_be_valid_terraform(out)
