"""Reads the TOML file named by AURORA_WEB_CONFIG into a validated stack config, or one error listing every problem."""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aurora_cluster import AuroraClusterConfig
from .aurora_web_stack import REGION, AuroraWebStackConfig
from .backup_plan import BackupPlanConfig
from .ec2_aurora_connection import Ec2AuroraConnectionConfig
from .key_pair import KeyPairConfig
from .network import NetworkConfig
from .validation import ConfigError, Problem
from .web_server import WebServerConfig

CONFIG_ENV_VAR = "AURORA_WEB_CONFIG"


@dataclass(frozen=True)
class Key:
    """One documented key of the file: its type, default and meaning (the README table is made from these)."""

    kind: str  # "string", "integer", "boolean", "string list", "string table"
    default: Any
    doc: str


KEYS: dict[str, dict[str, Key]] = {
    "": {
        "profile": Key("string", "dev", "`dev` or `prod`: the defaults of the keys marked \"profile\" below"),
        "region": Key("string", "us-east-1", "AWS region of the stack"),
        "name_prefix": Key("string", "aurora-web", "prefix of every resource name"),
        "tags": Key("string table", {}, "tags added to every resource (provider default_tags)"),
        "customer_managed_key": Key("boolean", "profile: dev false, prod true",
                                    "one KMS key (rotating) for Aurora storage, its secret, Performance Insights, backups, flow logs"),
    },
    "network": {
        "vpc_cidr": Key("string", "10.0.0.0/16", "CIDR of the new VPC, /16 to /24"),
        "az_count": Key("integer", 2, "availability zones to span, 2 to 6"),
        "availability_zones": Key("string list", "<region>a, <region>b, ... (az_count of them)",
                                  "zone names, pinned so a zone AWS adds later never moves a subnet"),
        "public_subnet_cidrs": Key("string list", [], "one CIDR per AZ for the web tier; default carved from vpc_cidr"),
        "private_subnet_cidrs": Key("string list", [], "one CIDR per AZ for the database; default carved from vpc_cidr"),
        "existing_vpc_id": Key("string", None, "use this VPC instead of creating one"),
        "existing_public_subnet_ids": Key("string list", [], "public subnets of that VPC (2 or more AZs)"),
        "existing_private_subnet_ids": Key("string list", [], "private subnets of that VPC (2 or more AZs)"),
        "nat_gateway": Key("boolean", "profile: dev false, prod true", "NAT gateway for the private subnets (needed when web.public is false)"),
        "flow_logs": Key("boolean", "profile: dev false, prod true", "VPC flow logs to a CloudWatch log group kept 365 days"),
    },
    "web": {
        "instance_type": Key("string", "t3.micro", "EC2 instance type of the web server"),
        "ssh_cidr": Key("string", None, "IPv4 CIDR allowed to SSH; unset means no SSH rule (use SSM Session Manager)"),
        "public_key_path": Key("string", None, "OpenSSH public key to register; unset generates an ed25519 key"),
        "key_directory": Key("string", ".keys", "where a generated key is kept (private key mode 0600)"),
        "public": Key("boolean", "profile: dev true, prod false", "public IP in a public subnet; false: private subnet behind the NAT"),
        "http_cidrs": Key("string list", "profile: dev [\"0.0.0.0/0\"], prod [vpc_cidr]", "IPv4 CIDRs allowed to reach port 80"),
    },
    "database": {
        "cluster_identifier": Key("string", "<name_prefix>-db-cluster", "Aurora cluster identifier"),
        "engine_version": Key("string", AuroraClusterConfig.engine_version, "Aurora MySQL 3 version (LTS by default)"),
        "instance_class": Key("string", "profile: dev db.t3.medium, prod db.t4g.medium", "class of the writer and the readers"),
        "reader_count": Key("integer", 1, "readers besides the writer, 0 to 15"),
        "backup_retention_days": Key("integer", 7, "automated backup retention, 1 to 35 days"),
        "database_name": Key("string", "sample", "initial database"),
        "master_username": Key("string", "admin", "master user; its password lives in Secrets Manager"),
        "deletion_protection": Key("boolean", "profile: dev false, prod true", "refuse to delete the cluster"),
        "skip_final_snapshot": Key("boolean", "profile: dev true, prod false", "delete without a final snapshot"),
        "performance_insights": Key("boolean", "profile: dev false, prod true", "Performance Insights (not on db.t3 classes)"),
        "backup_plan": Key("boolean", "profile: dev false, prod true", "an AWS Backup plan (daily, 35 days, encrypted vault)"),
        "backtrack_hours": Key("integer", 24, "Aurora backtrack window, 0 (off) to 72 hours"),
        "monitoring_interval_seconds": Key("integer", 60, "enhanced monitoring interval: 0 (off), 1, 5, 10, 15, 30 or 60"),
    },
}

# dev: the tutorial's stack, cheap and easy to tear down. prod: every control the scanners ask for.
PROFILE_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "dev": {
        "": {"customer_managed_key": False},
        "network": {"nat_gateway": False, "flow_logs": False},
        "web": {"public": True, "http_cidrs": ["0.0.0.0/0"]},
        "database": {"deletion_protection": False, "skip_final_snapshot": True, "instance_class": "db.t3.medium",
                     "performance_insights": False, "backup_plan": False},
    },
    "prod": {
        "": {"customer_managed_key": True},
        "network": {"nat_gateway": True, "flow_logs": True},
        "web": {"public": False},  # http_cidrs: the VPC's own range, for a load balancer in front (see below)
        "database": {"deletion_protection": True, "skip_final_snapshot": False, "instance_class": "db.t4g.medium",
                     "performance_insights": True, "backup_plan": True},
    },
}

_TYPE_CHECKS = {
    "string": (lambda value: isinstance(value, str), "must be a string"),
    "integer": (lambda value: isinstance(value, int) and not isinstance(value, bool), "must be an integer"),
    "boolean": (lambda value: isinstance(value, bool), "must be true or false"),
    "string list": (lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
                    "must be a list of strings"),
    "string table": (lambda value: isinstance(value, dict) and all(isinstance(item, str) for item in value.values()),
                     "must be a table of string values"),
}


def load_stack_config(path: str | None = None) -> AuroraWebStackConfig:
    """The config the file at `path` (else $AURORA_WEB_CONFIG, else none: all defaults) describes."""
    if path is None:
        path = os.environ.get(CONFIG_ENV_VAR) or None
    document = read_toml(path) if path is not None else {}
    return stack_config_from_document(document)


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


def stack_config_from_document(document: dict[str, Any]) -> AuroraWebStackConfig:
    """Check keys and types first, then let each construct config check its own values; raise all problems at once."""
    problems: list[Problem] = []
    sections = {name: _section(document, name, problems) for name in KEYS}
    profile = sections[""].get("profile", "dev")
    for section, defaults in PROFILE_DEFAULTS.get(profile, {}).items():
        sections[section] = {**defaults, **sections[section]}
    top = sections[""]
    prefix = top.get("name_prefix", "aurora-web")
    network, web, database = sections["network"], sections["web"], sections["database"]
    if profile == "prod" and "http_cidrs" not in web:
        web["http_cidrs"] = [] if "existing_vpc_id" in network else [network.get("vpc_cidr", NetworkConfig.vpc_cidr)]
    backup_plan = database.pop("backup_plan", True)
    region = top.get("region", AuroraWebStackConfig.region)
    if "availability_zones" in network:
        network.setdefault("az_count", len(network["availability_zones"]))
    elif isinstance(region, str) and REGION.match(region):
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
        "key_pair": build("web", KeyPairConfig, name=f"{prefix}-key", **_expand_paths(
            _pick(web, "public_key_path", "key_directory"))),
        "web_server": build("web", WebServerConfig, name=prefix,
                            **_tuples(_pick(web, "instance_type", "ssh_cidr", "http_cidrs", "public"))),
        "database": build("database", AuroraClusterConfig, renamed={"identifier": "cluster_identifier"},
                          identifier=database.pop("cluster_identifier", f"{prefix}-db-cluster"), **database),
        "connection": build("", Ec2AuroraConnectionConfig, suffix=prefix),
        "backup_plan": build("database", BackupPlanConfig, name=prefix) if backup_plan else None,
    }
    if backup_plan and parts["backup_plan"] is None:
        parts.pop("backup_plan")
    stack = build("", AuroraWebStackConfig, **top, **{key: value for key, value in parts.items()
                                                      if value is not None or key == "backup_plan"})
    if problems:
        raise ConfigError(_unique(problems))
    return stack


def _section(document: dict[str, Any], name: str, problems: list[Problem]) -> dict[str, Any]:
    """The section's known, well-typed keys; unknown keys and wrong types become problems."""
    table = document if name == "" else document.get(name, {})
    if not isinstance(table, dict):
        problems.append(Problem(name, table, "must be a table, e.g. [" + name + "]"))
        return {}
    known = KEYS[name]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if name == "" and key in KEYS and key:
            continue  # a section, read on its own
        dotted = f"{name}.{key}" if name else key
        if key not in known:
            problems.append(Problem(dotted, value, _unknown_key_hint(name, key)))
            continue
        is_right_type, expectation = _TYPE_CHECKS[known[key].kind]
        if not is_right_type(value):
            problems.append(Problem(dotted, value, expectation))
            continue
        values[key] = value
    return values


def _unknown_key_hint(section: str, key: str) -> str:
    everywhere = [f"{name}.{known}" if name else known for name, keys in KEYS.items() for known in keys]
    everywhere += [f"[{name}]" for name in KEYS if name]
    here = list(KEYS[section])
    close = difflib.get_close_matches(key, here, n=1, cutoff=0.6)
    if close:
        suggestion = f"{section}.{close[0]}" if section else close[0]
    else:
        dotted = [name for name in everywhere if name.rsplit(".", 1)[-1].strip("[]") == key]
        close = dotted or difflib.get_close_matches(key, [name.rsplit(".", 1)[-1] for name in everywhere], n=1, cutoff=0.75)
        suggestion = dotted[0] if dotted else (next(name for name in everywhere if name.endswith(close[0])) if close else "")
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
