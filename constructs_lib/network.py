"""The VPC: public subnets for the web tier, private subnets for the database, in two or more AZs."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_subnet import DataAwsSubnet
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from .flow_logs import FlowLogs
from .network_config import (
    RESERVED_RANGES,
    SMALLEST_SUBNET_PREFIX,
    VPC_CIDR_ALLOWED,
    NetworkConfig,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "RESERVED_RANGES",
    "SMALLEST_SUBNET_PREFIX",
    "VPC_CIDR_ALLOWED",
    "Network",
    "NetworkConfig",
]


class Network(Construct):
    """A VPC with public and private subnets, or the existing one the config names.

    Attributes: vpc_id, public_subnet_ids, private_subnet_ids, private_subnet_availability_zones.
    """

    def __init__(self, scope: Construct, id: str, config: NetworkConfig, *, kms_key_arn: str | None = None) -> None:
        super().__init__(scope, id)
        self.config = config
        if config.uses_existing_vpc:
            self._use_existing(config)
        else:
            self._create(config)
        self.flow_logs = (
            FlowLogs(self, "flow-logs", config.flow_logs_config(), vpc_id=self.vpc_id, kms_key_arn=kms_key_arn)
            if config.flow_logs
            else None
        )

    def _use_existing(self, config: NetworkConfig) -> None:
        assert config.existing_vpc_id is not None  # uses_existing_vpc
        self.vpc_id: str = config.existing_vpc_id
        self.public_subnet_ids: list[str] = list(config.existing_public_subnet_ids)
        self.private_subnet_ids: list[str] = list(config.existing_private_subnet_ids)
        self.private_subnet_availability_zones: list[str] = [
            DataAwsSubnet(self, f"private-subnet-{index}", id=subnet_id).availability_zone
            for index, subnet_id in enumerate(config.existing_private_subnet_ids)
        ]

    def _create(self, config: NetworkConfig) -> None:
        name = config.name
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=config.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
        )
        # Managing the default group with no rules removes AWS's allow-all defaults from it.
        DefaultSecurityGroup(self, "default-security-group", vpc_id=vpc.id, tags={"Name": f"{name}-default-deny-all"})
        gateway = InternetGateway(self, "internet-gateway", vpc_id=vpc.id, tags={"Name": f"{name}-igw"})

        public_table = RouteTable(self, "public-route-table", vpc_id=vpc.id, tags={"Name": f"{name}-public"})
        Route(
            self,
            "public-default-route",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
        )
        private_table = RouteTable(self, "private-route-table", vpc_id=vpc.id, tags={"Name": f"{name}-private"})

        public_cidrs, private_cidrs = config.subnet_cidrs()
        self.public_subnets = self._subnets("public", public_cidrs, vpc, public_table)
        self.private_subnets = self._subnets("private", private_cidrs, vpc, private_table)
        self.nat_gateway = None
        if config.nat_gateway:
            address = Eip(self, "nat-address", domain="vpc", tags={"Name": f"{name}-nat"}, depends_on=[gateway])
            self.nat_gateway = NatGateway(
                self,
                "nat-gateway",
                allocation_id=address.allocation_id,
                subnet_id=self.public_subnets[0].id,
                tags={"Name": f"{name}-nat"},
            )
            Route(
                self,
                "private-default-route",
                route_table_id=private_table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=self.nat_gateway.id,
            )
        self.vpc = vpc
        self.internet_gateway = gateway
        self.vpc_id = vpc.id
        self.public_subnet_ids = [subnet.id for subnet in self.public_subnets]
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
        self.private_subnet_availability_zones = list(config.availability_zones)

    def _subnets(self, tier: str, cidrs: tuple[str, ...], vpc: Vpc, table: RouteTable) -> list[Subnet]:
        subnets = []
        for index, cidr in enumerate(cidrs):
            subnet = Subnet(
                self,
                f"{tier}-subnet-{index}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=self.config.availability_zones[index],
                # Public addresses are given per instance, never by default to everything in a subnet.
                map_public_ip_on_launch=False,
                tags={"Name": f"{self.config.name}-{tier}-{index}", "Tier": tier},
            )
            RouteTableAssociation(self, f"{tier}-subnet-{index}-routes", subnet_id=subnet.id, route_table_id=table.id)
            subnets.append(subnet)
        return subnets
