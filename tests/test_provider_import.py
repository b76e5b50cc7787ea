"""The lean provider import: same JSON as the normal import, and a loud, safe fallback when it cannot apply."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib import provider_import

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def provider_source() -> str:
    spec = importlib.util.find_spec(provider_import.PROVIDER_PACKAGE)
    return Path(spec.origin).read_text(encoding="utf-8")


def test_the_installed_package_has_the_expected_shape():
    source = provider_source()
    lean = provider_import.strip_eager_imports(source)
    assert lean is not None
    assert source.count("\nfrom . import ") > 2000
    assert "\nfrom . import " not in lean
    assert "from ._jsii import *" in lean and "publication.publish()" in lean


def test_an_unexpected_shape_is_not_stripped():
    source = provider_source()
    assert provider_import.strip_eager_imports(source.replace(provider_import.EAGER_IMPORTS_MARKER, "")) is None
    assert provider_import.strip_eager_imports(source + "print('new code after the imports')\n") is None


def test_the_hook_is_active_in_this_session():
    assert provider_import.PROVIDER_PACKAGE in sys.modules
    root = sys.modules[provider_import.PROVIDER_PACKAGE]
    assert "accessanalyzer_analyzer" not in vars(root), "the eager submodule imports ran"


@pytest.fixture(scope="module")
def shared_keys(tmp_path_factory) -> Path:
    """One generated key for every run here, so separate synths can be compared byte for byte."""
    from constructs_lib.key_pair import ensure_generated_key

    directory = tmp_path_factory.mktemp("keys")
    ensure_generated_key(directory / "aurora-web-key.pem")
    return directory


def synth_in(directory: Path, keys: Path, code: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    shutil.copy(PROJECT_ROOT / "main.py", directory / "main.py")
    (directory / "constructs_lib").symlink_to(PROJECT_ROOT / "constructs_lib")
    shutil.copytree(keys, directory / ".keys")
    env = {**os.environ, **(extra_env or {})}
    env.pop("AURORA_WEB_CONFIG", None)
    env.pop("CDKTF_OUTDIR", None)
    return subprocess.run([sys.executable, "-c", code], cwd=directory, env=env, capture_output=True, text=True, check=False)


RUN_MAIN = "import runpy; runpy.run_path('main.py', run_name='__main__')"
FORCE_FALLBACK = ("import constructs_lib.provider_import as hook; hook.EAGER_IMPORTS_MARKER = 'no such marker'; "
                  + RUN_MAIN)


@pytest.fixture(scope="module")
def lean_json(tmp_path_factory, shared_keys) -> str:
    directory = tmp_path_factory.mktemp("lean")
    result = synth_in(directory, shared_keys, RUN_MAIN)
    assert result.returncode == 0, result.stderr
    assert "fast import not applied" not in result.stderr
    return (directory / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text()


def test_fallback_says_so_once_and_synthesizes_byte_identical_json(lean_json, shared_keys, tmp_path):
    result = synth_in(tmp_path, shared_keys, FORCE_FALLBACK)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("provider fast import not applied (the provider package's __init__ has an unexpected shape)") == 1
    assert (tmp_path / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text() == lean_json


def test_switching_the_hook_off_synthesizes_byte_identical_json(lean_json, shared_keys, tmp_path):
    result = synth_in(tmp_path, shared_keys, RUN_MAIN, {provider_import.DISABLE_ENV_VAR: "1"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text() == lean_json
