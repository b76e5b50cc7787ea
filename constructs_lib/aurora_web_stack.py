"""The whole product: network, key pair, web server, Aurora cluster and the connection between them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from .aurora_cluster import AuroraCluster
from .aurora_web_stack_config import (
    DEFAULT_PROFILE,
    NAME_PREFIX,
    PROFILES,
    TAG_KEY,
    AuroraWebStackConfig,
    Profile,
)
from .ec2_aurora_connection import Ec2AuroraConnection
from .encryption_key import EncryptionKey
from .key_pair import KeyPair
from .network import Network
from .state_backend import configure_backend
from .web_app.user_data import instance_files, render_user_data
from .web_server import WebServer

if TYPE_CHECKING:
    from cdktf import TerraformResource

    from .app_artifact import AppArtifact
    from .aurora_alarms import AuroraAlarms
    from .aurora_alarms_config import AuroraAlarmsConfig
    from .aurora_autoscaling import AuroraAutoscaling
    from .backup_plan import BackupPlan
    from .load_balancer import LoadBalancer
    from .web_alarms import WebAlarms
    from .web_group import WebGroup

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "DEFAULT_PROFILE",
    "NAME_PREFIX",
    "PROFILES",
    "TAG_KEY",
    "AuroraWebStack",
    "AuroraWebStackConfig",
    "Profile",
]


class AuroraWebStack(TerraformStack):
    """One environment's Terraform stack, with the outputs a user needs to reach the site and the database."""

    def __init__(self, scope: Construct, id: str, config: AuroraWebStackConfig) -> None:
        super().__init__(scope, id)
        self.config = config
        configure_backend(self, id, config.state, default_region=config.region)
        AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[AwsProviderDefaultTags(tags=config.default_tags)],
        )
        self.encryption_key = (
            EncryptionKey(self, "encryption-key", config.encryption_key_config())
            if config.customer_managed_key
            else None
        )
        kms_key_arn = self.encryption_key.arn if self.encryption_key else None
        self.network = Network(self, "network", config.network, kms_key_arn=kms_key_arn)
        self.key_pair = KeyPair(self, "key-pair", config.key_pair)
        self._add_web_tier(config, kms_key_arn)
        self.database = AuroraCluster(
            self,
            "database",
            config.database,
            subnet_ids=self.network.private_subnet_ids,
            availability_zones=self.network.private_subnet_availability_zones,
            kms_key_arn=kms_key_arn,
        )
        if config.install_app:
            self.database.grant_connect(self.web_tier.role)
        self.reader_autoscaling: AuroraAutoscaling | None = None
        if config.reader_autoscaling is not None:
            # Imported here: its Application Auto Scaling provider modules are paid for only by stacks that scale.
            from .aurora_autoscaling import AuroraAutoscaling

            self.reader_autoscaling = AuroraAutoscaling(
                self, "reader-autoscaling", config.reader_autoscaling, cluster=self.database
            )
        self.alarms: AuroraAlarms | None = None
        if config.alarms is not None and self.encryption_key is not None:
            # Imported here: its CloudWatch and SNS provider modules are paid for only by stacks that have alarms.
            from .aurora_alarms import AuroraAlarms

            self.encryption_key.allow_cloudwatch_alarms()
            self.alarms = AuroraAlarms(
                self, "alarms", config.alarms, cluster=self.database, kms_key_arn=self.encryption_key.arn
            )
        self.backup_plan: BackupPlan | None = None
        if config.backup_plan is not None:
            # Imported here: its AWS Backup provider modules are paid for only by stacks that have a plan (not dev).
            from .backup_plan import BackupPlan

            self.backup_plan = BackupPlan(
                self,
                "backup-plan",
                config.backup_plan,
                resource_arns=[self.database.cluster_arn],
                kms_key_arn=kms_key_arn,
            )
        self.connection = Ec2AuroraConnection(
            self,
            "connection",
            config.connection,
            vpc_id=self.network.vpc_id,
            web_server=self.web_tier,
            cluster=self.database,
        )
        self.load_balancer: LoadBalancer | None = None
        if config.load_balancer is not None:
            # Imported here: its ~20 provider modules cost a fifth of a second, paid only by stacks that have one.
            from .load_balancer import LoadBalancer
            from .load_balancer_config import SERVER_ACCESS_LOG_PREFIX

            self.load_balancer = LoadBalancer(
                self,
                "load-balancer",
                config.load_balancer,
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.public_subnet_ids,
                target=self.web_tier,
                kms_key_arn=kms_key_arn,
                access_log_sources=[self.app_artifact.bucket.arn] if self.app_artifact is not None else [],
            )
            if self.app_artifact is not None:
                # Who downloaded which app version: the archive bucket's access logs beside the ALB's.
                # Named through the ALB's own access_logs: the logging then waits for the ALB, which waits for the
                # log bucket's policy (S3 checks it when logging is turned on). A direct reference to the log bucket
                # would also make checkov's CKV_AWS_18 graph check count the log bucket as logged (it is only the
                # target), hiding that the log bucket itself is not.
                self.app_artifact.log_access_to(
                    self.load_balancer.load_balancer.access_logs.bucket, SERVER_ACCESS_LOG_PREFIX
                )
        self.web_alarms: WebAlarms | None = None
        if self.alarms is not None and config.alarms is not None:
            self.web_alarms = self._web_alarms(config.alarms, self.alarms.topic.arn)
        self._outputs()

    def _add_web_tier(self, config: AuroraWebStackConfig, kms_key_arn: str | None) -> None:
        """The app's archive (when the stack installs the app), then the web tier that boots from it: one instance,
        or the Auto Scaling group (config.web_group). Sets app_artifact, web_server, web_group and web_tier."""
        web_subnets = self.network.public_subnet_ids if config.web_server.public else self.network.private_subnet_ids
        web_config = config.web_server
        if config.load_balancer is not None:
            # The load balancer is the front door: HTTP reaches the instance from its group only.
            web_config = replace(web_config, http_cidrs=())
        self.app_artifact: AppArtifact | None = None
        if config.install_app and web_config.user_data is None:
            # Imported here: its S3 provider modules are paid for only by stacks that install the app.
            from .app_artifact import AppArtifact

            # Names only: the app looks up the endpoints and the secret at run time, so the instance never waits
            # for the cluster (which must come after it). The artifact depends on nothing of the database either.
            artifact_config = config.app_artifact_config(
                instance_files(
                    region=config.region,
                    cluster_identifier=config.database.identifier,
                    database_name=config.database.database_name,
                    # Behind the ALB, TLS ends there: the app learns the client's HTTPS from its X-Forwarded-Proto.
                    behind_load_balancer=config.load_balancer is not None,
                )
            )
            self.app_artifact = AppArtifact(self, "app-artifact", artifact_config, kms_key_arn=kms_key_arn)
            # Key and sha256 written in: a new app is a new user data (a replaced instance, a new template version).
            web_config = replace(web_config, user_data=render_user_data(artifact=artifact_config))
        self.web_server: WebServer | None = None
        self.web_group: WebGroup | None = None
        self.web_tier: WebServer | WebGroup
        if config.web_group is not None:
            # Imported here: the Auto Scaling provider modules are paid for only by stacks that run a group (prod).
            from .web_group import WebGroup

            self.web_tier = self.web_group = WebGroup(
                self,
                "web-group",
                replace(config.web_group, server=web_config, instance_tags=config.default_tags),
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.private_subnet_ids,
                availability_zones=self.network.private_subnet_availability_zones,
                key_name=self.key_pair.key_name,
            )
            booting: TerraformResource = self.web_group.launch_template
        else:
            self.web_tier = self.web_server = WebServer(
                self,
                "web-server",
                web_config,
                vpc_id=self.network.vpc_id,
                subnet_id=web_subnets[0],
                key_name=self.key_pair.key_name,
            )
            booting = self.web_server.instance
        if self.app_artifact is not None:
            # The web tier boots into a download: the archive and the role's read grant exist before the instance
            # (or the template the group's instances start from) does.
            grant = self.app_artifact.grant_read(self.web_tier.role.name)
            # Bare addresses, as a constructor's depends_on writes them (the setter writes "${...}", which Terraform
            # rejects there).
            booting.add_override(
                "depends_on",
                [
                    f"{item.terraform_resource_type}.{item.friendly_unique_id}"
                    for item in (self.app_artifact.object, grant)
                ],
            )

    def _web_alarms(self, config: AuroraAlarmsConfig, topic_arn: str) -> WebAlarms:
        """The web tier's alarms into the database alarms' topic: one place to subscribe to for the whole stack."""
        from .web_alarms import WebAlarms

        front_door = self.load_balancer
        return WebAlarms(
            self,
            "web-alarms",
            config,
            name=self.config.name_prefix,
            topic_arn=topic_arn,
            region=self.config.region,
            load_balancer_label=front_door.load_balancer.arn_suffix if front_door else None,
            target_group_label=front_door.target_group.arn_suffix if front_door else None,
            group_name=self.web_group.group_name if self.web_group else None,
            min_size=self.web_group.min_size if self.web_group else None,
            instance_id=self.web_server.instance_id if self.web_server else None,
        )

    def _outputs(self) -> None:
        database = self.database
        values = self._web_outputs()
        values |= {
            "key_pair_name": (self.key_pair.key_name, "EC2 key pair of the web servers"),
            "writer_endpoint": (database.endpoint, "Aurora writer (cluster) endpoint"),
            "reader_endpoint": (database.reader_endpoint, "Aurora reader endpoint"),
            "database_port": (database.port, "Aurora MySQL port"),
            "database_name": (database.database_name, "Initial database"),
            "master_secret_arn": (database.master_secret_arn, "Secrets Manager secret holding the master password"),
        }
        if self.load_balancer is not None:
            values["site_url"] = (self.load_balancer.site_url, "HTTPS address of the site (through the load balancer)")
            values["load_balancer_dns_name"] = (self.load_balancer.dns_name, "DNS name of the load balancer")
        for name, (value, description) in values.items():
            TerraformOutput(self, name, value=value, description=description)

    def _web_outputs(self) -> dict[str, tuple[object, str]]:
        """One server: where it answers. A group has no one address (the site is the load balancer's): its name."""
        region = self.config.region
        if self.web_group is not None:
            group = self.web_group.group_name
            first_instance = (
                f"$(aws autoscaling describe-auto-scaling-groups --region {region} --auto-scaling-group-names {group} "
                "--query 'AutoScalingGroups[0].Instances[0].InstanceId' --output text)"
            )
            return {
                "web_group_name": (group, "Auto Scaling group of the web servers (instances come and go)"),
                "ssh_command": (
                    f"aws ssm start-session --region {region} --target {first_instance}",
                    "How to open a shell on one of the group's web servers",
                ),
            }
        web = self.web_server
        assert web is not None  # one of the two
        return {
            "web_public_dns": (web.public_dns, "Public DNS name of the web server (empty when web.public is false)"),
            "web_public_ip": (web.public_ip, "Public IPv4 address of the web server (empty when web.public is false)"),
            "web_url": (f"http://{web.reachable_dns}", "URL of the web app (a private name when web.public is false)"),
            "ssh_command": (self._ssh_command(web), "How to open a shell on the web server"),
        }

    def _ssh_command(self, web: WebServer) -> str:
        if self.config.web_server.ssh_cidr is None:
            return f"aws ssm start-session --region {self.config.region} --target {web.instance.id}"
        key = self.key_pair.private_key_path
        key_hint = str(key) if key is not None else f"<private key of {self.config.key_pair.name}>"
        return f"ssh -i {key_hint} ec2-user@{web.reachable_dns}"
