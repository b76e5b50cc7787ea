"""Reader autoscaling's settings: a frozen, validated config, kept apart from the construct so that reading them never
loads the Application Auto Scaling provider classes the construct needs (a stack without reader autoscaling never
imports them). It checks max_readers against the cluster's config (aurora_cluster_config), not the cluster."""

from __future__ import annotations

from dataclasses import dataclass

from .aurora_cluster_config import AuroraClusterConfig
from .limits import AUTOSCALING_MAX_READERS
from .validation import Problem, ProblemList, is_int, is_number

SERVICE_NAMESPACE = "rds"
SCALABLE_DIMENSION = "rds:cluster:ReadReplicaCount"
# Our name -> Application Auto Scaling's predefined metric for Aurora readers.
METRICS = {
    "cpu": "RDSReaderAverageCPUUtilization",
    "connections": "RDSReaderAverageDatabaseConnections",
}


@dataclass(frozen=True)
class AuroraAutoscalingConfig:
    """Target tracking on the cluster's reader count; the cluster's own readers (reader_count) are the minimum.

    max_readers: most readers in all, ours included, reader_count to 15. Default 3.
    metric: "cpu" (average reader CPU, default) or "connections" (average reader connections).
    target_cpu_percent: the CPU to hold when metric = "cpu", above 0 up to 100. Default 70 (as the Terraform module).
    target_connections: the connections per reader to hold when metric = "connections", 1 or more. Default 700
        (as the Terraform module; size it to the class's max_connections).
    scale_in_cooldown_seconds, scale_out_cooldown_seconds: wait after a removal / an addition, 0 or more.
        Default 300 each.
    Not for Serverless v2 clusters (they scale capacity, not reader count).
    """

    max_readers: int = 3
    metric: str = "cpu"
    target_cpu_percent: float = 70
    target_connections: int = 700
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 300

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            is_int(self.max_readers) and AUTOSCALING_MAX_READERS.holds(self.max_readers),
            "max_readers",
            self.max_readers,
            f"must be an integer {AUTOSCALING_MAX_READERS.text}",
        )
        problems.check(self.metric in METRICS, "metric", self.metric, f"must be one of {', '.join(METRICS)}")
        problems.check(
            is_number(self.target_cpu_percent) and 0 < self.target_cpu_percent <= 100,
            "target_cpu_percent",
            self.target_cpu_percent,
            "must be a percentage above 0, at most 100",
        )
        problems.check(
            is_int(self.target_connections) and self.target_connections >= 1,
            "target_connections",
            self.target_connections,
            "must be a positive integer",
        )
        for name in ("scale_in_cooldown_seconds", "scale_out_cooldown_seconds"):
            value = getattr(self, name)
            problems.check(is_int(value) and value >= 0, name, value, "must be an integer of 0 or more seconds")
        problems.raise_if_any()

    @property
    def target_value(self) -> float:
        return self.target_cpu_percent if self.metric == "cpu" else self.target_connections

    def problems_with(self, cluster: AuroraClusterConfig) -> list[Problem]:
        """What makes this config wrong for `cluster`: Serverless v2, or fewer readers allowed than it already has."""
        problems = ProblemList()
        problems.check(
            not cluster.serverless,
            "max_readers",
            self.max_readers,
            "reader autoscaling is not for Serverless v2 clusters (they scale ACUs); remove it or the ACU range",
        )
        problems.check(
            not is_int(cluster.reader_count) or self.max_readers >= cluster.reader_count,
            "max_readers",
            self.max_readers,
            f"must be at least the cluster's own readers (reader_count = {cluster.reader_count})",
        )
        return problems.problems
