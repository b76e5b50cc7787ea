"""The alarms' settings: a frozen, validated config, kept apart from the construct so that reading them never loads
the CloudWatch and SNS provider classes the alarms need (a stack without alarms never imports them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .validation import ProblemList, is_int, is_number

NAMESPACE = "AWS/RDS"
# An address SNS can deliver to: a local part of up to 64 printable characters, and a domain of two or more DNS
# labels (1 to 63 letters, digits or hyphens, not at either end; no empty label), at most 254 characters in all.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"^(?=.{{3,254}}$)[^@\s]{{1,64}}@(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?$")
# CloudWatch: standard-resolution periods are multiples of 60 s, and period x evaluation periods is at most a day.
PERIOD_STEP_SECONDS = 60
MAX_EVALUATION_SECONDS = 24 * 3600
MIB = 1024 * 1024


@dataclass(frozen=True)
class AuroraAlarmsConfig:
    """Thresholds of the alarms on each instance; an alarm fires after evaluation_periods bad periods in a row.

    email: an address subscribed to the topic (AWS mails a confirmation link first). Default None (topic only).
    cpu_percent: CPUUtilization above this, 1 to 100. Default 80.
    freeable_memory_mib: FreeableMemory below this many MiB, 1 or more. Default 256 (of a db.t3.medium's 4 GiB).
    database_connections: DatabaseConnections above this, 1 or more. Default 75 (about 80 % of the 90 that
        max_connections allows on db.t3.medium and db.t4g.medium; raise it for larger classes).
    replica_lag_ms: AuroraReplicaLag (readers only) above this many milliseconds, 1 or more. Default 2000.
    acu_utilization_percent: ACUUtilization (Serverless v2 only: share of the maximum ACUs) above this, 1 to 100.
        Default 90.
    period_seconds: a multiple of 60. Default 60. evaluation_periods: 1 or more, period x periods <= 1 day. Default 5.
    """

    email: str | None = None
    cpu_percent: float = 80
    freeable_memory_mib: int = 256
    database_connections: int = 75
    replica_lag_ms: int = 2000
    acu_utilization_percent: float = 90
    period_seconds: int = 60
    evaluation_periods: int = 5

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            self.email is None or (isinstance(self.email, str) and bool(EMAIL.match(self.email))),
            "email",
            self.email,
            "must be an e-mail address like ops@example.com (each domain label 1 to 63 letters, digits, hyphens)",
        )
        for name in ("cpu_percent", "acu_utilization_percent"):
            value = getattr(self, name)
            problems.check(is_number(value) and 1 <= value <= 100, name, value, "must be a percentage from 1 to 100")
        for name in ("freeable_memory_mib", "database_connections", "replica_lag_ms"):
            value = getattr(self, name)
            problems.check(is_int(value) and value >= 1, name, value, "must be a positive integer")
        period_ok = problems.check(
            is_int(self.period_seconds)
            and self.period_seconds >= PERIOD_STEP_SECONDS
            and self.period_seconds % PERIOD_STEP_SECONDS == 0,
            "period_seconds",
            self.period_seconds,
            f"must be a multiple of {PERIOD_STEP_SECONDS} seconds",
        )
        if (
            problems.check(
                is_int(self.evaluation_periods) and self.evaluation_periods >= 1,
                "evaluation_periods",
                self.evaluation_periods,
                "must be a positive integer",
            )
            and period_ok
        ):
            problems.check(
                self.period_seconds * self.evaluation_periods <= MAX_EVALUATION_SECONDS,
                "evaluation_periods",
                self.evaluation_periods,
                f"times period_seconds ({self.period_seconds}) must be at most one day ({MAX_EVALUATION_SECONDS} s)",
            )
        problems.raise_if_any()
