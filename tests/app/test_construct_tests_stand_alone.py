"""Guard: tests/constructs builds each construct alone (tests/support/bare_stack.py and its config dataclass).

A construct test that goes through the settings profiles tests the profile, not the construct: it breaks when a
profile default changes and passes while the construct is wrong in a way the profile does not reach. What a profile
produces is tested in tests/settings/profiles/ (issue 21).
"""

from __future__ import annotations

import ast

from tests.support.paths import PROJECT_ROOT

CONSTRUCT_TESTS = PROJECT_ROOT / "tests" / "constructs"
# The helpers that synthesize whole stacks from settings, and the conftest fixtures built on them.
PROFILE_HELPERS = {"tests.support.synthesized", "tests.support.aurora_features"}
PROFILE_FIXTURES = {"dev", "prod", "scaled", "serverless"}


def profile_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in PROFILE_HELPERS:
            found.append(f"line {node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: imports {alias.name}" for alias in node.names if alias.name in PROFILE_HELPERS
            ]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = {argument.arg for argument in node.args.args} & PROFILE_FIXTURES
            found += [f"line {node.lineno}: {node.name} takes the {name} fixture" for name in sorted(arguments)]
    return found


def test_construct_tests_use_no_settings_profile():
    modules = sorted(CONSTRUCT_TESTS.glob("test_*.py"))
    assert len(modules) >= 10, "tests/constructs moved?"
    problems = [f"{path.name} {use}" for path in modules for use in profile_uses(path.read_text())]
    assert not problems, "build the construct on a bare stack, or move the test to tests/settings/profiles"


def test_the_guard_sees_an_import_and_a_fixture():
    source = (
        "from tests.support.synthesized import make_config\n"
        "def test_a(prod, tmp_path):\n    pass\n"
        "def test_b():\n    import tests.support.aurora_features\n"
    )
    assert profile_uses(source) == [
        "line 1: imports tests.support.synthesized",
        "line 2: test_a takes the prod fixture",
        "line 5: imports tests.support.aurora_features",
    ]
