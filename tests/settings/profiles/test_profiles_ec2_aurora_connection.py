"""ec2_aurora_connection in the settings profiles: moved from tests/constructs, which builds it alone."""

from tests.support.synthesized import reference


def groups(stack):
    return (
        stack.address("aws_security_group", "ec2-security-group"),
        stack.address("aws_security_group", "database-security-group"),
    )


def test_groups_are_named_like_the_console_and_described(dev):
    dev.has("aws_security_group", {"name": "ec2-rds-aurora-web"})
    dev.has("aws_security_group", {"name": "rds-ec2-aurora-web"})


def test_ec2_group_is_on_the_instance_and_database_group_on_the_cluster(dev):
    ec2_group, database_group = groups(dev)
    assert reference(ec2_group) in dev.only("aws_instance")["vpc_security_group_ids"]
    assert dev.only("aws_rds_cluster")["vpc_security_group_ids"] == [reference(database_group)]


def test_ec2_group_may_only_reach_the_database_group_on_3306(dev):
    ec2_group, database_group = groups(dev)
    egress = [
        rule
        for rule in dev.resources("aws_vpc_security_group_egress_rule").values()
        if rule["security_group_id"] == reference(ec2_group)
    ]
    assert egress == [
        {
            **egress[0],
            "ip_protocol": "tcp",
            "from_port": 3306,
            "to_port": 3306,
            "referenced_security_group_id": reference(database_group),
        }
    ]
    assert "cidr_ipv4" not in egress[0]


def test_database_group_admits_only_the_ec2_group_on_3306(dev):
    ec2_group, database_group = groups(dev)
    ingress = [
        rule
        for rule in dev.resources("aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == reference(database_group)
    ]
    assert len(ingress) == 1
    assert ingress[0]["referenced_security_group_id"] == reference(ec2_group)
    assert (ingress[0]["from_port"], ingress[0]["to_port"], ingress[0]["ip_protocol"]) == (3306, 3306, "tcp")
    egress = [
        rule
        for rule in dev.resources("aws_vpc_security_group_egress_rule").values()
        if rule["security_group_id"] == reference(database_group)
    ]
    assert egress == [], "the database group needs no egress rule"


def test_no_rule_opens_the_database_port_to_any_cidr(dev, prod):
    for stack in (dev, prod):
        rules = [
            rule
            for kind in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")
            for rule in stack.resources(kind).values()
            if rule["from_port"] <= 3306 <= rule["to_port"]
        ]
        assert len(rules) == 2, "the web server's egress to the database and the database's ingress from it"
        for rule in rules:
            assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, rule


def test_no_group_has_inline_rules_that_could_hide_an_allow_all_egress(dev):
    groups = dev.resources("aws_security_group").values()
    assert len(groups) == 3, "the web server's and the connection's ec2-rds and rds-ec2 groups"
    for group in groups:
        assert "egress" not in group and "ingress" not in group
