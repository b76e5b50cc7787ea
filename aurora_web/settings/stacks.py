"""From a settings document to the construct library's configs: one AuroraWebStackConfig per stack.

The schema (schema.py) checks types, bounds and choices; each construct config, built from its table by matching
field names (mapping.py), then checks its own values. Every problem of every environment is collected before
anything is built, and named by the key the user wrote.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from constructs_lib.aurora_cluster_config import AuroraClusterConfig
from constructs_lib.aurora_web_stack_config import AuroraWebStackConfig
from constructs_lib.backup_plan_config import BackupPlanConfig
from constructs_lib.ec2_aurora_connection_config import Ec2AuroraConnectionConfig
from constructs_lib.key_pair_config import KeyPairConfig
from constructs_lib.load_balancer_config import LoadBalancerConfig
from constructs_lib.network_config import NetworkConfig
from constructs_lib.state_backend_config import StateBackendConfig
from constructs_lib.validation import ConfigError, Problem, is_region
from constructs_lib.web_group_config import WebGroupConfig
from constructs_lib.web_server_config import WebServerConfig

from .files import read_toml, settings_path
from .keys import existing_key_problem
from .mapping import AUTOSCALING_KEYS, DEFAULT, config_values, settings_key
from .names import LOAD_BALANCER_NAME, is_name_prefix, name_problems
from .problems import problems_from
from .profiles import with_profile_defaults
from .schema import ENVIRONMENT_NAME, StackSettings

ZONE_LETTERS = "abcdef"
T = TypeVar("T")


def load_stack_config(path: str | None = None) -> AuroraWebStackConfig:
    """The one stack the file describes (a file with [environments] describes several: see load_app_config)."""
    stacks = load_app_config(path)
    if len(stacks) != 1:
        raise ConfigError([Problem("environments", sorted(stacks), "describes several stacks; use load_app_config")])
    return next(iter(stacks.values()))


def load_app_config(path: str | None = None) -> dict[str, AuroraWebStackConfig]:
    """Stack name -> config, from the file at `path` (else $AURORA_WEB_CONFIG, else none: one dev stack)."""
    path = settings_path(path)
    document = read_toml(path) if path is not None else {}
    return app_config_from_document(document)


def app_config_from_document(document: dict[str, Any]) -> dict[str, AuroraWebStackConfig]:
    """One stack, or one per [environments.<name>] table (each overriding the top level); all problems at once."""
    document = copy.deepcopy(document)
    environments = document.pop("environments", None)
    problems: list[Problem] = []
    try:
        base: AuroraWebStackConfig | None = stack_config_from_document(document)
    except ConfigError as error:
        problems.extend(error.problems)
        base = None
    if environments is None:
        if problems or base is None:
            raise ConfigError(problems)
        return {base.name_prefix: base}
    if not isinstance(environments, dict) or not environments:
        raise ConfigError(
            [
                *problems,
                Problem("environments", environments, "must hold one table per environment, e.g. [environments.dev]"),
            ]
        )
    stacks: dict[str, AuroraWebStackConfig] = {}
    shared = {_marker(problem) for problem in problems}
    for name, written in environments.items():
        where = f"environments.{name}"
        overrides = written
        if not ENVIRONMENT_NAME.fullmatch(name):
            problems.append(Problem(where, name, "environment names are 1 to 32 lowercase letters, digits and hyphens"))
            continue
        if not isinstance(overrides, dict):
            problems.append(Problem(where, overrides, "must be a table of the same keys as the top level"))
            continue
        if "environments" in overrides:
            overrides = {key: value for key, value in overrides.items() if key != "environments"}
            problems.append(
                Problem(
                    f"{where}.environments",
                    written["environments"],
                    "environments do not nest; declare each one at the top level as [environments.<name>]",
                )
            )
        merged = merge_environment(document, name, overrides)
        try:
            stacks[name] = stack_config_from_document(merged)
        except ConfigError as error:
            problems.extend(
                _environment_problem(problem, name, overrides, merged)
                for problem in error.problems
                if _marker(problem) not in shared
            )
    problems.extend(_collisions(document, stacks, environments))
    if problems:
        raise ConfigError(_unique(problems))
    return stacks


def _environment_problem(problem: Problem, name: str, overrides: dict[str, Any], merged: dict[str, Any]) -> Problem:
    """An environment's problem under the key the user wrote: the environment's own, or the shared name_prefix."""
    if problem.key == "name_prefix" and "name_prefix" not in overrides:
        written_prefix = problem.value if not isinstance(merged.get("name_prefix"), str) else None
        written_prefix = merged["name_prefix"][: -len(name) - 1] if written_prefix is None else written_prefix
        return Problem(
            "name_prefix",
            written_prefix,
            f"environment {name} makes it {merged.get('name_prefix')!r}, which {problem.allowed}",
        )
    return problem.under(f"environments.{name}")


def _collisions(
    document: dict[str, Any], stacks: dict[str, AuroraWebStackConfig], environments: dict[str, Any]
) -> list[Problem]:
    """Two environments must not share a name: their clusters, key pairs, groups and roles would be the same."""
    problems = []
    names: dict[str, Callable[[AuroraWebStackConfig], str]] = {
        "name_prefix": lambda config: config.name_prefix,
        "database.cluster_identifier": lambda config: config.database.identifier,
    }
    for key, name_of in names.items():
        first: dict[str, str] = {}
        for env, config in stacks.items():
            value = name_of(config)
            if value not in first:
                first[value] = env
                continue
            other = first[value]
            written = [name for name in (env, other) if _written(environments[name], key)]
            if written:
                blamed, partner = (env, other) if env in written else (other, env)
                problems.append(
                    Problem(
                        f"environments.{blamed}.{key}",
                        value,
                        f"is also environment {partner}'s; each environment needs its own "
                        "(two stacks would manage the same cluster, key pair, groups and roles)",
                    )
                )
            elif _written(document, key):
                problems.append(
                    Problem(
                        key,
                        value,
                        f"is shared by environments {other} and {env}; set it in each [environments.<name>] "
                        "or leave it unset (then <name_prefix>-db-cluster)",
                    )
                )
    return problems


def _written(table: Any, key: str) -> bool:
    for part in key.split("."):
        if not isinstance(table, dict) or part not in table:
            return False
        table = table[part]
    return True


def merge_environment(document: dict[str, Any], name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The top level with one environment's overrides: tables merged key by key; `tags` and `state` replaced."""
    merged = _deep_merge(document, overrides)
    if "state" in overrides:
        # An environment's [state] replaces the top level's whole: prod in S3, dev local.
        merged["state"] = copy.deepcopy(overrides["state"])
    if "name_prefix" not in overrides:
        merged["name_prefix"] = f"{document.get('name_prefix', AuroraWebStackConfig.name_prefix)}-{name}"
    return merged


def _deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "tags":
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def stack_config_from_document(document: dict[str, Any]) -> AuroraWebStackConfig:
    """One stack's config from a TOML-shaped document without [environments]; raises every problem at once."""
    document = with_profile_defaults(document)
    try:
        settings = StackSettings.model_validate(document)
    except ValidationError as error:
        raise ConfigError(_unique(problems_from(error, document))) from None
    return stack_config(settings)


def stack_config(settings: StackSettings) -> AuroraWebStackConfig:
    """The construct library's configs for validated settings; their own problems named by the file's keys.

    Each config takes its table's keys of the same names (mapping.py); only what the file does not hold as such is
    given here.
    """
    problems: list[Problem] = []

    def build(
        section: str,
        factory: type[T],
        table: BaseModel,
        given: dict[str, Any] | None = None,
        renamed: dict[str, str] | None = None,
    ) -> T | None:
        """Make one config from its settings table; its problems are reported under the file's own key names."""
        try:
            return factory(**config_values(table, factory, given or {}))
        except ConfigError as error:
            for problem in error.problems:
                key = (renamed or {}).get(problem.key, settings_key(factory, problem.key))
                problems.append(Problem(key, problem.value, problem.allowed).under(section))
            return None

    # A name_prefix the stack config refuses is reported once, on name_prefix: the names made from it use the
    # default prefix meanwhile, so no line blames a key the user never wrote.
    prefix = settings.name_prefix if is_name_prefix(settings.name_prefix) else AuroraWebStackConfig.name_prefix
    network, web, database = settings.network, settings.web, settings.database
    zones = network.availability_zones
    if zones is None and is_region(settings.region):
        zones = [f"{settings.region}{letter}" for letter in ZONE_LETTERS[: network.az_count]]
    az_count = network.az_count
    if network.availability_zones is not None and "az_count" not in network.model_fields_set:
        az_count = len(network.availability_zones)
    network_config = build(
        "network",
        NetworkConfig,
        network,
        {"name": prefix, "az_count": az_count, "availability_zones": tuple(zones) if zones is not None else DEFAULT},
    )
    key_pair = build("web", KeyPairConfig, web, {"name": f"{prefix}-key"})
    if key_pair is not None and key_pair.public_key_path is None:
        problem = existing_key_problem(key_pair.generated_private_key_path)
        if problem is not None:
            problems.append(Problem("web.key_directory", web.key_directory, problem))
    web_server = build("web", WebServerConfig, web, {"name": prefix})
    # The group's instances are the server described above (the stack gives it in); here only its own keys. Checked
    # with either fleet, so a wrong size is reported before someone switches to the group.
    web_group = build("web", WebGroupConfig, web)
    if web.fleet != "group":
        web_group = None
    cluster = build(
        "database",
        AuroraClusterConfig,
        database,
        {
            "identifier": database.cluster_identifier or f"{prefix}-db-cluster",
            "log_retention_days": database.log_retention_days if database.log_groups else None,
            "instance_parameters": dict(database.instance_parameters) or None,
        },
    )
    reader_autoscaling = (
        build("database", AuroraAutoscalingConfig, database) if database.autoscaling_max_readers is not None else None
    )
    alarms = build("database", AuroraAlarmsConfig, database) if database.alarms else None
    connection = build("", Ec2AuroraConnectionConfig, settings, {"suffix": prefix})
    backup_plan = build("database", BackupPlanConfig, database, {"name": prefix}) if database.backup_plan else None
    state_config = build("state", StateBackendConfig, settings.state)
    load_balancer = _load_balancer_config(settings, prefix, problems, build)
    if settings.load_balancer.enabled and load_balancer is None:
        web_group = None  # the load balancer's own line says what to fix; the group's rule would blame web.fleet too
    parts = {
        "load_balancer": load_balancer,
        "network": network_config,
        "key_pair": key_pair,
        "web_server": web_server,
        "web_group": web_group,
        "database": cluster,
        "connection": connection,
        "state": state_config,
    }
    stack = build(
        "",
        AuroraWebStackConfig,
        settings,
        {
            "install_app": web.install_app,
            "backup_plan": backup_plan,
            "reader_autoscaling": reader_autoscaling,
            "alarms": alarms,
            **{key: value for key, value in parts.items() if value is not None},
        },
        renamed={
            **{f"reader_autoscaling.{key}": f"database.{name}" for key, name in AUTOSCALING_KEYS.items()},
            "alarms": "database.alarms",
        },
    )
    # Names derived from the keys, against AWS's limits: reported with the construct configs' problems, not instead.
    problems.extend(name_problems(settings))
    if problems or stack is None:
        raise ConfigError(_unique(problems))
    return stack


def _load_balancer_config(
    settings: StackSettings, prefix: str, problems: list[Problem], build: Callable[..., Any]
) -> LoadBalancerConfig | None:
    """[load_balancer] as the construct's config, or None when it is off. On without a certificate source, one line
    says what to set (the prod profile turns it on, so prod refuses to synthesize without one)."""
    front_door = settings.load_balancer
    if not front_door.enabled:
        return None
    if front_door.certificate_arn is None and front_door.domain_name is None and front_door.hosted_zone_id is None:
        profile_note = " (the prod profile turns it on)" if settings.profile == "prod" else ""
        problems.append(
            Problem(
                "load_balancer.certificate_arn",
                None,
                f"the HTTPS load balancer{profile_note} needs a certificate: set load_balancer.certificate_arn to an "
                f"ACM certificate ARN of {settings.region}, or load_balancer.domain_name and "
                "load_balancer.hosted_zone_id (a Route 53 zone) to have one issued; or set load_balancer.enabled = "
                "false for no load balancer",
            )
        )
        return None
    # A prefix too long for the load balancer's names is reported once, on name_prefix (names.py).
    name = prefix if len(f"{prefix}-alb") <= LOAD_BALANCER_NAME.max_length else AuroraWebStackConfig.name_prefix
    config: LoadBalancerConfig | None = build(
        "load_balancer",
        LoadBalancerConfig,
        front_door,
        {
            "name": name,
            # Unprotected (dev) tears down with one destroy, logs and all; protected keeps a bucket holding logs.
            "force_destroy_access_logs": not front_door.deletion_protection,
        },
    )
    return config


def _marker(problem: Problem) -> tuple[str, str, str]:
    return (problem.key, repr(problem.value), problem.allowed)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for problem in problems:
        if _marker(problem) not in seen:
            seen.add(_marker(problem))
            unique.append(problem)
    return unique
