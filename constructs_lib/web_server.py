"""The web server: an Amazon Linux 2023 EC2 instance in a public subnet with its own security group."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.instance import Instance, InstanceMetadataOptions, InstanceRootBlockDevice
from constructs import Construct

from .security_groups import allow_tcp_in, allow_tcp_out, new_security_group
from .web_server_config import (
    AMAZON_LINUX_2023_PARAMETER,
    EC2_USER_DATA_LIMIT_BYTES,
    INSTANCE_TYPE,
    ROOT_VOLUME_GIB_ALLOWED,
    SSM_MANAGED_INSTANCE_POLICY,
    WebServerConfig,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "AMAZON_LINUX_2023_PARAMETER",
    "EC2_USER_DATA_LIMIT_BYTES",
    "INSTANCE_TYPE",
    "ROOT_VOLUME_GIB_ALLOWED",
    "SSM_MANAGED_INSTANCE_POLICY",
    "WebServer",
    "WebServerConfig",
    "terraform_literal",
]


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
            # cloud-init runs user data once: a new script (a new app) must boot a new instance, not stop/start this.
            user_data_replace_on_change=True,
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
