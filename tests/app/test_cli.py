"""One command line: every subcommand answers --help with its own usage, and a wrong one is a usage error."""

from __future__ import annotations

import pytest

from aurora_web.cli import SUBCOMMANDS
from tests.support.app_cli import run_cli


def test_the_subcommands_the_app_promises_are_there():
    assert {"synth", "hcl", "handoff", "plan-summary", "diagram", "bench", "schema"} <= set(SUBCOMMANDS)


def test_the_top_level_help_lists_every_subcommand():
    result = run_cli("--help", timeout=120)
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in SUBCOMMANDS)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_has_its_own_help(name):
    result = run_cli(name, "--help", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m aurora_web {name}")


def test_an_unknown_subcommand_is_a_usage_error_without_a_traceback():
    result = run_cli("sinth", timeout=120)
    assert result.returncode == 2
    assert "invalid choice: 'sinth'" in result.stderr and "Traceback" not in result.stderr
