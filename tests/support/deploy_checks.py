"""Judgements on a real deploy: apply order, drift, secrets in state, leftovers. Pure functions returning problems.

Each returns a list of human-readable problems (empty means fine), so a failing test prints what is wrong,
and tests/integration/test_deploy_checks.py can prove each one notices a deliberately broken input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# --- 4. the EC2-before-Aurora order, from `terraform apply -json` events -----------------------------------


def parse_events(text: str) -> list[dict]:
    """The JSON lines of `terraform apply -json` (other lines are ignored)."""
    events = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return events


def _hook_positions(events: list[dict], kind: str, resource_type: str) -> list[tuple[int, str]]:
    found = []
    for index, event in enumerate(events):
        resource = (event.get("hook") or {}).get("resource") or {}
        if event.get("type") == kind and resource.get("resource_type") == resource_type:
            found.append((index, resource.get("addr", "?")))
    return found


def apply_order_problems(events: list[dict], first: str = "aws_instance", then: str = "aws_rds_cluster") -> list[str]:
    """Every `first` resource must report apply_complete before any `then` resource reports apply_start."""
    completed = _hook_positions(events, "apply_complete", first)
    started = _hook_positions(events, "apply_start", then)
    problems = []
    if not completed:
        problems.append(f"no apply_complete event for a {first} in the apply")
    if not started:
        problems.append(f"no apply_start event for a {then} in the apply")
    for start_index, start_addr in started:
        for done_index, done_addr in completed:
            if done_index > start_index:
                problems.append(
                    f"{start_addr} started (event {start_index}) before {done_addr} was complete (event {done_index})"
                )
    return problems


# --- 5. no drift after apply, except a written allowlist of emulator artifacts -----------------------------


@dataclass(frozen=True)
class Artifact:
    """One known emulator artifact: an in-place diff of one attribute on some resource types, and why it is harmless."""

    resource_types: tuple[str, ...]
    attribute: str
    matches: Callable[[Any, Any, dict], bool]  # (state value, planned value, planned resource) -> is this the artifact
    why: str


def _all_null_block(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], dict)
        and all(item is None for item in value[0].values())
    )


def _account_qualified(before: Any, after: Any, _resource: dict) -> bool:
    match = re.fullmatch(r"\d{12}/(sg-[0-9a-f]+)", before or "")
    return bool(match) and match.group(1) == after


SECURITY_GROUP_RULES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")

KNOWN_EMULATOR_ARTIFACTS = (
    Artifact(
        ("aws_rds_cluster",),
        "scaling_configuration",
        lambda before, after, _r: _all_null_block(before) and isinstance(after, list),
        "moto returns an empty ScalingConfigurationInfo for provisioned clusters; the provider then plans its defaults",
    ),
    Artifact(
        SECURITY_GROUP_RULES,
        "referenced_security_group_id",
        _account_qualified,
        "moto reports a referenced group as <account>/sg-...; the same group",
    ),
    Artifact(
        SECURITY_GROUP_RULES,
        "description",
        lambda before, after, resource: (
            before is None and isinstance(after, str) and bool(resource.get("referenced_security_group_id"))
        ),
        "moto drops the description of rules that reference a group (DescribeSecurityGroupRules shows none)",
    ),
    Artifact(
        ("aws_instance",),
        "vpc_security_group_ids",
        lambda before, after, _r: before == [] and isinstance(after, list) and len(after) > 0,
        "moto lists groups given on the network interface only there, not in the instance's SecurityGroups",
    ),
    Artifact(
        ("aws_rds_cluster_instance",),
        "performance_insights_enabled",
        lambda before, after, _r: before is False and after is True,
        "moto's RDS has no Performance Insights: it never reports it enabled",
    ),
    Artifact(
        ("aws_rds_cluster_instance",),
        "performance_insights_retention_period",
        lambda before, after, _r: before in (0, None) and isinstance(after, int),
        "moto's RDS has no Performance Insights: retention reads back as 0",
    ),
    Artifact(
        ("aws_rds_cluster_instance",),
        "performance_insights_kms_key_id",
        lambda before, after, _r: before in ("", None) and isinstance(after, str),
        "moto's RDS has no Performance Insights: its key reads back empty",
    ),
    Artifact(
        ("aws_db_parameter_group",),
        "parameter",
        lambda before, after, _r: not before and isinstance(after, list) and len(after) > 0,
        "moto stores an instance parameter group's parameters (boto3 lists them) but the provider reads none back",
    ),
    Artifact(
        ("aws_s3_bucket_notification",),
        "eventbridge",
        lambda before, after, _r: before is False and after is True,
        "moto accepts an empty EventBridgeConfiguration but GetBucketNotificationConfiguration never returns it",
    ),
)


def changed_attributes(change: dict) -> dict[str, tuple[Any, Any]]:
    """Attribute -> (state value, planned value) an in-place update would change (unknown counts as changed)."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    diff = {}
    for key in sorted(set(before) | set(after) | set(unknown)):
        if unknown.get(key) is True or before.get(key) != after.get(key):
            diff[key] = (before.get(key), "(known after apply)" if unknown.get(key) is True else after.get(key))
    return diff


def unexplained_attributes(
    resource_change: dict,
    artifacts=KNOWN_EMULATOR_ARTIFACTS,
    intended: dict[tuple[str, str], tuple[Any, Any]] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """The attributes an in-place update changes that are neither a known emulator artifact nor `intended`.

    Also what a change scenario (change_scenarios.py) counts as its own: an update left with none is moto's noise.
    """
    intended = intended or {}
    change = resource_change.get("change", {})
    resource_type, after = resource_change.get("type"), change.get("after") or {}
    return {
        attribute: (before_value, after_value)
        for attribute, (before_value, after_value) in changed_attributes(change).items()
        if intended.get((resource_type, attribute)) != (before_value, after_value)
        and not any(
            resource_type in artifact.resource_types
            and attribute == artifact.attribute
            and artifact.matches(before_value, after_value, after)
            for artifact in artifacts
        )
    }


def drift_problems(
    plan: dict, artifacts=KNOWN_EMULATOR_ARTIFACTS, intended: dict[tuple[str, str], tuple[Any, Any]] | None = None
) -> list[str]:
    """Problems in a `terraform show -json` plan that should be empty: any change not a listed artifact.

    `intended` names extra (resource type, attribute) -> (before, after) changes the caller asked for.
    """
    intended = intended or {}
    problems = []
    for resource_change in plan.get("resource_changes", []):
        change = resource_change.get("change", {})
        actions = change.get("actions", [])
        address = resource_change.get("address")
        if actions in (["no-op"], ["read"]):
            continue
        diff = changed_attributes(change)
        if actions != ["update"]:
            problems.append(
                f"{address}: {'/'.join(actions)} (only in-place updates can be artifacts): "
                f"{json.dumps(diff, default=str)}"
            )
            continue
        unexplained = unexplained_attributes(resource_change, artifacts, intended)
        if unexplained:
            problems.append(f"{address}: update {json.dumps(unexplained, default=str)}")
    for name, output_change in (plan.get("output_changes") or {}).items():
        if output_change.get("actions") not in (["no-op"], None):
            problems.append(
                f"output {name}: {output_change.get('actions')} "
                f"{output_change.get('before')!r} -> {output_change.get('after')!r}"
            )
    for (resource_type, attribute), values in intended.items():
        if not any(
            rc.get("type") == resource_type and changed_attributes(rc.get("change", {})).get(attribute) == values
            for rc in plan.get("resource_changes", [])
        ):
            problems.append(
                f"intended change {resource_type}.{attribute} {values[0]!r} -> {values[1]!r} is not in the plan"
            )
    return problems


# --- 6. no secret in the state ------------------------------------------------------------------------------

PRIVATE_KEY_MARKERS = ("PRIVATE KEY", "BEGIN OPENSSH")


def private_key_body_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM/OpenSSH private key: any one of them in the state is a leak."""
    return [line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----")]


def secret_problems(state_text: str, secrets: dict[str, str]) -> list[str]:
    """Problems if the state holds a private-key marker or any of `secrets` (label -> value), raw or JSON-escaped.

    The messages name what leaked, never the value.
    """
    problems = [f"the state contains {marker!r}" for marker in PRIVATE_KEY_MARKERS if marker in state_text]
    for label, value in secrets.items():
        if not value:
            problems.append(f"{label}: nothing to look for (empty value), so the check would prove nothing")
            continue
        forms = {value, json.dumps(value)[1:-1]}
        if any(form in state_text for form in forms):
            problems.append(f"the state contains {label}")
    return problems


# --- 7. nothing left after destroy ----------------------------------------------------------------------------


def leftover_problems(inventory: dict[str, list[str]]) -> list[str]:
    """`inventory` maps a kind of resource to the ids of ours still alive; every non-empty kind is a problem."""
    return [f"{kind} still there: {', '.join(sorted(map(str, ids)))}" for kind, ids in sorted(inventory.items()) if ids]


def report(title: str, problems: list[str], context: str = "") -> str:
    """One assertion message: the title, each problem on its own line, then any context (Terraform or moto text)."""
    lines = [f"{title}: {len(problems)} problem(s)"] + [f"  - {problem}" for problem in problems]
    if context:
        lines += ["", context]
    return "\n".join(lines)
