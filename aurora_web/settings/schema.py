"""The settings file's schema: one pydantic model per TOML table, a description on every key.

Types, bounds and choices are checked here, once. Defaults come from the construct library's own configs (or from
profiles.py for the keys a profile sets), and numeric bounds from constructs_lib/limits.py, which the configs check
too: neither is restated. A key feeds the config field of the same name (mapping.py). Rules about values the library
owns (identifier syntax, subnets inside the VPC, ...) stay in each construct config, which checks itself; the rules
here are the settings file's own (profile, environments, derived names).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_autoscaling_config import METRICS, AuroraAutoscalingConfig
from constructs_lib.aurora_cluster_config import CA_CERTIFICATES, MONITORING_INTERVALS, AuroraClusterConfig
from constructs_lib.aurora_web_stack_config import DEFAULT_PROFILE, AuroraWebStackConfig, Profile
from constructs_lib.key_pair_config import KeyPairConfig
from constructs_lib.limits import (
    ACCESS_LOG_RETENTION_DAYS,
    AZ_COUNT,
    BACKTRACK_HOURS,
    BACKUP_RETENTION_DAYS,
    IDLE_TIMEOUT_SECONDS,
    KEY_DELETION_WINDOW_DAYS,
    READER_COUNT,
    ROOT_VOLUME_GIB,
    SECRET_ROTATION_DAYS,
    WEB_GROUP_SIZE,
)
from constructs_lib.load_balancer_config import LoadBalancerConfig
from constructs_lib.network_config import VPC_CIDR_ALLOWED, NetworkConfig
from constructs_lib.state_backend_config import StateBackendConfig
from constructs_lib.validation import Problem
from constructs_lib.web_group_config import DEFAULT_SCALING_TARGET, Fleet, WebGroupConfig
from constructs_lib.web_server_config import ROOT_VOLUME_GIB_ALLOWED, WebServerConfig

from .profiles import PROFILE_DEFAULTS

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # a stack's name: cdktf.out/stacks/<name>


class SettingsProblems(ValueError):
    """Raised by a model validator: problems named by their keys relative to the model that found them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.render() for problem in problems))


class Allowed:
    """Field metadata: the line shown when a value has the right type but is not allowed."""

    def __init__(self, text: str) -> None:
        self.text = text


def _cidr_text(value: object) -> object:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "must be a string")
    if "/" not in value:
        raise PydanticCustomError("cidr", "must be CIDR notation")
    return value


# An IPv4 CIDR block written as a string ("10.0.0.0/16"); host bits must be zero.
Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text), Field(strict=False)]
SUBNET_CIDR_ALLOWED = 'must be an IPv4 CIDR block, e.g. "10.0.1.0/24"'


def _profile(section: str, key: str) -> Any:
    """The default of a key the profiles set: the default profile's, from profiles.py."""
    return PROFILE_DEFAULTS[DEFAULT_PROFILE][section][key]


class Table(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class NetworkSettings(Table):
    """[network]: the VPC and its subnets."""

    vpc_cidr: Annotated[Cidr, Allowed(VPC_CIDR_ALLOWED)] = Field(
        ipaddress.IPv4Network(NetworkConfig.vpc_cidr), description="CIDR of the new VPC, /16 to /24"
    )
    az_count: int = Field(
        NetworkConfig.az_count,
        ge=AZ_COUNT.low,
        le=AZ_COUNT.high,
        description=f"availability zones to span, {AZ_COUNT.low} to {AZ_COUNT.high}",
    )
    availability_zones: list[str] | None = Field(
        None, description="zone names, pinned so a zone AWS adds later never moves a subnet"
    )
    public_subnet_cidrs: list[Annotated[Cidr, Allowed(SUBNET_CIDR_ALLOWED)]] = Field(
        default_factory=list, description="one CIDR per AZ for the web tier; default carved from vpc_cidr"
    )
    private_subnet_cidrs: list[Annotated[Cidr, Allowed(SUBNET_CIDR_ALLOWED)]] = Field(
        default_factory=list, description="one CIDR per AZ for the database; default carved from vpc_cidr"
    )
    existing_vpc_id: str | None = Field(
        NetworkConfig.existing_vpc_id, description="use this VPC instead of creating one"
    )
    existing_public_subnet_ids: list[str] = Field(
        default_factory=list, description="public subnets of that VPC (2 or more AZs)"
    )
    existing_private_subnet_ids: list[str] = Field(
        default_factory=list, description="private subnets of that VPC (2 or more AZs)"
    )
    nat_gateway: bool = Field(
        _profile("network", "nat_gateway"),
        description="NAT gateway for the private subnets (needed when web.public is false)",
    )
    flow_logs: bool = Field(
        _profile("network", "flow_logs"),
        description="VPC flow logs to a CloudWatch log group (under the stack's key with customer_managed_key)",
    )
    flow_logs_retention_days: int = Field(
        _profile("network", "flow_logs_retention_days"),
        description="retention of the flow-log group, a CloudWatch Logs period (1, 3, 5, 7, 14, 30, ... 3653 days)",
    )


class WebSettings(Table):
    """[web]: the EC2 web server and its key pair."""

    instance_type: str = Field(WebServerConfig.instance_type, description="EC2 instance type of the web server")
    ssh_cidr: (
        Annotated[Cidr, Allowed('must be an IPv4 CIDR block like "203.0.113.7/32", or left unset for no SSH')] | None
    ) = Field(None, description="IPv4 CIDR allowed to SSH; unset means no SSH rule (use SSM Session Manager)")
    public_key_path: str | None = Field(
        KeyPairConfig.public_key_path, description="OpenSSH public key to register; unset generates an ed25519 key"
    )
    key_directory: str = Field(
        KeyPairConfig.key_directory, description="where a generated key is kept (private key mode 0600)"
    )
    root_volume_gib: Annotated[int, Allowed(ROOT_VOLUME_GIB_ALLOWED)] = Field(
        WebServerConfig.root_volume_gib,
        ge=ROOT_VOLUME_GIB.low,
        le=ROOT_VOLUME_GIB.high,
        description=f"encrypted gp3 root volume size, {ROOT_VOLUME_GIB.low} to {ROOT_VOLUME_GIB.high} GiB",
    )
    detailed_monitoring: bool = Field(
        WebServerConfig.detailed_monitoring, description="1-minute CloudWatch metrics for the instance"
    )
    install_app: bool = Field(
        AuroraWebStackConfig.install_app,
        description="install the tutorial's employee directory web app at first boot",
    )
    public: bool = Field(
        _profile("web", "public"), description="public IP in a public subnet; false: private subnet behind the NAT"
    )
    http_cidrs: list[Annotated[Cidr, Allowed('must be IPv4 CIDR blocks like "0.0.0.0/0" or "10.0.0.0/16"')]] = Field(
        default_factory=lambda: list(_profile("web", "http_cidrs")),
        description="IPv4 CIDRs allowed to reach port 80 (ignored when load_balancer.enabled)",
    )
    fleet: Fleet = Field(
        _profile("web", "fleet"),
        description="`instance`: one web server (the tutorial's); `group`: an Auto Scaling group across the private "
        "subnets, behind the load balancer, healed by its health checks and rolled out by instance refresh",
    )
    min_size: Annotated[int, Allowed(f"must be an integer {WEB_GROUP_SIZE.text}")] = Field(
        WebGroupConfig.min_size,
        ge=WEB_GROUP_SIZE.low,
        le=WEB_GROUP_SIZE.high,
        description=f"fleet group: fewest instances, {WEB_GROUP_SIZE.low} to {WEB_GROUP_SIZE.high} (the group starts "
        "here)",
    )
    max_size: Annotated[int, Allowed(f"must be an integer {WEB_GROUP_SIZE.text}")] = Field(
        WebGroupConfig.max_size,
        ge=WEB_GROUP_SIZE.low,
        le=WEB_GROUP_SIZE.high,
        description=f"fleet group: most instances, min_size to {WEB_GROUP_SIZE.high}",
    )
    scaling: Literal["none", "cpu", "requests"] = Field(
        WebGroupConfig.scaling,  # type: ignore[arg-type]
        description="fleet group: target tracking on `cpu` (average CPU %) or `requests` (load balancer requests per "
        "instance a minute); `none` holds min_size",
    )
    scaling_target: float | None = Field(
        WebGroupConfig.scaling_target,
        description="fleet group: the value scaling holds; unset: "
        + ", ".join(f"{value:g} for {name}" for name, value in DEFAULT_SCALING_TARGET.items()),
    )

    @field_validator("public_key_path", "key_directory")
    @classmethod
    def _home_expanded(cls, value: str | None) -> str | None:
        from .files import expand_user

        if value is None or not value.strip():
            return value  # unset, or "" which the key directory rule refuses as written
        try:
            return expand_user(value)
        except ValueError as error:
            raise PydanticCustomError("path", str(error)) from None

    @model_validator(mode="after")
    def _files_are_safe(self) -> WebSettings:
        from .files import PUBLIC_KEY_FILE_LIMIT, regular_file_problem
        from .keys import key_directory_problem

        problems = []
        if self.public_key_path is not None:
            problem = regular_file_problem(self.public_key_path, PUBLIC_KEY_FILE_LIMIT, what="public key file")
            if problem is not None and problem != "file not found":  # the key pair's own check says what to give
                problems.append(Problem("public_key_path", self.public_key_path, problem))
        else:
            problem = key_directory_problem(self.key_directory)
            if problem is not None:
                problems.append(Problem("key_directory", self.key_directory, problem))
        if problems:
            raise SettingsProblems(problems)
        return self


class DatabaseSettings(Table):
    """[database]: the Aurora MySQL cluster."""

    cluster_identifier: str | None = Field(None, description="Aurora cluster identifier")
    engine_version: str = Field(
        AuroraClusterConfig.engine_version, description="Aurora MySQL 3 version (LTS by default)"
    )
    instance_class: str = Field(
        _profile("database", "instance_class"), description="class of the writer and the readers"
    )
    reader_count: int = Field(
        AuroraClusterConfig.reader_count,
        ge=READER_COUNT.low,
        le=READER_COUNT.high,
        description=f"readers besides the writer, {READER_COUNT.low} to {READER_COUNT.high}",
    )
    backup_retention_days: int = Field(
        AuroraClusterConfig.backup_retention_days,
        ge=BACKUP_RETENTION_DAYS.low,
        le=BACKUP_RETENTION_DAYS.high,
        description=f"automated backup retention, {BACKUP_RETENTION_DAYS.low} to {BACKUP_RETENTION_DAYS.high} days",
    )
    database_name: str = Field(AuroraClusterConfig.database_name, description="initial database")
    master_username: str = Field(
        AuroraClusterConfig.master_username, description="master user; its password lives in Secrets Manager"
    )
    deletion_protection: bool = Field(
        _profile("database", "deletion_protection"), description="refuse to delete the cluster"
    )
    skip_final_snapshot: bool = Field(
        _profile("database", "skip_final_snapshot"), description="delete without a final snapshot"
    )
    prevent_destroy: bool = Field(
        _profile("database", "prevent_destroy"),
        description="Terraform refuses any plan that destroys or replaces the cluster or the stack's key "
        "(docs/reviewing-changes.md says how to lift it)",
    )
    performance_insights: bool = Field(
        _profile("database", "performance_insights"), description="Performance Insights (not on db.t3 classes)"
    )
    backup_plan: bool = Field(
        _profile("database", "backup_plan"), description="an AWS Backup plan (daily, 35 days, encrypted vault)"
    )
    backtrack_hours: int = Field(
        AuroraClusterConfig.backtrack_hours,
        ge=BACKTRACK_HOURS.low,
        le=BACKTRACK_HOURS.high,
        description=f"Aurora backtrack window, {BACKTRACK_HOURS.low} (off) to {BACKTRACK_HOURS.high} hours",
    )
    monitoring_interval_seconds: int = Field(
        AuroraClusterConfig.monitoring_interval_seconds,
        description="enhanced monitoring interval: 0 (off), " + ", ".join(map(str, MONITORING_INTERVALS[1:-1])) + " or "
        f"{MONITORING_INTERVALS[-1]}",
        json_schema_extra={"enum": list(MONITORING_INTERVALS)},
    )
    # Issue 14: what teams set first. Values are checked by the construct configs (AuroraClusterConfig,
    # AuroraAutoscalingConfig, AuroraAlarmsConfig); problems are named by these keys.
    serverless_min_acu: float | None = Field(
        AuroraClusterConfig.serverless_min_acu,
        description="Aurora Serverless v2: least ACUs, 0 to 256 in steps of 0.5 (0 pauses; 3.08 or later); set with "
        "serverless_max_acu, and every instance is db.serverless",
    )
    serverless_max_acu: float | None = Field(
        AuroraClusterConfig.serverless_max_acu, description="Aurora Serverless v2: most ACUs, 1 to 256 in steps of 0.5"
    )
    preferred_backup_window: str | None = Field(
        AuroraClusterConfig.preferred_backup_window,
        description='daily backup window, UTC, "hh24:mi-hh24:mi", at least 30 minutes; unset: AWS picks one',
    )
    preferred_maintenance_window: str | None = Field(
        AuroraClusterConfig.preferred_maintenance_window,
        description='weekly maintenance window, UTC, "ddd:hh24:mi-ddd:hh24:mi" (mon..sun), at least 30 minutes, '
        "not overlapping the backup window; unset: AWS picks one",
    )
    ca_cert_identifier: str | None = Field(
        AuroraClusterConfig.ca_cert_identifier,
        description="server certificate authority of every instance: " + ", ".join(CA_CERTIFICATES),
        json_schema_extra={"enum": [*CA_CERTIFICATES, None]},
    )
    master_secret_rotation_days: int | None = Field(
        AuroraClusterConfig.master_secret_rotation_days,
        description=f"rotate the master secret every {SECRET_ROTATION_DAYS.low} to {SECRET_ROTATION_DAYS.high} days; "
        "unset (and no schedule): RDS's 7 days",
    )
    master_secret_rotation_schedule: str | None = Field(
        AuroraClusterConfig.master_secret_rotation_schedule,
        description='or a rotation schedule: "rate(N hours)" (N >= 4), "rate(N days)" or "cron(...)"',
    )
    log_groups: bool = Field(
        True,
        description="the stack owns /aws/rds/cluster/<id>/<log> for every exported log, created before the cluster "
        "(else RDS creates them, kept forever)",
    )
    log_retention_days: int = Field(
        _profile("database", "log_retention_days"),
        description="retention of those log groups, a CloudWatch Logs period (1, 3, 5, 7, 14, 30, ... 3653 days)",
    )
    instance_parameters: dict[str, str] = Field(
        default_factory=dict,
        description="instance-level DB parameters (applied at the next reboot); any makes an instance parameter group",
    )
    autoscaling_max_readers: int | None = Field(
        None,
        description="reader autoscaling up to this many readers (reader_count to 15; reader_count is the minimum); "
        "unset: off. Not with Serverless v2",
    )
    autoscaling_metric: Literal["cpu", "connections"] = Field(
        AuroraAutoscalingConfig.metric,  # type: ignore[arg-type]
        description="what reader autoscaling tracks: " + " or ".join(f"`{name}` ({METRICS[name]})" for name in METRICS),
    )
    autoscaling_target_cpu: float = Field(
        AuroraAutoscalingConfig.target_cpu_percent, description="average reader CPU % to hold (metric cpu)"
    )
    autoscaling_target_connections: int = Field(
        AuroraAutoscalingConfig.target_connections,
        description="average connections per reader to hold (metric connections)",
    )
    autoscaling_scale_in_cooldown: int = Field(
        AuroraAutoscalingConfig.scale_in_cooldown_seconds, description="seconds to wait after removing a reader"
    )
    autoscaling_scale_out_cooldown: int = Field(
        AuroraAutoscalingConfig.scale_out_cooldown_seconds, description="seconds to wait after adding a reader"
    )
    alarms: bool = Field(
        _profile("database", "alarms"),
        description="CloudWatch alarms on the writer and readers into an SNS topic under the stack's key "
        "(needs customer_managed_key)",
    )
    alarm_email: str | None = Field(
        AuroraAlarmsConfig.email, description="e-mail address subscribed to the alarm topic (AWS asks to confirm)"
    )
    alarm_cpu_percent: float = Field(AuroraAlarmsConfig.cpu_percent, description="alarm when CPU is above this %")
    alarm_freeable_memory_mib: int = Field(
        AuroraAlarmsConfig.freeable_memory_mib, description="alarm when freeable memory is below this many MiB"
    )
    alarm_database_connections: int = Field(
        AuroraAlarmsConfig.database_connections,
        description="alarm when connections are above this (db.t3/t4g.medium allow 90)",
    )
    alarm_replica_lag_ms: int = Field(
        AuroraAlarmsConfig.replica_lag_ms, description="alarm when a reader lags more than this many ms"
    )
    alarm_acu_utilization_percent: float = Field(
        AuroraAlarmsConfig.acu_utilization_percent,
        description="Serverless v2: alarm when capacity is above this % of serverless_max_acu",
    )
    alarm_period_seconds: int = Field(
        AuroraAlarmsConfig.period_seconds, description="alarm period, a multiple of 60 seconds"
    )
    alarm_evaluation_periods: int = Field(
        AuroraAlarmsConfig.evaluation_periods, description="bad periods in a row before an alarm fires"
    )


class StateSettings(Table):
    """[state]: where each stack keeps its Terraform state."""

    backend: Literal["local", "s3"] = Field(
        "local",
        description="`local`: terraform.<stack>.tfstate beside the output directory (the project root for "
        "cdktf.out/); `s3`: the S3 backend",
    )
    bucket: str | None = Field(StateBackendConfig.bucket, description='S3 bucket of the state (backend = "s3")')
    key_prefix: str = Field(
        StateBackendConfig.key_prefix, description="the state's key is <key_prefix>/<stack>.tfstate"
    )
    region: str | None = Field(StateBackendConfig.region, description="region of the bucket")
    use_lockfile: bool = Field(
        StateBackendConfig.use_lockfile,
        description="S3's native lock file (Terraform >= 1.10); the state is always encrypted",
    )


class LoadBalancerSettings(Table):
    """[load_balancer]: the HTTPS front door, an Application Load Balancer in the public subnets."""

    enabled: bool = Field(
        _profile("load_balancer", "enabled"),
        description="an internet-facing HTTPS load balancer as the only way to the web server (web.http_cidrs is "
        "then ignored: port 80 admits the load balancer's group only); needs certificate_arn, or domain_name and "
        "hosted_zone_id",
    )
    certificate_arn: str | None = Field(
        LoadBalancerConfig.certificate_arn, description="an existing ACM certificate of the stack's region for HTTPS"
    )
    domain_name: str | None = Field(
        LoadBalancerConfig.domain_name,
        description="the site's name: a DNS-validated ACM certificate is requested for it and an alias A record "
        "points it at the load balancer (with hosted_zone_id)",
    )
    hosted_zone_id: str | None = Field(
        LoadBalancerConfig.hosted_zone_id, description="the Route 53 hosted zone holding domain_name"
    )
    waf: bool = Field(
        _profile("load_balancer", "waf"),
        description="an AWS WAF web ACL with AWS managed rules (common, known bad inputs, anonymous IPs), logged to "
        "CloudWatch",
    )
    deletion_protection: bool = Field(
        _profile("load_balancer", "deletion_protection"),
        description="refuse to delete the load balancer, and keep an access log bucket that holds logs",
    )
    access_log_retention_days: int = Field(
        LoadBalancerConfig.access_log_retention_days,
        ge=ACCESS_LOG_RETENTION_DAYS.low,
        le=ACCESS_LOG_RETENTION_DAYS.high,
        description="days the load balancer's access logs (S3) are kept, "
        f"{ACCESS_LOG_RETENTION_DAYS.low} to {ACCESS_LOG_RETENTION_DAYS.high}",
    )
    idle_timeout_seconds: int | None = Field(
        LoadBalancerConfig.idle_timeout_seconds,
        ge=IDLE_TIMEOUT_SECONDS.low,
        le=IDLE_TIMEOUT_SECONDS.high,
        description=f"seconds a connection may stay idle, {IDLE_TIMEOUT_SECONDS.low} to {IDLE_TIMEOUT_SECONDS.high}; "
        "unset: AWS's 60",
    )


class StackSettings(Table):
    """One stack's settings: the top level of the file, or the top level merged with one [environments.<name>]."""

    profile: Profile = Field(
        DEFAULT_PROFILE, description='`dev` or `prod`: the defaults of the keys marked "profile" below'
    )
    region: str = Field(AuroraWebStackConfig.region, description="AWS region of the stack")
    name_prefix: str = Field(AuroraWebStackConfig.name_prefix, description="prefix of every resource name")
    tags: dict[str, str] = Field(
        default_factory=dict, description="tags added to every resource (provider default_tags)"
    )
    customer_managed_key: bool = Field(
        _profile("", "customer_managed_key"),
        description="one KMS key (rotating) for Aurora storage, its secret, Performance Insights, backups, flow logs",
    )
    key_deletion_window_days: int = Field(
        _profile("", "key_deletion_window_days"),
        ge=KEY_DELETION_WINDOW_DAYS.low,
        le=KEY_DELETION_WINDOW_DAYS.high,
        description=f"days the KMS key stays recoverable after the stack is destroyed (KMS's deletion window), "
        f"{KEY_DELETION_WINDOW_DAYS.low} to {KEY_DELETION_WINDOW_DAYS.high}",
    )
    network: NetworkSettings = Field(default_factory=NetworkSettings, description="the VPC and its subnets")
    web: WebSettings = Field(default_factory=WebSettings, description="the EC2 web server and its key pair")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="the Aurora MySQL cluster")
    load_balancer: LoadBalancerSettings = Field(
        default_factory=LoadBalancerSettings, description="the HTTPS load balancer in front of the web server"
    )
    state: StateSettings = Field(default_factory=StateSettings, description="where the stack's Terraform state is kept")


class SettingsFile(StackSettings):
    """The whole settings file (AURORA_WEB_CONFIG): one stack, or one per [environments.<name>] table."""

    model_config = ConfigDict(title="aurora-web settings")

    environments: dict[Annotated[str, Field(pattern=ENVIRONMENT_NAME.pattern)], StackSettings] | None = Field(
        None,
        description="one table per environment (1 to 32 lowercase letters, digits, hyphens); each overrides the "
        "top level's keys and becomes its own stack",
    )


SECTIONS: dict[str, type[Table]] = {
    "network": NetworkSettings,
    "web": WebSettings,
    "database": DatabaseSettings,
    "load_balancer": LoadBalancerSettings,
    "state": StateSettings,
}


def top_level_keys() -> list[str]:
    """The top level's own keys (not the tables)."""
    return [name for name in StackSettings.model_fields if name not in SECTIONS]
