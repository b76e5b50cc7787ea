"""The entry points: `python main.py` and `cdktf synth` write the same cdktf.out/; bad input changes nothing."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program

PACKAGES = ("constructs_lib", "aurora_web", "employee_directory", "cdktf_fastpath")


def project_copy(directory: Path) -> Path:
    """A user's checkout: the entry point, the packages, cdktf.json and pyproject.toml (the fast path's settings);
    the environment stays the project's."""
    for name in ("main.py", "cdktf.json", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, directory / name)
    for package in PACKAGES:
        (directory / package).symlink_to(PROJECT_ROOT / package)
    return directory


def run_main(directory: Path, config: Path | None = None, script: str = "main.py") -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("CDKTF_OUTDIR", None)
    if config is not None:
        env["AURORA_WEB_CONFIG"] = str(config)
    else:
        env.pop("AURORA_WEB_CONFIG", None)
    return subprocess.run([sys.executable, script], cwd=directory, env=env, capture_output=True, text=True, check=False)


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under the directory with its content hash (and mode), to prove nothing changed."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not set(PACKAGES) & set(path.parts):
            files[str(path.relative_to(directory))] = hashlib.sha256(path.read_bytes()).hexdigest() + oct(
                path.stat().st_mode
            )
    return files


@pytest.fixture(scope="module")
def synthesized_project(tmp_path_factory):
    directory = project_copy(tmp_path_factory.mktemp("project"))
    result = run_main(directory)
    assert result.returncode == 0, result.stderr
    return directory


def test_python_main_writes_the_stack(synthesized_project):
    stack_dir = synthesized_project / "cdktf.out" / "stacks" / "aurora-web"
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    assert "aws_rds_cluster" in document["resource"]
    assert json.loads((synthesized_project / "cdktf.out" / "manifest.json").read_text())["stacks"]["aurora-web"]
    assert (synthesized_project / ".keys" / "aurora-web-key.pem").is_file()


def test_synthesized_json_holds_no_absolute_path_of_this_machine(synthesized_project):
    text = (synthesized_project / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text()
    for machine_path in {
        str(synthesized_project),
        str(synthesized_project.resolve()),
        str(PROJECT_ROOT),
        str(Path.home()),
        "/tmp/",
        "/root/",
        "/home/",
    }:
        assert machine_path not in text, f"{machine_path} found in the JSON"
    backend = json.loads(text)["terraform"]["backend"]["local"]["path"]
    assert not os.path.isabs(backend)


def test_bad_config_exits_2_with_one_line_per_problem_and_changes_nothing(synthesized_project):
    state = synthesized_project / "terraform.aurora-web.tfstate"
    state.write_text('{"version": 4, "serial": 7}')
    before = snapshot(synthesized_project)
    bad = synthesized_project / "bad.toml"
    bad.write_text('[database]\nreader_count = 16\nbackup_retention_days = 0\n[network]\nvpc_cidr = "10.0.0.0/33"\n')
    result = run_main(synthesized_project, bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert lines == [
        "network.vpc_cidr = '10.0.0.0/33': must be an IPv4 CIDR block from /16 to /24, e.g. \"10.0.0.0/16\"",
        "database.reader_count = 16: must be an integer from 0 to 15",
        "database.backup_retention_days = 0: must be an integer from 1 to 35",
    ]
    bad.unlink()
    assert snapshot(synthesized_project) == before
    assert not list(synthesized_project.glob(".cdktf.out.*")), "a staging directory was left behind"


def test_resynthesis_keeps_terraform_working_files(synthesized_project):
    stack_dir = synthesized_project / "cdktf.out" / "stacks" / "aurora-web"
    (stack_dir / ".terraform").mkdir(exist_ok=True)
    (stack_dir / ".terraform.lock.hcl").write_text("# lock\n")
    assert run_main(synthesized_project).returncode == 0
    assert (stack_dir / ".terraform").is_dir() and (stack_dir / ".terraform.lock.hcl").read_text() == "# lock\n"


@pytest.fixture(scope="module")
def cdktf_cli() -> Path:
    cli = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"
    if not cli.exists():
        pytest.skip("prerequisite missing: the cdktf CLI (node_modules/.bin/cdktf); run scripts/setup.sh")
    require_program("pipenv")
    return cli


def run_cdktf_synth(cli: Path, directory: Path, config: Path | None = None) -> subprocess.CompletedProcess:
    from cdktf_fastpath.node_runtime import wheel_node_bin_dir

    env = {
        **os.environ,
        "PATH": f"{wheel_node_bin_dir()}{os.pathsep}{os.environ['PATH']}",
        "PIPENV_PIPFILE": str(PROJECT_ROOT / "Pipfile"),
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_VERBOSITY": "-1",
        "PYPI_INDEX_URL": "unused-by-pipenv-run",
        "CI": "1",
    }
    env.pop("CDKTF_OUTDIR", None)
    if config is not None:
        env["AURORA_WEB_CONFIG"] = str(config)
    return subprocess.run([str(cli), "synth"], cwd=directory, env=env, capture_output=True, text=True, check=False)


@pytest.mark.integration
def test_cdktf_cli_synth_writes_the_same_stack_as_python_main(cdktf_cli, synthesized_project, tmp_path):
    directory = project_copy(tmp_path)
    shutil.copytree(synthesized_project / ".keys", directory / ".keys")
    result = run_cdktf_synth(cdktf_cli, directory)
    assert result.returncode == 0, result.stdout + result.stderr
    via_cli = (directory / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text()
    via_python = (synthesized_project / "cdktf.out" / "stacks" / "aurora-web" / "cdk.tf.json").read_text()
    assert via_cli == via_python


@pytest.mark.integration
def test_cdktf_cli_synth_reports_bad_config_without_a_traceback(cdktf_cli, tmp_path):
    directory = project_copy(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('regoin = "us-east-1"\n')
    result = run_cdktf_synth(cdktf_cli, directory, bad)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "regoin = 'us-east-1': unknown key in the top level; did you mean region?" in output
    assert "Traceback" not in output


def test_environments_file_synthesizes_one_stack_each(tmp_path):
    directory = project_copy(tmp_path)
    result = run_main(directory, PROJECT_ROOT / "examples" / "environments.toml")
    assert result.returncode == 0, result.stderr
    stacks = directory / "cdktf.out" / "stacks"
    assert sorted(path.name for path in stacks.iterdir()) == ["dev", "prod"]
    backends = {
        name: json.loads((stacks / name / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
        for name in ("dev", "prod")
    }
    assert backends == {"dev": "../../../terraform.dev.tfstate", "prod": "../../../terraform.prod.tfstate"}


# Provider modules only an optional construct imports: a stack without that construct must never load them (the
# stack imports each of these constructs where it builds one; their configs live in the *_config.py modules).
OPTIONAL_PROVIDER_MODULES = {
    # Not s3_bucket: every stack that installs the app has one (the app artifact's).
    "load balancer": ("lb", "lb_listener", "lb_target_group", "acm_certificate", "wafv2_web_acl"),
    "reader autoscaling": ("appautoscaling_policy", "appautoscaling_target"),
    "alarms": ("cloudwatch_metric_alarm", "sns_topic", "sns_topic_subscription"),
    "backup plan": ("backup_plan", "backup_selection", "backup_vault"),
}
# main.py in this interpreter, then the names of the provider's submodules it imported.
MODULES_PROBE = """
import json, runpy, sys
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exit:
    if exit.code:
        raise
prefix = "cdktf_cdktf_provider_aws."
print(json.dumps(sorted(name[len(prefix) :] for name in sys.modules if name.startswith(prefix))))
"""


def provider_modules_after_synth(directory: Path, config: Path | None = None) -> set[str]:
    """The provider submodules in sys.modules once main.py has synthesized, in a fresh interpreter."""
    (directory / "modules_probe.py").write_text(MODULES_PROBE)
    result = run_main(directory, config, script="modules_probe.py")
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def imported_provider_modules(tmp_path_factory) -> dict[str, set[str]]:
    """The default dev stack, and examples/autoscaling-alarms.toml, which has all four optional constructs."""
    return {
        "dev": provider_modules_after_synth(project_copy(tmp_path_factory.mktemp("dev"))),
        "full": provider_modules_after_synth(
            project_copy(tmp_path_factory.mktemp("full")), PROJECT_ROOT / "examples" / "autoscaling-alarms.toml"
        ),
    }


@pytest.mark.parametrize("construct", OPTIONAL_PROVIDER_MODULES)
def test_a_default_dev_synth_never_imports_the_provider_modules_of_constructs_it_lacks(
    imported_provider_modules, construct
):
    """Dev has none of these constructs. The full example has them all: the probe finds the modules once used."""
    modules = set(OPTIONAL_PROVIDER_MODULES[construct])
    dev, full = imported_provider_modules["dev"], imported_provider_modules["full"]
    assert "rds_cluster" in dev and not modules & dev
    assert modules <= full


def test_main_outside_the_projects_environment_says_how_to_run_it(tmp_path):
    """A Python without the project's packages (-S: no site-packages) gets a line naming the fix, not a traceback."""
    env = {key: value for key, value in os.environ.items() if key != "AURORA_WEB_CONFIG"}
    result = subprocess.run(
        [sys.executable, "-S", "main.py"],
        cwd=PROJECT_ROOT,
        env={**env, "CDKTF_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "is not installed for" in result.stderr and "`.venv/bin/python main.py` or `make synth`" in result.stderr
    assert not (tmp_path / "out").exists()
