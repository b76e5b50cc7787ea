"""Wrap one of moto's methods for the tests' server, once per process however often an `install()` runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def wrap_once(owner: type, name: str, wrap: Callable[[Any], Any]) -> None:
    """Set `owner.name` to `wrap(owner.name)`, unless this already did (a marker attribute on `owner` says so)."""
    marker = f"_aurora_web_wrapped_{name}"
    if getattr(owner, marker, False):
        return
    setattr(owner, name, wrap(getattr(owner, name)))
    setattr(owner, marker, True)
