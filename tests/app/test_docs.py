"""The README is a front door that links into docs/; every link and repository path the docs show must resolve.

Also: the settings key table in docs/settings.md is generated from the schema; a stale table fails here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from aurora_web.settings.docs import SETTINGS_DOC, with_key_table
from tests.support.paths import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
# The front door: what it is, quick start, the diagram, a settings example, the commands, the layout, links.
README_MAX_LINES = 250
PAGES = [README, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# `dir/file.ext` or `dir/sub/` in backticks: a repository path when its first directory is a tracked one.
CODE_PATH = re.compile(r"`([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*)`")
# `python -m package.module`: a module of the checkout when its top package is a tracked directory.
RUN_MODULE = re.compile(r"python -m ([A-Za-z_][\w.]*)")


def tracked_top_directories() -> set[str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {name.split("/", 1)[0] for name in names if "/" in name}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses and links within the page
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve()
        if not resolved.exists() or (anchor and resolved.suffix == ".md" and anchor not in anchors(resolved)):
            broken.append(target)
    return broken


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def missing_paths(page: Path, tracked: set[str]) -> list[str]:
    return [
        path
        for path in CODE_PATH.findall(page.read_text())
        if path.split("/", 1)[0] in tracked and not (PROJECT_ROOT / path).exists()
    ]


def missing_modules(page: Path, tracked: set[str]) -> list[str]:
    missing = []
    for written in RUN_MODULE.findall(page.read_text()):
        module = written.rstrip(".")
        path = PROJECT_ROOT.joinpath(*module.split("."))
        if module.split(".")[0] in tracked and not (
            path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()
        ):
            missing.append(module)
    return missing


def test_the_readme_is_a_front_door_of_at_most_250_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move reference material into docs/"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_repository_path_in_backticks_exists(page):
    assert missing_paths(page, tracked_top_directories()) == []


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_python_dash_m_module_of_the_checkout_exists(page):
    assert missing_modules(page, tracked_top_directories()) == []


def test_the_checks_find_a_broken_link_and_a_missing_path(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n[gone](nothing-here.md#x), [ok](page.md#title), [no anchor](page.md#nope), [web](https://example.com)"
        " and `docs/no-such-page.md`; python -m tests.moto_server, python -m aurora_web\n"
    )
    assert broken_links(page) == ["nothing-here.md#x", "page.md#nope"]
    assert missing_paths(page, {"docs"}) == ["docs/no-such-page.md"]
    assert missing_modules(page, {"tests", "aurora_web"}) == ["tests.moto_server"]


def test_the_settings_key_table_is_generated_from_the_schema():
    text = SETTINGS_DOC.read_text()
    assert with_key_table(text) == text, "docs/settings.md key table is stale: run `make schema`"
