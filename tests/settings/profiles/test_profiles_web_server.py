"""web_server in the settings profiles: moved from tests/constructs, which builds it alone."""

import pytest

from constructs_lib.validation import ConfigError
from constructs_lib.web_server import AMAZON_LINUX_2023_PARAMETER
from tests.support.samples import CERTIFICATE_ARN
from tests.support.synthesized import Synthesized, make_config, reference


def web_group(stack):
    return reference(stack.web_security_group())


def test_ami_comes_from_the_public_ssm_parameter(dev):
    ((name, parameter),) = dev.data("aws_ssm_parameter").items()
    assert parameter["name"] == AMAZON_LINUX_2023_PARAMETER
    instance = dev.only("aws_instance")
    assert instance["ami"] == "${data.aws_ssm_parameter." + name + ".insecure_value}"
    assert not any(str(value).startswith("ami-") for value in instance.values())


def test_instance_is_hardened(dev):
    dev.has(
        "aws_instance",
        {
            "instance_type": "t3.micro",
            "associate_public_ip_address": True,
            "metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"},
            "root_block_device": {"encrypted": True, "volume_type": "gp3", "volume_size": 8},
            "monitoring": True,
            "ebs_optimized": True,
        },
    )


def test_instance_sits_in_the_first_public_subnet(dev):
    instance = dev.only("aws_instance")
    subnet_name = instance["subnet_id"].split(".")[1]
    assert dev.resources("aws_subnet")[subnet_name]["tags"]["Tier"] == "public"


def test_instance_has_a_role_for_session_manager(dev):
    instance = dev.only("aws_instance")
    profile = dev.address("aws_iam_instance_profile", "instance-profile")
    assert instance["iam_instance_profile"] == reference(profile, "name")
    dev.has("aws_iam_role_policy_attachment", {"policy_arn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"})


def test_http_is_open_to_the_world_and_ssh_is_absent_by_default(dev):
    dev.has(
        "aws_vpc_security_group_ingress_rule",
        {
            "security_group_id": web_group(dev),
            "from_port": 80,
            "to_port": 80,
            "ip_protocol": "tcp",
            "cidr_ipv4": "0.0.0.0/0",
        },
    )
    assert not any(
        rule.get("from_port") == 22 for rule in dev.resources("aws_vpc_security_group_ingress_rule").values()
    )


def test_ssh_opens_only_to_the_configured_cidr(prod):
    prod.has(
        "aws_vpc_security_group_ingress_rule",
        {"security_group_id": web_group(prod), "from_port": 22, "to_port": 22, "cidr_ipv4": "203.0.113.7/32"},
    )
    ssh_rules = [
        rule for rule in prod.resources("aws_vpc_security_group_ingress_rule").values() if rule["from_port"] == 22
    ]
    assert len(ssh_rules) == 1


def test_web_egress_is_https_only(dev):
    rules = [
        rule
        for rule in dev.resources("aws_vpc_security_group_egress_rule").values()
        if rule["security_group_id"] == web_group(dev)
    ]
    assert [(rule["ip_protocol"], rule["from_port"], rule["to_port"]) for rule in rules] == [("tcp", 443, 443)]


@pytest.mark.parametrize(
    "kind", ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
)
def test_every_group_and_rule_has_a_description(dev, prod, kind):
    for stack in (dev, prod):
        assert stack.resources(kind), f"no {kind} to check"
        for name, item in stack.resources(kind).items():
            assert item.get("description", "").strip(), f"{kind}.{name} has no description"


def test_instance_type_is_configurable(key_directory):
    stack = Synthesized(make_config(key_directory, {"web": {"instance_type": "t3.small"}}))
    stack.has("aws_instance", {"instance_type": "t3.small"})


def test_prod_servers_have_no_public_address_and_reach_out_through_the_nat(prod):
    (template,) = prod.resources("aws_launch_template").values()
    assert [interface["associate_public_ip_address"] for interface in template["network_interfaces"]] == ["false"]
    subnets = [reference.split(".")[1] for reference in prod.only("aws_autoscaling_group")["vpc_zone_identifier"]]
    assert {prod.resources("aws_subnet")[name]["tags"]["Tier"] for name in subnets} == {"private"}
    nat = prod.address("aws_nat_gateway", "nat-gateway")
    prod.has(
        "aws_route",
        {
            "destination_cidr_block": "0.0.0.0/0",
            "nat_gateway_id": reference(nat),
            "route_table_id": reference(prod.address("aws_route_table", "private-route-table")),
        },
    )


def test_a_single_prod_server_is_private_too(key_directory):
    stack = Synthesized(
        make_config(
            key_directory,
            {"profile": "prod", "web": {"fleet": "instance"}, "load_balancer": {"certificate_arn": CERTIFICATE_ARN}},
        ),
        "prod-instance",
    )
    instance = stack.only("aws_instance")
    assert "associate_public_ip_address" not in instance  # unset: the private subnet gives none
    assert stack.resources("aws_subnet")[instance["subnet_id"].split(".")[1]]["tags"]["Tier"] == "private"
    assert not stack.resources("aws_autoscaling_group")


def test_prod_http_reaches_the_web_server_from_the_load_balancer_only(prod):
    """prod's front door is the load balancer (test_load_balancer.py): no CIDR may reach port 80 directly."""
    http = [
        rule
        for rule in prod.resources("aws_vpc_security_group_ingress_rule").values()
        if rule["from_port"] == 80 and rule["security_group_id"] == web_group(prod)
    ]
    load_balancer_group = "${" + prod.address("aws_security_group", "load-balancer_security-group") + ".id}"
    assert [(rule.get("cidr_ipv4"), rule.get("referenced_security_group_id")) for rule in http] == [
        (None, load_balancer_group)
    ]


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_ssh_from_the_whole_internet_is_refused(key_directory, profile):
    with pytest.raises(ConfigError) as raised:
        make_config(key_directory, {"profile": profile, "web": {"ssh_cidr": "0.0.0.0/0"}})
    assert "web.ssh_cidr = '0.0.0.0/0': SSH is never opened to the whole internet" in str(raised.value)


def test_a_private_server_without_a_nat_is_refused(key_directory):
    with pytest.raises(ConfigError) as raised:
        make_config(key_directory, {"web": {"public": False}})
    assert "network.nat_gateway = False: must be true when web.public is false" in str(raised.value)
