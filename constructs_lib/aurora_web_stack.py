"""The whole product: network, key pair, web server, Aurora cluster and the connection between them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal, get_args

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from .aurora_alarms_config import AuroraAlarmsConfig
from .aurora_autoscaling_config import AuroraAutoscalingConfig
from .aurora_cluster import AuroraCluster, AuroraClusterConfig
from .backup_plan_config import BackupPlanConfig
from .ec2_aurora_connection import Ec2AuroraConnection, Ec2AuroraConnectionConfig
from .encryption_key import EncryptionKey, EncryptionKeyConfig
from .key_pair import KeyPair, KeyPairConfig
from .load_balancer_config import LoadBalancerConfig, certificate_region
from .network import Network, NetworkConfig
from .state_backend import StateBackendConfig, configure_backend
from .validation import ConfigError, ProblemList, is_region, partition_of
from .web_app.user_data import render_user_data
from .web_server import WebServer, WebServerConfig

if TYPE_CHECKING:
    from .aurora_alarms import AuroraAlarms
    from .aurora_autoscaling import AuroraAutoscaling
    from .backup_plan import BackupPlan
    from .load_balancer import LoadBalancer

# The profiles, and the default one: the one place that names them (the settings' profile table, profiles.py, fills
# in each profile's defaults; the schema and this config read the names from here).
Profile = Literal["dev", "prod"]
PROFILES: Final = get_args(Profile)
DEFAULT_PROFILE: Final[Profile] = "dev"
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
TAG_KEY = re.compile(r"^(?!aws:)[\w .:/=+\-@]{1,128}$")


@dataclass(frozen=True)
class AuroraWebStackConfig:
    """Everything one environment needs; each part is the config of the construct that uses it."""

    profile: str = DEFAULT_PROFILE
    region: str = "us-east-1"
    name_prefix: str = "aurora-web"
    tags: dict[str, str] = field(default_factory=dict)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    key_pair: KeyPairConfig = field(default_factory=KeyPairConfig)
    web_server: WebServerConfig = field(default_factory=WebServerConfig)
    database: AuroraClusterConfig = field(default_factory=AuroraClusterConfig)
    connection: Ec2AuroraConnectionConfig = field(default_factory=Ec2AuroraConnectionConfig)
    customer_managed_key: bool = True
    # Days KMS waits before deleting the key once the stack is destroyed (the key is recoverable until then).
    key_deletion_window_days: int = EncryptionKeyConfig.deletion_window_days
    install_app: bool = True
    backup_plan: BackupPlanConfig | None = field(default_factory=BackupPlanConfig)
    state: StateBackendConfig = field(default_factory=StateBackendConfig)
    # Off unless asked for: reader autoscaling (not with Serverless v2) and alarms (need customer_managed_key).
    reader_autoscaling: AuroraAutoscalingConfig | None = None
    alarms: AuroraAlarmsConfig | None = None
    # None: no load balancer (the web server answers HTTP itself, from web_server.http_cidrs). Set: an HTTPS ALB in the
    # public subnets is the only way in; web_server.http_cidrs is then ignored (no CIDR rule on the web group).
    load_balancer: LoadBalancerConfig | None = None

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(self.profile in PROFILES, "profile", self.profile, f"must be one of {', '.join(PROFILES)}")
        if problems.check(is_region(self.region), "region", self.region, 'must be an AWS region name like "us-east-1"'):
            problems.check(
                partition_of(self.region) == "aws",
                "region",
                self.region,
                f"is in the {partition_of(self.region)} partition; these constructs write ARNs of the aws partition "
                "(managed IAM policies), so only commercial AWS regions are supported",
            )
        problems.check(
            isinstance(self.name_prefix, str)
            and bool(NAME_PREFIX.match(self.name_prefix))
            and len(self.name_prefix) <= 32,
            "name_prefix",
            self.name_prefix,
            "must be 1 to 32 lowercase letters, digits and single hyphens, starting with a letter",
        )
        if problems.check(isinstance(self.tags, dict), "tags", self.tags, "must be a table of strings"):
            for key, value in self.tags.items():
                problems.check(
                    isinstance(key, str) and bool(TAG_KEY.match(key)),
                    f"tags.{key}",
                    key,
                    "tag keys are 1 to 128 characters (letters, digits, spaces, _.:/=+-@), not starting with aws:",
                )
                problems.check(
                    isinstance(value, str) and len(value) <= 256,
                    f"tags.{key}",
                    value,
                    "tag values are strings of at most 256 characters",
                )
        problems.check_booleans(self, "customer_managed_key", install_app="web.install_app")
        try:
            self.encryption_key_config()
        except ConfigError as error:  # the key's own rule, named by this config's key
            for problem in error.problems:
                problems.add("key_deletion_window_days", problem.value, problem.allowed)
        if not self.network.uses_existing_vpc and is_region(self.region):
            for zone in self.network.availability_zones:
                problems.check(
                    zone[:-1] == self.region,
                    "network.availability_zones",
                    zone,
                    f"must be a zone of the stack's region {self.region}",
                )
        if not self.web_server.public and not self.network.uses_existing_vpc:
            problems.check(
                self.network.nat_gateway,
                "network.nat_gateway",
                self.network.nat_gateway,
                "must be true when web.public is false: a server without a public IP needs a NAT to reach "
                "its packages and AWS APIs",
            )
        if self.reader_autoscaling is not None:
            for problem in self.reader_autoscaling.problems_with(self.database):
                problems.problems.append(problem.under("reader_autoscaling"))
        if self.alarms is not None:
            problems.check(
                self.customer_managed_key is True,
                "alarms",
                True,
                "need customer_managed_key = true: CloudWatch cannot publish to an SNS topic encrypted with the "
                "AWS-managed key (alias/aws/sns)",
            )
        if self.load_balancer is not None and self.load_balancer.certificate_arn is not None:
            certificate_in = certificate_region(self.load_balancer.certificate_arn)
            problems.check(
                certificate_in in (None, self.region),
                "load_balancer.certificate_arn",
                self.load_balancer.certificate_arn,
                f"must be a certificate of the stack's region {self.region} (a load balancer uses its own region's)",
            )
        problems.raise_if_any()

    def encryption_key_config(self) -> EncryptionKeyConfig:
        """The stack's KMS key (made when customer_managed_key is true): alias/<name_prefix>."""
        return EncryptionKeyConfig(name=self.name_prefix, deletion_window_days=self.key_deletion_window_days)


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
            default_tags=[
                AwsProviderDefaultTags(
                    tags={
                        "Project": config.name_prefix,
                        "Profile": config.profile,
                        "ManagedBy": "terraform",
                        **config.tags,
                    }
                )
            ],
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
        if config.install_app and web_config.user_data is None:
            # Names only: the app looks up the endpoints and the secret at run time, so the instance never waits
            # for the cluster (which must come after it).
            web_config = replace(
                web_config,
                user_data=render_user_data(
                    region=config.region,
                    cluster_identifier=config.database.identifier,
                    database_name=config.database.database_name,
                    # Behind the ALB, TLS ends there: the app learns the client's HTTPS from its X-Forwarded-Proto.
                    behind_load_balancer=config.load_balancer is not None,
                ),
            )
        self.web_server = WebServer(
            self,
            "web-server",
            web_config,
            vpc_id=self.network.vpc_id,
            subnet_id=web_subnets[0],
            key_name=self.key_pair.key_name,
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
