"""The network: new VPC with public/private subnets over 2+ AZs, or an existing VPC by id."""

import pytest

from constructs_lib.network import NetworkConfig
from constructs_lib.validation import ConfigError


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr"),
        ({"vpc_cidr": "10.0.0.1/16"}, "vpc_cidr"),
        ({"az_count": 1}, "az_count"),
        ({"az_count": 2, "public_subnet_cidrs": ("10.0.0.0/24", "10.1.0.0/24")}, "public_subnet_cidrs"),
        ({"az_count": 2, "public_subnet_cidrs": ("10.0.0.0/24", "10.0.0.128/25")}, "public_subnet_cidrs"),
        ({"existing_vpc_id": "vpc-12"}, "existing_vpc_id"),
        ({"existing_public_subnet_ids": ("subnet-0123456789abcdef0",)}, "existing_public_subnet_ids"),
        ({"flow_logs_retention_days": 31}, "flow_logs_retention_days"),
    ],
)
def test_bad_network_settings_are_refused_before_building(settings, key):
    with pytest.raises(ConfigError) as raised:
        NetworkConfig(**settings)
    assert key in [problem.key for problem in raised.value.problems]


def test_network_alone_in_a_bare_stack():
    from constructs_lib.network import Network
    from tests.support.bare_stack import BareStack

    bare = BareStack(lambda stack: Network(stack, "network", NetworkConfig(name="solo", flow_logs=False)))
    bare.has("aws_vpc", {"cidr_block": "10.0.0.0/16", "tags": {"Name": "solo-vpc"}})
    assert len(bare.resources("aws_subnet")) == 4
    assert "aws_flow_log" not in bare.types() and "aws_nat_gateway" not in bare.types()
    assert len(bare.construct.private_subnet_ids) == 2 and bare.construct.private_subnet_availability_zones == [
        "us-east-1a",
        "us-east-1b",
    ]


def test_flow_log_retention_reaches_the_log_group():
    from constructs_lib.network import Network
    from tests.support.bare_stack import BareStack

    bare = BareStack(lambda stack: Network(stack, "network", NetworkConfig(name="solo", flow_logs_retention_days=30)))
    bare.has("aws_cloudwatch_log_group", {"name": "/solo/vpc-flow-logs", "retention_in_days": 30})
    assert len(bare.resources("aws_flow_log")) == 1


def test_alone_each_tier_spans_two_zones_in_its_own_route_table_without_public_ips():
    """What the profiles' network tests check, guaranteed by the construct itself."""
    from constructs_lib.network import Network
    from tests.support.bare_stack import BareStack
    from tests.support.references import reference

    bare = BareStack(lambda stack: Network(stack, "network", NetworkConfig(name="solo", flow_logs=False)))
    bare.has("aws_vpc", {"enable_dns_support": True, "enable_dns_hostnames": True})
    subnets = bare.resources("aws_subnet")
    tiers = sorted(subnet["tags"]["Tier"] for subnet in subnets.values())
    assert tiers == ["private", "private", "public", "public"]
    for tier in ("private", "public"):
        zones = {subnet["availability_zone"] for subnet in subnets.values() if subnet["tags"]["Tier"] == tier}
        assert len(zones) == 2, f"{tier} subnets share an AZ: {zones}"
    tables = {table["tags"]["Name"]: name for name, table in bare.resources("aws_route_table").items()}
    associations = [
        (association["subnet_id"], association["route_table_id"])
        for association in bare.resources("aws_route_table_association").values()
    ]
    assert len(associations) == 4
    for name, subnet in subnets.items():
        assert subnet["map_public_ip_on_launch"] is False
        table = reference(f"aws_route_table.{tables['solo-' + subnet['tags']['Tier']]}")
        assert (reference(f"aws_subnet.{name}"), table) in associations
