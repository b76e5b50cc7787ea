"""An AWS Backup plan for the cluster: daily copies in an encrypted vault, kept apart from RDS's own backups."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.backup_plan import BackupPlan as AwsBackupPlan
from cdktf_cdktf_provider_aws.backup_plan import BackupPlanRule, BackupPlanRuleLifecycle
from cdktf_cdktf_provider_aws.backup_selection import BackupSelection
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from .backup_plan_config import BACKUP_SERVICE_POLICIES, BackupPlanConfig


class BackupPlan(Construct):
    """Attributes: vault, plan, selection."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: BackupPlanConfig,
        *,
        resource_arns: list[str],
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.vault = BackupVault(self, "vault", name=f"{config.name}-backups", kms_key_arn=kms_key_arn)
        self.plan = AwsBackupPlan(
            self,
            "plan",
            name=f"{config.name}-daily",
            rule=[
                BackupPlanRule(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule=config.schedule,
                    lifecycle=BackupPlanRuleLifecycle(delete_after=config.retention_days),
                )
            ],
        )
        role = IamRole(
            self,
            "role",
            name_prefix=f"{config.name}-backup-",
            description="Lets AWS Backup back up and restore the stack's database",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        for index, policy_arn in enumerate(BACKUP_SERVICE_POLICIES):
            IamRolePolicyAttachment(self, f"service-policy-{index}", role=role.name, policy_arn=policy_arn)
        self.selection = BackupSelection(
            self,
            "selection",
            name=f"{config.name}-database",
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=resource_arns,
        )
