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
    from .app_artifact import AppArtifact
    from .aurora_alarms import AuroraAlarms
    from .aurora_autoscaling import AuroraAutoscaling
    from .backup_plan import BackupPlan
    from .load_balancer import LoadBalancer

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
        self.web_server = WebServer(
            self,
            "web-server",
            web_config,
            vpc_id=self.network.vpc_id,
            subnet_id=web_subnets[0],
            key_name=self.key_pair.key_name,
        )
        if self.app_artifact is not None:
            # The instance boots into a download: the archive and the role's read grant exist before it does.
            grant = self.app_artifact.grant_read(self.web_server.role.name)
            # Bare addresses, as a constructor's depends_on writes them (the setter writes "${...}", which Terraform
            # rejects there).
            self.web_server.instance.add_override(
                "depends_on",
                [
                    f"{item.terraform_resource_type}.{item.friendly_unique_id}"
                    for item in (self.app_artifact.object, grant)
                ],
            )
        self.database = AuroraCluster(
            self,
            "database",
            config.database,
            subnet_ids=self.network.private_subnet_ids,
            availability_zones=self.network.private_subnet_availability_zones,
            kms_key_arn=kms_key_arn,
        )
        if config.install_app:
            self.database.grant_connect(self.web_server.role)
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
            web_server=self.web_server,
            cluster=self.database,
        )
        self.load_balancer: LoadBalancer | None = None
        if config.load_balancer is not None:
            # Imported here: its ~20 provider modules cost a fifth of a second, paid only by stacks that have one.
            from .load_balancer import LoadBalancer

            self.load_balancer = LoadBalancer(
                self,
                "load-balancer",
                config.load_balancer,
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.public_subnet_ids,
                target=self.web_server,
                kms_key_arn=kms_key_arn,
            )
        self._outputs()

    def _outputs(self) -> None:
        web, database = self.web_server, self.database
        values = {
            "web_public_dns": (web.public_dns, "Public DNS name of the web server (empty when web.public is false)"),
            "web_public_ip": (web.public_ip, "Public IPv4 address of the web server (empty when web.public is false)"),
            "web_url": (f"http://{web.reachable_dns}", "URL of the web app (a private name when web.public is false)"),
            "ssh_command": (self._ssh_command(), "How to open a shell on the web server"),
            "key_pair_name": (self.key_pair.key_name, "EC2 key pair of the web server"),
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

    def _ssh_command(self) -> str:
        web = self.web_server
        if self.config.web_server.ssh_cidr is None:
            return f"aws ssm start-session --region {self.config.region} --target {web.instance.id}"
        key = self.key_pair.private_key_path
        key_hint = str(key) if key is not None else f"<private key of {self.config.key_pair.name}>"
        return f"ssh -i {key_hint} ec2-user@{web.reachable_dns}"
