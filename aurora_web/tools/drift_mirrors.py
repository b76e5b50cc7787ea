"""Attributes that mirror separate resources: a security group's rules, a role's policies, a cluster's members, a
bucket's policy and configuration.

Why this exists: Terraform records a security group's `ingress` when it creates the group, before the separate
`aws_vpc_security_group_ingress_rule` resources exist; the next refresh finds the rules there and a refresh-only plan
calls it drift, though Terraform made it. The same goes for an IAM role's attached and inline policies, a cluster's
members and a route table's routes. The next apply writes the refreshed value into the state, and from then on a rule
added by hand is part of the recorded `ingress` and no refresh-only plan shows it again.

So these attributes are not compared with the state. They are compared with what Terraform manages: each item the
cloud reports now (the refreshed state, `prior_state` of a refresh-only plan) must belong to a resource in that state
(a rule, an attachment, an instance, a route). Anything else was added outside Terraform, however long ago.

An S3 bucket's inline copies of its policy, versioning, encryption and lifecycle are another case: the separate
resources (aws_s3_bucket_policy and the like) own them, the bucket only reads them back, so the refresh after those
resources are created calls the bucket's copies changed. A change made by hand shows on the separate resource, which
is compared as any other; the bucket's copy is skipped while the state holds that resource for the bucket
(`shadowed`). Without one, a policy added by hand still shows on the bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Resource = dict[str, Any]  # one resource of `terraform show -json`'s state: address, type, values
Keys = Callable[[Any, Resource], list[str]]  # an item (of a parent's attribute, or a child resource) -> its keys

PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _group_id(reference: str) -> str:
    """`sg-1` from `sg-1` or `123456789012/sg-1` (how EC2 names a group of another account, and moto any group)."""
    return reference.rsplit("/", 1)[-1]


def _rule_key(protocol: Any, from_port: Any, to_port: Any, peer: str) -> str:
    name = PROTOCOLS.get(str(protocol), str(protocol))
    if name == "-1":
        return f"all traffic {peer}"
    ports = str(from_port) if from_port == to_port else f"{from_port}-{to_port}"
    return f"{name} {ports} {peer}"


def _group_item_keys(direction: str) -> Keys:
    """An `ingress`/`egress` item of a group: one key per peer (an item groups every peer of one port range)."""

    def keys(item: Any, group: Resource) -> list[str]:
        peers = [
            *(item.get("cidr_blocks") or []),
            *(item.get("ipv6_cidr_blocks") or []),
            *(item.get("prefix_list_ids") or []),
            *(_group_id(group_ref) for group_ref in item.get("security_groups") or []),
            *([group["values"]["id"]] if item.get("self") else []),
        ]
        return [
            _rule_key(item["protocol"], item["from_port"], item["to_port"], f"{direction} {peer}") for peer in peers
        ]

    return keys


def _rule_resource_keys(direction: str) -> Keys:
    def keys(values: Any, _group: Resource) -> list[str]:
        peer = (
            values.get("cidr_ipv4")
            or values.get("cidr_ipv6")
            or values.get("prefix_list_id")
            or _group_id(values.get("referenced_security_group_id") or "")
        )
        return [_rule_key(values["ip_protocol"], values.get("from_port"), values.get("to_port"), f"{direction} {peer}")]

    return keys


def _field(name: str) -> Keys:
    return lambda item, _parent: [str(item[name])] if isinstance(item, dict) else [str(item)]


def _route_keys(item: Any, _parent: Resource) -> list[str]:
    for name in ("cidr_block", "destination_cidr_block", "ipv6_cidr_block", "destination_ipv6_cidr_block"):
        if item.get(name):
            return [f"route to {item[name]}"]
    return [f"route to {item.get('destination_prefix_list_id')}"]


@dataclass(frozen=True)
class Mirror:
    """`attribute` of `parents` lists what `child` resources manage; `link` is the child's pointer to its parent."""

    parents: tuple[str, ...]
    attribute: str
    item_keys: Keys
    child: str
    link: tuple[str, str]  # (child attribute, parent attribute) that must be equal
    child_keys: Keys


MIRRORS = (
    *(
        Mirror(
            ("aws_security_group", "aws_default_security_group"),
            direction,
            _group_item_keys("from" if direction == "ingress" else "to"),
            f"aws_vpc_security_group_{direction}_rule",
            ("security_group_id", "id"),
            _rule_resource_keys("from" if direction == "ingress" else "to"),
        )
        for direction in ("ingress", "egress")
    ),
    Mirror(
        ("aws_iam_role",),
        "managed_policy_arns",
        _field("arn"),
        "aws_iam_role_policy_attachment",
        ("role", "name"),
        _field("policy_arn"),
    ),
    Mirror(("aws_iam_role",), "inline_policy", _field("name"), "aws_iam_role_policy", ("role", "name"), _field("name")),
    Mirror(
        ("aws_rds_cluster",),
        "cluster_members",
        _field("identifier"),
        "aws_rds_cluster_instance",
        ("cluster_identifier", "cluster_identifier"),
        _field("identifier"),
    ),
    Mirror(("aws_route_table",), "route", _route_keys, "aws_route", ("route_table_id", "id"), _route_keys),
)
MIRRORED = {(parent, mirror.attribute) for mirror in MIRRORS for parent in mirror.parents}


def state_resources(state: dict[str, Any] | None) -> Iterator[Resource]:
    """Every managed resource of a `terraform show -json` state (`prior_state` of a plan), in every module."""
    modules = [((state or {}).get("values") or {}).get("root_module") or {}]
    while modules:
        module = modules.pop()
        yield from (resource for resource in module.get("resources", []) if resource.get("mode") == "managed")
        modules.extend(module.get("child_modules", []))


def unmanaged(state: dict[str, Any] | None) -> dict[str, dict[str, list[str]]]:
    """Parent address -> attribute -> the items in it that no resource of the state manages (sorted, by key)."""
    resources = list(state_resources(state))
    found: dict[str, dict[str, list[str]]] = {}
    for mirror in MIRRORS:
        children = [resource for resource in resources if resource["type"] == mirror.child]
        for parent in (resource for resource in resources if resource["type"] in mirror.parents):
            values = parent["values"]
            child_attribute, parent_attribute = mirror.link
            managed = {
                key
                for child in children
                if child["values"].get(child_attribute) == values.get(parent_attribute)
                for key in mirror.child_keys(child["values"], parent)
            }
            extra = sorted(
                {key for item in values.get(mirror.attribute) or [] for key in mirror.item_keys(item, parent)} - managed
            )
            if extra:
                found.setdefault(parent["address"], {})[mirror.attribute] = extra
    return found


# aws_s3_bucket's inline attribute -> the separate resource that owns it (linked by its `bucket`, the bucket's name).
S3_BUCKET_SHADOWS = {
    "policy": "aws_s3_bucket_policy",
    "versioning": "aws_s3_bucket_versioning",
    "server_side_encryption_configuration": "aws_s3_bucket_server_side_encryption_configuration",
    "lifecycle_rule": "aws_s3_bucket_lifecycle_configuration",
    "logging": "aws_s3_bucket_logging",
    "acl": "aws_s3_bucket_acl",
    "grant": "aws_s3_bucket_acl",
    "cors_rule": "aws_s3_bucket_cors_configuration",
    "website": "aws_s3_bucket_website_configuration",
    "replication_configuration": "aws_s3_bucket_replication_configuration",
    "object_lock_configuration": "aws_s3_bucket_object_lock_configuration",
}


def shadowed(state: dict[str, Any] | None) -> set[tuple[str, str]]:
    """(bucket address, attribute) pairs whose value a separate resource of the state owns (S3_BUCKET_SHADOWS)."""
    resources = list(state_resources(state))
    owned = {(resource["type"], resource["values"].get("bucket")) for resource in resources}
    return {
        (bucket["address"], attribute)
        for bucket in resources
        if bucket["type"] == "aws_s3_bucket"
        for attribute, owner in S3_BUCKET_SHADOWS.items()
        if (owner, bucket["values"].get("bucket")) in owned
    }
