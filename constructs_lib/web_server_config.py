"""The web server's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/web_server.py builds from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token

from .limits import ROOT_VOLUME_GIB
from .validation import ProblemList, is_int, parse_ipv4_network

AMAZON_LINUX_2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
EC2_USER_DATA_LIMIT_BYTES = 16 * 1024
ROOT_VOLUME_GIB_ALLOWED = f"must be an integer from {ROOT_VOLUME_GIB.low} (the AMI's size) to {ROOT_VOLUME_GIB.high}"
SSM_MANAGED_INSTANCE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


@dataclass(frozen=True)
class WebServerConfig:
    """Settings of the web server.

    name: prefix of the instance, group and role names. Default "aurora-web".
    instance_type: EC2 instance type. Default "t3.micro".
    ssh_cidr: IPv4 CIDR allowed to SSH (port 22), never 0.0.0.0/0. Default: none, so no SSH rule (use SSM).
    http_cidrs: IPv4 CIDRs allowed to reach port 80. Default ("0.0.0.0/0",), as in the tutorial. Empty: HTTP only from
        the groups given to allow_http_from_group (a load balancer's).
    public: a public IPv4 address on the instance (it must sit in a public subnet). Default True.
    detailed_monitoring: 1-minute CloudWatch metrics. Default True.
    root_volume_gib: size of the encrypted gp3 root volume, 8 to 16384. Default 8 (the AL2023 AMI's own size).
    ami_parameter: public SSM parameter naming the AMI. Default: latest Amazon Linux 2023 x86_64.
    user_data: cloud-init script run at first boot. Default: none.
    """

    name: str = "aurora-web"
    instance_type: str = "t3.micro"
    ssh_cidr: str | None = None
    http_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    public: bool = True
    detailed_monitoring: bool = True
    root_volume_gib: int = 8
    ami_parameter: str = AMAZON_LINUX_2023_PARAMETER
    user_data: str | None = None

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            isinstance(self.instance_type, str) and bool(INSTANCE_TYPE.match(self.instance_type)),
            "instance_type",
            self.instance_type,
            'must be an EC2 instance type like "t3.micro"',
        )
        if self.ssh_cidr is not None:
            ssh_network = parse_ipv4_network(self.ssh_cidr)
            if ssh_network is None:
                problems.add(
                    "ssh_cidr",
                    self.ssh_cidr,
                    'must be an IPv4 CIDR block like "203.0.113.7/32", or left unset for no SSH',
                )
            else:
                problems.check(
                    ssh_network.prefixlen > 0,
                    "ssh_cidr",
                    self.ssh_cidr,
                    "SSH is never opened to the whole internet; name your admin network, or use Session Manager",
                )
        seen: set[object] = set()
        for cidr in self.http_cidrs:
            network = parse_ipv4_network(cidr)
            problems.check(
                network is not None,
                "http_cidrs",
                cidr,
                'must be IPv4 CIDR blocks like "0.0.0.0/0" or "10.0.0.0/16"',
            )
            if network is not None:
                # EC2 refuses a second identical rule in one group (InvalidPermission.Duplicate) at apply.
                problems.check(network not in seen, "http_cidrs", cidr, "is listed twice; give each CIDR once")
                seen.add(network)
        problems.check(
            is_int(self.root_volume_gib) and ROOT_VOLUME_GIB.holds(self.root_volume_gib),
            "root_volume_gib",
            self.root_volume_gib,
            ROOT_VOLUME_GIB_ALLOWED,
        )
        problems.check_booleans(self, "public", "detailed_monitoring")
        problems.check(
            isinstance(self.ami_parameter, str) and self.ami_parameter.startswith("/aws/service/"),
            "ami_parameter",
            self.ami_parameter,
            "must be a public AMI parameter under /aws/service/",
        )
        if self.user_data is not None:
            problems.check(
                not Token.is_unresolved(self.user_data),
                "user_data",
                "<a Terraform reference>",
                "must be literal text: the instance is created before the resources it could reference",
            )
            size = len(self.user_data.encode("utf-8"))
            problems.check(
                size <= EC2_USER_DATA_LIMIT_BYTES,
                "user_data",
                f"<{size} bytes>",
                f"must be at most {EC2_USER_DATA_LIMIT_BYTES} bytes (EC2's limit)",
            )
        problems.raise_if_any()
