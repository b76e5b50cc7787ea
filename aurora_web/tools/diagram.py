"""Draw the synthesized stack as an architecture diagram: Graphviz DOT from cdk.tf.json, rendered to PNG by `dot`.

Usage (project root): python -m aurora_web diagram [--stack NAME] [--json FILE] [--out docs/architecture]

Built from the JSON rather than `terraform graph` so the picture shows where things are (VPC, tiers, subnets)
and what talks to what (security group rules as labelled arrows), not Terraform's evaluation order.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

REFERENCE = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")
# Drawn as something else (edges, cluster labels) or too fine-grained for an architecture picture.
HIDDEN = {
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_iam_role_policy_attachment",
    "aws_iam_role_policy",
    "aws_kms_alias",
    "aws_db_subnet_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_rds_cluster_parameter_group",
    "aws_default_security_group",
    "aws_backup_selection",
    "aws_vpc",
    "aws_subnet",
    # The load balancer's log bucket settings and its certificate's validation: parts of the bucket and certificate.
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_policy",
    "aws_acm_certificate_validation",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_web_acl_logging_configuration",
}
TIER_COLORS = {"public": "#e8f5e9", "private": "#e3f2fd"}
NODE_COLORS = {
    "aws_instance": "#ffe0b2",
    "aws_autoscaling_group": "#ffe0b2",
    "aws_launch_template": "#ffe0b2",
    "aws_rds_cluster": "#bbdefb",
    "aws_rds_cluster_instance": "#bbdefb",
    "aws_security_group": "#fff9c4",
    "aws_internet_gateway": "#c8e6c9",
    "aws_lb": "#d1c4e9",
    "aws_lb_listener": "#d1c4e9",
    "aws_lb_target_group": "#d1c4e9",
}


JsonObject = dict[str, Any]
"""A JSON object as json.loads returns it: the synthesized document or one resource's body."""


class Subnet(TypedDict):
    """A subnet's cluster in the diagram: its label and its tier ("public", "private", or the Tier tag)."""

    label: str
    tier: str


@dataclass
class Diagram:
    """Nodes placed in clusters (None = outside the VPC) and labelled edges; rendered by to_dot()."""

    title: str
    vpc_label: str = "VPC"
    subnets: dict[str, Subnet] = field(default_factory=dict)  # address -> {"label", "tier"}
    placement: dict[str, str | None] = field(default_factory=dict)  # node address -> subnet address, tier, "vpc", None
    labels: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # source, target, DOT attributes


def references(value: object) -> set[str]:
    """Resource addresses referenced in `${...}` anywhere inside a JSON value (data sources excluded)."""
    text = json.dumps(value)
    found: set[str] = set()
    for interpolation in re.findall(r"\$\{(.*?)\}", text):
        found |= {f"{type_}.{name}" for type_, name in REFERENCE.findall(interpolation)}
    return found


def resources(document: JsonObject) -> dict[str, JsonObject]:
    return {
        f"{type_}.{name}": body
        for type_, blocks in document.get("resource", {}).items()
        for name, body in blocks.items()
    }


def _display_name(address: str, body: JsonObject) -> str:
    for key in ("cluster_identifier", "identifier", "key_name", "name", "name_prefix"):
        value = body.get(key)
        if isinstance(value, str) and "${" not in value:
            return value
    tags = body.get("tags") or {}
    if "Name" in tags:
        name: str = tags["Name"]
        return name
    path: str = body.get("//", {}).get("metadata", {}).get("path", address)
    return path.split("/", 1)[-1]


def _zone(body: JsonObject) -> str | None:
    """A subnet's or instance's availability zone: the literal name, or "AZ n" from element(...names, n-1)."""
    zone = str(body.get("availability_zone") or "")
    index = re.search(r"names, (\d+)\)", zone)
    return f"AZ {int(index.group(1)) + 1}" if index else (zone if zone and "${" not in zone else None)


def _subnet_label(body: JsonObject) -> str:
    name = (body.get("tags") or {}).get("Name", "subnet")
    zone = _zone(body)
    return f"{name}\\n{body.get('cidr_block', '')}" + (f" ({zone})" if zone else "")


def _rule_label(body: JsonObject, direction: str) -> str:
    ports = body.get("from_port"), body.get("to_port")
    port = str(ports[0]) if ports[0] == ports[1] else f"{ports[0]}-{ports[1]}"
    return f"{body.get('ip_protocol', 'all')}/{port}" + (" out" if direction == "egress" else "")


def _place(address: str, body: JsonObject, all_resources: dict[str, JsonObject], diagram: Diagram) -> str | None:
    refs = references({key: value for key, value in body.items() if key != "depends_on"})
    subnets = [ref for ref in refs if ref in diagram.subnets]
    if len(subnets) == 1:
        return subnets[0]
    group_subnets = {
        subnet
        for ref in refs
        if ref.startswith("aws_db_subnet_group.")
        for subnet in references(all_resources.get(ref, {}).get("subnet_ids", []))
    }
    same_zone = [
        subnet
        for subnet in sorted(group_subnets)
        if _zone(body) and _zone(all_resources.get(subnet, {})) == _zone(body)
    ]
    if len(same_zone) == 1:  # e.g. an Aurora instance pinned to one AZ of its subnet group
        return same_zone[0]
    tiers = {diagram.subnets[subnet]["tier"] for subnet in subnets + sorted(group_subnets) if subnet in diagram.subnets}
    if len(tiers) == 1:
        return f"tier:{tiers.pop()}"
    if any(ref.startswith("aws_vpc.") for ref in refs) or subnets:
        return "vpc"
    return None


def build(document: JsonObject, title: str) -> Diagram:
    """The diagram of one stack's JSON: a pure function, so tests can check placement without Graphviz."""
    all_resources = resources(document)
    diagram = Diagram(title=title)
    for address, body in all_resources.items():
        if address.startswith("aws_vpc."):
            diagram.vpc_label = f"VPC {body.get('cidr_block', '')}"
        if address.startswith("aws_subnet."):
            tier = (body.get("tags") or {}).get("Tier") or (
                "public" if body.get("map_public_ip_on_launch") else "private"
            )
            diagram.subnets[address] = {"label": _subnet_label(body), "tier": tier}
    for address, body in sorted(all_resources.items()):
        type_ = address.split(".")[0]
        if type_ in HIDDEN:
            continue
        diagram.placement[address] = _place(address, body, all_resources, diagram)
        diagram.labels[address] = f"{type_.removeprefix('aws_')}\\n{_display_name(address, body)}"
    _edges(all_resources, diagram)
    return diagram


def _edges(all_resources: dict[str, JsonObject], diagram: Diagram) -> None:
    shown = set(diagram.placement)
    for address, body in sorted(all_resources.items()):
        type_ = address.split(".")[0]
        if type_ in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            _rule_edge(body, "ingress" if type_.endswith("ingress_rule") else "egress", diagram)
        elif type_ == "aws_route" and body.get("destination_cidr_block") == "0.0.0.0/0":
            for gateway in sorted(references(body.get("gateway_id", "")) & shown):
                diagram.placement.setdefault("internet", None)
                diagram.labels.setdefault("internet", "Internet")
                diagram.edges.append(
                    (
                        "internet",
                        gateway,
                        {"label": "default route", "color": "#2e7d32", "fontcolor": "#2e7d32", "dir": "both"},
                    )
                )
        elif address in shown:
            for target in sorted(references(body.get("vpc_security_group_ids", [])) & shown):
                diagram.edges.append((address, target, {"style": "dashed", "arrowhead": "none", "color": "#9e9e9e"}))
            others = references({k: v for k, v in body.items() if k not in ("vpc_security_group_ids", "depends_on")})
            for target in sorted(others & shown - {address}):
                diagram.edges.append((address, target, {"color": "#616161"}))
            for target in sorted(set(body.get("depends_on", [])) & shown):
                diagram.edges.append(
                    (address, target, {"style": "dotted", "label": "created after", "color": "#616161"})
                )
            if type_ == "aws_rds_cluster" and body.get("manage_master_user_password"):
                diagram.placement["secrets_manager"] = None
                diagram.labels["secrets_manager"] = "Secrets Manager\\nmaster password (managed by RDS)"
                diagram.edges.append((address, "secrets_manager", {"style": "dashed", "color": "#616161"}))


def _rule_edge(body: JsonObject, direction: str, diagram: Diagram) -> None:
    group = next(iter(references(body.get("security_group_id", ""))), None)
    peer = next(iter(references(body.get("referenced_security_group_id", ""))), None)
    if peer is None:
        cidr = body.get("cidr_ipv4") or body.get("cidr_ipv6") or "anywhere"
        peer = "internet" if cidr in ("0.0.0.0/0", "::/0") else f"cidr:{cidr}"
        diagram.placement.setdefault(peer, None)
        diagram.labels.setdefault(peer, "Internet" if peer == "internet" else cidr)
    if group is None:
        return
    source, target = (peer, group) if direction == "ingress" else (group, peer)
    diagram.edges.append(
        (
            source,
            target,
            {"label": _rule_label(body, direction), "color": "#c62828", "fontcolor": "#c62828", "penwidth": "1.5"},
        )
    )


# ---- DOT ---------------------------------------------------------------------------------------------------


def _attrs(attributes: dict[str, str]) -> str:
    return ", ".join(f'{key}="{value}"' for key, value in attributes.items())


def _node(address: str, diagram: Diagram, indent: str) -> str:
    type_ = address.split(".", maxsplit=1)[0]
    shape = "ellipse" if address == "internet" or address.startswith("cidr:") else "box"
    color = NODE_COLORS.get(type_, "#f5f5f5" if address != "internet" else "#ffffff")
    return f'{indent}"{address}" [{_attrs({"label": diagram.labels[address], "shape": shape, "fillcolor": color})}];'


def to_dot(diagram: Diagram) -> str:
    """The diagram as Graphviz DOT: VPC > tier > subnet clusters, everything else outside."""
    graph = {
        "label": diagram.title,
        "labelloc": "t",
        "fontname": "Helvetica",
        "fontsize": "18",
        "compound": "true",
        "rankdir": "TB",
        "newrank": "true",
        "nodesep": "0.4",
    }
    lines = [
        "digraph architecture {",
        f"  graph [{_attrs(graph)}];",
        '  node [fontname="Helvetica", fontsize="11", style="rounded,filled"];',
        '  edge [fontname="Helvetica", fontsize="10"];',
    ]
    outside = [address for address, where in diagram.placement.items() if where is None]
    lines += [_node(address, diagram, "  ") for address in outside]
    lines += [
        "  subgraph cluster_vpc {",
        f'    label="{diagram.vpc_label}"; style="rounded"; color="#616161"; fontsize="15";',
    ]
    lines += [_node(address, diagram, "    ") for address, where in diagram.placement.items() if where == "vpc"]
    for tier in sorted({subnet["tier"] for subnet in diagram.subnets.values()}):
        lines += [
            f"    subgraph cluster_tier_{tier} {{",
            f'      label="{tier} subnets"; style="rounded,filled"; '
            f'fillcolor="{TIER_COLORS.get(tier, "#fafafa")}"; fontsize="14";',
        ]
        lines += [
            _node(address, diagram, "      ") for address, where in diagram.placement.items() if where == f"tier:{tier}"
        ]
        tier_subnets = sorted(subnet for subnet, info in diagram.subnets.items() if info["tier"] == tier)
        for index, subnet in enumerate(tier_subnets):
            info = diagram.subnets[subnet]
            members = [address for address, where in diagram.placement.items() if where == subnet]
            lines += [
                f"      subgraph cluster_subnet_{tier}_{index} {{",
                f'        label="{info["label"]}"; style="rounded,dashed"; fillcolor="white"; fontsize="12";',
            ]
            # An empty cluster is not drawn: an invisible point keeps every subnet visible.
            lines += [_node(address, diagram, "        ") for address in members] or [
                f'        "{subnet}" [shape=point, style=invis];'
            ]
            lines.append("      }")
        lines.append("    }")
    lines.append("  }")
    lines += [f'  "{source}" -> "{target}" [{_attrs(attributes)}];' for source, target, attributes in diagram.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_png(dot_text: str, png: Path) -> None:
    if shutil.which("dot") is None:
        raise RuntimeError("Graphviz `dot` is not installed (apt-get install graphviz)")
    subprocess.run(
        ["dot", "-Tpng", "-Gdpi=96", "-o", str(png)], input=dot_text, text=True, check=True, capture_output=True
    )


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir", type=Path, default=Path("cdktf.out"), help="synthesized output (default: cdktf.out)"
    )
    parser.add_argument("--stack", help="stack to draw (default: the only one, or aurora-web)")
    parser.add_argument("--json", type=Path, help="draw this cdk.tf.json instead")
    parser.add_argument("--out", type=Path, default=Path("docs/architecture"), help="writes OUT.dot and OUT.png")
    args = parser.parse_args(argv)
    try:
        path, name = _source(args)
        document = json.loads(path.read_text())
        region = (document.get("provider", {}).get("aws") or [{}])[0].get("region", "")
        dot_text = to_dot(build(document, f"{name} ({region})" if region else name))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".dot").write_text(dot_text)
        render_png(dot_text, args.out.with_suffix(".png"))
    except (OSError, RuntimeError, ValueError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        print(f"diagram: {error} {detail}".rstrip(), file=sys.stderr)
        return 1
    print(f"diagram: {args.out.with_suffix('.dot')} and {args.out.with_suffix('.png')} from {name}")
    return 0


def _source(args: argparse.Namespace) -> tuple[Path, str]:
    if args.json:
        return args.json, args.stack or args.json.parent.name
    manifest = json.loads((args.outdir / "manifest.json").read_text())["stacks"]
    name = args.stack or (next(iter(manifest)) if len(manifest) == 1 else "aurora-web")
    if name not in manifest:
        raise ValueError(f"stack {name!r} not in {args.outdir}; choose one of {sorted(manifest)} with --stack")
    return args.outdir / manifest[name]["synthesizedStackPath"], name
