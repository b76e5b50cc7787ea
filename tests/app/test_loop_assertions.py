"""Guard: no test asserts only inside loops over a collection that could be empty (issue 21).

`for x in things: assert ...` and `assert all(... for x in things)` pass when `things` is empty, so a test whose
every assertion is of that kind can pass having checked nothing. Such a test must also assert that it saw something
(ideally the expected count). Loops over a literal tuple/list or `range(<constant>)` are never empty and do not count.
"""

from __future__ import annotations

import ast

from tests.support.paths import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests"
# Files another change of issue 21 owns (the README's tests); each entry is fixed there, then removed here.
NOT_YET_FIXED: set[str] = set()  # every loop-only test is fixed; name one here only with its reason


def _never_empty(iterable: ast.expr) -> bool:
    if isinstance(iterable, (ast.Tuple, ast.List, ast.Set)):
        return bool(iterable.elts)
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and all(isinstance(argument, ast.Constant) for argument in iterable.args)
    )


def _is_assertion(node: ast.AST) -> bool:
    """An assert statement, or a call of a checking helper (`stack.has(...)`, `assert_passed(...)`)."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return name == "has" or name.startswith("assert")
    return False


def _vacuous_when_empty(node: ast.AST) -> bool:
    """`assert all(...)` alone: True for an empty generator."""
    return (
        isinstance(node, ast.Assert) and isinstance(node.test, ast.Call) and getattr(node.test.func, "id", "") == "all"
    )


def _assertions(node: ast.AST, in_loop: bool = False):
    """(assertion, whether it is checked only when some possibly empty collection has items)."""
    for child in ast.iter_child_nodes(node):
        if _is_assertion(child):
            yield child, in_loop or _vacuous_when_empty(child)
        inside = in_loop or (isinstance(child, (ast.For, ast.AsyncFor)) and not _never_empty(child.iter))
        yield from _assertions(child, inside)


def loop_only_tests() -> list[str]:
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for function in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name.startswith("test"):
                checks = [loop_only for _, loop_only in _assertions(function)]
                name = f"{path.relative_to(PROJECT_ROOT)}:{function.name}"
                if checks and all(checks) and name not in NOT_YET_FIXED:
                    found.append(f"{name} (line {function.lineno})")
    return found


def test_every_test_asserts_something_outside_loops_over_possibly_empty_collections():
    assert not loop_only_tests(), "assert that the loop saw something (ideally the expected count)"


def test_the_guard_catches_a_loop_only_test_and_a_bare_all():
    source = (
        "def test_loop(stack):\n    for item in stack.items():\n        assert item\n"
        "def test_all(stack):\n    assert all(item for item in stack)\n"
        "def test_counted(stack):\n    assert len(stack) == 2\n    for item in stack:\n        assert item\n"
        "def test_literal(a, b):\n    for item in (a, b):\n        assert item\n"
    )
    flagged = [
        function.name for function in ast.parse(source).body if all(loop_only for _, loop_only in _assertions(function))
    ]
    assert flagged == ["test_loop", "test_all"]
