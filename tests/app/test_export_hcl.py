"""aurora_web/tools/export_hcl.py + hcl_from_json.py (`python -m aurora_web hcl`): HCL that Terraform accepts and
that reads back as the synthesized JSON."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from aurora_web.tools.hcl_from_json import (
    Schema,
    UnsupportedJson,
    first_difference,
    normalized,
    render_body,
    render_document,
    render_string,
    template_parts,
)
from tests.support.app_cli import run_cli
from tests.support.paths import PROJECT_ROOT

STACK = "aurora-web"
BLOCK_SCHEMA = {
    "attributes": {"tags": {}, "name": {}},
    "block_types": {"root_block_device": {"nesting_mode": "list", "block": {"attributes": {"encrypted": {}}}}},
}


# ---- pure rendering ----------------------------------------------------------------------------------------


def test_quotes_are_escaped_in_literal_text_but_not_inside_interpolations():
    policy = '{"Resource": "arn:${data.aws_partition.p.partition}:s3:::x", "Id": "${split(":", var.arn)[1]}"}'
    assert render_string(policy) == (
        '"{\\"Resource\\": \\"arn:${data.aws_partition.p.partition}:s3:::x\\", '
        '\\"Id\\": \\"${split(":", var.arn)[1]}\\"}"'
    )


def test_a_lone_interpolation_becomes_a_bare_expression_and_escapes_stay_literal():
    assert render_string("${aws_vpc.main.id}") == "aws_vpc.main.id"
    assert render_string("a $${not} b %%{nor} c\\d") == '"a $${not} b %%{nor} c\\\\d"'
    assert template_parts('x${a({b = "}"})}y') == [(False, "x"), (True, '${a({b = "}"})}'), (False, "y")]


def test_multi_line_text_ending_in_a_newline_becomes_a_heredoc():
    assert render_string('#!/bin/bash\necho "${var.x}"\n') == '<<EOT\n#!/bin/bash\necho "${var.x}"\nEOT'
    assert render_string("one\ntwo") == '"one\\ntwo"'  # no final newline: a heredoc would add one


def test_the_schema_decides_block_or_map():
    lines = render_body(
        {
            "tags": {"Name": "web"},
            "root_block_device": {"encrypted": True},
            "depends_on": ["aws_vpc.main"],
            "lifecycle": {"ignore_changes": ["ami"]},
        },
        BLOCK_SCHEMA,
        1,
        "resource.aws_instance.web",
    )
    text = "\n".join(lines)
    assert '  tags = {\n    Name = "web"\n  }' in text
    assert "  root_block_device {\n    encrypted = true\n  }" in text
    assert "  depends_on = [aws_vpc.main]" in text
    assert "  lifecycle {\n    ignore_changes = [ami]\n  }" in text


def test_dynamic_blocks_and_unknown_types_are_refused_rather_than_guessed():
    with pytest.raises(UnsupportedJson, match="dynamic"):
        render_body({"root_block_device": "${var.devices}"}, BLOCK_SCHEMA, 1, "resource.aws_instance.web")
    schema = Schema({"provider_schemas": {}}, {"aws": {"source": "aws"}})
    with pytest.raises(UnsupportedJson, match="no schema for resource type aws_instance"):
        render_document({"resource": {"aws_instance": {"web": {}}}}, schema)


def test_the_round_trip_comparison_finds_a_changed_value():
    document = {
        "resource": {
            "aws_vpc": {"main": {"//": {"metadata": {}}, "cidr_block": "10.0.0.0/16", "depends_on": ["aws_x.y"]}}
        }
    }
    parsed = {"resource": {"aws_vpc": {"main": [{"cidr_block": "10.0.0.0/16", "depends_on": ["${aws_x.y}"]}]}}}
    assert first_difference(normalized(document), normalized(parsed)) is None
    parsed["resource"]["aws_vpc"]["main"][0]["cidr_block"] = "10.1.0.0/16"
    assert first_difference(normalized(document), normalized(parsed)) == (
        ".resource.aws_vpc.main.cidr_block: JSON '10.0.0.0/16' != HCL '10.1.0.0/16'"
    )


# ---- the script on a real synthesized stack ----------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project directory with cdktf.out holding the default stack (synthesized in-process)."""
    from aurora_web.synth import synthesize
    from tests.support.synthesized import make_config

    directory = tmp_path_factory.mktemp("export-project")
    synthesize({STACK: make_config(str(tmp_path_factory.mktemp("export-keys")))}, outdir=str(directory / "cdktf.out"))
    return directory


def run_script(name: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "TF_DATA_DIR"}
    return run_cli(name, *args, cwd=cwd, env=env, timeout=600)


@pytest.fixture(scope="module")
def exported(project) -> Path:
    from tests.support.synthesized import require_program

    require_program("terraform")
    if not (PROJECT_ROOT / "node_modules" / "@cdktf" / "hcl2json").is_dir():
        pytest.skip(
            "prerequisite missing: node_modules/@cdktf/hcl2json (comes with the cdktf CLI; run scripts/setup.sh)"
        )
    result = run_script("hcl", project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "aurora-web: handoff/aurora-web/hcl/cdk.tf" in result.stdout
    return project / "handoff" / STACK / "hcl"


@pytest.mark.integration
def test_hcl_sits_alone_in_its_own_directory_with_a_lock_file(exported):
    assert sorted(path.name for path in exported.iterdir()) == [".terraform.lock.hcl", "cdk.tf"]
    lock = (exported / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock and 'version     = "5.100.0"' in lock


@pytest.mark.integration
def test_terraform_accepts_the_hcl_on_its_own(exported, tmp_path):
    from aurora_web.tools.export_hcl import terraform_env

    copy = tmp_path / "a" / "b" / "hcl"
    copy.mkdir(parents=True)
    (copy / "cdk.tf").write_text((exported / "cdk.tf").read_text())
    env = terraform_env({"TF_DATA_DIR": str(tmp_path / "data")})
    for command in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-json"]):
        result = subprocess.run(["terraform", *command], cwd=copy, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["valid"] is True
    fmt = subprocess.run(
        ["terraform", "fmt", "-check", "-diff", "cdk.tf"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout  # already in canonical layout


@pytest.mark.integration
def test_hcl_reads_back_as_the_synthesized_json_policies_included(project, exported):
    from aurora_web.tools.export_hcl import parse_hcl

    document = json.loads((project / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text())
    parsed = parse_hcl(exported / "cdk.tf")
    assert first_difference(normalized(document), normalized(parsed)) is None
    # JSON policies holding references: the case `cdktf synth --hcl` gets wrong (hashicorp/terraform-cdk#3911)
    policies = [
        (type_, name, body["policy"])
        for type_, blocks in document["resource"].items()
        for name, body in blocks.items()
        if "${" in body.get("policy", "") and '"' in body.get("policy", "")
    ]
    assert policies, "the default stack no longer has a JSON policy with a reference; pick another tricky string"
    for type_, name, policy in policies:
        assert parsed["resource"][type_][name][0]["policy"] == policy
    text = (exported / "cdk.tf").read_text()
    assert 'backend "local" {\n    path = "../../../terraform.aurora-web.tfstate"' in text
    assert "vpc_id = aws_vpc.network_vpc_" in text  # references bare, not "${...}"


@pytest.mark.integration
def test_parse_check_catches_hcl_that_differs_from_the_json(exported, tmp_path):
    from aurora_web.tools.export_hcl import parse_hcl

    tampered = tmp_path / "cdk.tf"
    tampered.write_text(
        (exported / "cdk.tf")
        .read_text()
        .replace('cidr_block           = "10.0.0.0/16"', 'cidr_block           = "10.9.0.0/16"')
    )
    project_json = json.loads(
        (exported.parent.parent.parent / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text()
    )
    difference = first_difference(normalized(project_json), normalized(parse_hcl(tampered)))
    assert difference is not None and "cidr_block" in difference and "10.9.0.0/16" in difference


def test_missing_cdktf_out_is_reported_without_a_traceback(tmp_path):
    result = run_script("hcl", tmp_path)
    assert result.returncode == 1
    assert "cdktf.out/manifest.json not found: run `make synth` first" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "handoff").exists()
