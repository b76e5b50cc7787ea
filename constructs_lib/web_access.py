"""What every web server of the stack is given, whether it runs alone or in a group: its security group (HTTP in,
SSH only if asked, HTTPS out), its IAM role (Systems Manager, plus grants other constructs add) and instance profile.

Not a construct of its own: the resources are made in the caller's scope under the ids they have always had, so a
stack that already runs a web server keeps its group, role and profile (new construct ids would replace them).
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from .security_groups import allow_tcp_in, allow_tcp_out, new_security_group
from .web_server_config import SSM_MANAGED_INSTANCE_POLICY, WebServerConfig


class WebAccess:
    """Attributes: security_group, security_group_id, role, instance_profile, security_group_ids (the web group first,
    then those add_security_group() added); allow_http_from_group()."""

    def __init__(self, scope: Construct, config: WebServerConfig, *, vpc_id: str) -> None:
        self._scope = scope
        name = config.name
        self.security_group = new_security_group(
            scope,
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
        self.security_group_ids: list[str] = [self.security_group.id]
        for index, cidr in enumerate(config.http_cidrs):
            allow_tcp_in(
                scope,
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
                scope,
                "ssh-in",
                group=self.security_group,
                port=22,
                from_cidr=config.ssh_cidr,
                description="SSH from the configured admin CIDR only",
            )
        allow_tcp_out(
            scope,
            "https-out",
            group=self.security_group,
            port=443,
            to_cidr="0.0.0.0/0",
            description="HTTPS out: OS packages, Systems Manager and AWS APIs",
        )
        self.role = IamRole(
            scope,
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
            scope, "ssm-managed-instance", role=self.role.name, policy_arn=SSM_MANAGED_INSTANCE_POLICY
        )
        self.instance_profile = IamInstanceProfile(
            scope, "instance-profile", name_prefix=f"{name}-web-", role=self.role.name
        )
        self._http_source_groups = 0

    def allow_http_from_group(self, group_id: str, description: str, *, port: int = 80) -> None:
        """Admit HTTP from the members of another security group (a load balancer's): a group reference, no CIDR.

        One rule per group; the other side (that group's egress to this one) is the caller's, as in
        LoadBalancer.connect_to, which makes both at once."""
        self._http_source_groups += 1
        allow_tcp_in(
            self._scope,
            f"http-from-group-{self._http_source_groups - 1}",
            group=self.security_group,
            port=port,
            from_group_id=group_id,
            description=description,
        )
