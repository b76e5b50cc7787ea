"""Settings documents (the parsed TOML a user writes) as the deploy tests build them."""

from __future__ import annotations

import copy


def merged(*documents: dict) -> dict:
    """The documents merged table by table, later ones winning; the inputs are never changed."""
    result: dict = {}
    for document in documents:
        for key, value in document.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = copy.deepcopy(value)
    return result
