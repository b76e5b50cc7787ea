"""The web server: one Amazon Linux 2023 EC2 instance (dev's default), with the web tier's access (web_access.py)."""

from __future__ import annotations

from cdktf import TerraformResource
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from cdktf_cdktf_provider_aws.instance import Instance, InstanceMetadataOptions, InstanceRootBlockDevice
from constructs import Construct

from .web_access import WebAccess
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
    """Attributes: instance, instance_id, access, security_group, security_group_id, role, public_dns, public_ip,
    reachable_dns; add_security_group(), allow_http_from_group(), join_target_group()."""

    def __init__(
        self, scope: Construct, id: str, config: WebServerConfig, *, vpc_id: str, subnet_id: str, key_name: str
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        name = config.name
        self.access = WebAccess(self, config, vpc_id=vpc_id)
        self.security_group = self.access.security_group
        self.security_group_id: str = self.access.security_group_id
        self.role = self.access.role
        profile = self.access.instance_profile

        ami = DataAwsSsmParameter(self, "ami", name=config.ami_parameter)
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
            vpc_security_group_ids=list(self.access.security_group_ids),
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
        self.resource: TerraformResource = self.instance
        self.public_dns: str = self.instance.public_dns
        self.public_ip: str = self.instance.public_ip
        # Without a public address, the private name is how it is reached (through a load balancer or SSM).
        self.reachable_dns: str = self.instance.public_dns if config.public else self.instance.private_dns

    def add_security_group(self, security_group_id: str) -> None:
        """Attach one more group to the instance, as the console's 'connect' does."""
        self.access.security_group_ids.append(security_group_id)
        self.instance.vpc_security_group_ids = list(self.access.security_group_ids)

    def allow_http_from_group(self, group_id: str, description: str, *, port: int = 80) -> None:
        """Admit HTTP from the members of another security group (a load balancer's): see WebAccess."""
        self.access.allow_http_from_group(group_id, description, port=port)

    def join_target_group(
        self, scope: Construct, id: str, *, target_group_arn: str, port: int, resource_label: str = ""
    ) -> None:
        """Register the instance in a load balancer's target group (the attachment is made in the caller's scope).
        resource_label is for a group's requests-per-target scaling; one instance does not scale."""
        del resource_label
        # Imported here: stacks without a load balancer never pay for the ELB provider module.
        from cdktf_cdktf_provider_aws.lb_target_group_attachment import LbTargetGroupAttachment

        LbTargetGroupAttachment(scope, id, target_group_arn=target_group_arn, target_id=self.instance_id, port=port)
