"""The network's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/network.py builds from it)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .flow_logs_config import FlowLogsConfig
from .limits import AZ_COUNT, VPC_PREFIX_LENGTH
from .validation import (
    AWS_RESOURCE_ID,
    ConfigError,
    ProblemList,
    is_availability_zone,
    is_int,
    parse_ipv4_network,
)

VPC_CIDR_ALLOWED = (
    f'must be an IPv4 CIDR block from /{VPC_PREFIX_LENGTH.low} to /{VPC_PREFIX_LENGTH.high}, e.g. "10.0.0.0/16"'
)
SMALLEST_SUBNET_PREFIX = 28  # AWS: a subnet is /16 to /28
# Ranges no VPC can use: this host, loopback, link-local, multicast, reserved (RFC 6890; AWS VPC CIDR rules).
RESERVED_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)


@dataclass(frozen=True)
class NetworkConfig:
    """Settings of the network. Defaults: a new 10.0.0.0/16 VPC over 2 AZs.

    vpc_cidr: CIDR of the new VPC, /16 to /24. Default "10.0.0.0/16".
    az_count: availability zones to span, 2 to 6. Default 2.
    availability_zones: their names, one per AZ, pinned so a zone AWS adds later never moves a subnet.
        Default ("us-east-1a", "us-east-1b"); the settings file defaults to <region>a, <region>b, ...
    public_subnet_cidrs / private_subnet_cidrs: one CIDR per AZ; default: carved from vpc_cidr.
    existing_vpc_id: use this VPC instead of creating one (then both subnet id lists are required).
    existing_public_subnet_ids / existing_private_subnet_ids: subnets of that VPC, 2 or more AZs each.
    nat_gateway: give the private subnets a way out (for a web server without a public IP). Default False.
    flow_logs: VPC flow logs to an encrypted log group. Default True.
    flow_logs_retention_days: how long that group keeps them, a CloudWatch Logs period. Default 365.
    """

    name: str = "aurora-web"
    vpc_cidr: str = "10.0.0.0/16"
    az_count: int = 2
    availability_zones: tuple[str, ...] = ("us-east-1a", "us-east-1b")
    public_subnet_cidrs: tuple[str, ...] = ()
    private_subnet_cidrs: tuple[str, ...] = ()
    existing_vpc_id: str | None = None
    existing_public_subnet_ids: tuple[str, ...] = ()
    existing_private_subnet_ids: tuple[str, ...] = ()
    nat_gateway: bool = False
    flow_logs: bool = True
    flow_logs_retention_days: int = FlowLogsConfig.retention_days

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check_booleans(self, "nat_gateway", "flow_logs")
        try:
            self.flow_logs_config()
        except ConfigError as error:  # the flow logs' own rule, named by this config's key
            for problem in error.problems:
                problems.add("flow_logs_retention_days", problem.value, problem.allowed)
        if self.existing_vpc_id is None:
            self._check_new_vpc(problems)
        else:
            self._check_existing_vpc(problems)
            problems.check(
                not self.nat_gateway,
                "nat_gateway",
                self.nat_gateway,
                "is for a new VPC only; an existing VPC's routing stays as it is",
            )
        problems.raise_if_any()

    def flow_logs_config(self) -> FlowLogsConfig:
        return FlowLogsConfig(name=self.name, retention_days=self.flow_logs_retention_days)

    @property
    def uses_existing_vpc(self) -> bool:
        return self.existing_vpc_id is not None

    def subnet_cidrs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Public and private subnet CIDRs: the configured ones, else equal blocks carved from the VPC."""
        if self.public_subnet_cidrs and self.private_subnet_cidrs:
            return self.public_subnet_cidrs, self.private_subnet_cidrs
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        blocks = [str(block) for block in vpc.subnets(new_prefix=min(vpc.prefixlen + 4, 28))]
        public = self.public_subnet_cidrs or tuple(blocks[: self.az_count])
        private = self.private_subnet_cidrs or tuple(blocks[8 : 8 + self.az_count])
        return public, private

    def _vpc_network(self, problems: ProblemList) -> ipaddress.IPv4Network | None:
        """vpc_cidr as a network, or None (and a problem) when it is not one a VPC can have."""
        vpc = parse_ipv4_network(self.vpc_cidr)
        if not problems.check(
            vpc is not None and VPC_PREFIX_LENGTH.holds(vpc.prefixlen),
            "vpc_cidr",
            self.vpc_cidr,
            VPC_CIDR_ALLOWED,
        ):
            return None
        reserved = [str(block) for block in RESERVED_RANGES if vpc is not None and vpc.overlaps(block)]
        if not problems.check(
            not reserved,
            "vpc_cidr",
            self.vpc_cidr,
            f"lies in a reserved range ({', '.join(reserved)}); use a private range like 10.0.0.0/16",
        ):
            return None
        return vpc

    def _check_new_vpc(self, problems: ProblemList) -> None:
        vpc = self._vpc_network(problems)
        if not problems.check(
            is_int(self.az_count) and AZ_COUNT.holds(self.az_count),
            "az_count",
            self.az_count,
            f"must be an integer {AZ_COUNT.text}",
        ):
            return
        for key in ("existing_public_subnet_ids", "existing_private_subnet_ids"):
            problems.check(not getattr(self, key), key, getattr(self, key), "needs existing_vpc_id to be set")
        zones = self.availability_zones
        if problems.check(
            len(zones) == self.az_count and len(set(zones)) == len(zones),
            "availability_zones",
            list(zones),
            f"must name {self.az_count} different zones, one per AZ (az_count)",
        ):
            for zone in zones:
                problems.check(
                    is_availability_zone(zone),
                    "availability_zones",
                    zone,
                    'must be availability zone names like "us-east-1a"',
                )
        if vpc is not None:
            self._check_subnets(problems, vpc)

    def _check_subnets(self, problems: ProblemList, vpc: ipaddress.IPv4Network) -> None:
        chosen: list[tuple[str, ipaddress.IPv4Network]] = []
        for key in ("public_subnet_cidrs", "private_subnet_cidrs"):
            cidrs = getattr(self, key)
            if not cidrs:
                continue
            if not problems.check(
                len(cidrs) == self.az_count, key, list(cidrs), f"must list one CIDR per AZ ({self.az_count})"
            ):
                continue
            for cidr in cidrs:
                subnet = parse_ipv4_network(cidr)
                if subnet is None:
                    problems.add(key, cidr, 'must be an IPv4 CIDR block, e.g. "10.0.1.0/24"')
                    continue
                if not problems.check(subnet.subnet_of(vpc), key, cidr, f"must lie inside vpc_cidr {self.vpc_cidr}"):
                    continue
                if not problems.check(
                    subnet.prefixlen <= SMALLEST_SUBNET_PREFIX,
                    key,
                    cidr,
                    f"is smaller than AWS's smallest subnet, /{SMALLEST_SUBNET_PREFIX}",
                ):
                    continue
                overlapping = [name for name, other in chosen if other.overlaps(subnet)]
                if problems.check(not overlapping, key, cidr, f"overlaps another subnet ({', '.join(overlapping)})"):
                    chosen.append((cidr, subnet))
        self._check_against_the_default_carve(problems, chosen)

    def _check_against_the_default_carve(
        self, problems: ProblemList, chosen: list[tuple[str, ipaddress.IPv4Network]]
    ) -> None:
        """One tier given, the other carved: the carved subnets must not overlap the given ones."""
        given = [key for key in ("public_subnet_cidrs", "private_subnet_cidrs") if getattr(self, key)]
        if len(given) != 1 or problems.problems:
            return
        public, private = self.subnet_cidrs()
        carved_key, carved = ("private", private) if given == ["public_subnet_cidrs"] else ("public", public)
        for cidr, subnet in chosen:
            clashes = [block for block in carved if ipaddress.IPv4Network(block).overlaps(subnet)]
            problems.check(
                not clashes,
                given[0],
                cidr,
                f"overlaps the default {carved_key} subnet {', '.join(clashes)} carved from vpc_cidr; "
                f"set {carved_key}_subnet_cidrs too, or choose other blocks",
            )

    def _check_existing_vpc(self, problems: ProblemList) -> None:
        problems.check(
            isinstance(self.existing_vpc_id, str) and bool(AWS_RESOURCE_ID["vpc"].match(self.existing_vpc_id)),
            "existing_vpc_id",
            self.existing_vpc_id,
            'must be a VPC id like "vpc-0123456789abcdef0"',
        )
        for key in ("existing_public_subnet_ids", "existing_private_subnet_ids"):
            ids = getattr(self, key)
            if not problems.check(
                len(ids) >= 2,
                key,
                list(ids),
                "must list 2 or more subnet ids (in different AZs) when existing_vpc_id is set",
            ):
                continue
            for subnet_id in ids:
                problems.check(
                    isinstance(subnet_id, str) and bool(AWS_RESOURCE_ID["subnet"].match(subnet_id)),
                    key,
                    subnet_id,
                    'must be a subnet id like "subnet-0123456789abcdef0"',
                )
