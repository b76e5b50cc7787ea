"""The VPC flow logs' settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/flow_logs.py builds from it)."""

from __future__ import annotations

from dataclasses import dataclass

from .validation import LOG_RETENTION_DAYS, ProblemList, is_int


@dataclass(frozen=True)
class FlowLogsConfig:
    """name: prefix of the log group and role.

    retention_days: a CloudWatch Logs retention period; default 365, the year auditors ask for (a short-lived dev
    stack may keep less).
    """

    name: str = "aurora-web"
    retention_days: int = 365

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_int(self.retention_days) and self.retention_days in LOG_RETENTION_DAYS,
            "retention_days",
            self.retention_days,
            f"must be a CloudWatch Logs retention period: one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
        )
        problems.raise_if_any()
