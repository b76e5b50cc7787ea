"""The Aurora MySQL cluster: a writer and N readers spread over AZs, TLS enforced, password in Secrets Manager."""

from __future__ import annotations

import json
from typing import Any

from cdktf import Postcondition, TerraformResource, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster, RdsClusterServerlessv2ScalingConfiguration
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret_rotation import (
    SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
)
from constructs import Construct

from .aurora_cluster_config import (
    BACKUP_WINDOW,
    CA_CERTIFICATES,
    DATABASE_NAME,
    DEFAULT_ENGINE_VERSION,
    ENGINE,
    ENGINE_VERSION,
    ENHANCED_MONITORING_POLICY,
    FINAL_SNAPSHOT,
    INSTANCE_CLASS,
    LOG_EXPORTS,
    LTS_MINOR_LINES,
    MAINTENANCE_WINDOW,
    MASTER_USERNAME,
    MIN_ROTATION_HOURS,
    MIN_WINDOW_MINUTES,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    MONITORING_INTERVALS,
    MYSQL_PORT,
    NO_PERFORMANCE_INSIGHTS,
    PARAMETER_GROUP_FAMILY,
    PARAMETER_NAME,
    RESERVED_USERNAMES,
    ROTATION_SCHEDULE,
    SERVERLESS_ACU_STEP,
    SERVERLESS_AUTO_PAUSE_SINCE,
    SERVERLESS_INSTANCE_CLASS,
    SERVERLESS_LOWEST_MAX_ACU,
    SERVERLESS_MAX_ACU,
    SERVERLESS_MIN_ACU,
    WEEKDAYS,
    AuroraClusterConfig,
    Window,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "BACKUP_WINDOW",
    "CA_CERTIFICATES",
    "DATABASE_NAME",
    "DEFAULT_ENGINE_VERSION",
    "ENGINE",
    "ENGINE_VERSION",
    "ENHANCED_MONITORING_POLICY",
    "FINAL_SNAPSHOT",
    "INSTANCE_CLASS",
    "LOG_EXPORTS",
    "LTS_MINOR_LINES",
    "MAINTENANCE_WINDOW",
    "MASTER_USERNAME",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "MIN_ROTATION_HOURS",
    "MIN_WINDOW_MINUTES",
    "MONITORING_INTERVALS",
    "MYSQL_PORT",
    "NO_PERFORMANCE_INSIGHTS",
    "PARAMETER_GROUP_FAMILY",
    "PARAMETER_NAME",
    "RESERVED_USERNAMES",
    "ROTATION_SCHEDULE",
    "SERVERLESS_ACU_STEP",
    "SERVERLESS_AUTO_PAUSE_SINCE",
    "SERVERLESS_INSTANCE_CLASS",
    "SERVERLESS_LOWEST_MAX_ACU",
    "SERVERLESS_MAX_ACU",
    "SERVERLESS_MIN_ACU",
    "WEEKDAYS",
    "AuroraCluster",
    "AuroraClusterConfig",
    "Window",
]


class AuroraCluster(Construct):
    """Attributes: cluster, writer, readers, endpoint, reader_endpoint, port, database_name, master_secret_arn,
    log_groups (log name -> group, empty unless log_retention_days), instance_parameter_group, secret_rotation.
    """

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
        # Owned log groups exist before the cluster, so RDS never creates its own (kept forever, unencrypted).
        self.log_groups: dict[str, CloudwatchLogGroup] = (
            {
                log: CloudwatchLogGroup(
                    self,
                    f"log-group-{log}",
                    name=f"/aws/rds/cluster/{name}/{log}",
                    retention_in_days=config.log_retention_days,
                    kms_key_id=kms_key_arn,
                )
                for log in LOG_EXPORTS
            }
            if config.log_retention_days is not None
            else {}
        )
        self.instance_parameter_group = (
            DbParameterGroup(
                self,
                "instance-parameters",
                name_prefix=f"{name}-instance-",
                family=PARAMETER_GROUP_FAMILY,
                description=f"{name}: instance-level parameters of the writer and the readers",
                parameter=[
                    DbParameterGroupParameter(name=key, value=value, apply_method="pending-reboot")
                    for key, value in sorted(config.instance_parameters.items())
                ],
                lifecycle={"create_before_destroy": True},
            )
            if config.instance_parameters is not None
            else None
        )
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
            # Unique per cluster: the time it was created, kept (ignore_changes) so plans stay quiet. A fixed
            # "<name>-final" made the second destroy of a recreated cluster fail (DBClusterSnapshotAlreadyExists).
            final_snapshot_identifier=None if config.skip_final_snapshot else FINAL_SNAPSHOT.format(name=name),
            serverlessv2_scaling_configuration=RdsClusterServerlessv2ScalingConfiguration(
                min_capacity=config.serverless_min_acu, max_capacity=config.serverless_max_acu
            )
            if config.serverless_min_acu is not None and config.serverless_max_acu is not None
            else None,
            preferred_backup_window=config.preferred_backup_window,
            preferred_maintenance_window=config.preferred_maintenance_window,
            lifecycle=self._cluster_lifecycle(config),
        )
        self._write_depends_on()
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
        self.secret_rotation = self._secret_rotation()

    def _secret_rotation(self) -> SecretsmanagerSecretRotation | None:
        """The schedule of the RDS-managed secret: Secrets Manager's managed rotation, so no Lambda to name."""
        days, schedule = self.config.master_secret_rotation_days, self.config.master_secret_rotation_schedule
        if days is None and schedule is None:
            return None
        return SecretsmanagerSecretRotation(
            self,
            "master-secret-rotation",
            secret_id=self.master_secret_arn,
            rotate_immediately=False,
            rotation_rules=SecretsmanagerSecretRotationRotationRules(
                automatically_after_days=days, schedule_expression=schedule
            ),
        )

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

    @staticmethod
    def _cluster_lifecycle(config: AuroraClusterConfig) -> TerraformResourceLifecycle:
        """What Terraform ignores and refuses on the cluster.

        - final_snapshot_identifier: set once, at creation (it names the creation time).
        - engine_version on an LTS line: AWS's own patch level (3.10.0 -> 3.10.1) is no change to undo; a setting
          that names another line fails the plan (postcondition) instead of being ignored silently.
        - prevent_destroy, when asked for.
        """
        ignored = [] if config.skip_final_snapshot else ["final_snapshot_identifier"]
        postconditions = []
        if config.lts:
            ignored.append("engine_version")
            postconditions.append(
                Postcondition(
                    condition=f'${{startswith(self.engine_version_actual, "{config.minor_line}.")}}',
                    error_message=f"The cluster runs another engine line than the settings' {config.engine_version}: "
                    "AWS's own patches within an LTS line are ignored, a change of line is not. Upgrade the cluster "
                    "to the new line (aws rds modify-db-cluster --engine-version ...), then plan again.",
                )
            )
        return TerraformResourceLifecycle(
            ignore_changes=ignored or None,
            postcondition=postconditions or None,
            prevent_destroy=True if config.prevent_destroy else None,
        )

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
            instance_class=self.config.effective_instance_class,
            availability_zone=availability_zones[index % len(availability_zones)],
            db_subnet_group_name=self.subnet_group.name,
            publicly_accessible=False,
            promotion_tier=promotion_tier,
            # LTS lines: AWS patches them in the maintenance window; a minor upgrade could leave the LTS line.
            auto_minor_version_upgrade=not self.config.lts,
            copy_tags_to_snapshot=True,
            monitoring_interval=self.config.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn if self.monitoring_role else None,
            performance_insights_enabled=self.config.performance_insights,
            performance_insights_kms_key_id=self.kms_key_arn if self.config.performance_insights else None,
            performance_insights_retention_period=7 if self.config.performance_insights else None,
            ca_cert_identifier=self.config.ca_cert_identifier,
            db_parameter_group_name=self.instance_parameter_group.name if self.instance_parameter_group else None,
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
        self._write_depends_on()

    def _write_depends_on(self) -> None:
        """The cluster's depends_on: its own log groups, then whatever create_after named; absent when neither."""
        dependencies: list[TerraformResource] = [*self.log_groups.values(), *self._create_after]
        if not dependencies:
            return
        # Bare addresses, as the constructor's depends_on writes them: the setter would write "${...}",
        # which Terraform rejects in depends_on.
        self.cluster.add_override(
            "depends_on", [f"{item.terraform_resource_type}.{item.friendly_unique_id}" for item in dependencies]
        )
