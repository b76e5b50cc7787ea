"""The web group's settings: a frozen, validated config, kept apart from the construct so that reading or checking
them never loads the Auto Scaling provider classes (constructs_lib/web_group.py builds from it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from .limits import (
    WEB_GROUP_GRACE_SECONDS,
    WEB_GROUP_SIZE,
    WEB_SCALING_CPU_PERCENT,
    WEB_SCALING_REQUESTS_PER_TARGET,
)
from .validation import ProblemList, is_int, is_number
from .web_server_config import WebServerConfig

# The web tier's two shapes: one instance (web_server.py) or an Auto Scaling group (web_group.py).
Fleet = Literal["instance", "group"]
FLEETS: Final = get_args(Fleet)
# none: a fixed group of min_size; cpu: average CPUUtilization of the group; requests: ALB requests per target.
Scaling = Literal["none", "cpu", "requests"]
SCALINGS: Final = get_args(Scaling)
# The target a scaling policy holds when web.scaling_target is unset: half the CPU leaves room for a lost AZ's load;
# 1000 requests a minute per target is about what one small instance of this app serves with headroom.
DEFAULT_SCALING_TARGET: Final = {"cpu": 50.0, "requests": 1000.0}
SCALING_TARGET_BOUND: Final = {"cpu": WEB_SCALING_CPU_PERCENT, "requests": WEB_SCALING_REQUESTS_PER_TARGET}
# Rolling refresh: launch the new instances before the old ones go (never below min_size in service, at most twice
# the group for a moment). With 2 instances, 50 % would take one AZ's server away while its successor boots.
MIN_HEALTHY_PERCENTAGE: Final = 100
MAX_HEALTHY_PERCENTAGE: Final = 200
# How long the group waits at create for min_size instances InService; Terraform's own default, written down.
WAIT_FOR_CAPACITY_TIMEOUT: Final = "10m"


@dataclass(frozen=True)
class WebGroupConfig:
    """Settings of the Auto Scaling group of web servers (prod's default web tier).

    server: what each instance is (type, AMI parameter, root volume, monitoring, user data, access), the single
        server's own config. Its `public` is ignored: the group's instances never have a public IP.
    min_size / max_size: instances, 1 to 20, min <= max. Default 2 / 4 (one per AZ at least). The group starts at
        min_size and Terraform leaves its desired capacity to scaling afterwards.
    scaling: "none" (fixed at min_size unless an instance fails), "cpu" (target tracking on average CPU percent) or
        "requests" (ALB requests per target a minute). Default "none".
    scaling_target: the value the policy holds. Default 50 (cpu) or 1000 (requests); refused with scaling "none".
    health_check_grace_seconds: how long a new instance may fail the load balancer's health check before the group
        replaces it: boot and app install take 2 to 4 minutes. Default 300.
    instance_warmup_seconds: how long a refresh waits after an instance is InService before the next step.
        Default 300.
    instance_tags: tags for the instances and volumes the group launches (the provider's default_tags do not reach
        them); the stack passes its own. Default: none besides Name.
    """

    server: WebServerConfig = field(default_factory=lambda: WebServerConfig(public=False, http_cidrs=()))
    min_size: int = 2
    max_size: int = 4
    scaling: str = "none"
    scaling_target: float | None = None
    health_check_grace_seconds: int = 300
    instance_warmup_seconds: int = 300
    instance_tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = ProblemList()
        sizes_ok = True
        for name in ("min_size", "max_size"):
            value = getattr(self, name)
            sizes_ok &= problems.check(
                is_int(value) and WEB_GROUP_SIZE.holds(value), name, value, f"must be an integer {WEB_GROUP_SIZE.text}"
            )
        if sizes_ok:
            problems.check(
                self.min_size <= self.max_size,
                "min_size",
                self.min_size,
                f"must be at most max_size ({self.max_size})",
            )
        if problems.check(self.scaling in SCALINGS, "scaling", self.scaling, f"must be one of {', '.join(SCALINGS)}"):
            if self.scaling == "none":
                problems.check(
                    self.scaling_target is None,
                    "scaling_target",
                    self.scaling_target,
                    'needs scaling = "cpu" or "requests"; with "none" the group holds min_size',
                )
            elif self.scaling_target is not None:
                bound = SCALING_TARGET_BOUND[self.scaling]
                problems.check(
                    is_number(self.scaling_target) and bound.holds(self.scaling_target),
                    "scaling_target",
                    self.scaling_target,
                    f"must be a number {bound.text} for scaling = {self.scaling!r}",
                )
        for name in ("health_check_grace_seconds", "instance_warmup_seconds"):
            value = getattr(self, name)
            problems.check(
                is_int(value) and WEB_GROUP_GRACE_SECONDS.holds(value),
                name,
                value,
                f"must be an integer {WEB_GROUP_GRACE_SECONDS.text} seconds",
            )
        problems.raise_if_any()

    @property
    def target_value(self) -> float | None:
        """The scaling policy's target: the one given, else the metric's default; None without scaling."""
        if self.scaling == "none":
            return None
        return self.scaling_target if self.scaling_target is not None else DEFAULT_SCALING_TARGET[self.scaling]
