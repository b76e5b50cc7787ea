"""The checkov findings we accept, each scoped to its resources, with its reason, and chosen per stack.

checkov's terraform_json framework has no inline suppression, and a skip list (`--skip-check`, `.checkov.yaml`)
applies to every resource of every stack it scans: dev's exceptions would hide a prod stack's real findings. So the
scan (scan.py) runs checkov once per stack with no skip list at all, then accepts a failed check only when one of
the exceptions below that apply to *that* stack names its check and its resource.

A resource is named by its Terraform type and its cdktf logical id without the hash suffix (a glob), for example
`aws_rds_cluster` / `database_cluster`: the construct path our stack gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from constructs_lib.aurora_web_stack_config import AuroraWebStackConfig

# What auditors ask of CloudWatch logs (checkov CKV_AWS_338): a year.
AUDIT_RETENTION_DAYS = 365


@dataclass(frozen=True)
class AcceptedFinding:
    """Accept `check` failing on resources of `resource_type` whose logical id matches `logical_id` (a glob)."""

    check: str
    resource_type: str
    logical_id: str
    reason: str

    def covers(self, check: str, resource_type: str, logical_id: str) -> bool:
        return check == self.check and resource_type == self.resource_type and fnmatchcase(logical_id, self.logical_id)


@dataclass(frozen=True)
class Rule:
    """Exceptions that apply to a stack when `applies(config)` holds."""

    applies: Callable[[AuroraWebStackConfig], bool]
    exceptions: tuple[AcceptedFinding, ...]


def _dev(condition: Callable[[AuroraWebStackConfig], bool]) -> Callable[[AuroraWebStackConfig], bool]:
    """Only a dev-profile stack, and only while the setting that causes the finding says so."""
    return lambda config: config.profile == "dev" and condition(config)


def _short_database_logs(config: AuroraWebStackConfig) -> bool:
    days = config.database.log_retention_days
    return days is not None and days < AUDIT_RETENTION_DAYS


RULES: tuple[Rule, ...] = (
    # The front door, in every profile (decided: prod keeps its redirect listener and S3 access logs).
    Rule(
        lambda config: config.load_balancer is not None,
        (
            AcceptedFinding(
                "CKV_AWS_260",
                "aws_vpc_security_group_ingress_rule",
                "load-balancer_http-in",
                "port 80 open to the world is the redirect listener: it answers only 301 to https://",
            ),
            AcceptedFinding(
                "CKV_AWS_260",
                "aws_vpc_security_group_ingress_rule",
                # The same rule of the web tier's access (web_access.py), on the one instance or the group.
                "web-*_http-from-group-*",
                "false positive: checkov 3.3.30 does not read referenced_security_group_id "
                "(bridgecrewio/checkov#6624), so a rule with no CIDR looks open; its source is the ALB's group",
            ),
            AcceptedFinding(
                "CKV_AWS_145",
                "aws_s3_bucket",
                "load-balancer_access-logs",
                "ELB access log delivery supports SSE-S3 only, never SSE-KMS (Elastic Load Balancing guide)",
            ),
            AcceptedFinding(
                "CKV_AWS_18",
                "aws_s3_bucket",
                "load-balancer_access-logs",
                "it is the log bucket; logging it needs another bucket, which would need its own, and so on",
            ),
            AcceptedFinding(
                "CKV_AWS_144",
                "aws_s3_bucket",
                "load-balancer_access-logs",
                "cross-region replication of access logs needs a second region and bucket; not asked for",
            ),
        ),
    ),
    # The app artifact's bucket, in every profile that installs the app (issue 20; proposed, for the lead to decide).
    Rule(
        lambda config: config.install_app,
        (
            AcceptedFinding(
                "CKV_AWS_144",
                "aws_s3_bucket",
                "app-artifact_bucket",
                "the archive is rebuilt from the repository on every synth and named by its hash: a replica in a "
                "second region holds nothing an apply there would not write again",
            ),
        ),
    ),
    # ... and its access logs, only where the stack has no log bucket: with the load balancer they go into its bucket.
    Rule(
        lambda config: config.install_app and config.load_balancer is None,
        (
            AcceptedFinding(
                "CKV_AWS_18",
                "aws_s3_bucket",
                "app-artifact_bucket",
                "this stack has no log bucket (the load balancer's holds these logs where there is one); the one "
                "reader is the stack's instance role, and CloudTrail S3 data events are the account's record of reads",
            ),
        ),
    ),
    # An LTS engine in any profile: AWS's own advice against automatic minor upgrades (issue 19).
    Rule(
        lambda config: config.database.lts,
        (
            AcceptedFinding(
                "CKV_AWS_226",
                "aws_rds_cluster_instance",
                "database_*",
                "the engine is on an Aurora MySQL LTS line: AWS's release notes advise against automatic minor "
                "upgrades there (they can move the cluster off the LTS line); AWS applies LTS patches itself",
            ),
        ),
    ),
    # dev: the tutorial's stack, cheap and easy to tear down. Never applied to a prod stack.
    Rule(
        _dev(lambda config: config.web_server.public),
        (
            AcceptedFinding(
                "CKV_AWS_88",
                "aws_instance",
                "web-server_instance",
                "dev: the tutorial's web server has a public IP, so the site is reachable without a load balancer",
            ),
        ),
    ),
    Rule(
        _dev(lambda config: config.load_balancer is None and "0.0.0.0/0" in config.web_server.http_cidrs),
        (
            AcceptedFinding(
                "CKV_AWS_260",
                "aws_vpc_security_group_ingress_rule",
                "web-server_http-in-*",
                "dev: HTTP 80 open to the world is the tutorial's web site",
            ),
        ),
    ),
    Rule(
        _dev(lambda config: not config.database.deletion_protection),
        (
            AcceptedFinding(
                "CKV_AWS_139",
                "aws_rds_cluster",
                "database_cluster",
                "dev: no deletion protection, so a dev stack tears down with one destroy",
            ),
        ),
    ),
    Rule(
        _dev(lambda config: not config.database.performance_insights),
        (
            AcceptedFinding(
                "CKV_AWS_353",
                "aws_rds_cluster_instance",
                "database_*",
                "dev: db.t3.medium (the tutorial's class) cannot run Performance Insights",
            ),
        ),
    ),
    Rule(
        _dev(lambda config: config.backup_plan is None),
        (
            AcceptedFinding(
                "CKV2_AWS_8",
                "aws_rds_cluster",
                "database_cluster",
                "dev: RDS automated backups only; the AWS Backup plan (and its vault) is a prod cost",
            ),
        ),
    ),
    Rule(
        _dev(_short_database_logs),
        (
            AcceptedFinding(
                "CKV_AWS_338",
                "aws_cloudwatch_log_group",
                "database_log-group-*",
                "dev: RDS logs kept a month, not a year: dev stacks come and go, their logs with them",
            ),
        ),
    ),
    Rule(
        _dev(
            lambda config: config.network.flow_logs and config.network.flow_logs_retention_days < AUDIT_RETENTION_DAYS
        ),
        (
            AcceptedFinding(
                "CKV_AWS_338",
                "aws_cloudwatch_log_group",
                "network_flow-logs_log-group",
                "dev: VPC flow logs kept a month, not a year: dev stacks come and go, their logs with them",
            ),
        ),
    ),
)


def exceptions_for(config: AuroraWebStackConfig) -> tuple[AcceptedFinding, ...]:
    """Every exception that applies to the stack this config describes."""
    return tuple(exception for rule in RULES if rule.applies(config) for exception in rule.exceptions)


def front_door_exceptions() -> tuple[AcceptedFinding, ...]:
    """The five findings the load balancer brings in any profile (the first rule)."""
    return RULES[0].exceptions
