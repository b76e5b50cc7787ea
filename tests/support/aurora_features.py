"""Whole stacks with issue 14's Aurora features on, built from the settings file's config plus dataclasses.replace."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from constructs_lib.aurora_autoscaling_config import AuroraAutoscalingConfig
from tests.support.synthesized import PROD_CERTIFICATE, Synthesized, make_config

# As the prod fixture (tests/conftest.py): the load balancer with an existing certificate.
PROD = {
    "profile": "prod",
    "web": {"ssh_cidr": "203.0.113.7/32"},
    "load_balancer": {"certificate_arn": PROD_CERTIFICATE},
}
# What teams set first (terraform-aws-rds-aurora's inputs), on both kinds of cluster.
OPERATIONS: dict[str, Any] = {
    "preferred_backup_window": "03:00-04:00",
    "preferred_maintenance_window": "sun:05:00-sun:06:00",
    "ca_cert_identifier": "rds-ca-rsa2048-g1",
    "master_secret_rotation_days": 30,
    "log_retention_days": 365,
    "instance_parameters": {"long_query_time": "2", "slow_query_log": "1"},
}


def provisioned_with_autoscaling_and_alarms(key_directory: str, name: str = "scaled") -> Synthesized:
    """prod, provisioned instances, 1 reader autoscaled up to 4 on CPU, alarms mailed to ops."""
    config = make_config(key_directory, PROD)
    config = replace(
        config,
        database=replace(config.database, **OPERATIONS),
        reader_autoscaling=AuroraAutoscalingConfig(max_readers=4),
        alarms=AuroraAlarmsConfig(email="ops@example.com"),
    )
    return Synthesized(config, name)


def serverless_with_alarms(key_directory: str, name: str = "serverless") -> Synthesized:
    """prod on Aurora Serverless v2 (0.5 to 8 ACUs), alarms including ACU utilisation."""
    config = make_config(key_directory, PROD)
    config = replace(
        config,
        database=replace(config.database, serverless_min_acu=0.5, serverless_max_acu=8, **OPERATIONS),
        alarms=AuroraAlarmsConfig(),
    )
    return Synthesized(config, name)
