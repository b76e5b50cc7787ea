"""The README documents every settings key the loader accepts, and only those."""

import re
from pathlib import Path

from aurora_web.settings.loader import APP_KEYS, KEYS

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_key_table_matches_the_loader():
    documented = set(
        re.findall(
            r"^\| `([a-z_.]+)` \| (?:string|integer|boolean|string list|string table) \|",
            README.read_text(),
            flags=re.MULTILINE,
        )
    )
    accepted = {
        f"{section}.{key}" if section else key for section, keys in {**KEYS, **APP_KEYS}.items() for key in keys
    }
    assert documented == accepted
