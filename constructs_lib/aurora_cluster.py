"""The Aurora MySQL cluster: a writer and N readers spread over AZs, TLS enforced, password in Secrets Manager."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResource
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from constructs import Construct

from .validation import ProblemList, is_int, is_rds_identifier

# The LTS line (long-term support) of Aurora MySQL 3: no forced minor upgrades for about three years.
DEFAULT_ENGINE_VERSION = "8.0.mysql_aurora.3.10.0"
ENGINE = "aurora-mysql"
PARAMETER_GROUP_FAMILY = "aurora-mysql8.0"
MYSQL_PORT = 3306
LOG_EXPORTS = ("audit", "error", "general", "slowquery")
ENGINE_VERSION = re.compile(r"^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$")
INSTANCE_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MASTER_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
RESERVED_USERNAMES = {"rdsadmin", "root", "mysql", "mysql.sys", "mysql.session", "mysql.infoschema"}
MAX_READERS = 15
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
MAX_BACKTRACK_HOURS = 72
# Aurora MySQL has no Performance Insights on these burstable classes.
NO_PERFORMANCE_INSIGHTS = re.compile(r"^db\.(t2\.|t3\.|t4g\.(micro|small)$)")
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


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
    performance_insights: default False (db.t3 classes do not support it; db.t4g.medium and larger do).
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

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_rds_identifier(self.identifier),
            "identifier",
            self.identifier,
            "must be 1 to 63 letters, digits or hyphens, start with a letter, no double or trailing hyphen",
        )
        problems.check(
            isinstance(self.engine_version, str) and bool(ENGINE_VERSION.match(self.engine_version)),
            "engine_version",
            self.engine_version,
            'must be an Aurora MySQL 3 version like "8.0.mysql_aurora.3.10.0"',
        )
        problems.check(
            isinstance(self.instance_class, str) and bool(INSTANCE_CLASS.match(self.instance_class)),
            "instance_class",
            self.instance_class,
            'must be a DB instance class like "db.t3.medium"',
        )
        problems.check(
            is_int(self.reader_count) and 0 <= self.reader_count <= MAX_READERS,
            "reader_count",
            self.reader_count,
            f"must be an integer from 0 to {MAX_READERS}",
        )
        problems.check(
            is_int(self.backup_retention_days) and 1 <= self.backup_retention_days <= 35,
            "backup_retention_days",
            self.backup_retention_days,
            "must be an integer from 1 to 35",
        )
        problems.check(
            isinstance(self.database_name, str) and bool(DATABASE_NAME.match(self.database_name)),
            "database_name",
            self.database_name,
            "must be 1 to 64 letters, digits or underscores, starting with a letter",
        )
        problems.check(
            isinstance(self.master_username, str)
            and bool(MASTER_USERNAME.match(self.master_username))
            and self.master_username.lower() not in RESERVED_USERNAMES,
            "master_username",
            self.master_username,
            "must be 1 to 16 letters, digits or underscores, start with a letter, and not be a reserved name",
        )
        problems.check_booleans(self, "deletion_protection", "skip_final_snapshot", "performance_insights")
        problems.check(
            is_int(self.backtrack_hours) and 0 <= self.backtrack_hours <= MAX_BACKTRACK_HOURS,
            "backtrack_hours",
            self.backtrack_hours,
            f"must be an integer from 0 to {MAX_BACKTRACK_HOURS}",
        )
        problems.check(
            self.monitoring_interval_seconds in MONITORING_INTERVALS and is_int(self.monitoring_interval_seconds),
            "monitoring_interval_seconds",
            self.monitoring_interval_seconds,
            f"must be one of {', '.join(map(str, MONITORING_INTERVALS))}",
        )
        if self.performance_insights is True and isinstance(self.instance_class, str):
            problems.check(
                not NO_PERFORMANCE_INSIGHTS.match(self.instance_class),
                "performance_insights",
                True,
                f"is not supported on {self.instance_class}; use db.t4g.medium or larger, or turn it off",
            )
        problems.raise_if_any()


class AuroraCluster(Construct):
    """Attributes: cluster, writer, readers, endpoint, reader_endpoint, port, database_name, master_secret_arn."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: AuroraClusterConfig,
        *,
        subnet_ids: list[str],
        availability_zones: list[str],
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.kms_key_arn = kms_key_arn
        name = config.identifier
        self.subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"Private subnets of {name}",
        )
        self.parameter_group = RdsClusterParameterGroup(
            self,
            "cluster-parameters",
            name_prefix=f"{name}-",
            family=PARAMETER_GROUP_FAMILY,
            description=f"{name}: TLS required for every connection, audit log on",
            parameter=[
                RdsClusterParameterGroupParameter(name="require_secure_transport", value="ON"),
                RdsClusterParameterGroupParameter(name="server_audit_logging", value="1"),
                RdsClusterParameterGroupParameter(name="server_audit_events", value="CONNECT,QUERY_DCL,QUERY_DDL"),
            ],
            lifecycle={"create_before_destroy": True},
        )
        self._security_group_ids: list[str] = []
        self._create_after: list[TerraformResource] = []
        self.cluster = RdsCluster(
            self,
            "cluster",
            cluster_identifier=name,
            engine=ENGINE,
            engine_version=config.engine_version,
            engine_mode="provisioned",
            database_name=config.database_name,
            master_username=config.master_username,
            manage_master_user_password=True,
            db_subnet_group_name=self.subnet_group.name,
            db_cluster_parameter_group_name=self.parameter_group.name,
            port=MYSQL_PORT,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            master_user_secret_kms_key_id=kms_key_arn,
            backtrack_window=config.backtrack_hours * 3600,
            backup_retention_period=config.backup_retention_days,
            copy_tags_to_snapshot=True,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            deletion_protection=config.deletion_protection,
            skip_final_snapshot=config.skip_final_snapshot,
            final_snapshot_identifier=None if config.skip_final_snapshot else f"{name}-final",
        )
        self.monitoring_role = self._monitoring_role() if config.monitoring_interval_seconds else None
        self.writer = self._instance("writer", 0, promotion_tier=0, availability_zones=availability_zones)
        self.readers = [
            self._instance(
                f"reader-{number}", number, promotion_tier=1, availability_zones=availability_zones, after=self.writer
            )
            for number in range(1, config.reader_count + 1)
        ]
        self.endpoint: str = self.cluster.endpoint
        self.reader_endpoint: str = self.cluster.reader_endpoint
        self.port: int = MYSQL_PORT
        self.database_name: str = config.database_name
        self.master_secret_arn: str = self.cluster.master_user_secret.get(0).secret_arn
        self.cluster_arn: str = self.cluster.arn

    def _monitoring_role(self) -> IamRole:
        role = IamRole(
            self,
            "monitoring-role",
            name_prefix=f"{self.config.identifier[:26].rstrip('-')}-monitoring-",  # IAM: prefix <= 38
            description="Lets RDS enhanced monitoring publish OS metrics of the cluster's instances",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        IamRolePolicyAttachment(self, "monitoring-policy", role=role.name, policy_arn=ENHANCED_MONITORING_POLICY)
        return role

    def _instance(
        self,
        role: str,
        index: int,
        *,
        promotion_tier: int,
        availability_zones: list[str],
        after: RdsClusterInstance | None = None,
    ) -> RdsClusterInstance:
        # Round-robin over the subnets' AZs: the writer and the first reader never share one.
        return RdsClusterInstance(
            self,
            role,
            identifier=f"{self.config.identifier}-{role}",
            cluster_identifier=self.cluster.id,
            engine=ENGINE,
            engine_version=self.cluster.engine_version,
            instance_class=self.config.instance_class,
            availability_zone=availability_zones[index % len(availability_zones)],
            db_subnet_group_name=self.subnet_group.name,
            publicly_accessible=False,
            promotion_tier=promotion_tier,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            monitoring_interval=self.config.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn if self.monitoring_role else None,
            performance_insights_enabled=self.config.performance_insights,
            performance_insights_kms_key_id=self.kms_key_arn if self.config.performance_insights else None,
            performance_insights_retention_period=7 if self.config.performance_insights else None,
            # The first instance created becomes the writer; readers wait for it.
            depends_on=[after] if after is not None else None,
        )

    def grant_connect(self, role: IamRole) -> IamRolePolicy:
        """Let `role` find the endpoints and read the master secret: this cluster and this secret only."""
        statements: list[dict[str, Any]] = [
            {
                "Sid": "FindTheCluster",
                "Effect": "Allow",
                "Action": ["rds:DescribeDBClusters"],
                "Resource": [self.cluster_arn],
            },
            {
                "Sid": "ReadTheMasterSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [self.master_secret_arn],
            },
        ]
        if self.kms_key_arn is not None:
            statements.append(
                {
                    "Sid": "DecryptTheSecret",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [self.kms_key_arn],
                    "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
                }
            )
        return IamRolePolicy(
            self,
            "connect-grant",
            role=role.id,
            name=f"{self.config.identifier}-connect",
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )

    def add_security_group(self, security_group_id: str) -> None:
        self._security_group_ids.append(security_group_id)
        self.cluster.vpc_security_group_ids = list(self._security_group_ids)

    def create_after(self, dependency: TerraformResource) -> None:
        """Make Terraform create the cluster only once `dependency` exists (the console's EC2-first order)."""
        self._create_after.append(dependency)
        # Bare addresses, as the constructor's depends_on writes them: the setter would write "${...}",
        # which Terraform rejects in depends_on.
        self.cluster.add_override(
            "depends_on", [f"{item.terraform_resource_type}.{item.friendly_unique_id}" for item in self._create_after]
        )
