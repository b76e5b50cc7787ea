"""The web tier as an Auto Scaling group: a launch template and a group across the private subnets of two or more AZs,
registered in the load balancer's target group, healed by its health checks and rolled by instance refresh."""

from __future__ import annotations

import base64

from cdktf import TerraformResource, Token
from cdktf_cdktf_provider_aws.autoscaling_group import (
    AutoscalingGroup,
    AutoscalingGroupInstanceRefresh,
    AutoscalingGroupInstanceRefreshPreferences,
    AutoscalingGroupLaunchTemplate,
    AutoscalingGroupTag,
)
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateIamInstanceProfile,
    LaunchTemplateMetadataOptions,
    LaunchTemplateMonitoring,
    LaunchTemplateNetworkInterfaces,
    LaunchTemplateTagSpecifications,
)
from constructs import Construct

from .web_access import WebAccess
from .web_group_config import (
    MAX_HEALTHY_PERCENTAGE,
    MIN_HEALTHY_PERCENTAGE,
    WAIT_FOR_CAPACITY_TIMEOUT,
    WebGroupConfig,
)

# The construct, and its config module's names re-exported.
__all__ = ["GROUP_METRICS", "ROOT_DEVICE", "WebGroup", "WebGroupConfig"]

# The AL2023 AMI's root device: the mapping below replaces its volume with an encrypted gp3 one.
ROOT_DEVICE = "/dev/xvda"
# Collected each minute (free of charge): the in-service alarm reads GroupInServiceInstances.
GROUP_METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
)


class WebGroup(Construct):
    """Attributes: launch_template, group, group_name, access, security_group, security_group_id, role, min_size;
    add_security_group(), allow_http_from_group(), join_target_group()."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: WebGroupConfig,
        *,
        vpc_id: str,
        subnet_ids: list[str],
        availability_zones: list[str],
        key_name: str,
    ) -> None:
        super().__init__(scope, id)
        if len(set(availability_zones)) < 2 or len(subnet_ids) < 2:
            raise ValueError("a web group needs private subnets in 2 or more availability zones")
        self.config = config
        server = config.server
        name = server.name
        self.min_size = config.min_size
        self.access = WebAccess(self, server, vpc_id=vpc_id)
        self.security_group = self.access.security_group
        self.security_group_id: str = self.access.security_group_id
        self.role = self.access.role
        ami = DataAwsSsmParameter(self, "ami", name=server.ami_parameter)
        tags = {**config.instance_tags, "Name": f"{name}-web"}
        self.launch_template = LaunchTemplate(
            self,
            "launch-template",
            name_prefix=f"{name}-web-",
            description="Web servers of the group: AL2023, IMDSv2 only, encrypted gp3 root, no public IP",
            image_id=ami.insecure_value,
            instance_type=server.instance_type,
            key_name=key_name,
            iam_instance_profile=LaunchTemplateIamInstanceProfile(arn=self.access.instance_profile.arn),
            # Hop limit 1: nothing on the host (no containers) needs the metadata service one hop further away.
            metadata_options=LaunchTemplateMetadataOptions(
                http_tokens="required", http_endpoint="enabled", http_put_response_hop_limit=1
            ),
            network_interfaces=[self._network_interface()],
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name=ROOT_DEVICE,
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        encrypted="true",
                        volume_type="gp3",
                        volume_size=server.root_volume_gib,
                        delete_on_termination="true",
                    ),
                )
            ],
            monitoring=LaunchTemplateMonitoring(enabled=server.detailed_monitoring),
            ebs_optimized="true",
            # Base64 of the literal text (the config refuses references): nothing for Terraform to interpolate.
            user_data=base64.b64encode(server.user_data.encode("utf-8")).decode("ascii")
            if server.user_data is not None
            else None,
            tag_specifications=[
                LaunchTemplateTagSpecifications(resource_type=kind, tags=tags) for kind in ("instance", "volume")
            ],
            # Each change is a new version, and the default: the group below follows latest_version.
            update_default_version=True,
            tags={"Name": f"{name}-web"},
        )
        self.group = AutoscalingGroup(
            self,
            "group",
            name_prefix=f"{name}-web-",
            vpc_zone_identifier=subnet_ids,
            min_size=config.min_size,
            max_size=config.max_size,
            # desired_capacity unset: the group starts at min_size, and scaling (not the next apply) moves it after.
            launch_template=AutoscalingGroupLaunchTemplate(
                id=self.launch_template.id, version=Token.as_string(self.launch_template.latest_version)
            ),
            health_check_type="ELB",
            health_check_grace_period=config.health_check_grace_seconds,
            wait_for_capacity_timeout=WAIT_FOR_CAPACITY_TIMEOUT,
            instance_refresh=AutoscalingGroupInstanceRefresh(
                strategy="Rolling",
                preferences=AutoscalingGroupInstanceRefreshPreferences(
                    min_healthy_percentage=MIN_HEALTHY_PERCENTAGE,
                    max_healthy_percentage=MAX_HEALTHY_PERCENTAGE,
                    instance_warmup=str(config.instance_warmup_seconds),
                ),
            ),
            enabled_metrics=list(GROUP_METRICS),
            metrics_granularity="1Minute",
            tag=[AutoscalingGroupTag(key="Name", value=f"{name}-web", propagate_at_launch=False)],
            # A replaced group (a name change) serves before the old one goes.
            lifecycle={"create_before_destroy": True},
        )
        self.group_name: str = self.group.name
        self.resource: TerraformResource = self.group
        if config.scaling == "cpu":
            self._target_tracking("ASGAverageCPUUtilization", None)

    def add_security_group(self, security_group_id: str) -> None:
        """Attach one more group to the instances the template launches (a new template version)."""
        self.access.security_group_ids.append(security_group_id)
        self.launch_template.put_network_interfaces([self._network_interface()])

    def _network_interface(self) -> LaunchTemplateNetworkInterfaces:
        """No public IP (the group lives in private subnets, reached through the load balancer), the web groups."""
        return LaunchTemplateNetworkInterfaces(
            device_index=0,
            associate_public_ip_address="false",
            delete_on_termination="true",
            security_groups=list(self.access.security_group_ids),
        )

    def allow_http_from_group(self, group_id: str, description: str, *, port: int = 80) -> None:
        """Admit HTTP from the members of another security group (a load balancer's): see WebAccess."""
        self.access.allow_http_from_group(group_id, description, port=port)

    def join_target_group(
        self, scope: Construct, id: str, *, target_group_arn: str, port: int, resource_label: str
    ) -> None:
        """The group registers each instance it launches itself (its port is the target group's); requests-per-target
        scaling is made here, where the load balancer is known."""
        del scope, id, port
        self.group.target_group_arns = [target_group_arn]
        if self.config.scaling == "requests":
            self._target_tracking("ALBRequestCountPerTarget", resource_label)

    def _target_tracking(self, metric: str, resource_label: str | None) -> None:
        # Imported here: groups without scaling never pay for the policy's provider module.
        from cdktf_cdktf_provider_aws.autoscaling_policy import (
            AutoscalingPolicy,
            AutoscalingPolicyTargetTrackingConfiguration,
            AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification,
        )

        target = self.config.target_value
        assert target is not None  # scaling is on
        AutoscalingPolicy(
            self,
            "scaling",
            name=f"{self.config.server.name}-web-{self.config.scaling}",
            autoscaling_group_name=self.group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration=AutoscalingPolicyTargetTrackingConfiguration(
                target_value=target,
                predefined_metric_specification=(
                    AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=metric, resource_label=resource_label
                    )
                ),
            ),
        )
