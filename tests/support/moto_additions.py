"""Scalable-target tags for the tests' moto server: the Application Auto Scaling tagging that moto 5.2.5 lacks.

Why: moto 5.2.5's Application Auto Scaling has no ListTagsForResource, TagResource or UntagResource (each answers
HTTP 500, "The ... action has not been implemented"), and its RegisterScalableTarget drops the Tags parameter.
hashicorp/aws 5.100.0 tags `aws_appautoscaling_target` (the provider's default tags included) and reads the tags
back with ListTagsForResource right after registering the target, so a stack with reader autoscaling could not be
applied to moto at all.

`install()` adds, on moto's own ApplicationAutoScalingResponse class, as the API reference describes them:

- ListTagsForResource(ResourceARN) -> {"Tags": {key: value}}, the scalable target's tags ({} when it has none).
- TagResource(ResourceARN, Tags) -> {}: adds each tag, or replaces the value of a key the target already has.
- UntagResource(ResourceARN, TagKeys) -> {}: removes those keys (a key the target does not have is no error).
- RegisterScalableTarget: its Tags are stored on a target it creates. With Tags, registering a target that exists is
  refused with ValidationException, as AWS does ("The scalable target that you tried to tag already exists. To update
  tags on an existing scalable target, use the TagResource API.", quoted in hashicorp/terraform-provider-aws#31839);
  without Tags, re-registering is moto's own update, and the tags stay.
- A ResourceARN that does not have the reference's form (arn:<partition>:application-autoscaling:<region>:<account>:
  scalable-target/<id>): ValidationException. One of that form that names no target registered in the caller's
  account and region: ResourceNotFoundException (HTTP 400, with ResourceName), as the reference lists. The messages'
  wording is ours.

The ARN is moto's own ScalableTargetARN (what RegisterScalableTarget and DescribeScalableTargets return, and what the
provider stores as `arn`). Tags live on moto's target object, so deregistering the target or resetting moto drops
them. Not enforced: the limits on tag count and key/value length. Everything else (targets, policies, scheduled
actions, every other service) is moto's own, unchanged. Run it with `python -m tests.support.moto_server`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, FakeScalableTarget
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError

ADDED_OPERATIONS = ("list_tags_for_resource", "tag_resource", "untag_resource")
# The ResourceARN pattern of ListTagsForResource, TagResource and UntagResource in the API reference.
SCALABLE_TARGET_ARN = re.compile(r"^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target/[a-zA-Z0-9-]+$")
TAGS_ATTRIBUTE = "tags"  # where a target's tags are kept on moto's FakeScalableTarget
ALREADY_EXISTS = (
    "The scalable target that you tried to tag already exists. "
    "To update tags on an existing scalable target, use the TagResource API."
)


class ResourceNotFoundException(JsonRESTError):
    def __init__(self, arn: str) -> None:
        super().__init__("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")
        self.description = json.dumps({"__type": self.error_type, "message": self.message, "ResourceName": arn})


def target_tags(target: FakeScalableTarget) -> dict[str, str]:
    """The target's own tag map (created empty on first use)."""
    if not hasattr(target, TAGS_ATTRIBUTE):
        setattr(target, TAGS_ATTRIBUTE, {})
    tags: dict[str, str] = getattr(target, TAGS_ATTRIBUTE)
    return tags


def target_by_arn(backend: ApplicationAutoscalingBackend, arn: Any) -> FakeScalableTarget:
    if not isinstance(arn, str) or not SCALABLE_TARGET_ARN.match(arn):
        raise AWSValidationException(
            f"1 validation error detected: Value '{arn}' at 'resourceARN' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {SCALABLE_TARGET_ARN.pattern}"
        )
    for by_resource in backend.targets.values():
        for target in by_resource.values():
            if target.arn == arn:
                return target
    raise ResourceNotFoundException(arn)


def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
    target = target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    return json.dumps({"Tags": dict(target_tags(target))})


def tag_resource(self: ApplicationAutoScalingResponse) -> str:
    target = target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    target_tags(target).update(self._get_param("Tags") or {})
    return json.dumps({})


def untag_resource(self: ApplicationAutoScalingResponse) -> str:
    target = target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    tags = target_tags(target)
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return json.dumps({})


def _with_tags(moto_register: Any) -> Any:
    """moto's RegisterScalableTarget, plus its Tags: stored on a new target, refused for an existing one."""

    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        tags = self._get_param("Tags") or {}
        backend = self.applicationautoscaling_backend
        resource_id, dimension = self._get_param("ResourceId"), self._get_param("ScalableDimension")
        if tags and backend._scalable_target_exists(resource_id, dimension):
            raise AWSValidationException(ALREADY_EXISTS)
        body: str = moto_register(self)
        if tags:
            target_tags(backend.targets[dimension][resource_id]).update(tags)
        return body

    register_scalable_target.__doc__ = moto_register.__doc__
    return register_scalable_target


def install() -> None:
    """Add the operations to moto's response class (once). Refuses if moto already has one: then drop this module."""
    response = ApplicationAutoScalingResponse
    if getattr(response, "_aurora_web_tagging_installed", False):
        return
    present = [name for name in ADDED_OPERATIONS if hasattr(response, name)]
    if present:
        raise RuntimeError(
            f"moto's Application Auto Scaling now has {present}: tests/support/moto_additions.py is obsolete"
        )
    response.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    response.tag_resource = tag_resource  # type: ignore[attr-defined]
    response.untag_resource = untag_resource  # type: ignore[attr-defined]
    response.register_scalable_target = _with_tags(response.register_scalable_target)  # type: ignore[method-assign]
    response._aurora_web_tagging_installed = True  # type: ignore[attr-defined]
