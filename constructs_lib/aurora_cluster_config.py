"""The Aurora cluster's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/aurora_cluster.py builds from it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .limits import BACKTRACK_HOURS, BACKUP_RETENTION_DAYS, READER_COUNT, SECRET_ROTATION_DAYS
from .published import aurora_mysql3_engine_versions, aurora_mysql3_instance_classes, mysql_reserved_words
from .validation import LOG_RETENTION_DAYS, ProblemList, is_int, is_number, is_rds_identifier

# The LTS line (long-term support) of Aurora MySQL 3: no forced minor upgrades for about three years.
DEFAULT_ENGINE_VERSION = "8.0.mysql_aurora.3.10.0"
# Aurora MySQL 3's long-term-support minor lines (AWS's release notes). On these, AWS applies patch levels itself in
# the maintenance window, and advises against AutoMinorVersionUpgrade (it could move the cluster off the LTS line).
LTS_MINOR_LINES = ("3.04", "3.10")
# The final snapshot's name: unique per cluster (its creation time, UTC). Terraform evaluates timestamp() when the
# cluster is created; ignore_changes keeps that value, so later plans show no change.
FINAL_SNAPSHOT = '{name}-final-${{formatdate("YYYYMMDDhhmmss", timestamp())}}'
ENGINE = "aurora-mysql"
PARAMETER_GROUP_FAMILY = "aurora-mysql8.0"
MYSQL_PORT = 3306
LOG_EXPORTS = ("audit", "error", "general", "slowquery")
ENGINE_VERSION = re.compile(r"^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$")
INSTANCE_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MASTER_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
RESERVED_USERNAMES = {"rdsadmin", "root", "mysql", "mysql.sys", "mysql.session", "mysql.infoschema"}
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
# Aurora MySQL has no Performance Insights on these burstable classes.
NO_PERFORMANCE_INSIGHTS = re.compile(r"^db\.(t2\.|t3\.|t4g\.(micro|small)$)")
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
# Aurora Serverless v2: capacity in ACUs (about 2 GiB of memory each), in steps of 0.5. A minimum of 0 (automatic
# pause) needs Aurora MySQL 3.08 or later.
SERVERLESS_INSTANCE_CLASS = "db.serverless"
SERVERLESS_MIN_ACU, SERVERLESS_MAX_ACU, SERVERLESS_ACU_STEP = 0.0, 256.0, 0.5
SERVERLESS_LOWEST_MAX_ACU = 1.0
SERVERLESS_AUTO_PAUSE_SINCE = 8  # minor line of Aurora MySQL 3 (3.08) that first allows 0 ACUs
# RDS windows, UTC: daily backups "hh24:mi-hh24:mi", weekly maintenance "ddd:hh24:mi-ddd:hh24:mi"; each at least
# 30 minutes, and they may not overlap.
BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
MIN_WINDOW_MINUTES = 30
MINUTES_PER_DAY, MINUTES_PER_WEEK = 24 * 60, 7 * 24 * 60
# Server certificate authorities RDS offers (rds-ca-2019 expired in 2024).
CA_CERTIFICATES = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")
# Secrets Manager rotation rules: every SECRET_ROTATION_DAYS, or a schedule no more often than every 4 hours.
ROTATION_SCHEDULE = re.compile(r"^(rate\((\d+) (hours?|days?)\)|cron\((\S+ ){5}\S+\))$")
MIN_ROTATION_HOURS = 4
PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class AuroraClusterConfig:
    """Settings of the cluster. Defaults are the secure ones; the dev profile relaxes the last two.

    identifier: cluster identifier (RDS rules). Default "aurora-web-db-cluster".
    engine_version: Aurora MySQL 3 version. Default the 3.10 LTS line ("8.0.mysql_aurora.3.10.0").
    instance_class: class of every instance. Default "db.t3.medium" (the tutorial's).
    reader_count: readers besides the writer, 0 to 15. Default 1.
    backup_retention_days: 1 to 35. Default 7.
    database_name: initial database. Default "sample".
    master_username: default "admin"; its password is generated and kept in Secrets Manager.
    deletion_protection: default True. skip_final_snapshot: default False.
    backtrack_hours: rewind window, 0 (off) to 72. Default 24.
    monitoring_interval_seconds: enhanced monitoring, one of 0 (off), 1, 5, 10, 15, 30, 60. Default 60.
    performance_insights: default False (db.t3 classes do not support it; db.t4g.medium, larger and db.serverless do).
    serverless_min_acu, serverless_max_acu: Aurora Serverless v2 capacity range, both or neither; min 0 to 256
        (0, automatic pause, needs 3.08 or later), max 1 to 256, steps of 0.5, min <= max. When set, every instance is
        db.serverless and instance_class is not used. Default None (provisioned instances of instance_class).
    preferred_backup_window: daily, UTC, "hh24:mi-hh24:mi", at least 30 minutes. Default None (AWS picks one).
    preferred_maintenance_window: weekly, UTC, "ddd:hh24:mi-ddd:hh24:mi" (lowercase days), at least 30 minutes, not
        overlapping the backup window. Default None (AWS picks one).
    ca_cert_identifier: server certificate authority of every instance, one of CA_CERTIFICATES. Default None (the
        region's default CA). hashicorp/aws 5.100 sets it after creating an instance (ModifyDBInstance, then a
        reboot) whenever the new instance reports another CA: expect a longer first apply.
    master_secret_rotation_days / master_secret_rotation_schedule: rotation of the RDS-managed master secret, every
        1 to 1000 days, or a "rate(N hours|days)" (at least 4 hours) or "cron(...)" expression; at most one of them.
        Default None: no rotation resource, RDS's own default applies (every 7 days).
    log_retention_days: when set, the stack owns one CloudWatch log group per exported log
        (/aws/rds/cluster/<identifier>/<log>), kept this many days (a CloudWatch period) and encrypted with the stack's
        key when it has one, created before the cluster. Default None: RDS creates them itself, kept forever.
    prevent_destroy: Terraform's lifecycle.prevent_destroy on the cluster: any plan that would destroy or replace it
        fails until this is turned off. Default False (the prod profile turns it on, for the cluster and the stack's
        key). engine_version on an LTS line (LTS_MINOR_LINES): instances run without automatic minor upgrades, and the
        patch level AWS applies itself is not a change (Terraform ignores engine_version; a plan fails, saying so,
        if the setting names another line than the cluster runs).
    instance_parameters: when set (even empty), an instance-level DB parameter group (family aurora-mysql8.0) with these
        parameters (applied at the next reboot) on every instance. Default None (the engine's default group).
    """

    identifier: str = "aurora-web-db-cluster"
    engine_version: str = DEFAULT_ENGINE_VERSION
    instance_class: str = "db.t3.medium"
    reader_count: int = 1
    backup_retention_days: int = 7
    database_name: str = "sample"
    master_username: str = "admin"
    deletion_protection: bool = True
    skip_final_snapshot: bool = False
    backtrack_hours: int = 24
    monitoring_interval_seconds: int = 60
    performance_insights: bool = False
    serverless_min_acu: float | None = None
    serverless_max_acu: float | None = None
    preferred_backup_window: str | None = None
    preferred_maintenance_window: str | None = None
    ca_cert_identifier: str | None = None
    master_secret_rotation_days: int | None = None
    master_secret_rotation_schedule: str | None = None
    log_retention_days: int | None = None
    instance_parameters: Mapping[str, str] | None = None
    prevent_destroy: bool = False

    @property
    def minor_line(self) -> str:
        """The engine version without its patch level: "8.0.mysql_aurora.3.10" for "8.0.mysql_aurora.3.10.0"."""
        return self.engine_version.rsplit(".", 1)[0]

    @property
    def lts(self) -> bool:
        """Whether the engine version is on an LTS line: AWS patches it; no automatic minor upgrades."""
        return self.minor_line.rsplit("mysql_aurora.", 1)[-1] in LTS_MINOR_LINES

    @property
    def serverless(self) -> bool:
        """Whether the instances are Aurora Serverless v2 (both ends of the ACU range are set)."""
        return self.serverless_min_acu is not None and self.serverless_max_acu is not None

    @property
    def effective_instance_class(self) -> str:
        """The class every instance gets: db.serverless for Serverless v2, else instance_class."""
        return SERVERLESS_INSTANCE_CLASS if self.serverless else self.instance_class

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_rds_identifier(self.identifier),
            "identifier",
            self.identifier,
            "must be 1 to 63 letters, digits or hyphens, start with a letter, no double or trailing hyphen",
        )
        if problems.check(
            isinstance(self.engine_version, str) and bool(ENGINE_VERSION.match(self.engine_version)),
            "engine_version",
            self.engine_version,
            'must be an Aurora MySQL 3 version like "8.0.mysql_aurora.3.10.0"',
        ):
            problems.check(
                self.engine_version in aurora_mysql3_engine_versions(),
                "engine_version",
                self.engine_version,
                "is not a released Aurora MySQL 3 version (AWS's release notes; "
                "constructs_lib/data/aurora_mysql3.json)",
            )
        if problems.check(
            isinstance(self.instance_class, str)
            and (bool(INSTANCE_CLASS.match(self.instance_class)) or self.instance_class == SERVERLESS_INSTANCE_CLASS),
            "instance_class",
            self.instance_class,
            'must be a DB instance class like "db.t3.medium"',
        ):
            problems.check(
                self.instance_class in aurora_mysql3_instance_classes(),
                "instance_class",
                self.instance_class,
                "does not run Aurora MySQL 3 (AWS's instance class table; constructs_lib/data/aurora_mysql3.json); "
                "e.g. db.t4g.medium, db.r7g.large",
            )
        problems.check(
            is_int(self.reader_count) and READER_COUNT.holds(self.reader_count),
            "reader_count",
            self.reader_count,
            f"must be an integer {READER_COUNT.text}",
        )
        problems.check(
            is_int(self.backup_retention_days) and BACKUP_RETENTION_DAYS.holds(self.backup_retention_days),
            "backup_retention_days",
            self.backup_retention_days,
            f"must be an integer {BACKUP_RETENTION_DAYS.text}",
        )
        problems.check(
            isinstance(self.database_name, str) and bool(DATABASE_NAME.match(self.database_name)),
            "database_name",
            self.database_name,
            "must be 1 to 64 letters, digits or underscores, starting with a letter",
        )
        if problems.check(
            isinstance(self.master_username, str)
            and bool(MASTER_USERNAME.match(self.master_username))
            and self.master_username.lower() not in RESERVED_USERNAMES,
            "master_username",
            self.master_username,
            "must be 1 to 16 letters, digits or underscores, start with a letter, and not be a reserved name",
        ):
            problems.check(
                self.master_username.upper() not in mysql_reserved_words(),
                "master_username",
                self.master_username,
                "is a MySQL 8.0 reserved word, which RDS refuses as a user name; e.g. admin",
            )
        problems.check_booleans(
            self, "deletion_protection", "skip_final_snapshot", "performance_insights", "prevent_destroy"
        )
        problems.check(
            is_int(self.backtrack_hours) and BACKTRACK_HOURS.holds(self.backtrack_hours),
            "backtrack_hours",
            self.backtrack_hours,
            f"must be an integer {BACKTRACK_HOURS.text}",
        )
        problems.check(
            self.monitoring_interval_seconds in MONITORING_INTERVALS and is_int(self.monitoring_interval_seconds),
            "monitoring_interval_seconds",
            self.monitoring_interval_seconds,
            f"must be one of {', '.join(map(str, MONITORING_INTERVALS))}",
        )
        self._check_serverless(problems)
        if self.performance_insights is True and isinstance(self.instance_class, str):
            problems.check(
                not NO_PERFORMANCE_INSIGHTS.match(self.effective_instance_class),
                "performance_insights",
                True,
                f"is not supported on {self.instance_class}; use db.t4g.medium or larger, or turn it off",
            )
        self._check_windows(problems)
        problems.check(
            self.ca_cert_identifier is None or self.ca_cert_identifier in CA_CERTIFICATES,
            "ca_cert_identifier",
            self.ca_cert_identifier,
            f"must be one of {', '.join(CA_CERTIFICATES)}",
        )
        self._check_rotation(problems)
        problems.check(
            self.log_retention_days is None
            or (is_int(self.log_retention_days) and self.log_retention_days in LOG_RETENTION_DAYS),
            "log_retention_days",
            self.log_retention_days,
            f"must be a CloudWatch Logs retention period: one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
        )
        if self.instance_parameters is not None and problems.check(
            isinstance(self.instance_parameters, Mapping),
            "instance_parameters",
            self.instance_parameters,
            "must be a table of parameter names to string values",
        ):
            for name, value in self.instance_parameters.items():
                problems.check(
                    isinstance(name, str) and bool(PARAMETER_NAME.match(name)) and isinstance(value, str),
                    f"instance_parameters.{name}",
                    value,
                    "must be a MySQL parameter name (letters, digits, _ . -) with a string value",
                )
        problems.raise_if_any()

    def _check_serverless(self, problems: ProblemList) -> None:
        low, high = self.serverless_min_acu, self.serverless_max_acu
        if low is None and high is None:
            problems.check(
                self.instance_class != SERVERLESS_INSTANCE_CLASS,
                "instance_class",
                self.instance_class,
                "db.serverless needs serverless_min_acu and serverless_max_acu (the Serverless v2 capacity range)",
            )
            return
        if low is None or high is None:
            missing = "serverless_min_acu" if low is None else "serverless_max_acu"
            problems.add(missing, None, "must be set too: Serverless v2 needs both ends of the capacity range")
            return
        steps = f"in steps of {SERVERLESS_ACU_STEP}"
        low_ok = problems.check(
            is_number(low) and SERVERLESS_MIN_ACU <= low <= SERVERLESS_MAX_ACU and _is_step(low),
            "serverless_min_acu",
            low,
            f"must be a number of ACUs from {SERVERLESS_MIN_ACU:g} to {SERVERLESS_MAX_ACU:g}, {steps}",
        )
        high_ok = problems.check(
            is_number(high) and SERVERLESS_LOWEST_MAX_ACU <= high <= SERVERLESS_MAX_ACU and _is_step(high),
            "serverless_max_acu",
            high,
            f"must be a number of ACUs from {SERVERLESS_LOWEST_MAX_ACU:g} to {SERVERLESS_MAX_ACU:g}, {steps}",
        )
        if low_ok and high_ok:
            problems.check(low <= high, "serverless_min_acu", low, f"must not exceed serverless_max_acu ({high:g})")
        if low_ok and low == 0 and isinstance(self.engine_version, str) and ENGINE_VERSION.match(self.engine_version):
            minor = int(self.engine_version.split(".")[-2])
            problems.check(
                minor >= SERVERLESS_AUTO_PAUSE_SINCE,
                "serverless_min_acu",
                low,
                f"0 ACUs (automatic pause) needs Aurora MySQL 3.{SERVERLESS_AUTO_PAUSE_SINCE:02d} or later; "
                f"engine_version is {self.engine_version}",
            )

    def _check_windows(self, problems: ProblemList) -> None:
        backup = _backup_window(self.preferred_backup_window)
        maintenance = _maintenance_window(self.preferred_maintenance_window)
        if self.preferred_backup_window is not None:
            problems.check(
                backup is not None,
                "preferred_backup_window",
                self.preferred_backup_window,
                f'must be "hh24:mi-hh24:mi" in UTC (e.g. "03:00-04:00"), at least {MIN_WINDOW_MINUTES} minutes',
            )
        if self.preferred_maintenance_window is not None:
            problems.check(
                maintenance is not None,
                "preferred_maintenance_window",
                self.preferred_maintenance_window,
                f'must be "ddd:hh24:mi-ddd:hh24:mi" in UTC with lowercase days (e.g. "sun:05:00-sun:06:00"), '
                f"at least {MIN_WINDOW_MINUTES} minutes",
            )
        if backup is not None and maintenance is not None:
            problems.check(
                not _windows_overlap(backup, maintenance),
                "preferred_maintenance_window",
                self.preferred_maintenance_window,
                f"must not overlap the daily backup window ({self.preferred_backup_window})",
            )

    def _check_rotation(self, problems: ProblemList) -> None:
        days, schedule = self.master_secret_rotation_days, self.master_secret_rotation_schedule
        problems.check(
            days is None or (is_int(days) and SECRET_ROTATION_DAYS.holds(days)),
            "master_secret_rotation_days",
            days,
            f"must be an integer {SECRET_ROTATION_DAYS.text}",
        )
        if schedule is not None:
            match = ROTATION_SCHEDULE.match(schedule) if isinstance(schedule, str) else None
            often = match is not None and match.group(2) is not None and match.group(3).startswith("hour")
            problems.check(
                match is not None
                and (not often or int(match.group(2)) >= MIN_ROTATION_HOURS)
                and (match.group(2) is None or int(match.group(2)) > 0),
                "master_secret_rotation_schedule",
                schedule,
                f'must be "rate(N hours)" (N >= {MIN_ROTATION_HOURS}), "rate(N days)" or "cron(<6 fields>)"',
            )
        problems.check(
            days is None or schedule is None,
            "master_secret_rotation_schedule",
            schedule,
            "must not be set together with master_secret_rotation_days: pick one",
        )


Window = tuple[int, int]  # start minute (of the day or of the week) and length in minutes


def _is_step(value: float) -> bool:
    return float(value / SERVERLESS_ACU_STEP).is_integer()


def _backup_window(text: object) -> Window | None:
    match = BACKUP_WINDOW.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    start_hour, start_minute, end_hour, end_minute = map(int, match.groups())
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    length = (end - start) % MINUTES_PER_DAY
    return (start, length) if length >= MIN_WINDOW_MINUTES else None


def _maintenance_window(text: object) -> Window | None:
    match = MAINTENANCE_WINDOW.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    start_day, start_hour, start_minute, end_day, end_hour, end_minute = match.groups()
    start = WEEKDAYS.index(start_day) * MINUTES_PER_DAY + int(start_hour) * 60 + int(start_minute)
    end = WEEKDAYS.index(end_day) * MINUTES_PER_DAY + int(end_hour) * 60 + int(end_minute)
    length = (end - start) % MINUTES_PER_WEEK
    return (start, length) if length >= MIN_WINDOW_MINUTES else None


def _windows_overlap(backup: Window, maintenance: Window) -> bool:
    """Whether any day's backup window shares a minute with the weekly maintenance window (both may wrap)."""
    maintenance_start, maintenance_length = maintenance
    for day in range(7):
        start, length = day * MINUTES_PER_DAY + backup[0], backup[1]
        if (start - maintenance_start) % MINUTES_PER_WEEK < maintenance_length:
            return True
        if (maintenance_start - start) % MINUTES_PER_WEEK < length:
            return True
    return False
