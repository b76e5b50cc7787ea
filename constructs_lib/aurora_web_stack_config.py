"""The whole stack's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/aurora_web_stack.py builds from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, get_args

from .app_artifact_config import AppArtifactConfig
from .aurora_alarms_config import AuroraAlarmsConfig
from .aurora_autoscaling_config import AuroraAutoscalingConfig
from .aurora_cluster_config import AuroraClusterConfig
from .backup_plan_config import BackupPlanConfig
from .ec2_aurora_connection_config import Ec2AuroraConnectionConfig
from .encryption_key_config import EncryptionKeyConfig
from .key_pair_config import KeyPairConfig
from .limits import PROD_SSH_PREFIX_LENGTH, TAGS_PER_RESOURCE
from .load_balancer_config import LoadBalancerConfig, certificate_region
from .network_config import NetworkConfig
from .state_backend_config import StateBackendConfig
from .validation import ConfigError, ProblemList, is_region, parse_ipv4_network, partition_of
from .web_group_config import WebGroupConfig
from .web_server_config import WebServerConfig

# The profiles, and the default one: the one place that names them (the settings' profile table, profiles.py, fills
# in each profile's defaults; the schema and this config read the names from here).
Profile = Literal["dev", "prod"]
PROFILES: Final = get_args(Profile)
DEFAULT_PROFILE: Final[Profile] = "dev"
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# AWS reserves the aws: prefix in any letter case (AWS:, Aws:, ...) for its own tags.
TAG_KEY = re.compile(r"^(?!(?i:aws:))[\w .:/=+\-@]{1,128}$")
# The tags the provider adds to every resource (default_tags), and the most a resource of this stack sets itself:
# both count towards AWS's 50 tags per resource.
STACK_TAG_KEYS = ("Project", "Profile", "ManagedBy")
RESOURCE_TAG_KEYS = ("Name", "Tier")


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
    # The app the instance installs (install_app): None ships the bundled employee_directory; a directory holding a
    # fork of it (its __init__.py and requirements.txt) ships that instead. A library setting, not a settings key.
    app_source_directory: Path | None = None
    backup_plan: BackupPlanConfig | None = field(default_factory=BackupPlanConfig)
    state: StateBackendConfig = field(default_factory=StateBackendConfig)
    # Off unless asked for: reader autoscaling (not with Serverless v2) and alarms (need customer_managed_key).
    reader_autoscaling: AuroraAutoscalingConfig | None = None
    alarms: AuroraAlarmsConfig | None = None
    # None: no load balancer (the web server answers HTTP itself, from web_server.http_cidrs). Set: an HTTPS ALB in the
    # public subnets is the only way in; web_server.http_cidrs is then ignored (no CIDR rule on the web group).
    load_balancer: LoadBalancerConfig | None = None
    # None: one web server (web_server; dev's default). Set: an Auto Scaling group of them in the private subnets,
    # behind the load balancer (prod's default); web_server then describes each of its instances.
    web_group: WebGroupConfig | None = None

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
        self._check_tags(problems)
        problems.check_booleans(self, "customer_managed_key", install_app="web.install_app")
        self._check_prod_ssh(problems)
        try:
            self.encryption_key_config()
        except ConfigError as error:  # the key's own rule, named by this config's key
            for problem in error.problems:
                problems.add("key_deletion_window_days", problem.value, problem.allowed)
        self._check_app_artifact(problems)
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
        self._check_web_group(problems)
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

    def _check_tags(self, problems: ProblemList) -> None:
        """Each tag by AWS's tagging rules, and their number once the stack's own are added."""
        if not problems.check(isinstance(self.tags, dict), "tags", self.tags, "must be a table of strings"):
            return
        for key, value in self.tags.items():
            problems.check(
                isinstance(key, str) and bool(TAG_KEY.match(key)),
                f"tags.{key}",
                key,
                "tag keys are 1 to 128 characters (letters, digits, spaces, _.:/=+-@), not starting with aws: "
                "in any case",
            )
            problems.check(
                isinstance(value, str) and len(value) <= 256,
                f"tags.{key}",
                value,
                "tag values are strings of at most 256 characters",
            )
        tag_count = len({*STACK_TAG_KEYS, *RESOURCE_TAG_KEYS, *self.tags})
        problems.check(
            TAGS_PER_RESOURCE.holds(tag_count),
            "tags",
            f"<{len(self.tags)} tags>",
            f"makes {tag_count} tags on a resource with the stack's own ({', '.join(STACK_TAG_KEYS)}, "
            f"{', '.join(RESOURCE_TAG_KEYS)}); AWS allows {TAGS_PER_RESOURCE.high}",
        )

    def _check_app_artifact(self, problems: ProblemList) -> None:
        """The app directory's problems, on app_source_directory. The bucket name the prefix makes is checked where
        every derived name is (aurora_web/settings/names.py, once on name_prefix); the artifact's own config
        refuses it too when the stack is built from code."""
        if self.install_app is not True or not is_region(self.region):
            return
        try:
            self.app_artifact_config()
        except ConfigError as error:
            for problem in error.problems:
                if problem.key == "source_directory":
                    problems.add("app_source_directory", problem.value, problem.allowed)

    def _check_web_group(self, problems: ProblemList) -> None:
        """A group lives in the private subnets and is reached only through the load balancer's target group."""
        if self.web_group is None:
            return
        problems.check(
            self.load_balancer is not None,
            "web.fleet",
            "group",
            "needs the load balancer (load_balancer.enabled = true): the group's instances are private and are "
            'reached through its target group; or set web.fleet = "instance"',
        )
        problems.check(
            self.web_server.public is False,
            "web.public",
            self.web_server.public,
            'must be false with web.fleet = "group": the group\'s instances have no public IP and live in the '
            "private subnets",
        )

    def _check_prod_ssh(self, problems: ProblemList) -> None:
        """Prod opens SSH to at most a /16 (PROD_SSH_PREFIX_LENGTH says why); /0 is the web server's own refusal."""
        ssh_network = parse_ipv4_network(self.web_server.ssh_cidr)
        if self.profile == "prod" and ssh_network is not None and ssh_network.prefixlen > 0:
            problems.check(
                PROD_SSH_PREFIX_LENGTH.holds(ssh_network.prefixlen),
                "web.ssh_cidr",
                self.web_server.ssh_cidr,
                f"opens SSH to more than a /{PROD_SSH_PREFIX_LENGTH.low}, which prod refuses; name your admin "
                "network, or use Session Manager",
            )

    @property
    def default_tags(self) -> dict[str, str]:
        """The provider's default_tags: the stack's own (STACK_TAG_KEYS), then the user's."""
        own = dict(zip(STACK_TAG_KEYS, (self.name_prefix, self.profile, "terraform"), strict=True))
        return {**own, **self.tags}

    def app_artifact_config(self, instance_files: tuple[tuple[str, str], ...] = ()) -> AppArtifactConfig:
        """The app artifact and its bucket, <name_prefix>-app-<account>-<region>, with the instance's own files
        (web_app.user_data.instance_files). Its bucket may be emptied by a destroy exactly when the cluster may be
        destroyed (database.prevent_destroy off): an unprotected stack tears down with one destroy."""
        return AppArtifactConfig(
            name=self.name_prefix,
            region=self.region,
            source_directory=self.app_source_directory,
            instance_files=instance_files,
            force_destroy=not self.database.prevent_destroy,
        )

    def encryption_key_config(self) -> EncryptionKeyConfig:
        """The stack's KMS key (made when customer_managed_key is true): alias/<name_prefix>. It holds the cluster's
        data, so the cluster's prevent_destroy protects it too."""
        return EncryptionKeyConfig(
            name=self.name_prefix,
            deletion_window_days=self.key_deletion_window_days,
            prevent_destroy=self.database.prevent_destroy,
        )
