"""cdktf_fastpath.enable as an app uses it: plain cdktf code works unchanged (attribute access to any provider
submodule, installed construct libraries), CDKTF_FASTPATH=0 is the plain path, an unchecked release turns it all
off with one line, and the settings in pyproject.toml are checked (one line per problem, exit 2).

The apps here are small ones in temporary directories, run in fresh interpreters with the checkout on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdktf_fastpath import checked_versions, provider_import, switches
from tests.support.paths import PROJECT_ROOT

PROVIDER = "cdktf_cdktf_provider_aws"
SETTINGS = f'[tool.cdktf-fastpath]\nproviders = ["{PROVIDER}"]\n'
QUEUE_JSON = Path("out") / "stacks" / "queue" / "cdk.tf.json"
FALLBACK_MARKERS = ("cdktf-fastpath: off", "not applied", "not used")

# The issue's snippet: the root package bound to a name, submodules reached as its attributes.
SQS_APP = """
import sys
from pathlib import Path

import cdktf_fastpath

print("enabled", cdktf_fastpath.enable(Path(__file__).resolve().parent), flush=True)

import cdktf_cdktf_provider_aws as aws
from cdktf import App, LocalBackend, TerraformStack

app = App(outdir="out")
stack = TerraformStack(app, "queue")
LocalBackend(stack, path="terraform.queue.tfstate")  # relative: the default holds the directory's absolute path
aws.provider.AwsProvider(stack, "aws", region="us-east-1")
aws.sqs_queue.SqsQueue(stack, "q", name="q")
app.synth()
"""


def child_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in switches.VARIABLES}
    return {**env, "PYTHONPATH": str(PROJECT_ROOT), **extra}


def write_app(directory: Path, source: str, settings: str = SETTINGS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(settings)
    (directory / "main.py").write_text(source)
    return directory


def start(directory: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=directory,
        env=child_env(**extra),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen) -> tuple[str, str]:
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    return stdout, stderr


@pytest.fixture(scope="module")
def sqs_synths(tmp_path_factory) -> dict[str, tuple[str, str, str]]:
    """(stdout, stderr, JSON) of the snippet's app, fast and with CDKTF_FASTPATH=0, run side by side."""
    ways = {"fast": {}, "off": {switches.MASTER: "0"}}
    directories = {way: write_app(tmp_path_factory.mktemp(way), SQS_APP) for way in ways}
    started = {way: start(directories[way], **env) for way, env in ways.items()}
    results = {}
    for way, process in started.items():
        stdout, stderr = finish(process)
        results[way] = (stdout, stderr, (directories[way] / QUEUE_JSON).read_text())
    return results


def test_the_snippet_synthesizes_on_the_fast_path_with_nothing_on_stderr(sqs_synths):
    stdout, stderr, document = sqs_synths["fast"]
    assert "enabled True" in stdout
    assert stderr == ""
    assert json.loads(document)["resource"]["aws_sqs_queue"]["q"]["name"] == "q"


def test_the_snippet_writes_the_same_json_as_the_plain_path(sqs_synths):
    assert "enabled False" in sqs_synths["off"][0]
    assert sqs_synths["fast"][2] == sqs_synths["off"][2]


LIBRARY_APP = """
from pathlib import Path

import cdktf_fastpath

print("enabled", cdktf_fastpath.enable(Path(__file__).resolve().parent), flush=True)

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from queue_lib import queue_with_topic

app = App(outdir="out")
stack = TerraformStack(app, "queue")
AwsProvider(stack, "aws", region="us-east-1")
queue_with_topic(stack)
app.synth()
"""

LIBRARY_MODULE = """
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
import cdktf_cdktf_provider_aws as aws


def queue_with_topic(scope):
    SnsTopic(scope, "topic", name="topic")
    aws.sqs_queue.SqsQueue(scope, "q", name="q")
"""


def install_library(site: Path, requires: str) -> None:
    """A distribution as pip leaves it: the module, and a .dist-info with METADATA (Requires-Dist) and RECORD."""
    site.mkdir()
    (site / "queue_lib.py").write_text(LIBRARY_MODULE)
    info = site / "queue_lib-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: queue-lib\nVersion: 1.0\nRequires-Dist: {requires}\n")
    (info / "RECORD").write_text(
        "queue_lib.py,,\nqueue_lib-1.0.dist-info/METADATA,,\nqueue_lib-1.0.dist-info/RECORD,,\n"
    )


def test_an_installed_library_depending_on_the_provider_is_scanned(tmp_path):
    """Its submodules (sns_topic, and sqs_queue by attribute) are named nowhere in the app's own tree."""
    install_library(tmp_path / "site", "cdktf-cdktf-provider-aws>=20")
    app = write_app(tmp_path / "app", LIBRARY_APP)
    process = start(app, PYTHONPATH=f"{PROJECT_ROOT}{os.pathsep}{tmp_path / 'site'}")
    stdout, stderr = finish(process)
    assert "enabled True" in stdout and stderr == ""
    resources = json.loads((app / QUEUE_JSON).read_text())["resource"]
    assert set(resources) == {"aws_sns_topic", "aws_sqs_queue"}


def test_a_library_that_does_not_name_the_provider_is_not_scanned_and_the_import_says_the_fix(tmp_path):
    install_library(tmp_path / "site", "requests")
    app = write_app(tmp_path / "app", LIBRARY_APP)
    process = start(app, PYTHONPATH=f"{PROJECT_ROOT}{os.pathsep}{tmp_path / 'site'}")
    _stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 1
    assert f"ImportError: {PROVIDER}.sns_topic is not in the lean provider assembly" in stderr
    assert "CDKTF_FASTPATH_LEAN_ASSEMBLY=0" in stderr


PLAIN_PROBE = """
import sys
from pathlib import Path
import cdktf_fastpath
from cdktf_fastpath import direct_kernel, provider_import
enabled = cdktf_fastpath.enable(Path.cwd())
import cdktf_cdktf_provider_aws as aws
eager = "cdktf_cdktf_provider_aws.accessanalyzer_analyzer" in sys.modules
print(enabled, provider_import.active_finder() is None, direct_kernel._spawned == [], eager)
"""


def test_cdktf_fastpath_0_is_the_plain_path(tmp_path):
    """No hook, no kernel of ours, the provider's eager imports run: what cdktf does without us."""
    write_app(tmp_path, PLAIN_PROBE)
    stdout, stderr = finish(start(tmp_path, CDKTF_FASTPATH="0"))
    assert stdout.split() == ["False", "True", "True", "True"]
    assert stderr == ""


def test_a_release_not_in_the_manifest_turns_everything_off_with_one_line(tmp_path):
    manifest = json.loads(checked_versions.MANIFEST.read_text())
    manifest["assemblies"]["cdktf"] = ["0.0.1"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    probe = (
        "from pathlib import Path\nfrom cdktf_fastpath import checked_versions\n"
        f"checked_versions.MANIFEST = Path({str(tmp_path / 'manifest.json')!r})\n" + PLAIN_PROBE
    )
    write_app(tmp_path, probe)
    stdout, stderr = finish(start(tmp_path))
    assert stdout.split() == ["False", "True", "True", "True"]
    assert stderr.splitlines() == [
        "cdktf-fastpath: off (cdktf 0.21.0 is installed; the fast path was checked against cdktf 0.0.1); "
        "using the plain cdktf path"
    ]


def test_the_installed_releases_are_the_checked_ones():
    assert checked_versions.unchecked(("constructs", "cdktf", PROVIDER)) is None


def test_an_unlisted_provider_is_unchecked(tmp_path):
    manifest = json.loads(checked_versions.MANIFEST.read_text())
    del manifest["assemblies"][PROVIDER]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    reason = checked_versions.unchecked((PROVIDER,), tmp_path / "manifest.json")
    assert reason == f"{PROVIDER} 20.1.0 is installed; the fast path was checked against {PROVIDER} none"


def test_bad_settings_give_one_line_per_problem_naming_the_key_and_exit_2(tmp_path):
    settings = '[tool.cdktf-fastpath]\nproviders = ["ok_name", "not-a-package"]\nsources = ["missing"]\nslim = 1\n'
    write_app(
        tmp_path, "from pathlib import Path\nimport cdktf_fastpath\ncdktf_fastpath.enable(Path.cwd())\n", settings
    )
    process = start(tmp_path)
    _stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    settings_file = tmp_path / "pyproject.toml"
    assert stderr.splitlines() == [
        f"cdktf-fastpath: {settings_file}: tool.cdktf-fastpath.slim: unknown key (known: providers, sources)",
        f"cdktf-fastpath: {settings_file}: tool.cdktf-fastpath.providers[1]: 'not-a-package' is not a top-level "
        "Python package name",
        f"cdktf-fastpath: {settings_file}: tool.cdktf-fastpath.sources[0]: 'missing' is not a directory (relative "
        f"to {tmp_path})",
    ]


@pytest.mark.parametrize("step", switches.STEPS)
def test_every_switch_reads_the_same_way(monkeypatch, step):
    variable = switches.variable(step)
    assert variable == f"CDKTF_FASTPATH_{step}"
    for name in switches.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert switches.step_on(step)
    monkeypatch.setenv(variable, "1")
    assert switches.step_on(step)
    monkeypatch.setenv(variable, "0")
    assert not switches.step_on(step)
    monkeypatch.setenv(variable, "1")
    monkeypatch.setenv(switches.MASTER, "0")
    assert not switches.step_on(step)


def test_a_submodule_reached_by_a_computed_name_fails_with_the_fix():
    """getattr with a name no scan can see: the one clear message, not a "type not found" later."""
    root = sys.modules[PROVIDER]
    name = "_".join(["accessanalyzer", "analyzer"])  # computed: no scan sees it
    with pytest.raises(ImportError, match=r"not in the lean provider assembly.*name it there.*LEAN_ASSEMBLY=0"):
        getattr(root, name)


def test_an_attribute_that_is_no_submodule_is_an_attribute_error():
    root = sys.modules[PROVIDER]
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        root.no_such_thing  # noqa: B018
    assert isinstance(root.__dict__["__getattr__"], provider_import.SubmoduleAttribute)
