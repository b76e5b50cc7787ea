"""VPC flow logs (prod): all traffic, to an encrypted log group kept a year, by a role scoped to that group."""

import json

import pytest
from synthesized import reference

from constructs_lib.flow_logs import FlowLogsConfig
from constructs_lib.validation import ConfigError


def test_prod_logs_all_vpc_traffic_to_a_year_long_group(prod):
    group = prod.address("aws_cloudwatch_log_group", "flow-logs")
    prod.has(
        "aws_flow_log",
        {
            "vpc_id": reference(prod.address("aws_vpc", "vpc")),
            "traffic_type": "ALL",
            "log_destination": reference(group, "arn"),
            "log_destination_type": "cloud-watch-logs",
        },
    )
    prod.has("aws_cloudwatch_log_group", {"retention_in_days": 365})


def test_flow_log_role_can_write_to_its_group_only(prod):
    group_arn = reference(prod.address("aws_cloudwatch_log_group", "flow-logs"), "arn")
    policy = json.loads(
        next(policy for name, policy in prod.resources("aws_iam_role_policy").items() if "flow-logs" in name)["policy"]
    )
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [group_arn, group_arn + ":*"]
    assert all(action.startswith("logs:") for action in statement["Action"])


def test_dev_has_no_flow_logs(dev):
    assert not dev.resources("aws_flow_log")


def test_retention_is_a_year_unless_set_to_another_cloudwatch_period():
    assert FlowLogsConfig().retention_days == 365
    assert FlowLogsConfig(retention_days=30).retention_days == 30
    for days in (0, 31, 4000, True, "30"):
        with pytest.raises(ConfigError) as raised:
            FlowLogsConfig(retention_days=days)
        (problem,) = raised.value.problems
        assert problem.key == "retention_days" and "CloudWatch Logs retention period" in problem.allowed


def test_flow_logs_alone_in_a_bare_stack():
    from bare_stack import KMS_KEY_ARN, VPC_ID, BareStack

    from constructs_lib.flow_logs import FlowLogs, FlowLogsConfig

    bare = BareStack(
        lambda stack: FlowLogs(stack, "logs", FlowLogsConfig(name="solo"), vpc_id=VPC_ID, kms_key_arn=KMS_KEY_ARN)
    )
    bare.has(
        "aws_cloudwatch_log_group", {"name": "/solo/vpc-flow-logs", "retention_in_days": 365, "kms_key_id": KMS_KEY_ARN}
    )
    bare.has("aws_flow_log", {"vpc_id": VPC_ID, "traffic_type": "ALL"})
