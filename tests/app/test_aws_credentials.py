"""Commands that need AWS credentials say so in one line when there are none, before Terraform runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aurora_web.tools.aws_credentials import credential_source, missing_message
from tests.support.app_cli import run_cli
from tests.support.emulator import without_aws_settings


def no_role() -> bool:
    return False


@pytest.mark.parametrize(
    "env, found",
    [
        ({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ({"AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials"}, "the container credentials endpoint"),
    ],
)
def test_each_environment_source_is_found(tmp_path, env, found):
    assert credential_source(env, home=tmp_path, instance_role=no_role) == found


def test_a_key_id_without_its_secret_is_not_a_source(tmp_path):
    assert credential_source({"AWS_ACCESS_KEY_ID": "AKIA"}, home=tmp_path, instance_role=no_role) is None


def test_the_shared_files_count_with_their_profile(tmp_path):
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[profile shop]\nsso_session = x\n")
    found = credential_source({"AWS_PROFILE": "shop"}, home=tmp_path, instance_role=no_role)
    assert found == f"{tmp_path / '.aws' / 'config'} (profile shop)"


def test_an_instance_role_counts_unless_metadata_is_disabled(tmp_path):
    def role() -> bool:
        return True

    assert credential_source({}, home=tmp_path, instance_role=role) == "the EC2 instance role"
    assert credential_source({"AWS_EC2_METADATA_DISABLED": "true"}, home=tmp_path, instance_role=role) is None


def test_the_message_is_one_line_naming_the_command_and_the_guide():
    message = missing_message("make deploy")
    assert "\n" not in message
    assert "make deploy" in message and "AWS_PROFILE" in message and "docs/deploy-aws.md" in message
    assert (Path(__file__).parents[2] / "docs" / "deploy-aws.md").is_file()


def test_plan_summary_without_credentials_says_so_in_one_line_and_runs_no_terraform(tmp_path):
    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    (stack_dir / "cdk.tf.json").write_text("{}\n")
    env = {**without_aws_settings(dict(os.environ)), "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"}
    result = run_cli("plan-summary", str(stack_dir), env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [missing_message("plan-summary (terraform plan)")]
    assert not (stack_dir / ".terraform").exists(), "terraform init ran"


def test_plan_summary_turns_the_providers_credential_error_into_the_same_line(tmp_path):
    """A profile that names no usable keys passes the check; Terraform's verdict then becomes one line."""
    fake = tmp_path / "bin" / "terraform"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: No valid credential sources found' >&2\nexit 1\n")
    fake.chmod(0o755)
    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    env = {
        **without_aws_settings(dict(os.environ)),
        "HOME": str(tmp_path),
        "AWS_PROFILE": "empty",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
    }
    (tmp_path / "config").write_text("[profile empty]\n")
    result = run_cli("plan-summary", str(stack_dir), env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [missing_message("plan-summary (terraform plan)")]
