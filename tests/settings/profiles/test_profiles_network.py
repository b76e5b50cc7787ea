"""network in the settings profiles: moved from tests/constructs, which builds it alone."""

from tests.support.synthesized import Synthesized, make_config, reference


def test_vpc_has_dns_support_and_hostnames(dev):
    dev.has("aws_vpc", {"cidr_block": "10.0.0.0/16", "enable_dns_support": True, "enable_dns_hostnames": True})


def test_public_and_private_subnets_span_two_zones(dev):
    subnets = dev.resources("aws_subnet")
    tiers = sorted(subnet["tags"]["Tier"] for subnet in subnets.values())
    assert tiers == ["private", "private", "public", "public"]
    zones_by_tier = {}
    for subnet in subnets.values():
        zones_by_tier.setdefault(subnet["tags"]["Tier"], set()).add(subnet["availability_zone"])
    for tier, zones in zones_by_tier.items():
        assert len(zones) == 2, f"{tier} subnets share an AZ: {zones}"
    assert all(subnet["map_public_ip_on_launch"] is False for subnet in subnets.values())


def test_subnet_cidrs_lie_inside_the_vpc_and_do_not_overlap(dev):
    import ipaddress

    vpc = ipaddress.IPv4Network(dev.only("aws_vpc")["cidr_block"])
    blocks = [ipaddress.IPv4Network(subnet["cidr_block"]) for subnet in dev.resources("aws_subnet").values()]
    assert all(block.subnet_of(vpc) for block in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_public_route_table_sends_the_internet_to_the_gateway(dev):
    gateway = dev.address("aws_internet_gateway", "internet-gateway")
    public_table = dev.address("aws_route_table", "public-route-table")
    dev.has(
        "aws_route",
        {
            "destination_cidr_block": "0.0.0.0/0",
            "gateway_id": reference(gateway),
            "route_table_id": reference(public_table),
        },
    )
    private_table = dev.address("aws_route_table", "private-route-table")
    assert not any(route["route_table_id"] == reference(private_table) for route in dev.resources("aws_route").values())


def test_every_subnet_is_associated_with_its_tier_table(dev):
    associations = dev.resources("aws_route_table_association").values()
    subnets = dev.resources("aws_subnet")
    assert len(subnets) == len(associations) == 4
    for name, subnet in subnets.items():
        tier = subnet["tags"]["Tier"]
        table = reference(dev.address("aws_route_table", f"{tier}-route-table"))
        assert {"subnet_id": reference(f"aws_subnet.{name}"), "route_table_id": table} in [
            {"subnet_id": a["subnet_id"], "route_table_id": a["route_table_id"]} for a in associations
        ]


def test_default_security_group_is_locked_down(dev):
    group = dev.only("aws_default_security_group")
    assert group["vpc_id"] == reference(dev.address("aws_vpc", "vpc"))
    assert "ingress" not in group and "egress" not in group


def test_three_zones_give_three_subnets_per_tier(key_directory):
    stack = Synthesized(make_config(key_directory, {"network": {"az_count": 3}}))
    assert len(stack.resources("aws_subnet")) == 6
    assert len({subnet["availability_zone"] for subnet in stack.resources("aws_subnet").values()}) == 3


def test_existing_vpc_is_used_by_id_and_nothing_network_is_created(key_directory):
    stack = Synthesized(
        make_config(
            key_directory,
            {
                "network": {
                    "existing_vpc_id": "vpc-0123456789abcdef0",
                    "existing_public_subnet_ids": ["subnet-00000000000000001", "subnet-00000000000000002"],
                    "existing_private_subnet_ids": ["subnet-00000000000000003", "subnet-00000000000000004"],
                }
            },
        )
    )
    for created in ("aws_vpc", "aws_subnet", "aws_internet_gateway", "aws_default_security_group"):
        assert not stack.resources(created), f"{created} must not be created for an existing VPC"
    stack.has("aws_instance", {"subnet_id": "subnet-00000000000000001"})
    stack.has("aws_db_subnet_group", {"subnet_ids": ["subnet-00000000000000003", "subnet-00000000000000004"]})
    stack.has("aws_security_group", {"vpc_id": "vpc-0123456789abcdef0"})
    zones = {data["id"] for data in stack.data("aws_subnet").values()}
    assert zones == {"subnet-00000000000000003", "subnet-00000000000000004"}
