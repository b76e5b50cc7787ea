"""Tests that run an outside program (terraform, shellcheck) skip, naming it, where it is not installed."""

import shutil

import pytest


def require_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"prerequisite missing: `{name}` is not on PATH")
    return path
