"""Reads the TOML file named by AURORA_WEB_CONFIG into a validated stack config, or one error listing every problem."""

from __future__ import annotations

import copy
import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.aurora_cluster import AuroraClusterConfig
from constructs_lib.aurora_web_stack import AuroraWebStackConfig
from constructs_lib.backup_plan import BackupPlanConfig
from constructs_lib.ec2_aurora_connection import Ec2AuroraConnectionConfig
from constructs_lib.key_pair import KeyPairConfig
from constructs_lib.network import NetworkConfig
from constructs_lib.state_backend import StateBackendConfig
from constructs_lib.validation import ConfigError, Problem, is_int, is_region
from constructs_lib.web_server import WebServerConfig

from . import CONFIG_ENV_VAR


@dataclass(frozen=True)
class Key:
    """One documented key of the file: its type, default and meaning (the README table is made from these)."""

    kind: str  # "string", "integer", "boolean", "string list", "string table"
    default: Any
    doc: str


KEYS: dict[str, dict[str, Key]] = {
    "": {
        "profile": Key("string", "dev", '`dev` or `prod`: the defaults of the keys marked "profile" below'),
        "region": Key("string", "us-east-1", "AWS region of the stack"),
        "name_prefix": Key("string", "aurora-web", "prefix of every resource name"),
        "tags": Key("string table", {}, "tags added to every resource (provider default_tags)"),
        "customer_managed_key": Key(
            "boolean",
            "profile: dev false, prod true",
            "one KMS key (rotating) for Aurora storage, its secret, Performance Insights, backups, flow logs",
        ),
    },
    "network": {
        "vpc_cidr": Key("string", "10.0.0.0/16", "CIDR of the new VPC, /16 to /24"),
        "az_count": Key("integer", 2, "availability zones to span, 2 to 6"),
        "availability_zones": Key(
            "string list",
            "<region>a, <region>b, ... (az_count of them)",
            "zone names, pinned so a zone AWS adds later never moves a subnet",
        ),
        "public_subnet_cidrs": Key("string list", [], "one CIDR per AZ for the web tier; default carved from vpc_cidr"),
        "private_subnet_cidrs": Key(
            "string list", [], "one CIDR per AZ for the database; default carved from vpc_cidr"
        ),
        "existing_vpc_id": Key("string", None, "use this VPC instead of creating one"),
        "existing_public_subnet_ids": Key("string list", [], "public subnets of that VPC (2 or more AZs)"),
        "existing_private_subnet_ids": Key("string list", [], "private subnets of that VPC (2 or more AZs)"),
        "nat_gateway": Key(
            "boolean",
            "profile: dev false, prod true",
            "NAT gateway for the private subnets (needed when web.public is false)",
        ),
        "flow_logs": Key(
            "boolean", "profile: dev false, prod true", "VPC flow logs to a CloudWatch log group kept 365 days"
        ),
    },
    "web": {
        "instance_type": Key("string", "t3.micro", "EC2 instance type of the web server"),
        "ssh_cidr": Key("string", None, "IPv4 CIDR allowed to SSH; unset means no SSH rule (use SSM Session Manager)"),
        "public_key_path": Key("string", None, "OpenSSH public key to register; unset generates an ed25519 key"),
        "key_directory": Key("string", ".keys", "where a generated key is kept (private key mode 0600)"),
        "root_volume_gib": Key("integer", 8, "encrypted gp3 root volume size, 8 to 16384 GiB"),
        "detailed_monitoring": Key("boolean", True, "1-minute CloudWatch metrics for the instance"),
        "install_app": Key("boolean", True, "install the tutorial's employee directory web app at first boot"),
        "public": Key(
            "boolean",
            "profile: dev true, prod false",
            "public IP in a public subnet; false: private subnet behind the NAT",
        ),
        "http_cidrs": Key(
            "string list", 'profile: dev ["0.0.0.0/0"], prod [vpc_cidr]', "IPv4 CIDRs allowed to reach port 80"
        ),
    },
    "database": {
        "cluster_identifier": Key("string", "<name_prefix>-db-cluster", "Aurora cluster identifier"),
        "engine_version": Key("string", AuroraClusterConfig.engine_version, "Aurora MySQL 3 version (LTS by default)"),
        "instance_class": Key(
            "string", "profile: dev db.t3.medium, prod db.t4g.medium", "class of the writer and the readers"
        ),
        "reader_count": Key("integer", 1, "readers besides the writer, 0 to 15"),
        "backup_retention_days": Key("integer", 7, "automated backup retention, 1 to 35 days"),
        "database_name": Key("string", "sample", "initial database"),
        "master_username": Key("string", "admin", "master user; its password lives in Secrets Manager"),
        "deletion_protection": Key("boolean", "profile: dev false, prod true", "refuse to delete the cluster"),
        "skip_final_snapshot": Key("boolean", "profile: dev true, prod false", "delete without a final snapshot"),
        "performance_insights": Key(
            "boolean", "profile: dev false, prod true", "Performance Insights (not on db.t3 classes)"
        ),
        "backup_plan": Key(
            "boolean", "profile: dev false, prod true", "an AWS Backup plan (daily, 35 days, encrypted vault)"
        ),
        "backtrack_hours": Key("integer", 24, "Aurora backtrack window, 0 (off) to 72 hours"),
        "monitoring_interval_seconds": Key(
            "integer", 60, "enhanced monitoring interval: 0 (off), 1, 5, 10, 15, 30 or 60"
        ),
    },
}

# dev: the tutorial's stack, cheap and easy to tear down. prod: every control the scanners ask for.
# Read once for the whole app, not per environment.
APP_KEYS: dict[str, dict[str, Key]] = {
    "state": {
        "backend": Key(
            "string", "local", "`local`: terraform.<stack>.tfstate at the project root; `s3`: the S3 backend"
        ),
        "bucket": Key("string", None, 'S3 bucket of the state (backend = "s3")'),
        "key_prefix": Key("string", "aurora-web", "the state's key is <key_prefix>/<stack>.tfstate"),
        "region": Key("string", "the stack's region", "region of the bucket"),
        "use_lockfile": Key(
            "boolean", True, "S3's native lock file (Terraform >= 1.10); the state is always encrypted"
        ),
    },
}
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
STACK_SECTIONS = tuple(KEYS)

PROFILE_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "dev": {
        "": {"customer_managed_key": False},
        "network": {"nat_gateway": False, "flow_logs": False},
        "web": {"public": True, "http_cidrs": ["0.0.0.0/0"]},
        "database": {
            "deletion_protection": False,
            "skip_final_snapshot": True,
            "instance_class": "db.t3.medium",
            "performance_insights": False,
            "backup_plan": False,
        },
    },
    "prod": {
        "": {"customer_managed_key": True},
        "network": {"nat_gateway": True, "flow_logs": True},
        "web": {"public": False},  # http_cidrs: the VPC's own range, for a load balancer in front (see below)
        "database": {
            "deletion_protection": True,
            "skip_final_snapshot": False,
            "instance_class": "db.t4g.medium",
            "performance_insights": True,
            "backup_plan": True,
        },
    },
}

_TYPE_CHECKS = {
    "string": (lambda value: isinstance(value, str), "must be a string"),
    "integer": (is_int, "must be an integer"),
    "boolean": (lambda value: isinstance(value, bool), "must be true or false"),
    "string list": (
        lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
        "must be a list of strings",
    ),
    "string table": (
        lambda value: isinstance(value, dict) and all(isinstance(item, str) for item in value.values()),
        "must be a table of string values",
    ),
}


def load_stack_config(path: str | None = None) -> AuroraWebStackConfig:
    """The one stack the file describes (a file with [environments] describes several: see load_app_config)."""
    stacks = load_app_config(path)
    if len(stacks) != 1:
        raise ConfigError([Problem("environments", sorted(stacks), "describes several stacks; use load_app_config")])
    return next(iter(stacks.values()))


def load_app_config(path: str | None = None) -> dict[str, AuroraWebStackConfig]:
    """Stack name -> config, from the file at `path` (else $AURORA_WEB_CONFIG, else none: one dev stack)."""
    if path is None:
        path = os.environ.get(CONFIG_ENV_VAR) or None
    document = read_toml(path) if path is not None else {}
    return app_config_from_document(document)


def app_config_from_document(document: dict[str, Any]) -> dict[str, AuroraWebStackConfig]:
    """One stack, or one per [environments.<name>] table (each overriding the top level); all problems at once."""
    document = copy.deepcopy(document)
    problems: list[Problem] = []
    environments = document.pop("environments", None)
    state = _state_config(document.pop("state", {}), problems)
    try:
        base = stack_config_from_document(document, state=state)
    except ConfigError as error:
        problems.extend(error.problems)
        base = None
    if environments is None:
        if problems:
            raise ConfigError(problems)
        return {base.name_prefix: base}
    if not isinstance(environments, dict) or not environments:
        raise ConfigError(
            problems
            + [Problem("environments", environments, "must hold one table per environment, e.g. [environments.dev]")]
        )
    stacks: dict[str, AuroraWebStackConfig] = {}
    seen = {(problem.key, repr(problem.value), problem.allowed) for problem in problems}
    for name, overrides in environments.items():
        where = f"environments.{name}"
        if not ENVIRONMENT_NAME.match(name):
            problems.append(Problem(where, name, "environment names are 1 to 32 lowercase letters, digits and hyphens"))
            continue
        if not isinstance(overrides, dict):
            problems.append(Problem(where, overrides, "must be a table of the same keys as the top level"))
            continue
        merged = _deep_merge(document, overrides)
        if "name_prefix" not in overrides:
            merged["name_prefix"] = f"{document.get('name_prefix', AuroraWebStackConfig.name_prefix)}-{name}"
        try:
            stacks[name] = stack_config_from_document(merged, state=state)
        except ConfigError as error:
            # A problem of the shared top level is reported once, under its own key; the rest under the environment.
            problems.extend(
                problem.under(where)
                for problem in error.problems
                if (problem.key, repr(problem.value), problem.allowed) not in seen
            )
    if problems:
        raise ConfigError(_unique(problems))
    return stacks


def _state_config(table: Any, problems: list[Problem]) -> StateBackendConfig:
    values = _section({"state": table}, "state", problems, APP_KEYS)
    try:
        return StateBackendConfig(**values)
    except ConfigError as error:
        problems.extend(error.under("state").problems)
        return StateBackendConfig()


def _deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "tags":
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problem = "file not found"
    except IsADirectoryError:
        problem = "is a directory, not a TOML file"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except OSError as error:
        problem = f"cannot be read ({error.strerror or error})"
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problem = f"is not valid TOML ({error})"
    raise ConfigError([Problem(CONFIG_ENV_VAR, path, problem)])


def stack_config_from_document(
    document: dict[str, Any], state: StateBackendConfig | None = None
) -> AuroraWebStackConfig:
    """Check keys and types first, then let each construct config check its own values; raise all problems at once."""
    problems: list[Problem] = []
    sections = {name: _section(document, name, problems) for name in STACK_SECTIONS}
    profile = sections[""].get("profile", "dev")
    for section, defaults in PROFILE_DEFAULTS.get(profile, {}).items():
        sections[section] = {**defaults, **sections[section]}
    top = sections[""]
    prefix = top.get("name_prefix", "aurora-web")
    network, web, database = sections["network"], sections["web"], sections["database"]
    if profile == "prod" and "http_cidrs" not in web:
        web["http_cidrs"] = [] if "existing_vpc_id" in network else [network.get("vpc_cidr", NetworkConfig.vpc_cidr)]
    backup_plan = database.pop("backup_plan", True)
    if "install_app" in web:
        top["install_app"] = web.pop("install_app")
    region = top.get("region", AuroraWebStackConfig.region)
    if "availability_zones" in network:
        network.setdefault("az_count", len(network["availability_zones"]))
    elif is_region(region):
        network["availability_zones"] = [f"{region}{letter}" for letter in "abcdef"[: network.get("az_count", 2)]]

    def build(section: str, factory, renamed: dict[str, str] | None = None, **values):
        """Make one config; its problems are reported under the file's own key names."""
        try:
            return factory(**values)
        except ConfigError as error:
            for problem in error.problems:
                key = (renamed or {}).get(problem.key, problem.key)
                problems.append(Problem(key, problem.value, problem.allowed).under(section))
            return None

    parts = {
        "network": build("network", NetworkConfig, name=prefix, **_tuples(network)),
        "key_pair": build(
            "web", KeyPairConfig, name=f"{prefix}-key", **_expand_paths(_pick(web, "public_key_path", "key_directory"))
        ),
        "web_server": build(
            "web",
            WebServerConfig,
            name=prefix,
            **_tuples(
                _pick(
                    web, "instance_type", "ssh_cidr", "http_cidrs", "public", "detailed_monitoring", "root_volume_gib"
                )
            ),
        ),
        "database": build(
            "database",
            AuroraClusterConfig,
            renamed={"identifier": "cluster_identifier"},
            identifier=database.pop("cluster_identifier", f"{prefix}-db-cluster"),
            **database,
        ),
        "connection": build("", Ec2AuroraConnectionConfig, suffix=prefix),
        "backup_plan": build("database", BackupPlanConfig, name=prefix) if backup_plan else None,
    }
    if backup_plan and parts["backup_plan"] is None:
        parts.pop("backup_plan")
    if state is not None:
        parts["state"] = state
    stack = build(
        "",
        AuroraWebStackConfig,
        **top,
        **{key: value for key, value in parts.items() if value is not None or key == "backup_plan"},
    )
    if problems:
        raise ConfigError(_unique(problems))
    return stack


def _section(
    document: dict[str, Any], name: str, problems: list[Problem], schema: dict[str, dict[str, Key]] = KEYS
) -> dict[str, Any]:
    """The section's known, well-typed keys; unknown keys and wrong types become problems."""
    table = document if name == "" else document.get(name, {})
    if not isinstance(table, dict):
        problems.append(Problem(name, table, "must be a table, e.g. [" + name + "]"))
        return {}
    known = schema[name]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if name == "" and (key in KEYS or key in APP_KEYS or key == "environments") and key:
            continue  # a section, read on its own
        dotted = f"{name}.{key}" if name else key
        if key not in known:
            problems.append(Problem(dotted, value, _unknown_key_hint(name, key, schema)))
            continue
        is_right_type, expectation = _TYPE_CHECKS[known[key].kind]
        if not is_right_type(value):
            problems.append(Problem(dotted, value, expectation))
            continue
        values[key] = value
    return values


def _unknown_key_hint(section: str, key: str, schema: dict[str, dict[str, Key]] = KEYS) -> str:
    every_section = {**KEYS, **APP_KEYS}
    everywhere = [f"{name}.{known}" if name else known for name, keys in every_section.items() for known in keys]
    everywhere += [f"[{name}]" for name in every_section if name] + ["[environments.<name>]"]
    here = list(schema[section])
    close = difflib.get_close_matches(key, here, n=1, cutoff=0.6)
    if close:
        suggestion = f"{section}.{close[0]}" if section else close[0]
    else:
        dotted = [name for name in everywhere if name.rsplit(".", 1)[-1].strip("[]") == key]
        close = dotted or difflib.get_close_matches(
            key, [name.rsplit(".", 1)[-1] for name in everywhere], n=1, cutoff=0.75
        )
        suggestion = (
            dotted[0] if dotted else (next(name for name in everywhere if name.endswith(close[0])) if close else "")
        )
    where = f"[{section}]" if section else "the top level"
    hint = f"unknown key in {where}"
    return f"{hint}; did you mean {suggestion}?" if suggestion else f"{hint}; known keys: {', '.join(here)}"


def _pick(values: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: values[key] for key in keys if key in values}


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}


def _expand_paths(values: dict[str, Any]) -> dict[str, Any]:
    return {key: str(Path(value).expanduser()) if key == "public_key_path" else value for key, value in values.items()}


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, unique = set(), []
    for problem in problems:
        marker = (problem.key, repr(problem.value), problem.allowed)
        if marker not in seen:
            seen.add(marker)
            unique.append(problem)
    return unique
