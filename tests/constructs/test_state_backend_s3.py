"""The S3 backend against the emulator's S3: init and apply, a second apply refused by S3's lock file, state intact."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from aurora_web.settings.stacks import app_config_from_document
from aurora_web.synth import synthesize
from tests.support.deploy_checks import drift_problems
from tests.support.emulator import without_aws_settings
from tests.support.programs import require_program

pytestmark = pytest.mark.integration
BUCKET, KEY_PREFIX, STACK = "team-state", "web", "locktest"
STATE_KEY = f"{KEY_PREFIX}/{STACK}.tfstate"


def terraform(stack_dir: Path, env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=stack_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def read_until(process: subprocess.Popen, marker: str, limit: int = 200_000) -> str:
    """Terraform's output up to `marker` (the approval prompt), read as it comes."""
    seen = ""
    while marker not in seen and len(seen) < limit:
        character = process.stdout.read(1)
        if not character:
            break
        seen += character
    return seen


@pytest.fixture(scope="module")
def s3_stack(emulator, tmp_path_factory):
    """A small stack (no reader, no app) whose state lives in the emulator's S3 bucket, initialized."""
    require_program("terraform")
    root = tmp_path_factory.mktemp("s3-state")
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    stacks = app_config_from_document(
        {
            "name_prefix": STACK,
            "web": {"detailed_monitoring": False, "install_app": False, "key_directory": str(root / "keys")},
            "database": {"reader_count": 0},
            "state": {"backend": "s3", "bucket": BUCKET, "key_prefix": KEY_PREFIX},
        }
    )
    stack_dir = synthesize(stacks, str(root / "cdktf.out")) / "stacks" / STACK
    env = {**without_aws_settings(os.environ), **emulator.env()}
    # Path-style addressing: the emulator has no per-bucket host names. Given at init, the JSON stays as synthesized.
    init = terraform(stack_dir, env, "init", "-input=false", "-backend-config=use_path_style=true")
    assert init.returncode == 0, f"terraform init failed:\n{init.stdout}\n{init.stderr}"
    yield stack_dir, env
    terraform(stack_dir, env, "destroy", "-auto-approve", "-input=false", timeout=600)


def test_a_second_apply_is_refused_while_the_first_holds_the_lock(s3_stack, emulator):
    stack_dir, env = s3_stack
    # An apply waiting for its approval holds the state lock: a deterministic way to keep it held.
    first = subprocess.Popen(
        ["terraform", "apply", "-no-color"],
        cwd=stack_dir,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        planned = read_until(first, "Enter a value:")
        assert "Enter a value:" in planned, f"the first apply did not reach its approval prompt:\n{planned[-3000:]}"
        lock_keys = [item["Key"] for item in emulator.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        assert f"{STATE_KEY}.tflock" in lock_keys, f"no S3 lock file while the first apply waits: {lock_keys}"

        second = terraform(stack_dir, env, "apply", "-auto-approve", "-input=false", "-lock-timeout=0s")
        assert second.returncode != 0, "a second apply ran while the first held the lock"
        assert "Error acquiring the state lock" in second.stderr, second.stderr

        first.stdin.write("yes\n")
        first.stdin.flush()
        rest = first.stdout.read()
        assert first.wait(timeout=600) == 0, f"the first apply failed:\n{rest[-4000:]}"
    finally:
        if first.poll() is None:
            first.kill()


def test_state_in_the_bucket_is_intact_and_a_plan_changes_nothing(s3_stack, emulator):
    stack_dir, env = s3_stack
    s3 = emulator.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [STATE_KEY], f"the lock file must be gone after the apply: {keys}"
    state = json.loads(s3.get_object(Bucket=BUCKET, Key=STATE_KEY)["Body"].read())
    types = {resource["type"] for resource in state["resources"] if resource["mode"] == "managed"}
    assert {"aws_vpc", "aws_instance", "aws_rds_cluster", "aws_rds_cluster_instance"} <= types
    assert state["serial"] >= 1 and state["lineage"]

    plan = terraform(stack_dir, env, "plan", "-input=false", "-out=recheck.tfplan", "-detailed-exitcode")
    assert plan.returncode in (0, 2), f"terraform plan failed:\n{plan.stdout}\n{plan.stderr}"
    shown = terraform(stack_dir, env, "show", "-json", "recheck.tfplan")
    assert shown.returncode == 0, shown.stderr
    problems = drift_problems(json.loads(shown.stdout))
    assert not problems, "plan after apply is not empty:\n" + "\n".join(problems)
