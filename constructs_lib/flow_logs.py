"""VPC flow logs into an encrypted CloudWatch log group (a year by default), written by a role that can do only that."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from .flow_logs_config import (
    FlowLogsConfig,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "FlowLogs",
    "FlowLogsConfig",
]


class FlowLogs(Construct):
    """Attributes: log_group, flow_log."""

    def __init__(
        self, scope: Construct, id: str, config: FlowLogsConfig, *, vpc_id: str, kms_key_arn: str | None = None
    ) -> None:
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=f"/{config.name}/vpc-flow-logs",
            retention_in_days=config.retention_days,
            kms_key_id=kms_key_arn,
        )
        role = IamRole(
            self,
            "role",
            name_prefix=f"{config.name}-flow-logs-",
            description="Lets VPC Flow Logs write to its one log group",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        IamRolePolicy(
            self,
            "write-log-group",
            role=role.id,
            name="write-flow-logs",
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            "Resource": [self.log_group.arn, f"{self.log_group.arn}:*"],
                        }
                    ],
                }
            ),
        )
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )
