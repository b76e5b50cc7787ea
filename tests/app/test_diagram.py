"""aurora_web/tools/diagram.py (`python -m aurora_web diagram`): the key resources sit in the right places, rules
become labelled arrows, and `dot` renders it."""

from __future__ import annotations

import json
import subprocess

import pytest

from aurora_web.tools.diagram import build, to_dot
from tests.support.app_cli import run_cli
from tests.support.synthesized import require_program


def addresses(synthesized, resource_type: str) -> list[str]:
    return [f"{resource_type}.{name}" for name in synthesized.resources(resource_type)]


@pytest.fixture(scope="module")
def diagram(dev):
    return build(dev.json, "test (us-east-1)")


def test_web_server_in_a_public_subnet_and_database_in_private_ones(dev, diagram):
    (instance,) = addresses(dev, "aws_instance")
    assert diagram.subnets[diagram.placement[instance]]["tier"] == "public"
    (cluster,) = addresses(dev, "aws_rds_cluster")
    assert diagram.placement[cluster] == "tier:private"
    members = addresses(dev, "aws_rds_cluster_instance")
    assert len(members) == 2
    for member in members:
        where = diagram.placement[member]
        assert where == "tier:private" or diagram.subnets[where]["tier"] == "private", (member, where)


def test_prods_web_group_spans_the_private_tier(prod):
    drawn = build(prod.json, "prod (us-east-1)")
    (group,) = addresses(prod, "aws_autoscaling_group")
    assert drawn.placement[group] == "tier:private", "one group across the private subnets of both AZs"
    (template,) = addresses(prod, "aws_launch_template")
    assert any(source == group and target == template for source, target, _ in drawn.edges)
    assert not addresses(prod, "aws_instance")


def test_every_security_group_is_drawn_in_the_vpc(dev, diagram):
    groups = addresses(dev, "aws_security_group")
    assert len(groups) == 3
    assert all(diagram.placement[group] == "vpc" for group in groups)


def test_security_group_rules_are_labelled_arrows(dev, diagram):
    web_group = dev.address("aws_security_group", "web-server")
    ec2_group = dev.address("aws_security_group", "ec2-security-group")
    db_group = dev.address("aws_security_group", "database-security-group")
    labelled = {(source, target, attributes.get("label")) for source, target, attributes in diagram.edges}
    assert ("internet", web_group, "tcp/80") in labelled
    assert (ec2_group, db_group, "tcp/3306") in labelled  # the database group admits the EC2 group
    assert (ec2_group, db_group, "tcp/3306 out") in labelled  # and the EC2 group may only reach it
    assert not any(target == db_group and source == "internet" for source, target, _ in labelled)


def test_dot_names_the_key_resources(dev, diagram):
    text = to_dot(diagram)
    for resource_type in ("aws_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_security_group"):
        assert addresses(dev, resource_type), resource_type
        for address in addresses(dev, resource_type):
            assert f'"{address}" [label=' in text, address
    assert "subgraph cluster_vpc" in text and "subgraph cluster_tier_public" in text
    assert "aws_vpc_security_group_ingress_rule" not in text  # rules are edges, not boxes


@pytest.mark.integration
def test_script_writes_dot_and_png_that_graphviz_renders(dev, tmp_path):
    require_program("dot")
    stack_json = tmp_path / "stack" / "cdk.tf.json"
    stack_json.parent.mkdir()
    stack_json.write_text(json.dumps(dev.json))
    out = tmp_path / "docs" / "architecture"
    result = run_cli("diagram", "--json", str(stack_json), "--stack", "aurora-web", "--out", str(out))
    assert result.returncode == 0, result.stderr
    png = out.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    check = subprocess.run(
        ["dot", "-Tsvg"], input=out.with_suffix(".dot").read_text(), capture_output=True, text=True, check=False
    )
    assert check.returncode == 0 and check.stderr == "", check.stderr  # no syntax warnings either
    assert "<svg" in check.stdout
    assert 'graph [label="aurora-web (us-east-1)"' in out.with_suffix(".dot").read_text()
