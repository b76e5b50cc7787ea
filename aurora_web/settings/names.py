"""Every name the stack derives from the settings, checked against the AWS limit that applies to it.

A user writes `name_prefix` and maybe `database.cluster_identifier`; the constructs add suffixes. A name that is
valid as typed can still break a limit once a suffix is added, and then `terraform validate` or `apply` fails.
Each problem is reported once, on the key the user wrote, with the longest name it produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs_lib.app_artifact_config import ACCOUNT_PLACEHOLDER, BUCKET_NAME_PATTERN, S3_BUCKET_NAME_MAX_LENGTH
from constructs_lib.aurora_web_stack_config import NAME_PREFIX
from constructs_lib.validation import S3_RESERVED_PREFIXES, Problem, is_rds_identifier

if TYPE_CHECKING:
    from .schema import StackSettings


@dataclass(frozen=True)
class Limit:
    """An AWS naming limit and where it is written down."""

    what: str
    max_length: int
    source: str
    forbidden_start: str | tuple[str, ...] | None = None


MAX_NAME_PREFIX = 32  # AuroraWebStackConfig's own bound (its message says "1 to 32")

# The limits, in one place.
IAM_ROLE_NAME_PREFIX = Limit(
    "IAM role name_prefix",
    38,
    "terraform-provider-aws internal/service/iam/role.go: roleNamePrefixMaxLen = roleNameMaxLen (64) - "
    "id.UniqueIDSuffixLength (26)",
)
IAM_INSTANCE_PROFILE_NAME_PREFIX = Limit(
    "IAM instance profile name_prefix",
    102,
    "terraform-provider-aws internal/service/iam/instance_profile.go: 128 - id.UniqueIDSuffixLength (26)",
)
RDS_INSTANCE_IDENTIFIER = Limit(
    "RDS instance identifier",
    63,
    "AWS RDS CreateDBInstance, DBInstanceIdentifier: 1 to 63 letters, digits or hyphens; stored in lowercase",
)
RDS_CLUSTER_IDENTIFIER = Limit(
    "RDS cluster identifier",
    63,
    "AWS RDS CreateDBCluster, DBClusterIdentifier; terraform-provider-aws validIdentifier: ^[0-9a-z-]+$ "
    "(lowercase only)",
)
DB_SUBNET_GROUP_NAME = Limit(
    "DB subnet group name", 255, "AWS RDS CreateDBSubnetGroup; terraform-provider-aws: ^[ .0-9a-z-_]+$"
)
SECURITY_GROUP_NAME = Limit(
    "security group name", 255, "AWS EC2 CreateSecurityGroup, GroupName: up to 255, cannot start with sg-", "sg-"
)
KMS_ALIAS = Limit("KMS alias", 256, "AWS KMS CreateAlias, AliasName: alias/ plus up to 250 characters")
LOG_GROUP_NAME = Limit("CloudWatch log group name", 512, "AWS CloudWatch Logs CreateLogGroup, logGroupName")
BACKUP_VAULT_NAME = Limit("AWS Backup vault name", 50, "AWS Backup CreateBackupVault: ^[a-zA-Z0-9-_]{2,50}$")
BACKUP_PLAN_NAME = Limit("AWS Backup plan name", 50, "AWS Backup CreateBackupPlan, BackupPlanName: up to 50")
BACKUP_SELECTION_NAME = Limit(
    "AWS Backup selection name", 50, "AWS Backup CreateBackupSelection, SelectionName: ^[a-zA-Z0-9-_.]{1,50}$"
)
KEY_PAIR_NAME = Limit("EC2 key pair name", 255, "AWS EC2 ImportKeyPair, KeyName: up to 255 ASCII characters")
LOAD_BALANCER_NAME = Limit(
    "load balancer name", 32, "AWS ELB CreateLoadBalancer, Name: up to 32 letters, digits and hyphens"
)
TARGET_GROUP_NAME = Limit("target group name", 32, "AWS ELB CreateTargetGroup, Name: up to 32 characters")
S3_BUCKET_PREFIX = Limit(
    "S3 bucket_prefix",
    37,
    "terraform-provider-aws s3 bucket: bucket names up to 63 minus id.UniqueIDSuffixLength (26) for bucket_prefix",
    S3_RESERVED_PREFIXES,
)
S3_BUCKET_NAME = Limit(
    "S3 bucket name",
    S3_BUCKET_NAME_MAX_LENGTH,
    "S3 general purpose bucket naming rules: 3 to 63 characters; the app artifact bucket's name holds the 12-digit "
    "account id and the region",
    S3_RESERVED_PREFIXES,
)
WEB_ACL_NAME = Limit("WAF web ACL name", 128, "AWS WAFv2 CreateWebACL, Name: ^[\\w\\-]+$, 1 to 128")


def derived_names(settings: StackSettings) -> list[tuple[str, str, Limit]]:
    """(key the name comes from, the name, its limit) for every name the stack creates."""
    prefix = settings.name_prefix
    cluster = cluster_identifier(settings)
    cluster_key = "database.cluster_identifier" if settings.database.cluster_identifier else "name_prefix"
    names = [
        ("name_prefix", f"{prefix}-web-", IAM_ROLE_NAME_PREFIX),
        ("name_prefix", f"{prefix}-web-", IAM_INSTANCE_PROFILE_NAME_PREFIX),
        ("name_prefix", f"{prefix}-web", SECURITY_GROUP_NAME),
        ("name_prefix", f"ec2-rds-{prefix}", SECURITY_GROUP_NAME),
        ("name_prefix", f"rds-ec2-{prefix}", SECURITY_GROUP_NAME),
        ("name_prefix", f"{prefix}-key", KEY_PAIR_NAME),
        (cluster_key, cluster, RDS_CLUSTER_IDENTIFIER),
        (cluster_key, f"{cluster}-writer", RDS_INSTANCE_IDENTIFIER),
        (cluster_key, f"{cluster}-subnets", DB_SUBNET_GROUP_NAME),
    ]
    if settings.database.reader_count:
        names.append((cluster_key, f"{cluster}-reader-{settings.database.reader_count}", RDS_INSTANCE_IDENTIFIER))
    if settings.customer_managed_key:
        names.append(("name_prefix", f"alias/{prefix}", KMS_ALIAS))
    if settings.network.flow_logs:
        names.append(("name_prefix", f"{prefix}-flow-logs-", IAM_ROLE_NAME_PREFIX))
        names.append(("name_prefix", f"/{prefix}/vpc-flow-logs", LOG_GROUP_NAME))
    if settings.load_balancer.enabled:
        names += [
            ("name_prefix", f"{prefix}-alb", LOAD_BALANCER_NAME),
            ("name_prefix", f"{prefix}-web", TARGET_GROUP_NAME),
            ("name_prefix", f"{prefix}-alb", SECURITY_GROUP_NAME),
            ("name_prefix", f"{prefix}-lb-logs-", S3_BUCKET_PREFIX),
        ]
        if settings.load_balancer.waf:
            names += [
                ("name_prefix", f"{prefix}-web-acl", WEB_ACL_NAME),
                ("name_prefix", f"aws-waf-logs-{prefix}", LOG_GROUP_NAME),
            ]
    if settings.database.backup_plan:
        names += [
            ("name_prefix", f"{prefix}-backup-", IAM_ROLE_NAME_PREFIX),
            ("name_prefix", f"{prefix}-backups", BACKUP_VAULT_NAME),
            ("name_prefix", f"{prefix}-daily", BACKUP_PLAN_NAME),
            ("name_prefix", f"{prefix}-database", BACKUP_SELECTION_NAME),
        ]
    if settings.web.install_app:
        # The app artifact's bucket: its name holds the account id (shown as a placeholder of the same length).
        artifact_bucket = BUCKET_NAME_PATTERN.format(name=prefix, account=ACCOUNT_PLACEHOLDER, region=settings.region)
        names.append(("name_prefix", artifact_bucket, S3_BUCKET_NAME))
    return names


def is_name_prefix(value: str) -> bool:
    """Whether the stack config accepts `value` as name_prefix (its own rule, constructs_lib's NAME_PREFIX)."""
    return bool(NAME_PREFIX.match(value)) and len(value) <= MAX_NAME_PREFIX


def cluster_identifier(settings: StackSettings) -> str:
    return settings.database.cluster_identifier or f"{settings.name_prefix}-db-cluster"


def name_problems(settings: StackSettings) -> list[Problem]:
    """One problem per key whose derived names break a limit (the tightest limit named), none when all fit."""
    problems: list[Problem] = []
    written = settings.database.cluster_identifier
    if written is not None and is_rds_identifier(written) and written != written.lower():
        problems.append(
            Problem(
                "database.cluster_identifier",
                written,
                f"must be lowercase: RDS stores identifiers in lowercase and Terraform refuses upper case; "
                f"write {written.lower()!r}",
            )
        )
    checkable = {
        "name_prefix": is_name_prefix(settings.name_prefix),
        "database.cluster_identifier": written is not None and is_rds_identifier(written) and not problems,
    }
    worst: dict[str, tuple[int, str, Limit]] = {}
    for key, name, limit in derived_names(settings):
        if checkable[key] and limit.forbidden_start and name.startswith(limit.forbidden_start):
            value = settings.name_prefix if key == "name_prefix" else written
            problems.append(
                Problem(
                    key,
                    value,
                    f"makes the {limit.what} {name!r}, and AWS refuses names starting with {_starts(limit, name)}",
                )
            )
            checkable[key] = False
            continue
        excess = len(name) - limit.max_length
        if checkable[key] and excess > 0 and excess > worst.get(key, (0, "", limit))[0]:
            worst[key] = (excess, name, limit)
    for key, (excess, name, limit) in worst.items():
        value = settings.name_prefix if key == "name_prefix" else written
        problems.append(
            Problem(
                key,
                value,
                f"is {excess} character{'s' if excess > 1 else ''} too long for the {limit.what} {name!r} it makes "
                f"({len(name)} characters; AWS allows {limit.max_length})",
            )
        )
    return problems


def _starts(limit: Limit, name: str) -> str:
    """The forbidden start `name` has (a Limit may forbid several)."""
    starts = (limit.forbidden_start,) if isinstance(limit.forbidden_start, str) else limit.forbidden_start or ()
    return next(start for start in starts if name.startswith(start))
