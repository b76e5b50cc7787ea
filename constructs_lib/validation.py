"""One error type for bad input, carrying every problem at once so a user fixes them in one pass."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One bad input: which key, what value it had, and what is allowed instead."""

    key: str
    value: object
    allowed: str

    def render(self) -> str:
        return f"{display_key(self.key)} = {shorten(self.value)}: {self.allowed}"

    def under(self, section: str) -> Problem:
        return Problem(f"{section}.{self.key}" if section else self.key, self.value, self.allowed)


SHOWN_VALUE_LIMIT = 120  # long enough for a file path, short enough that a 50 MB value is not echoed


def shorten(value: object, limit: int = SHOWN_VALUE_LIMIT) -> str:
    """The value as an error line shows it: its repr, cut to `limit` characters with … when longer."""
    if isinstance(value, str | bytes) and len(value) > limit:
        value = value[: limit + 1]  # never build the repr of a huge value
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def display_key(key: str) -> str:
    """A dotted key as TOML would write it: segments that are not bare keys are quoted."""
    # json.dumps escapes quotes, newlines and control characters as a TOML basic string does: one line always.
    return ".".join(part if _BARE_KEY.fullmatch(part) else json.dumps(part) for part in key.split("."))


class ConfigError(ValueError):
    """Raised before any resource is built; lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(problem.render() for problem in self.problems))

    def under(self, section: str) -> ConfigError:
        return ConfigError([problem.under(section) for problem in self.problems])


class ProblemList:
    """Collects problems while a config checks its fields, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, key: str, value: object, allowed: str) -> None:
        self.problems.append(Problem(key, value, allowed))

    def check(self, condition: bool, key: str, value: object, allowed: str) -> bool:
        if not condition:
            self.add(key, value, allowed)
        return condition

    def check_booleans(self, owner: object, *names: str, **reported_as: str) -> None:
        """Each named field of `owner` must be a bool; `reported_as` maps a field to the key its problem names."""
        for name in (*names, *reported_as):
            value = getattr(owner, name)
            self.check(isinstance(value, bool), reported_as.get(name, name), value, "must be true or false")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
RDS_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
AWS_RESOURCE_ID = {
    "vpc": re.compile(r"^vpc-[0-9a-f]{8,17}$"),
    "subnet": re.compile(r"^subnet-[0-9a-f]{8,17}$"),
}


def is_region(value: object) -> bool:
    """An AWS region name like us-east-1 (partitions included: us-gov-west-1, us-isob-east-1)."""
    return isinstance(value, str) and bool(AWS_REGION.match(value))


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ..."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    match = re.match(r"^[a-z]{2}-(iso[a-z]?)-", region)
    if match:
        return "aws-" + match.group(1).replace("isob", "iso-b").replace("isof", "iso-f").replace("isoe", "iso-e")
    return "aws"


def is_availability_zone(value: object) -> bool:
    """A zone name: its region's name plus one letter, like us-east-1a."""
    return (
        isinstance(value, str)
        and len(value) > 1
        and is_region(value[:-1])
        and value[-1] in "abcdefghijklmnopqrstuvwxyz"
    )


def is_rds_identifier(value: object) -> bool:
    """Letters, digits and hyphens; starts with a letter; at most 63; no double or trailing hyphen."""
    return isinstance(value, str) and bool(RDS_IDENTIFIER.match(value))


def parse_ipv4_network(value: object) -> ipaddress.IPv4Network | None:
    """The network a CIDR string names, or None when it is not strict IPv4 CIDR notation."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days; 0 would mean "never expire".
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def is_number(value: object) -> bool:
    """An int or a float, not a bool (True is an int to Python, never a number to a user)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# The periods of a year or more: what auditors ask for (the WAF's logs keep one of these).
YEAR_OR_MORE_RETENTION_DAYS = tuple(days for days in LOG_RETENTION_DAYS if days >= 365)


# S3 bucket names AWS reserves (S3 User Guide, "General purpose bucket naming rules"): CreateBucket refuses these
# prefixes and suffixes.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
