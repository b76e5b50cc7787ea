"""The dev and prod profiles: the one place where a profile's defaults are declared.

dev is the tutorial's stack, secure by default yet cheap and easy to tear down: its own KMS key (about $1 a month)
and VPC flow logs like prod, but logs kept a month, the key's shortest deletion window, no deletion protection or
final snapshot, no NAT, no load balancer. prod turns on every control the scanners ask for.
A profile only fills keys the settings file leaves unset, before the schema validates the document.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from constructs_lib.aurora_web_stack_config import DEFAULT_PROFILE, Profile
from constructs_lib.network_config import NetworkConfig

PROFILE_DEFAULTS: dict[Profile, dict[str, dict[str, Any]]] = {
    "dev": {
        "": {"customer_managed_key": True, "key_deletion_window_days": 7},
        "network": {"nat_gateway": False, "flow_logs": True, "flow_logs_retention_days": 30},
        "web": {"public": True, "http_cidrs": ["0.0.0.0/0"], "fleet": "instance"},
        "database": {
            "deletion_protection": False,
            "prevent_destroy": False,
            "skip_final_snapshot": True,
            "instance_class": "db.t3.medium",
            "performance_insights": False,
            "backup_plan": False,
            "log_retention_days": 30,
            "alarms": False,
        },
        # The tutorial's site: the instance answers HTTP itself. A load balancer can be turned on.
        "load_balancer": {"enabled": False, "waf": False, "deletion_protection": False},
    },
    "prod": {
        "": {"customer_managed_key": True, "key_deletion_window_days": 30},
        "network": {"nat_gateway": True, "flow_logs": True, "flow_logs_retention_days": 365},
        # web.http_cidrs: the VPC's own range, for a load balancer in front (see prod_http_cidrs).
        # An Auto Scaling group across the private subnets of the AZs; web.fleet = "instance" keeps one server.
        "web": {"public": False, "fleet": "group"},
        "database": {
            "deletion_protection": True,
            "prevent_destroy": True,
            "skip_final_snapshot": False,
            # Chosen, not AWS's random picks: backups 03:00-04:00 UTC daily, maintenance Sunday 05:00-06:00 UTC
            # (after the backup, never overlapping it), and the CA RDS gives new instances in most Regions, so that a
            # change of AWS's default later never moves prod by itself.
            "preferred_backup_window": "03:00-04:00",
            "preferred_maintenance_window": "sun:05:00-sun:06:00",
            "ca_cert_identifier": "rds-ca-rsa2048-g1",
            "instance_class": "db.t4g.medium",
            "performance_insights": True,
            "backup_plan": True,
            "log_retention_days": 365,
            "alarms": True,
        },
        # The front door: HTTPS in the public subnets, the only way to the (private) web server.
        "load_balancer": {"enabled": True, "waf": True, "deletion_protection": True},
    },
}
PROD_HTTP_CIDRS_TEXT = "[vpc_cidr] (none with existing_vpc_id)"


def profile_default(section: str, key: str) -> dict[Profile, Any] | None:
    """{profile: default} for a key whose default depends on the profile, else None."""
    found = {
        name: sections[section][key] for name, sections in PROFILE_DEFAULTS.items() if key in sections.get(section, {})
    }
    return found or None


def with_profile_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` with its profile's defaults filled in where the file sets nothing."""
    document = copy.deepcopy(document)
    profile = document.get("profile", DEFAULT_PROFILE)
    if not isinstance(profile, str) or profile not in PROFILE_DEFAULTS:
        return document  # the schema reports the profile; no defaults to add
    for section, defaults in PROFILE_DEFAULTS[profile].items():
        table = document if section == "" else document.setdefault(section, {})
        if isinstance(table, dict):
            for key, value in defaults.items():
                table.setdefault(key, copy.deepcopy(value))
    web, network = document.get("web"), document.get("network")
    if profile == "prod" and isinstance(web, dict) and "http_cidrs" not in web and isinstance(network, dict):
        http_cidrs = prod_http_cidrs(network)
        if http_cidrs is not None:
            web["http_cidrs"] = http_cidrs
    return document


def prod_http_cidrs(network: dict[str, Any]) -> list[str] | None:
    """prod's port-80 sources: the VPC's own range (none for an existing VPC); None while vpc_cidr is invalid."""
    if "existing_vpc_id" in network:
        return []
    vpc_cidr = network.get("vpc_cidr", NetworkConfig.vpc_cidr)
    try:
        ipaddress.IPv4Network(vpc_cidr)
    except (TypeError, ValueError):
        return None  # vpc_cidr's own problem is reported; an http_cidrs line would blame a key nobody wrote
    return [vpc_cidr]
