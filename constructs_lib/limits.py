"""Every numeric bound of a setting, once, with where it comes from.

The construct configs check values against these, and the settings schema (aurora_web/settings/schema.py) writes
the same bounds into its `ge=`/`le=` and so into docs/settings.schema.json: a bound changed here changes both.
Bounds are inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bound:
    """An inclusive range low..high of a numeric setting; `source` says who imposes it."""

    low: int
    high: int
    source: str

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    @property
    def text(self) -> str:
        """How error lines and descriptions say it: "from 1 to 35"."""
        return f"from {self.low} to {self.high}"


# Network
AZ_COUNT = Bound(2, 6, "two AZs at least for the DB subnet group; six: this stack's subnet layout")
VPC_PREFIX_LENGTH = Bound(16, 24, "AWS allows /16 to /28 for a VPC; /24 leaves room for a subnet per AZ and tier")
# Web server
ROOT_VOLUME_GIB = Bound(8, 16384, "EC2 gp3: the AL2023 AMI's 8 GiB up to gp3's 16 TiB")
# Web group
WEB_GROUP_SIZE = Bound(
    1,
    20,
    "this stack's bound: 20 instances are far beyond this app's needs, and EC2's per-account vCPU quota is the real "
    "limit; raise it here deliberately",
)
WEB_GROUP_GRACE_SECONDS = Bound(
    0, 3600, "this stack's bound: an instance that is not serving within an hour never will"
)
WEB_SCALING_CPU_PERCENT = Bound(1, 100, "target tracking on CPUUtilization, a percentage")
WEB_SCALING_REQUESTS_PER_TARGET = Bound(1, 100000, "this stack's bound on ALBRequestCountPerTarget a minute")
# Aurora
READER_COUNT = Bound(0, 15, "Aurora: a writer and up to 15 readers")
AUTOSCALING_MAX_READERS = Bound(1, READER_COUNT.high, "Application Auto Scaling of Aurora readers, 1 to 15")
BACKUP_RETENTION_DAYS = Bound(1, 35, "RDS automated backups")
BACKTRACK_HOURS = Bound(0, 72, "Aurora MySQL backtrack window")
SECRET_ROTATION_DAYS = Bound(1, 1000, "Secrets Manager rotation rules")
# KMS
KEY_DELETION_WINDOW_DAYS = Bound(7, 30, "KMS ScheduleKeyDeletion's pending window")
# AWS Backup
BACKUP_PLAN_RETENTION_DAYS = Bound(1, 36500, "AWS Backup lifecycle delete_after, up to 100 years")
# Load balancer
ACCESS_LOG_RETENTION_DAYS = Bound(1, 3650, "this stack's S3 lifecycle on the access log bucket: a day to ten years")
TCP_PORT = Bound(1, 65535, "TCP")
IDLE_TIMEOUT_SECONDS = Bound(1, 4000, "ELB: an Application Load Balancer's idle_timeout")
# App artifact
ARTIFACT_NONCURRENT_DAYS = Bound(1, 3650, "this stack's S3 lifecycle on the app artifact bucket: a day to ten years")
# Tags
TAGS_PER_RESOURCE = Bound(0, 50, "AWS tagging rules: at most 50 user tags on a resource, default tags included")
# Security groups
PROD_SSH_PREFIX_LENGTH = Bound(
    16,
    32,
    "this stack's rule: in prod, SSH opens to at most a /16 (65,536 addresses), the largest network AWS lets one VPC "
    "hold and the usual size of one organization's VPN or office range; anything wider spans other people's networks",
)
