"""The FlowLogs construct alone: all traffic, to a log group under the given key, a year unless set otherwise."""

import pytest

from constructs_lib.flow_logs import FlowLogsConfig
from constructs_lib.validation import ConfigError


def test_retention_is_a_year_unless_set_to_another_cloudwatch_period():
    assert FlowLogsConfig().retention_days == 365
    assert FlowLogsConfig(retention_days=30).retention_days == 30
    for days in (0, 31, 4000, True, "30"):
        with pytest.raises(ConfigError) as raised:
            FlowLogsConfig(retention_days=days)
        (problem,) = raised.value.problems
        assert problem.key == "retention_days" and "CloudWatch Logs retention period" in problem.allowed


def test_flow_logs_alone_in_a_bare_stack():
    from constructs_lib.flow_logs import FlowLogs, FlowLogsConfig
    from tests.support.bare_stack import KMS_KEY_ARN, VPC_ID, BareStack

    bare = BareStack(
        lambda stack: FlowLogs(stack, "logs", FlowLogsConfig(name="solo"), vpc_id=VPC_ID, kms_key_arn=KMS_KEY_ARN)
    )
    bare.has(
        "aws_cloudwatch_log_group", {"name": "/solo/vpc-flow-logs", "retention_in_days": 365, "kms_key_id": KMS_KEY_ARN}
    )
    bare.has("aws_flow_log", {"vpc_id": VPC_ID, "traffic_type": "ALL"})
