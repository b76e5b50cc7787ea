"""The fast provider import: same JSON as the plain import path, and a loud, safe fallback when it cannot apply.

Two parts are checked: the Python-side hook (provider_import: no eager submodule imports, a memoized typeguard
version) and the Node side (lean_assembly: the kernel loads only the submodules constructs_lib imports;
lean_cdktf: cdktf's tarball with a lazy `require("archiver")`; direct_kernel: no relay, test_direct_kernel.py).
The end-to-end comparisons run `main.py` in fresh processes, for the default stack and examples/prod.toml,
started together because the plain path alone takes ~25 s.
"""

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdktf_fastpath import lean_assembly, lean_assembly_cache, lean_cdktf, provider_import, switches
from tests.support.paths import PROJECT_ROOT

PROVIDER = "cdktf_cdktf_provider_aws"  # what the project's pyproject.toml names

STACK_JSON = Path("cdktf.out") / "stacks" / "aurora-web" / "cdk.tf.json"
PROD_CONFIG = PROJECT_ROOT / "examples" / "prod.toml"
PROD_STACK_JSON = Path("cdktf.out") / "stacks" / "aurora-web-prod" / "cdk.tf.json"
PYTHON_FALLBACK_LINE = "provider fast import not applied"
NODE_FALLBACK_LINE = "lean provider assembly not used"
CDKTF_FALLBACK_LINE = "lean cdktf assembly not used"
KERNEL_FALLBACK_LINE = "direct jsii kernel not used"
# JSII_DEBUG_TIMING=1 makes the kernel name each tarball it extracts (on its stdout, the app's): which cdktf?
CDKTF_OWN_TARBALL = "cdktf@0.21.0.jsii.tgz) =>"
CDKTF_LEAN_TARBALL = f"/{lean_cdktf.PACKAGE}-0.21.0-"


def provider_source() -> str:
    spec = importlib.util.find_spec(PROVIDER)
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


def active_finder():
    finder = provider_import.active_finder()
    assert finder is not None
    return finder


def test_the_hook_and_the_lean_assembly_are_active_in_this_session():
    assert PROVIDER in sys.modules
    root = sys.modules[PROVIDER]
    assert "accessanalyzer_analyzer" not in vars(root), "the eager submodule imports ran"
    package_dir = Path(root.__file__).parent
    assert active_finder().lean_submodules[PROVIDER] == set(
        lean_assembly.lean_submodules(PROVIDER, package_dir, (PROJECT_ROOT,))
    )


def test_a_submodule_imported_nowhere_in_the_project_is_refused_with_the_reason():
    """Only a computed import name can reach one: every import statement in the tree is in the lean assembly."""
    with pytest.raises(ImportError, match=r"not in the lean provider assembly.*CDKTF_FASTPATH_LEAN_ASSEMBLY=0"):
        importlib.import_module(f"{PROVIDER}.accessanalyzer_analyzer")


def test_an_unexpected_shape_steps_aside_for_the_normal_import_and_says_so_once(monkeypatch, capsys):
    monkeypatch.setattr(provider_import, "EAGER_IMPORTS_MARKER", "no such marker")
    monkeypatch.setattr(provider_import.FallbackNotice, "said", False)
    monkeypatch.setattr(lean_assembly, "preload", lambda *args: pytest.fail("the lean assembly must not be loaded"))
    finder = provider_import.LeanProviderFinder((PROJECT_ROOT,), (PROVIDER,))
    assert finder.find_spec(PROVIDER, None) is None  # None: Python's normal finders import it
    assert finder.find_spec(PROVIDER, None) is None
    assert finder.lean_submodules == {}
    err = capsys.readouterr().err
    assert (
        err.count(f"cdktf-fastpath: {PYTHON_FALLBACK_LINE} (the {PROVIDER} package's __init__ has an unexpected shape)")
        == 1
    )


@pytest.mark.parametrize("variable", [switches.MASTER, provider_import.OFF_ENV_VAR])
def test_the_switches_turn_the_hook_off(monkeypatch, variable):
    assert provider_import.OFF_ENV_VAR == "CDKTF_FASTPATH_LEAN_IMPORT"
    monkeypatch.setattr(
        sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, provider_import.LeanProviderFinder)]
    )
    monkeypatch.setenv(variable, "0")
    assert provider_import.install((PROJECT_ROOT,), (PROVIDER,)) is False
    assert provider_import.active_finder() is None


@pytest.fixture(scope="module")
def shared_keys(tmp_path_factory) -> Path:
    """One generated key for every run here, so separate synths can be compared byte for byte."""
    from constructs_lib.key_pair import ensure_generated_key

    directory = tmp_path_factory.mktemp("keys")
    ensure_generated_key(directory / "aurora-web-key.pem")
    ensure_generated_key(directory / "aurora-web-prod-key.pem")  # examples/prod.toml's name_prefix
    return directory


def start_synth(directory: Path, keys: Path, extra_env: dict) -> subprocess.Popen:
    shutil.copy(PROJECT_ROOT / "main.py", directory / "main.py")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", directory / "pyproject.toml")  # the fast path's settings
    for package in ("constructs_lib", "aurora_web", "employee_directory", "cdktf_fastpath"):
        (directory / package).symlink_to(PROJECT_ROOT / package)
    shutil.copytree(keys, directory / ".keys")
    env = {**os.environ, **extra_env}
    for name in list(env):
        ours = name in ("AURORA_WEB_CONFIG", "CDKTF_OUTDIR") or name in switches.VARIABLES
        if ours and name not in extra_env:
            env.pop(name)
    return subprocess.Popen(
        [sys.executable, "main.py"], cwd=directory, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.fixture(scope="module")
def synths(tmp_path_factory, shared_keys) -> dict[str, tuple[str, str, str]]:
    """(stderr, JSON) of main.py run these ways, concurrently: fast, plain (all off), lean assemblies refused,
    and fast and plain with examples/prod.toml. (stderr, JSON, stdout): the kernel's timing lines are in stdout."""
    shared_cache = tmp_path_factory.mktemp("shared-cache")
    shared_cache.chmod(0o777)  # not private: the lean assemblies must be refused, and the full ones loaded
    timing = {"JSII_DEBUG_TIMING": "1"}
    prod = {"AURORA_WEB_CONFIG": str(PROD_CONFIG)}
    ways = {
        "fast": timing,
        "plain": {**timing, switches.MASTER: "0"},
        "lean refused": {**timing, lean_assembly_cache.CACHE_ENV_VAR: str(shared_cache)},
        "fast prod": {**timing, **prod},
        "plain prod": {**timing, **prod, switches.MASTER: "0"},
    }
    directories = {way: tmp_path_factory.mktemp("synth") for way in ways}
    started = {way: start_synth(directories[way], shared_keys, env) for way, env in ways.items()}
    results = {}
    for way, process in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{way}: {stderr}"
        stack_json = PROD_STACK_JSON if way.endswith("prod") else STACK_JSON
        results[way] = (stderr, (directories[way] / stack_json).read_text(), stdout)
    return results


@pytest.mark.parametrize("way", ["fast", "fast prod"])
def test_the_fast_path_says_nothing_on_stderr_and_loads_the_lean_cdktf(synths, way):
    stderr, _json, stdout = synths[way]
    assert PYTHON_FALLBACK_LINE not in stderr and NODE_FALLBACK_LINE not in stderr
    assert CDKTF_FALLBACK_LINE not in stderr and KERNEL_FALLBACK_LINE not in stderr
    assert CDKTF_LEAN_TARBALL in stdout and CDKTF_OWN_TARBALL not in stdout


@pytest.mark.parametrize("way", ["plain", "lean refused", "plain prod"])
def test_the_plain_and_refused_paths_load_cdktfs_own_tarball(synths, way):
    _stderr, _json, stdout = synths[way]
    assert CDKTF_OWN_TARBALL in stdout and CDKTF_LEAN_TARBALL not in stdout


@pytest.mark.parametrize(("fast", "plain"), [("fast", "plain"), ("fast prod", "plain prod")])
def test_the_fast_path_synthesizes_byte_identical_json_to_the_plain_path(synths, fast, plain):
    """Lean provider assembly, lean import, lean cdktf and the direct kernel against CDKTF_FASTPATH=0."""
    assert synths[fast][1] == synths[plain][1]


def test_the_default_and_prod_stacks_differ(synths):
    """So the prod comparison compares something: the settings file did reach the synth."""
    assert synths["fast"][1] != synths["fast prod"][1] and '"aurora-web-prod' in synths["fast prod"][1]


def test_a_refused_lean_assembly_says_so_once_and_synthesizes_byte_identical_json(synths):
    stderr, document, _stdout = synths["lean refused"]
    assert stderr.count(NODE_FALLBACK_LINE) == 1 and stderr.count(CDKTF_FALLBACK_LINE) == 1
    assert stderr.count(KERNEL_FALLBACK_LINE) == 1  # its copy of the kernel lives in the same cache
    assert "is not private to this user" in stderr
    assert PYTHON_FALLBACK_LINE not in stderr
    assert document == synths["plain"][1]


MEMO_SCRIPT = """
import importlib, importlib.metadata, sys
from pathlib import Path
calls = []
real = importlib.metadata.version
def counting(name):
    calls.append(name)
    return real(name)
importlib.metadata.version = counting
import cdktf_fastpath
cdktf_fastpath.enable(Path(sys.argv[1]))
for name in ("network", "aurora_cluster", "web_server", "key_pair", "encryption_key", "flow_logs"):
    importlib.import_module("constructs_lib." + name)
submodules = [name for name in sys.modules if name.startswith("cdktf_cdktf_provider_aws.") and "._" not in name]
vpc = sys.modules["cdktf_cdktf_provider_aws.vpc"]
print(len(submodules), calls.count("typeguard"), importlib.metadata.version is counting,
      vpc.Vpc.__init__.__globals__["TYPEGUARD_MAJOR_VERSION"] == int(real("typeguard").split(".")[0]))
"""


def test_submodules_read_typeguards_version_from_a_memo_only_while_they_run(tmp_path):
    """Each generated submodule asks importlib.metadata for typeguard's version; the hook answers all but the first
    from a memo, and puts the real function back once they have run."""
    result = subprocess.run(
        [sys.executable, "-c", MEMO_SCRIPT, str(PROJECT_ROOT)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    submodules, asked, restored, right_version = result.stdout.split()
    assert int(submodules) >= 20
    assert int(asked) < 8, f"{asked} lookups for {submodules} submodules: the memo did not apply"
    assert (restored, right_version) == ("True", "True")
