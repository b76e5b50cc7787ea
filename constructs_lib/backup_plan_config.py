"""The backup plan's settings: a frozen, validated config, kept apart from the construct so that reading them never
loads the AWS Backup provider classes the construct needs (a stack without a backup plan never imports them)."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import BACKUP_PLAN_RETENTION_DAYS
from .validation import ProblemList, is_int

BACKUP_SERVICE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass(frozen=True)
class BackupPlanConfig:
    """name: prefix of vault, plan and role. schedule: cron, default daily 05:00 UTC. retention_days: default 35."""

    name: str = "aurora-web"
    schedule: str = "cron(0 5 * * ? *)"
    retention_days: int = 35

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            isinstance(self.schedule, str) and self.schedule.startswith("cron(") and self.schedule.endswith(")"),
            "schedule",
            self.schedule,
            'must be an AWS cron expression like "cron(0 5 * * ? *)"',
        )
        problems.check(
            is_int(self.retention_days) and BACKUP_PLAN_RETENTION_DAYS.holds(self.retention_days),
            "retention_days",
            self.retention_days,
            f"must be an integer {BACKUP_PLAN_RETENTION_DAYS.text}",
        )
        problems.raise_if_any()
