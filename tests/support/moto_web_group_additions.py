"""What EC2 Auto Scaling does for prod's web group and moto 5.2.5 leaves out, added for the tests' moto server.

Why: prod's web tier is an Auto Scaling group whose launch template puts its security groups on the network
interface (with associate_public_ip_address = false, EC2 takes groups only there), across the private subnets of two
AZs. moto 5.2.5 launches a group's instances
- with the launch template's top-level SecurityGroupIds/SecurityGroups only: groups given on the template's network
  interface are dropped, so the instances run in the VPC's default group instead of the web and DB-access groups;
  and without the template's metadata options and instance profile;
- all in the first subnet of VPCZoneIdentifier ("We'll create all instances in a single subnet to make things
  easier", moto/autoscaling/models.py), so a group over two AZs has every instance in one.

What AWS does, from its documentation: an instance launched from a template takes the groups of the template's
network interface (EC2 User Guide, "Launch template settings: Network settings"), and Auto Scaling "attempts to
distribute instances evenly between the Availability Zones that are enabled" for the group (Auto Scaling User Guide,
"Instance distribution across Availability Zones"). `install()` makes moto do both:

- InstanceBackend.run_instances with a launch template, when neither security group names nor ids are given and the
  template's first network interface lists Groups: those group ids are used. The template's MetadataOptions
  (IMDSv2) and IamInstanceProfile apply to the instance when the call gives none: moto 5.2.5 applies them only from
  RunInstances' own parameters, so a group's instances ran with IMDSv1 allowed and no instance profile.
- FakeAutoScalingGroup.replace_autoscaling_group_instances: each new instance goes to the subnet of VPCZoneIdentifier
  that has the fewest of the group's instances (the first such subnet on a tie), one at a time.

- CreateLaunchTemplate: the template's own tags (TagSpecifications of resource type launch-template) tag the
  template only. moto 5.2.5 also appends them to the template's LaunchTemplateData.TagSpecifications, where AWS
  never puts them (that list is for instances, volumes, network interfaces, spot requests), so the provider reads a
  tag specification back that the stack never wrote, and every later plan makes a new template version.
- CreateLaunchTemplateVersion: the new version's UserData is kept as the base64 text it came as. moto 5.2.5 parses
  it into its Base64EncodedString only in CreateLaunchTemplate, and asserts that type wherever an instance is
  launched from a version, so launching from any version after the first (a new app, a new instance type) failed
  with a 500. The text is checked as base64, as CreateLaunchTemplate does (InvalidUserData.Malformed otherwise).
- Instance refresh, which moto 5.2.5 has no handler for (hashicorp/aws 5.100.0 calls StartInstanceRefresh when a
  group with an `instance_refresh` block gets a new launch template version, and DescribeInstanceRefreshes /
  CancelInstanceRefresh when one is already running), as the API reference describes them:
  - StartInstanceRefresh(AutoScalingGroupName, Strategy, Preferences) -> {"InstanceRefreshId"}. The refresh is
    carried out at once, to its end state: every instance of the group is replaced by one launched from the group's
    current launch template version (the new ones registered in its target groups, the old ones deregistered and
    terminated); it is recorded as Successful, 100 %. A group that does not exist: ValidationError.
  - DescribeInstanceRefreshes(AutoScalingGroupName, InstanceRefreshIds) -> {"InstanceRefreshes": [...]}, newest
    first.
  - CancelInstanceRefresh(AutoScalingGroupName): as every refresh here has already finished,
    ActiveInstanceRefreshNotFound, as AWS answers when none is in progress.
  Not emulated: the rolling itself (batches, warm-up, min/max healthy percentages), skip-matching, checkpoints.

Everything else (the group, target group registration, health, scaling) is moto's own, unchanged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend
from moto.ec2.utils import parse_user_data

INSTALLED = "_aurora_web_group_additions_installed"
ADDED_OPERATIONS = ("start_instance_refresh", "describe_instance_refreshes", "cancel_instance_refresh")
REFRESHES_ATTRIBUTE = "_instance_refreshes"  # where a backend keeps its refreshes: group name -> newest first


class ActiveInstanceRefreshNotFound(AutoscalingClientError):
    code = "ActiveInstanceRefreshNotFound"


def _refreshes(backend: AutoScalingBackend, group_name: str) -> list[dict[str, Any]]:
    if not hasattr(backend, REFRESHES_ATTRIBUTE):
        setattr(backend, REFRESHES_ATTRIBUTE, {})
    by_group: dict[str, list[dict[str, Any]]] = getattr(backend, REFRESHES_ATTRIBUTE)
    return by_group.setdefault(group_name, [])


def _group(backend: AutoScalingBackend, name: Any) -> FakeAutoScalingGroup:
    group = backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - {name}")
    return group


def _replace_every_instance(backend: AutoScalingBackend, group: FakeAutoScalingGroup) -> int:
    """The refresh's end state: the group's instances, all launched from its current template version."""
    old = [state.instance.id for state in group.instance_states]
    group.instance_states = []
    if group.target_group_arns and old:
        for target_group in backend.elbv2_backend.describe_target_groups(
            target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None
        ):
            backend.elbv2_backend.deregister_targets(target_group.arn, [{"Id": instance_id} for instance_id in old])
    if old:
        backend.ec2_backend.terminate_instances(old)
    group.replace_autoscaling_group_instances(group.desired_capacity or 0, group.get_propagated_tags())
    backend.update_attached_target_groups(group.name)
    return len(old)


def start_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    backend = self.autoscaling_backend
    group = _group(backend, self._get_param("AutoScalingGroupName"))
    started = datetime.now(UTC)
    replaced = _replace_every_instance(backend, group)
    refresh = {
        "InstanceRefreshId": str(uuid.uuid4()),
        "AutoScalingGroupName": group.name,
        "Status": "Successful",
        "StatusReason": f"replaced {replaced} instance(s) with the launch template's current version",
        "StartTime": started,
        "EndTime": datetime.now(UTC),
        "PercentageComplete": 100,
        "InstancesToUpdate": 0,
        "Preferences": self._get_param("Preferences") or {},
    }
    _refreshes(backend, group.name).insert(0, refresh)
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def describe_instance_refreshes(self: AutoScalingResponse) -> ActionResult:
    backend = self.autoscaling_backend
    group = _group(backend, self._get_param("AutoScalingGroupName"))
    wanted = self._get_param("InstanceRefreshIds") or []
    refreshes = [
        refresh for refresh in _refreshes(backend, group.name) if not wanted or refresh["InstanceRefreshId"] in wanted
    ]
    return ActionResult({"InstanceRefreshes": refreshes})


def cancel_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    _group(self.autoscaling_backend, self._get_param("AutoScalingGroupName"))
    raise ActiveInstanceRefreshNotFound("No in progress or pending Instance Refresh found")


def _groups_from_network_interface(moto_run_instances: Any) -> Any:
    def run_instances(
        self: InstanceBackend, image_id: str, count: int, user_data: Any, security_group_names: list[str], **kwargs: Any
    ) -> Any:
        template_arg = kwargs.get("launch_template")
        if template_arg and not security_group_names and not kwargs.get("security_group_ids"):
            data = self._get_template_from_args(template_arg).data  # type: ignore[attr-defined]
            interfaces = data.get("NetworkInterfaces") or []
            groups = interfaces[0].get("Groups") if interfaces else None
            if groups:
                kwargs["security_group_ids"] = list(groups)
        profile: dict[str, Any] = {}
        if template_arg:
            data = self._get_template_from_args(template_arg).data  # type: ignore[attr-defined]
            if not kwargs.get("metadata_options") and data.get("MetadataOptions"):
                kwargs["metadata_options"] = dict(data["MetadataOptions"])
            profile = data.get("IamInstanceProfile") or {}
        reservation = moto_run_instances(self, image_id, count, user_data, security_group_names, **kwargs)
        if profile.get("Arn") or profile.get("Name"):
            for instance in reservation.instances:
                if not self.iam_instance_profile_associations.get(instance.id):  # type: ignore[attr-defined]
                    self.associate_iam_instance_profile(  # type: ignore[attr-defined]
                        instance_id=instance.id,
                        iam_instance_profile_name=profile.get("Name"),
                        iam_instance_profile_arn=profile.get("Arn"),
                    )
        return reservation

    run_instances.__doc__ = moto_run_instances.__doc__
    return run_instances


def _own_tags_only_on_the_template(moto_create: Any) -> Any:
    def create_launch_template(
        self: LaunchTemplateBackend, name: str, description: str, template_data: dict[str, Any], tag_spec: Any
    ) -> Any:
        specifications = template_data.get("TagSpecifications")
        if specifications:
            kept = [spec for spec in specifications if spec.get("ResourceType") != "launch-template"]
            template_data = {**template_data, "TagSpecifications": kept}
            if not kept:
                del template_data["TagSpecifications"]
        return moto_create(self, name, description, template_data, tag_spec)

    create_launch_template.__doc__ = moto_create.__doc__
    return create_launch_template


def _balanced_over_subnets(moto_replace: Any) -> Any:
    def replace_autoscaling_group_instances(
        self: FakeAutoScalingGroup, count_needed: int, propagated_tags: dict[str, str]
    ) -> None:
        subnets = [subnet for subnet in (self.vpc_zone_identifier or "").split(",") if subnet]
        if len(subnets) < 2 or count_needed <= 0:
            moto_replace(self, count_needed, propagated_tags)
            return
        written = self.vpc_zone_identifier
        try:
            for _ in range(count_needed):
                used = Counter(state.instance.subnet_id for state in self.instance_states)
                fewest = min(subnets, key=lambda subnet: used[subnet])
                # moto launches into the first subnet listed: list the chosen one first for this one instance.
                self.vpc_zone_identifier = ",".join([fewest, *(subnet for subnet in subnets if subnet != fewest)])
                moto_replace(self, 1, dict(propagated_tags))
        finally:
            self.vpc_zone_identifier = written

    replace_autoscaling_group_instances.__doc__ = moto_replace.__doc__
    return replace_autoscaling_group_instances


def _user_data_as_moto_keeps_it(moto_create_version: Any) -> Any:
    def create_version(self: LaunchTemplate, data: dict[str, Any], description: str) -> Any:
        user_data = data.get("UserData")
        if isinstance(user_data, str | bytes):
            data = {**data, "UserData": parse_user_data(user_data)}
        return moto_create_version(self, data, description)

    return create_version


def install() -> None:
    """Add the refresh operations and wrap moto's two methods (once). Refuses if moto already has an operation."""
    if getattr(FakeAutoScalingGroup, INSTALLED, False):
        return
    present = [name for name in ADDED_OPERATIONS if hasattr(AutoScalingResponse, name)]
    if present:
        raise RuntimeError(f"moto's Auto Scaling now has {present}: drop them from moto_web_group_additions.py")
    AutoScalingResponse.start_instance_refresh = start_instance_refresh  # type: ignore[attr-defined]
    AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes  # type: ignore[attr-defined]
    AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh  # type: ignore[attr-defined]
    LaunchTemplateBackend.create_launch_template = _own_tags_only_on_the_template(  # type: ignore[method-assign]
        LaunchTemplateBackend.create_launch_template
    )
    LaunchTemplate.create_version = _user_data_as_moto_keeps_it(LaunchTemplate.create_version)  # type: ignore[method-assign]
    InstanceBackend.run_instances = _groups_from_network_interface(InstanceBackend.run_instances)  # type: ignore[method-assign]
    FakeAutoScalingGroup.replace_autoscaling_group_instances = _balanced_over_subnets(  # type: ignore[method-assign]
        FakeAutoScalingGroup.replace_autoscaling_group_instances
    )
    setattr(FakeAutoScalingGroup, INSTALLED, True)
