"""constructs_lib as a library: another team's cdktf app (examples/website_with_bucket) uses it beside a resource
constructs_lib never imports, with and without the synth fast path (its one `cdktf_fastpath.enable` call and its
own pyproject.toml), and importing the library changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdktf_fastpath import switches
from cdktf_fastpath.node_runtime import wheel_node_bin_dir
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program

EXAMPLE = PROJECT_ROOT / "examples" / "website_with_bucket"
STACK_JSON = Path("cdktf.out") / "stacks" / "website" / "cdk.tf.json"
FALLBACK_LINES = ("provider fast import not applied", "lean provider assembly not used", "cdktf-fastpath: off")


def child_env(**extra: str) -> dict[str, str]:
    """A user's shell: the checkout on PYTHONPATH, none of our switches or settings, no JSII_NODE (the example
    picks the wheel's Node itself) and no `node` on PATH (a machine's Node may be an unsupported one)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AURORA_WEB_", "CDKTF_OUTDIR", "JSII_NODE")) and key not in switches.VARIABLES
    }
    env.update(PYTHONPATH=str(PROJECT_ROOT), PATH=str(Path(sys.executable).parent), **extra)
    return env


def run_python(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=child_env(**extra),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def example_copy(directory: Path) -> Path:
    """The example in `directory`, its settings pointing at this checkout's constructs_lib (an absolute path)."""
    shutil.copytree(EXAMPLE, directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("cdktf.out", ".keys"))
    settings = directory / "pyproject.toml"
    settings.write_text(
        settings.read_text().replace('"../../constructs_lib"', json.dumps(str(PROJECT_ROOT / "constructs_lib")))
    )
    return directory


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """The example with the fast path off (CDKTF_FASTPATH=0): a plain cdktf app, the provider imported as usual."""
    directory = example_copy(tmp_path_factory.mktemp("plain"))
    result = run_python(["main.py"], directory, CDKTF_FASTPATH="0")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "no Node end-of-life banner, no fallback line"
    return directory


@pytest.mark.integration
def test_the_example_runs_fast_with_the_wheels_node_and_writes_the_plain_paths_json(plain, tmp_path):
    """Its one enable() call: no fallback line, the wheel's Node (none on PATH), the JSON of CDKTF_FASTPATH=0."""
    directory = example_copy(tmp_path)
    shutil.copytree(plain / ".keys", directory / ".keys")  # the same key, so the JSON can be compared byte for byte
    result = run_python(["main.py"], directory)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert (directory / STACK_JSON).read_text() == (plain / STACK_JSON).read_text()


@pytest.mark.integration
def test_the_example_composes_our_constructs_with_an_s3_bucket(plain):
    document = json.loads((plain / STACK_JSON).read_text())
    resources = document["resource"]
    assert {"aws_s3_bucket", "aws_s3_bucket_public_access_block", "aws_rds_cluster", "aws_instance"} <= set(resources)
    (cluster,) = resources["aws_rds_cluster"].values()
    assert cluster["cluster_identifier"] == "website-db" and cluster["depends_on"][0].startswith("aws_instance.")


@pytest.mark.integration
def test_the_example_passes_terraform_validate_offline(plain):
    terraform = require_program("terraform")
    stack_dir = plain / STACK_JSON.parent
    for command in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-no-color"]):
        result = subprocess.run(
            [terraform, *command], cwd=stack_dir, capture_output=True, text=True, check=False, timeout=600
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_the_fast_path_covers_a_users_own_module_and_writes_the_same_json(plain, tmp_path):
    """A project whose own module imports s3_bucket: the lean assembly includes it (no ImportError, no fallback)."""
    for package in ("constructs_lib", "cdktf_fastpath"):
        (tmp_path / package).symlink_to(PROJECT_ROOT / package)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")  # names the provider, no sources
    shutil.copy(EXAMPLE / "main.py", tmp_path / "website.py")
    shutil.copytree(plain / ".keys", tmp_path / ".keys")  # the same key, so the JSON can be compared byte for byte
    (tmp_path / "main.py").write_text(
        "from pathlib import Path\n\n"
        "import cdktf_fastpath\n\n"
        "cdktf_fastpath.enable(Path(__file__).resolve().parent)\n"
        "import website  # noqa: E402,F401 - synthesizes on import\n"
    )
    result = run_python(["main.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not any(line in result.stderr for line in FALLBACK_LINES), result.stderr
    assert (tmp_path / STACK_JSON).read_text() == (plain / STACK_JSON).read_text()


def test_importing_the_library_changes_nothing_in_the_process(tmp_path):
    """In a fresh interpreter: every constructs_lib module imported, sys.meta_path and os.environ are as before.

    The snapshot is taken once cdktf is imported: its own dependencies add a finder (six's), which any cdktf app has.
    """
    probe = """
import importlib, json, os, pkgutil, sys
import cdktf, constructs
before = ([repr(finder) for finder in sys.meta_path], dict(os.environ))
import constructs_lib
names = ["constructs_lib"] + [info.name for info in pkgutil.walk_packages(constructs_lib.__path__, "constructs_lib.")]
for name in names:
    importlib.import_module(name)
after = ([repr(finder) for finder in sys.meta_path], dict(os.environ))
print(json.dumps({"modules": names, "same": before == after}))
"""
    env = child_env(JSII_NODE=str(wheel_node_bin_dir() / "node"))  # no enable() here to choose it
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "constructs_lib.aurora_web_stack" in report["modules"] and len(report["modules"]) > 10
    assert report["same"] is True
