"""aurora_web/tools/handoff.py (`python -m aurora_web handoff`): a complete, validated bundle per stack with no
machine paths or secrets; a leaky one is refused."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from aurora_web.tools.handoff import leaks, render_readme
from tests.support.app_cli import run_cli
from tests.support.paths import PROJECT_ROOT

STACK = "aurora-web"


def synthesize_project(directory: Path, key_directory: str, document: dict | None = None) -> Path:
    from aurora_web.synth import synthesize
    from tests.support.synthesized import make_config

    synthesize({STACK: make_config(key_directory, document)}, outdir=str(directory / "cdktf.out"))
    return directory


def run_handoff(cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("TF_DATA_DIR", "AURORA_WEB_CONFIG")}
    return run_cli("handoff", cwd=cwd, env=env, timeout=900)


# ---- pure parts --------------------------------------------------------------------------------------------


def test_readme_lists_inputs_outputs_backend_and_commands():
    document = {
        "terraform": {
            "required_providers": {"aws": {"source": "aws", "version": "5.100.0"}},
            "backend": {
                "s3": {
                    "bucket": "tf-state",
                    "key": "web/terraform.tfstate",
                    "region": "eu-west-1",
                    "use_lockfile": True,
                }
            },
        },
        "provider": {"aws": [{"region": "eu-west-1", "default_tags": [{"tags": {"Project": "web"}}]}]},
        "variable": {"admin_cidr": {"description": "Who may SSH", "default": "203.0.113.7/32"}},
        "resource": {"aws_rds_cluster": {"db": {"deletion_protection": True}}, "aws_instance": {"a": {}, "b": {}}},
        "output": {
            "web_url": {"value": "x", "description": "URL of the web app"},
            "token": {"value": "y", "description": "A | pipe", "sensitive": True},
        },
    }
    text = render_readme("web-prod", document, settings="`examples/prod.toml`", revision="abc123")
    assert text.startswith("# Terraform handoff: `web-prod`\n")
    assert "Region `eu-west-1`, AWS provider `5.100.0`; default tags: `Project=web`." in text
    assert "| `aws_instance` | 2 |" in text
    assert "| `admin_cidr` | Who may SSH | `203.0.113.7/32` |" in text
    assert "| `web_url` | URL of the web app | no |" in text and "| `token` | A \\| pipe | yes |" in text
    assert (
        "`s3` backend: `bucket` = `tf-state`, `key` = `web/terraform.tfstate`, `region` = `eu-west-1`, "
        "`use_lockfile` = `True`." in text
    )
    for command in (
        "terraform init -lockfile=readonly",
        "terraform plan -out=tfplan",
        "terraform apply tfplan",
        "terraform plan -destroy",
    ):
        assert command in text
    assert "deletion protection" in text


def test_leak_scan_names_file_and_string(tmp_path):
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "cdk.tf.json").write_text('{"x": "/home/alice/.keys/k.pem"}')
    (tmp_path / "README.md").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert leaks(tmp_path, {"/home/alice"}) == ["README.md: 'PRIVATE KEY'", "json/cdk.tf.json: '/home/alice'"]
    (tmp_path / "README.md").write_text("clean\n")
    (tmp_path / "json" / "cdk.tf.json").write_text("{}")
    assert leaks(tmp_path, {"/home/alice"}) == []


# ---- the script on real synthesized stacks ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, Path]:
    from tests.support.synthesized import require_program

    require_program("terraform")
    if not (PROJECT_ROOT / "node_modules" / "@cdktf" / "hcl2json").is_dir():
        pytest.skip(
            "prerequisite missing: node_modules/@cdktf/hcl2json (comes with the cdktf CLI; run scripts/setup.sh)"
        )
    project = synthesize_project(
        tmp_path_factory.mktemp("handoff-project"), str(tmp_path_factory.mktemp("handoff-keys"))
    )
    result = run_handoff(project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, project / "handoff" / STACK


@pytest.mark.integration
def test_bundle_layout(bundle):
    project, root = bundle
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
    assert files == [
        "README.md",
        "hcl/.terraform.lock.hcl",
        "hcl/cdk.tf",
        "json/.terraform.lock.hcl",
        "json/cdk.tf.json",
    ]
    assert sorted(path.name for path in (project / "handoff").iterdir()) == [STACK], "staging left behind"
    synthesized = project / "cdktf.out" / "stacks" / STACK / "cdk.tf.json"
    assert (root / "json" / "cdk.tf.json").read_bytes() == synthesized.read_bytes()
    assert (root / "json" / ".terraform.lock.hcl").read_text() == (root / "hcl" / ".terraform.lock.hcl").read_text()


@pytest.mark.integration
def test_bundle_holds_no_machine_path_and_no_secret(bundle, tmp_path_factory):
    project, root = bundle
    forbidden = {
        str(project),
        str(project.resolve()),
        str(PROJECT_ROOT),
        str(Path.home()),
        str(tmp_path_factory.getbasetemp()),
        "/tmp/",
        "PRIVATE KEY",
        "BEGIN OPENSSH",
    }
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text()
            found = [needle for needle in forbidden if needle in text]
            assert not found, f"{path.relative_to(root)} holds {found}"
    lock = (root / "json" / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock and "h1:" in lock


@pytest.mark.integration
def test_readme_names_every_output_with_its_description(bundle):
    _, root = bundle
    document = json.loads((root / "json" / "cdk.tf.json").read_text())
    readme = (root / "README.md").read_text()
    assert document["output"], "the stack has outputs to document"
    for name, body in document["output"].items():
        assert f"| `{name}` | {body['description']} |" in readme
    assert "None: the configuration takes no Terraform variables" in readme
    assert "Local state file `../../../terraform.aurora-web.tfstate`" in readme


@pytest.mark.integration
def test_a_bundle_with_a_machine_path_is_refused_and_the_previous_one_kept(bundle, tmp_path_factory):
    project, root = bundle
    before = {str(path): path.read_bytes() for path in root.rglob("*") if path.is_file()}
    # SSH on, with the generated key kept in an absolute directory: the ssh_command output then names that path.
    keys = tmp_path_factory.mktemp("absolute-keys")
    synthesize_project(project, str(keys), {"web": {"ssh_cidr": "203.0.113.7/32"}})
    assert str(keys) in (project / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text()
    result = run_handoff(project)
    assert result.returncode == 1
    assert "the bundle holds machine paths or secrets" in result.stderr and "json/cdk.tf.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert {str(path): path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    assert sorted(path.name for path in (project / "handoff").iterdir()) == [STACK], "staging left behind"
