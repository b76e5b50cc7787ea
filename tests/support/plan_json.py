"""Hand-made `terraform show -json` plans for the tests that judge one: a resource change and a plan holding some."""

from __future__ import annotations


def resource_change(address: str, actions: list[str], before: dict | None = None, after: dict | None = None) -> dict:
    """One root-module managed resource's entry in `resource_changes`, nothing unknown after apply."""
    resource_type, name = address.split(".", 1)
    return {
        "address": address,
        "type": resource_type,
        "name": name,
        "mode": "managed",
        "change": {"actions": actions, "before": before or {}, "after": after or {}, "after_unknown": {}},
    }


def plan(*resource_changes: dict) -> dict:
    return {"resource_changes": list(resource_changes)}
