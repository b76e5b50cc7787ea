"""Settings tables to construct configs by matching field names: the one settings path.

A construct config's field takes the settings key of the same name, unless RENAMED says which key it reads. A new
setting therefore needs a schema key and a config field of the same name, and nothing here. Values the file does not
hold as such (names made from name_prefix, keys of other tables, switches derived from others) are given by the
caller, which always wins. Problems a config raises are named back by the same table, so a user reads the key they
wrote.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from constructs_lib.aurora_cluster_config import AuroraClusterConfig

# Config field -> settings key, for the few names that differ. The [database] table holds three constructs' keys,
# so the autoscaling and alarm keys carry a prefix that their configs' fields do not.
AUTOSCALING_KEYS: Final = {
    "max_readers": "autoscaling_max_readers",
    "metric": "autoscaling_metric",
    "target_cpu_percent": "autoscaling_target_cpu",
    "target_connections": "autoscaling_target_connections",
    "scale_in_cooldown_seconds": "autoscaling_scale_in_cooldown",
    "scale_out_cooldown_seconds": "autoscaling_scale_out_cooldown",
}
ALARM_KEYS: Final = {field.name: f"alarm_{field.name}" for field in dataclasses.fields(AuroraAlarmsConfig)}
RENAMED: Final[Mapping[type, Mapping[str, str]]] = {
    AuroraClusterConfig: {"identifier": "cluster_identifier"},
    AuroraAutoscalingConfig: AUTOSCALING_KEYS,
    AuroraAlarmsConfig: ALARM_KEYS,
}


class _Default:
    """A given value meaning: leave the config's own default (the key has no value to pass yet)."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()


def config_values(table: BaseModel, config: type, given: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of `config` from one settings table: matched by name (or RENAMED), `given` overriding.

    Tables nested in the table (the top level holds [network], [web], ...) are never a value: their configs are
    built on their own and given.
    """
    renamed = RENAMED.get(config, {})
    settings_keys = type(table).model_fields
    values: dict[str, Any] = {}
    for field in dataclasses.fields(config):
        if field.name in given:
            value = given[field.name]
        else:
            key = renamed.get(field.name, field.name)
            if key not in settings_keys or isinstance(getattr(table, key), BaseModel):
                continue
            value = plain(getattr(table, key))
        if value is not DEFAULT:
            values[field.name] = value
    return values


def settings_key(config: type, field: str) -> str:
    """The settings key a config field's problem is reported under."""
    return RENAMED.get(config, {}).get(field, field)


def plain(value: Any) -> Any:
    """A validated settings value as the configs take it: CIDRs as text, lists as tuples (configs are frozen)."""
    if isinstance(value, ipaddress.IPv4Network):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
