"""Two behaviours of EC2 Auto Scaling that moto 5.2.5 leaves out, added for the tests' moto server.

Why: prod's web tier is an Auto Scaling group whose launch template puts its security groups on the network
interface (with associate_public_ip_address = false, EC2 takes groups only there), across the private subnets of two
AZs. moto 5.2.5 launches a group's instances
- with the launch template's top-level SecurityGroupIds/SecurityGroups only: groups given on the template's network
  interface are dropped, so the instances run in the VPC's default group instead of the web and DB-access groups;
- all in the first subnet of VPCZoneIdentifier ("We'll create all instances in a single subnet to make things
  easier", moto/autoscaling/models.py), so a group over two AZs has every instance in one.

What AWS does, from its documentation: an instance launched from a template takes the groups of the template's
network interface (EC2 User Guide, "Launch template settings: Network settings"), and Auto Scaling "attempts to
distribute instances evenly between the Availability Zones that are enabled" for the group (Auto Scaling User Guide,
"Instance distribution across Availability Zones"). `install()` makes moto do both:

- InstanceBackend.run_instances with a launch template, when neither security group names nor ids are given and the
  template's first network interface lists Groups: those group ids are used.
- FakeAutoScalingGroup.replace_autoscaling_group_instances: each new instance goes to the subnet of VPCZoneIdentifier
  that has the fewest of the group's instances (the first such subnet on a tie), one at a time.

Everything else (the group, target group registration, health, scaling) is moto's own, unchanged.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from moto.autoscaling.models import FakeAutoScalingGroup
from moto.ec2.models.instances import InstanceBackend

INSTALLED = "_aurora_web_group_additions_installed"


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
        return moto_run_instances(self, image_id, count, user_data, security_group_names, **kwargs)

    run_instances.__doc__ = moto_run_instances.__doc__
    return run_instances


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


def install() -> None:
    """Wrap moto's two methods (once)."""
    if getattr(FakeAutoScalingGroup, INSTALLED, False):
        return
    InstanceBackend.run_instances = _groups_from_network_interface(InstanceBackend.run_instances)  # type: ignore[method-assign]
    FakeAutoScalingGroup.replace_autoscaling_group_instances = _balanced_over_subnets(  # type: ignore[method-assign]
        FakeAutoScalingGroup.replace_autoscaling_group_instances
    )
    setattr(FakeAutoScalingGroup, INSTALLED, True)
