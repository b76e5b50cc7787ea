"""For every leaf key of the settings schema: a different valid value to try, so its effect can be measured.

Most values follow from the key's type and bounds in schema.py: a boolean flips, a bounded integer moves by one
inside its bounds, a choice (enum) takes the next choice, a number grows by one. A key those rules cannot serve (free
text, a value AWS publishes, a key that needs another key, a key that only matters with a feature on) has one entry
in OVERRIDES, which says what it sets and why:
- companions: other keys set with it, because the key alone is refused (a domain needs its hosted zone);
- context: keys set before and after, because the key does nothing without them (alarm thresholds need alarms on),
  so the table shows the effect where the key matters and says so.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotated_types import Ge, Le
from pydantic.fields import FieldInfo

from aurora_web.settings.schema import SECTIONS, StackSettings, top_level_keys
from constructs_lib.published import aurora_mysql3_engine_versions
from constructs_lib.validation import LOG_RETENTION_DAYS

# Values that stand for what a user would hand over; none of them is looked up.
CERTIFICATE_ARN_OF = "arn:aws:acm:{region}:123456789012:certificate/12345678-1234-1234-1234-123456789012"
CERTIFICATE_ARN = CERTIFICATE_ARN_OF.format(region="us-east-1")
OTHER_CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/87654321-4321-4321-4321-210987654321"
DOMAIN, ZONE = "www.example.com", "Z0123456789ABCDEFGHIJ"
EXISTING_NETWORK = {
    "network.existing_vpc_id": "vpc-0123456789abcdef0",
    "network.existing_public_subnet_ids": ["subnet-0a0000000000000a1", "subnet-0a0000000000000a2"],
    "network.existing_private_subnet_ids": ["subnet-0b0000000000000b1", "subnet-0b0000000000000b2"],
    # An existing VPC keeps its own routing (no NAT from us), so the web server needs its public IP there.
    "network.nat_gateway": False,
    "web.public": True,
    "web.fleet": "instance",  # a public web server is one instance (a group's servers are private)
}
STATE_BUCKET = "example-terraform-state"
LOAD_BALANCER_ON = {"load_balancer.enabled": True, "load_balancer.certificate_arn": CERTIFICATE_ARN}
# dev's web tier as prod's: a group of private servers behind the load balancer.
WEB_GROUP_ON = {**LOAD_BALANCER_ON, "web.fleet": "group", "web.public": False, "network.nat_gateway": True}
PUBLIC_KEY_FILE = "<public key file>"  # the generator writes an OpenSSH public key and puts its path here
OTHER_KEY_DIRECTORY = "<other key directory>"  # likewise an empty private directory


@dataclass(frozen=True)
class Variant:
    """A changed value for one key, with what must be set alongside (see the module's docstring)."""

    key: str
    value: Any
    companions: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)

    def note(self) -> str:
        parts = []
        if self.companions:
            parts.append(
                "with "
                + ", ".join(f"`{key}`" + (" unset" if value is None else "") for key, value in self.companions.items())
            )
        if self.context:
            parts.append("where " + ", ".join(f"`{key}`" for key in self.context) + " set")
        return "; ".join(parts)


def _next(choices: list[Any], current: Any) -> Any:
    return choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]


def _later_log_period(current: Any, profile: str) -> Any:
    return _next(list(LOG_RETENTION_DAYS), current)


def _engine(current: Any, profile: str) -> Any:
    # The next release (a patch of the same line when there is one): AWS refuses a downgrade at apply.
    versions = sorted(aurora_mysql3_engine_versions(), key=lambda name: [int(part) for part in name.split(".")[-3:]])
    index = versions.index(current)
    return versions[index + 1] if index + 1 < len(versions) else versions[index - 1]


def _windows(dev: str, prod: str) -> Callable[[Any, str], Any]:
    return lambda current, profile: prod if profile == "prod" else dev


def _region_variant(current: Any, profile: str) -> Variant:
    region = "us-west-2" if current != "us-west-2" else "us-east-1"
    return Variant(
        "region", region, companions={"load_balancer.certificate_arn": CERTIFICATE_ARN_OF.format(region=region)}
    )


def _profile_variant(current: Any, profile: str) -> Variant:
    if current == "dev":
        return Variant("profile", "prod", companions={"load_balancer.certificate_arn": CERTIFICATE_ARN})
    return Variant("profile", "dev")


def _dev_needs(context: Mapping[str, Any]) -> Callable[[str, Any], Callable[[Any, str], Variant]]:
    """A key that matters in dev only with `context` set (prod's profile sets it already)."""

    def make(key: str, value: Any) -> Callable[[Any, str], Variant]:
        return lambda current, profile: Variant(key, value, context=context if profile == "dev" else {})

    return make


_with_load_balancer = _dev_needs(LOAD_BALANCER_ON)
AUTOSCALING = {"database.autoscaling_max_readers": 3}
SERVERLESS = {"database.serverless_min_acu": 0.5, "database.serverless_max_acu": 4.0}
S3_STATE = {"state.backend": "s3", "state.bucket": STATE_BUCKET}

# key -> a value, or (current value, profile) -> a value or a whole Variant
OVERRIDES: dict[str, Any] = {
    "profile": _profile_variant,
    "region": _region_variant,
    "name_prefix": "aurora-web-2",
    "tags": {"team": "web"},
    "network.vpc_cidr": "10.1.0.0/16",
    "network.availability_zones": lambda current, profile: Variant(
        "network.availability_zones", ["us-east-1a", "us-east-1c"]
    ),
    "network.public_subnet_cidrs": ["10.0.100.0/24", "10.0.101.0/24"],
    "network.private_subnet_cidrs": ["10.0.110.0/24", "10.0.111.0/24"],
    "network.existing_vpc_id": lambda current, profile: Variant(
        "network.existing_vpc_id",
        EXISTING_NETWORK["network.existing_vpc_id"],
        companions={key: value for key, value in EXISTING_NETWORK.items() if key != "network.existing_vpc_id"},
    ),
    "network.existing_public_subnet_ids": lambda current, profile: Variant(
        "network.existing_public_subnet_ids",
        ["subnet-0c0000000000000c1", "subnet-0c0000000000000c2"],
        context=EXISTING_NETWORK,
    ),
    "network.existing_private_subnet_ids": lambda current, profile: Variant(
        "network.existing_private_subnet_ids",
        ["subnet-0d0000000000000d1", "subnet-0d0000000000000d2"],
        context=EXISTING_NETWORK,
    ),
    "network.flow_logs_retention_days": _later_log_period,
    # Without a NAT the web server needs its public IP, and a private one needs the NAT.
    # (A public web server is one instance: a group's servers are private.)
    "network.nat_gateway": lambda current, profile: Variant(
        "network.nat_gateway",
        not current,
        companions={"web.public": True, "web.fleet": "instance"} if current else {},
    ),
    "web.public": lambda current, profile: Variant(
        "web.public",
        not current,
        companions={"network.nat_gateway": True} if current else {"web.fleet": "instance"},
    ),
    # prod's alarms publish to a topic under the stack's key.
    "customer_managed_key": lambda current, profile: Variant(
        "customer_managed_key", not current, companions={"database.alarms": False} if profile == "prod" else {}
    ),
    "web.instance_type": "t3.small",
    "web.scaling_target": lambda current, profile: Variant(
        "web.scaling_target",
        60.0,
        context={**(WEB_GROUP_ON if profile == "dev" else {}), "web.scaling": "cpu"},
    ),
    "web.fleet": lambda current, profile: Variant(
        "web.fleet",
        "instance" if current == "group" else "group",
        companions={key: value for key, value in WEB_GROUP_ON.items() if key != "web.fleet"}
        if current != "group"
        else {},
    ),
    "web.ssh_cidr": "203.0.113.7/32",
    "web.public_key_path": PUBLIC_KEY_FILE,
    "web.key_directory": OTHER_KEY_DIRECTORY,
    "web.http_cidrs": ["203.0.113.0/24"],
    "database.cluster_identifier": "other-db-cluster",
    "database.engine_version": _engine,
    "database.instance_class": lambda current, profile: "db.r6g.large" if current != "db.r6g.large" else "db.r7g.large",
    "database.database_name": "employees",
    "database.master_username": "dbadmin",
    "database.serverless_min_acu": lambda current, profile: Variant(
        "database.serverless_min_acu", 0.5, companions={"database.serverless_max_acu": 4.0}
    ),
    "database.serverless_max_acu": lambda current, profile: Variant(
        "database.serverless_max_acu", 4.0, companions={"database.serverless_min_acu": 0.5}
    ),
    "database.preferred_backup_window": _windows("03:00-04:00", "02:00-02:30"),
    "database.preferred_maintenance_window": _windows("sun:05:00-sun:06:00", "sat:05:00-sat:06:00"),
    "database.master_secret_rotation_days": 30,
    "database.master_secret_rotation_schedule": "rate(10 days)",
    "database.log_retention_days": _later_log_period,
    "database.instance_parameters": {"long_query_time": "2"},
    "database.performance_insights": lambda current, profile: Variant(
        "database.performance_insights",
        not current,
        companions={"database.instance_class": "db.t4g.medium"} if profile == "dev" else {},  # not on db.t3
    ),
    "database.alarm_period_seconds": lambda current, profile: current + 60,  # whole minutes only
    "database.autoscaling_max_readers": 3,
    "database.autoscaling_metric": lambda current, profile: Variant(
        "database.autoscaling_metric", "connections", context=AUTOSCALING
    ),
    "database.autoscaling_target_connections": lambda current, profile: Variant(
        "database.autoscaling_target_connections",
        current + 1,
        context={**AUTOSCALING, "database.autoscaling_metric": "connections"},
    ),
    "database.alarm_email": "ops@example.com",
    "database.alarm_acu_utilization_percent": lambda current, profile: Variant(
        "database.alarm_acu_utilization_percent",
        current - 1,
        context={**SERVERLESS, **({"database.alarms": True} if profile == "dev" else {})},
    ),
    "load_balancer.enabled": lambda current, profile: Variant(
        "load_balancer.enabled",
        not current,
        # A group is reached only through the load balancer: without it, the web tier is one instance.
        companions={"load_balancer.certificate_arn": CERTIFICATE_ARN} if not current else {"web.fleet": "instance"},
    ),
    "load_balancer.certificate_arn": _with_load_balancer("load_balancer.certificate_arn", OTHER_CERTIFICATE_ARN),
    "load_balancer.domain_name": lambda current, profile: Variant(
        "load_balancer.domain_name",
        DOMAIN,
        companions={"load_balancer.hosted_zone_id": ZONE, "load_balancer.certificate_arn": None},
        context=LOAD_BALANCER_ON if profile == "dev" else {},
    ),
    "load_balancer.hosted_zone_id": lambda current, profile: Variant(
        "load_balancer.hosted_zone_id",
        "Z9876543210ZYXWVUTSRQ",
        context={
            "load_balancer.enabled": True,
            "load_balancer.certificate_arn": None,
            "load_balancer.domain_name": DOMAIN,
            "load_balancer.hosted_zone_id": ZONE,
        },
    ),
    "load_balancer.idle_timeout_seconds": 120,
    "state.backend": lambda current, profile: Variant("state.backend", "s3", companions={"state.bucket": STATE_BUCKET}),
    "state.bucket": lambda current, profile: Variant("state.bucket", "other-terraform-state", context=S3_STATE),
    "state.key_prefix": lambda current, profile: Variant("state.key_prefix", "other-prefix", context=S3_STATE),
    "state.region": lambda current, profile: Variant("state.region", "us-west-2", context=S3_STATE),
    "state.use_lockfile": lambda current, profile: Variant("state.use_lockfile", False, context=S3_STATE),
}
# Keys that matter only with a feature on: alarms (dev has them off), autoscaling, the load balancer and the web
# group (dev: off).
DEV_CONTEXT: dict[str, Mapping[str, Any]] = {
    "database.alarm_": {"database.alarms": True},
    "load_balancer.": LOAD_BALANCER_ON,
    "web.min_size": WEB_GROUP_ON,
    "web.max_size": WEB_GROUP_ON,
    "web.scaling": WEB_GROUP_ON,
}
CONTEXT: dict[str, Mapping[str, Any]] = {"database.autoscaling_": AUTOSCALING}


def leaf_keys() -> list[str]:
    """Every key a settings file can set, dotted, in the schema's order ([environments] repeats these)."""
    keys = list(top_level_keys())
    for section, model in SECTIONS.items():
        keys += [f"{section}.{name}" for name in model.model_fields]
    return keys


def field_of(key: str) -> FieldInfo:
    section, _, name = key.rpartition(".")
    model = SECTIONS[section] if section else StackSettings
    return model.model_fields[name]


def _by_type(key: str, current: Any) -> Any:
    """A different valid value from the key's type, bounds and choices alone."""
    info = field_of(key)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    enum = extra.get("enum")
    choices: list[Any] = list(enum) if isinstance(enum, list) else []
    if not choices and typing.get_origin(info.annotation) is typing.Literal:  # Literal["a", "b"]
        choices = list(typing.get_args(info.annotation))
    if choices:
        return _next([choice for choice in choices if choice is not None], current)
    if isinstance(current, bool):
        return not current
    if isinstance(current, int):
        high = next((item.le for item in info.metadata if isinstance(item, Le)), None)
        low = next((item.ge for item in info.metadata if isinstance(item, Ge)), None)
        if high is None or current + 1 <= high:  # type: ignore[operator]
            return current + 1
        assert low is None or current - 1 >= low  # type: ignore[operator]
        return current - 1
    if isinstance(current, float):
        return current + 1
    raise LookupError(f"{key}: no rule gives a changed value for {current!r}; add it to OVERRIDES")


def variant(key: str, current: Any, profile: str) -> Variant:
    """The change tried for `key` in a stack of `profile` whose value is `current`."""
    override = OVERRIDES.get(key)
    if callable(override):
        made = override(current, profile)
        found = made if isinstance(made, Variant) else Variant(key, made)
    elif override is not None:
        found = Variant(key, override)
    else:
        found = Variant(key, _by_type(key, current))
    context = dict(found.context)
    for prefix, needs in CONTEXT.items():
        if key.startswith(prefix) and key not in needs:
            context = {**needs, **context}
    if profile == "dev":
        for prefix, needs in DEV_CONTEXT.items():
            if key.startswith(prefix) and key not in needs and not found.companions:
                context = {**needs, **context}
    return Variant(found.key, found.value, found.companions, context)


def with_values(document: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a settings document with dotted keys set (None: removed, as a TOML file leaves a key out)."""
    import copy

    result = copy.deepcopy(dict(document))
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        table = result.setdefault(section, {}) if section else result
        if value is None:
            table.pop(name, None)
        else:
            table[name] = copy.deepcopy(value)
    return result
