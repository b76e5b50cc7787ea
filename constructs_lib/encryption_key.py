"""A customer-managed KMS key for one stack: storage, the master secret, Performance Insights, backups and logs."""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from .encryption_key_config import (
    EncryptionKeyConfig,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "EncryptionKey",
    "EncryptionKeyConfig",
]


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
            lifecycle={"prevent_destroy": True} if config.prevent_destroy else None,
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
