"""The EC2-to-Aurora connection's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/ec2_aurora_connection.py builds from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .validation import ProblemList

SUFFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Ec2AuroraConnectionConfig:
    """suffix: names the groups `ec2-rds-<suffix>` and `rds-ec2-<suffix>`. Default "1", like the console."""

    suffix: str = "1"

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            isinstance(self.suffix, str) and bool(SUFFIX.match(self.suffix)),
            "suffix",
            self.suffix,
            "must be letters, digits or hyphens (at most 41)",
        )
        problems.raise_if_any()
