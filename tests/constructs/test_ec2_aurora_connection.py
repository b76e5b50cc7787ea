"""The console's "Connect to an EC2 compute resource" as code: two groups that only reach each other on 3306."""

import pytest

RULE_KINDS = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


@pytest.fixture(scope="module")
def bare():
    """The connection needs a web server and a cluster; with them, in a bare stack, it adds the two groups."""
    from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig
    from constructs_lib.ec2_aurora_connection import Ec2AuroraConnection, Ec2AuroraConnectionConfig
    from constructs_lib.web_server import WebServer, WebServerConfig
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, ZONES, BareStack

    def build(stack):
        web = WebServer(
            stack, "web", WebServerConfig(name="solo"), vpc_id=VPC_ID, subnet_id=SUBNET_IDS[0], key_name="k"
        )
        cluster = AuroraCluster(
            stack, "db", AuroraClusterConfig(identifier="solo-db"), subnet_ids=SUBNET_IDS, availability_zones=ZONES
        )
        return Ec2AuroraConnection(
            stack,
            "connection",
            Ec2AuroraConnectionConfig(suffix="solo"),
            vpc_id=VPC_ID,
            web_server=web,
            cluster=cluster,
        )

    return BareStack(build)


def test_connection_alone_in_a_bare_stack(bare):
    bare.has("aws_security_group", {"name": "ec2-rds-solo"})
    bare.has("aws_security_group", {"name": "rds-ec2-solo"})
    (cluster,) = bare.resources("aws_rds_cluster").values()
    assert cluster["depends_on"] == [f"aws_instance.{next(iter(bare.resources('aws_instance')))}"]


def connection_rules(bare) -> list[dict]:
    """The rules on the connection's two groups (the web server's own rules are its construct's business)."""
    groups = {
        "${aws_security_group." + name + ".id}"
        for name, group in bare.resources("aws_security_group").items()
        if group["name"] in ("ec2-rds-solo", "rds-ec2-solo")
    }
    assert len(groups) == 2
    return [
        rule for kind in RULE_KINDS for rule in bare.resources(kind).values() if rule["security_group_id"] in groups
    ]


def test_the_two_groups_reach_each_other_on_3306_only_and_never_a_cidr(bare):
    rules = connection_rules(bare)
    assert len(rules) == 2, "the web server's egress to the database and the database's ingress from it"
    for rule in rules:
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 3306, 3306), rule
        assert "referenced_security_group_id" in rule and "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, rule


def test_every_group_and_rule_of_the_connection_has_a_description(bare):
    groups = [group for group in bare.resources("aws_security_group").values() if group["name"].endswith("-solo")]
    items = groups + connection_rules(bare)
    assert len(items) == 4
    for item in items:
        assert item.get("description", "").strip(), f"no description: {item}"


def test_the_connection_groups_have_no_inline_rules_that_could_hide_an_allow_all_egress(bare):
    groups = bare.resources("aws_security_group").values()
    assert len(groups) == 3, "the web server's group and the connection's two"
    for group in groups:
        assert "egress" not in group and "ingress" not in group
