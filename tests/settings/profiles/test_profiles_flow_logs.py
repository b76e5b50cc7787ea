"""flow_logs in the settings profiles: moved from tests/constructs, which builds it alone."""

import json

from tests.support.synthesized import Synthesized, make_config, reference


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
    assert statement["Action"] and all(action.startswith("logs:") for action in statement["Action"])


def test_dev_logs_all_vpc_traffic_for_30_days_under_its_key(dev):
    group = dev.address("aws_cloudwatch_log_group", "flow-logs")
    dev.has("aws_flow_log", {"traffic_type": "ALL", "log_destination": reference(group, "arn")})
    key = reference(dev.address("aws_kms_key", "encryption-key"), "arn")
    dev.has(
        "aws_cloudwatch_log_group", {"name": "/aurora-web/vpc-flow-logs", "retention_in_days": 30, "kms_key_id": key}
    )


def test_flow_logs_false_makes_none(key_directory):
    stack = Synthesized(make_config(key_directory, {"network": {"flow_logs": False}}), "no-flow-logs")
    assert not stack.resources("aws_flow_log")
    assert len(stack.resources("aws_cloudwatch_log_group")) == 4, "the cluster's log groups, and no flow-log group"
    assert all("flow-logs" not in name for name in stack.resources("aws_cloudwatch_log_group"))
    assert all("flow-logs" not in name for name in stack.resources("aws_iam_role"))
