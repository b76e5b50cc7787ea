"""A customer-managed KMS key for one stack: storage, the master secret, Performance Insights, backups and logs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from .limits import KEY_DELETION_WINDOW_DAYS
from .validation import ProblemList, is_int


@dataclass(frozen=True)
class EncryptionKeyConfig:
    """name: the key's alias is alias/<name>. deletion_window_days: 7 to 30, default 30 (the safest)."""

    name: str = "aurora-web"
    deletion_window_days: int = KEY_DELETION_WINDOW_DAYS.high

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_int(self.deletion_window_days) and KEY_DELETION_WINDOW_DAYS.holds(self.deletion_window_days),
            "deletion_window_days",
            self.deletion_window_days,
            f"must be an integer {KEY_DELETION_WINDOW_DAYS.text}",
        )
        problems.raise_if_any()


class EncryptionKey(Construct):
    """Rotating CMK whose policy lets the account's IAM decide, plus CloudWatch Logs for this region's log groups.

    Attributes: key, arn.
    """

    def __init__(self, scope: Construct, id: str, config: EncryptionKeyConfig) -> None:
        super().__init__(scope, id)
        account = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition").partition
        region = DataAwsRegion(self, "region").name
        policy: dict[str, Any] = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersThroughIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogsOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"
                        }
                    },
                },
            ],
        }
        self._policy = policy
        self.key = KmsKey(
            self,
            "key",
            description=f"{config.name}: Aurora storage, master secret, Performance Insights, backups, flow logs",
            enable_key_rotation=True,
            deletion_window_in_days=config.deletion_window_days,
            policy=json.dumps(policy),
        )
        KmsAlias(self, "alias", name=f"alias/{config.name}", target_key_id=self.key.key_id)
        self.arn: str = self.key.arn

    def allow_cloudwatch_alarms(self) -> None:
        """Let CloudWatch alarms publish to SNS topics encrypted with this key (AWS's statement for alarm topics).

        Added only by stacks that have alarms, so a stack without them keeps the narrower policy.
        """
        statements = self._policy["Statement"]
        if any(statement.get("Sid") == "CloudWatchAlarmsPublishToEncryptedTopics" for statement in statements):
            return
        statements.append(
            {
                "Sid": "CloudWatchAlarmsPublishToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
        self.key.policy = json.dumps(self._policy)
