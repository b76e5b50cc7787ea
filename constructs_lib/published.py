"""What AWS and MySQL publish as accepted values, read from the JSON files in constructs_lib/data/.

Each file names its public source per entry; they are read on first use (importing the library reads nothing).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
AURORA_MYSQL3 = DATA / "aurora_mysql3.json"
MYSQL_RESERVED_WORDS = DATA / "mysql80_reserved_words.json"


@cache
def _names(path: Path, section: str) -> frozenset[str]:
    entries = json.loads(path.read_text(encoding="utf-8"))[section]
    return frozenset(entry["name"] if isinstance(entry, dict) else entry for entry in entries)


def aurora_mysql3_instance_classes() -> frozenset[str]:
    """The DB instance classes Aurora MySQL 3 runs on (AWS's "Supported DB engines for DB instance classes")."""
    return _names(AURORA_MYSQL3, "instance_classes")


def aurora_mysql3_engine_versions() -> frozenset[str]:
    """The released Aurora MySQL 3 engine versions, as the RDS API writes them (8.0.mysql_aurora.3.xx.y)."""
    return _names(AURORA_MYSQL3, "engine_versions")


def mysql_reserved_words() -> frozenset[str]:
    """MySQL 8.0's reserved words, upper case (the manual's words marked (R))."""
    return _names(MYSQL_RESERVED_WORDS, "reserved_words")
