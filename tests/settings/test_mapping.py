"""mapping.py: every settings key reaches a construct config by its own name (or the rename table), so a key whose
config field is misnamed fails here instead of being silently ignored."""

import dataclasses

import pytest

from aurora_web.settings.mapping import RENAMED, config_values, settings_key
from aurora_web.settings.schema import (
    SECTIONS,
    DatabaseSettings,
    LoadBalancerSettings,
    NetworkSettings,
    StackSettings,
    StateSettings,
    WebSettings,
)
from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from constructs_lib.aurora_cluster_config import AuroraClusterConfig
from constructs_lib.aurora_web_stack_config import AuroraWebStackConfig
from constructs_lib.key_pair_config import KeyPairConfig
from constructs_lib.load_balancer_config import LoadBalancerConfig
from constructs_lib.network_config import NetworkConfig
from constructs_lib.state_backend_config import StateBackendConfig
from constructs_lib.web_group_config import WebGroupConfig
from constructs_lib.web_server_config import WebServerConfig

# The configs each table feeds, and the keys stacks.py reads itself (switches and names, not config values).
TABLES = [
    (NetworkSettings, (NetworkConfig,), set()),
    (WebSettings, (KeyPairConfig, WebServerConfig, WebGroupConfig), {"install_app", "fleet"}),
    (
        DatabaseSettings,
        (AuroraClusterConfig, AuroraAutoscalingConfig, AuroraAlarmsConfig),
        {"log_groups", "backup_plan", "alarms"},
    ),
    (LoadBalancerSettings, (LoadBalancerConfig,), {"enabled"}),
    (StateSettings, (StateBackendConfig,), set()),
    (StackSettings, (AuroraWebStackConfig,), set(SECTIONS)),
]


@pytest.mark.parametrize("table, configs, read_by_stacks", TABLES, ids=[table.__name__ for table, _, _ in TABLES])
def test_every_key_of_a_table_is_a_config_field_or_read_by_stacks(table, configs, read_by_stacks):
    reached = {settings_key(config, field.name) for config in configs for field in dataclasses.fields(config)}
    assert set(table.model_fields) - reached - read_by_stacks == set()
    # A table is built on its own, never a value; any other key is either a config value or read by stacks.py.
    assert not (reached & read_by_stacks) - set(SECTIONS)


def test_renamed_fields_exist_on_both_sides():
    assert RENAMED and all(RENAMED.values())
    for config, renamed in RENAMED.items():
        fields = {field.name for field in dataclasses.fields(config)}
        assert set(renamed) <= fields, config.__name__
        assert set(renamed.values()) <= set(DatabaseSettings.model_fields), config.__name__


def test_values_are_matched_by_name_given_values_win_and_tables_are_never_values():
    settings = StackSettings(name_prefix="shop", web=WebSettings(http_cidrs=["10.0.0.0/16"]))
    web = config_values(settings.web, WebServerConfig, {"name": "shop"})
    assert web["http_cidrs"] == ("10.0.0.0/16",) and web["name"] == "shop" and web["ssh_cidr"] is None
    stack = config_values(settings, AuroraWebStackConfig, {"profile": "prod"})
    assert stack["name_prefix"] == "shop" and stack["profile"] == "prod"
    assert not {"network", "database", "state", "load_balancer"} & set(stack)
    autoscaling = config_values(DatabaseSettings(autoscaling_max_readers=4), AuroraAutoscalingConfig, {})
    assert autoscaling["max_readers"] == 4 and autoscaling["metric"] == "cpu"
