"""The web server: an Amazon Linux 2023 EC2 instance in a public subnet with its own security group."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.instance import Instance, InstanceMetadataOptions, InstanceRootBlockDevice
from constructs import Construct

from .limits import ROOT_VOLUME_GIB
from .security_groups import allow_tcp_in, allow_tcp_out, new_security_group
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
        for cidr in self.http_cidrs:
            problems.check(
                parse_ipv4_network(cidr) is not None,
                "http_cidrs",
                cidr,
                'must be IPv4 CIDR blocks like "0.0.0.0/0" or "10.0.0.0/16"',
            )
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


def terraform_literal(text: str) -> str:
    """Escape Terraform's template sequences so the text reaches the instance exactly as written (`%{` in an
    httpd config, `${VAR}` in a shell script)."""
    return text.replace("${", "$${").replace("%{", "%%{")


class WebServer(Construct):
    """Attributes: instance, instance_id, security_group, security_group_id, role, public_dns, public_ip, reachable_dns;
    add_security_group(), allow_http_from_group()."""

    def __init__(
        self, scope: Construct, id: str, config: WebServerConfig, *, vpc_id: str, subnet_id: str, key_name: str
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        name = config.name
        self.security_group = new_security_group(
            self,
            "security-group",
            name=f"{name}-web",
            vpc_id=vpc_id,
            description=(
                "Web server: HTTP from the allowed CIDRs, SSH only from the admin CIDR, "
                "HTTPS out for packages and AWS APIs"
                if config.http_cidrs
                else "Web server: HTTP only from the load balancer group, SSH only from the admin CIDR, "
                "HTTPS out for packages and AWS APIs"
            ),
        )
        self.security_group_id: str = self.security_group.id
        for index, cidr in enumerate(config.http_cidrs):
            allow_tcp_in(
                self,
                f"http-in-{index}",
                group=self.security_group,
                port=80,
                from_cidr=cidr,
                description="HTTP to the web app from anywhere"
                if cidr == "0.0.0.0/0"
                else f"HTTP to the web app from {cidr}",
            )
        if config.ssh_cidr is not None:
            allow_tcp_in(
                self,
                "ssh-in",
                group=self.security_group,
                port=22,
                from_cidr=config.ssh_cidr,
                description="SSH from the configured admin CIDR only",
            )
        allow_tcp_out(
            self,
            "https-out",
            group=self.security_group,
            port=443,
            to_cidr="0.0.0.0/0",
            description="HTTPS out: OS packages, Systems Manager and AWS APIs",
        )

        self.role = IamRole(
            self,
            "role",
            name_prefix=f"{name}-web-",
            description="Web server instance role: Systems Manager access, plus grants added by other constructs",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
        )
        IamRolePolicyAttachment(
            self, "ssm-managed-instance", role=self.role.name, policy_arn=SSM_MANAGED_INSTANCE_POLICY
        )
        profile = IamInstanceProfile(self, "instance-profile", name_prefix=f"{name}-web-", role=self.role.name)

        ami = DataAwsSsmParameter(self, "ami", name=config.ami_parameter)
        self._security_group_ids: list[str] = [self.security_group.id]
        self._http_source_groups = 0
        self.instance = Instance(
            self,
            "instance",
            ami=ami.insecure_value,
            instance_type=config.instance_type,
            subnet_id=subnet_id,
            key_name=key_name,
            # Unset (not false) for a private server: its private subnet gives no public IP anyway, and moto reads an
            # explicit false back as true, so every later plan would replace the instance.
            associate_public_ip_address=True if config.public else None,
            iam_instance_profile=profile.name,
            vpc_security_group_ids=list(self._security_group_ids),
            metadata_options=InstanceMetadataOptions(
                http_tokens="required", http_endpoint="enabled", http_put_response_hop_limit=1
            ),
            root_block_device=InstanceRootBlockDevice(
                encrypted=True, volume_type="gp3", volume_size=config.root_volume_gib
            ),
            monitoring=config.detailed_monitoring,
            ebs_optimized=True,
            user_data=terraform_literal(config.user_data) if config.user_data is not None else None,
            tags={"Name": f"{name}-web"},
            # A newer AMI in the parameter must not replace a running server on the next apply.
            lifecycle={"ignore_changes": ["ami"]},
        )
        self.instance_id: str = self.instance.id
        self.public_dns: str = self.instance.public_dns
        self.public_ip: str = self.instance.public_ip
        # Without a public address, the private name is how it is reached (through a load balancer or SSM).
        self.reachable_dns: str = self.instance.public_dns if config.public else self.instance.private_dns

    def add_security_group(self, security_group_id: str) -> None:
        """Attach one more group to the instance, as the console's 'connect' does."""
        self._security_group_ids.append(security_group_id)
        self.instance.vpc_security_group_ids = list(self._security_group_ids)

    def allow_http_from_group(self, group_id: str, description: str, *, port: int = 80) -> None:
        """Admit HTTP from the members of another security group (a load balancer's): a group reference, no CIDR.

        One rule per group; the other side (that group's egress to this one) is the caller's, as in
        LoadBalancer.connect_to, which makes both at once."""
        self._http_source_groups += 1
        allow_tcp_in(
            self,
            f"http-from-group-{self._http_source_groups - 1}",
            group=self.security_group,
            port=port,
            from_group_id=group_id,
            description=description,
        )
