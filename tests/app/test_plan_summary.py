"""aurora_web/tools/plan_summary.py (`python -m aurora_web plan-summary`): the summary is right on hand-made plan
JSON; the CLI writes it from a plan JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aurora_web.tools.plan_summary import changes, classify, counts, summarize
from tests.support.app_cli import run_cli


def resource_change(address: str, actions: list[str], **extra) -> dict:
    type_ = address.split(".")[-2] if address.startswith("data.") else address.split(".", maxsplit=1)[0]
    return {
        "address": address,
        "mode": "data" if address.startswith("data.") else "managed",
        "type": type_,
        "name": address.rsplit(".", maxsplit=1)[-1],
        "change": {"actions": actions, **extra.pop("change", {})},
        **extra,
    }


def plan(*resource_changes: dict) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(resource_changes)}


@pytest.mark.parametrize(
    "actions, kind",
    [
        (["create"], "add"),
        (["update"], "change"),
        (["delete"], "destroy"),
        (["delete", "create"], "replace"),
        (["create", "delete"], "replace"),
        (["no-op"], None),
        (["read"], None),
        (["forget"], None),
    ],
)
def test_classify_maps_terraform_actions_to_one_kind(actions, kind):
    assert classify(actions) == kind


def test_one_added_reader_is_one_add_and_nothing_else():
    document = plan(
        resource_change("aws_rds_cluster_instance.database_reader-2_X", ["create"]),
        resource_change("aws_vpc.network_vpc_Y", ["no-op"]),
        resource_change("data.aws_ssm_parameter.ami", ["read"]),
    )
    assert counts(changes(document)) == {"add": 1, "change": 0, "replace": 0, "destroy": 0}
    summary = summarize(document, "aurora-web")
    assert "**1 to add, 0 to change, 0 to replace, 0 to destroy**" in summary
    assert "| `aws_rds_cluster_instance` | 1 |  |  |  |" in summary
    assert "⚠" not in summary
    assert "aws_vpc" not in summary and "aws_ssm_parameter" not in summary


def test_replacements_and_destroys_are_called_out_before_anything_else():
    document = plan(
        resource_change("aws_vpc_security_group_ingress_rule.rule", ["update"]),
        resource_change(
            "aws_rds_cluster.database_cluster_A",
            ["delete", "create"],
            action_reason="replace_because_cannot_update",
            change={"replace_paths": [["cluster_identifier"]]},
        ),
        resource_change("aws_instance.old", ["delete"], action_reason="delete_because_no_resource_config"),
        resource_change("aws_security_group.db", ["create", "delete"]),
    )
    lines = summarize(document, "aurora-web").splitlines()
    assert lines[0] == "<!-- plan-summary:aurora-web -->"
    assert lines[1] == "### Terraform plan: `aurora-web`"
    assert lines[3].startswith("⛔ **DATA LOSS: 1 resource(s) holding data would be destroyed.**")
    assert lines[5:8] == [
        "⚠ **REPLACE (destroy, then create)** [data loss: the database, its automated backups and its snapshots' "
        "source] `aws_rds_cluster.database_cluster_A` — forced by `cluster_identifier`",
        "⚠ **DESTROY** [downtime: the web server] `aws_instance.old` — delete because no resource config",
        "⚠ **REPLACE (destroy, then create)** `aws_security_group.db`",
    ]
    assert lines[9] == (
        "**0 to add, 1 to change, 2 to replace, 1 to destroy** (Terraform counts: 2 to add, 1 to change, 3 to destroy)"
    )
    table = "\n".join(lines)
    assert "| `aws_rds_cluster` |  |  | 1 |  |" in table
    assert "| `aws_instance` |  |  |  | 1 |" in table


def test_moto_style_in_place_updates_count_as_changes_not_replacements():
    document = plan(
        resource_change("aws_rds_cluster.c", ["update"]),
        resource_change("aws_vpc_security_group_egress_rule.e", ["update"]),
        resource_change("aws_rds_cluster_instance.reader-2", ["create"]),
    )
    assert counts(changes(document)) == {"add": 1, "change": 2, "replace": 0, "destroy": 0}
    assert "⚠" not in summarize(document, "s")


def test_an_empty_plan_says_no_changes():
    summary = summarize(plan(resource_change("aws_vpc.v", ["no-op"])), "aurora-web")
    assert "No changes" in summary and "⚠" not in summary and "to add" not in summary
    assert "No changes" in summarize({"format_version": "1.2"}, "aurora-web")  # no resource_changes key at all


def test_cli_summarizes_a_plan_json_file(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(resource_change("aws_rds_cluster.c", ["delete", "create"]))))
    out = tmp_path / "summary.md"
    result = run_cli(
        "plan-summary", str(tmp_path / "stack"), "--plan-json", str(plan_file), "--name", "prod", "--out", str(out)
    )
    assert result.returncode == 3, result.stderr  # the data guard
    assert "data loss in prod: replace aws_rds_cluster.c" in result.stderr
    assert out.read_text().splitlines()[3].startswith("⛔ **DATA LOSS")
    approved = run_cli(
        "plan-summary", str(tmp_path / "stack"), "--plan-json", str(plan_file), "--allow-data-loss", "--out", str(out)
    )
    assert approved.returncode == 0, approved.stderr
    assert "DATA LOSS" in out.read_text()  # approved, still said


@pytest.mark.parametrize(
    "resource_type, kind, guarded",
    [
        ("aws_rds_cluster", "delete", True),
        ("aws_kms_key", "delete", True),
        ("aws_backup_vault", "delete", True),
        ("aws_cloudwatch_log_group", "delete", True),
        ("aws_s3_bucket", "delete", True),
        ("aws_rds_cluster_instance", "delete", False),  # downtime only
        ("aws_instance", "delete", False),
        ("aws_lb", "delete", False),
        ("aws_security_group", "delete", False),
        ("aws_rds_cluster", "update", False),  # in place
    ],
)
def test_the_guard_fails_on_data_loss_only(tmp_path, resource_type, kind, guarded):
    actions = ["delete", "create"] if kind == "delete" else ["update"]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(resource_change(f"{resource_type}.x", actions))))
    result = run_cli("plan-summary", str(tmp_path), "--plan-json", str(plan_file), "--out", str(tmp_path / "s.md"))
    assert result.returncode == (3 if guarded else 0), result.stderr
    assert ("data loss" in result.stderr) is guarded


def test_an_add_only_plan_passes_the_guard(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(resource_change("aws_rds_cluster.c", ["create"]))))
    result = run_cli("plan-summary", str(tmp_path), "--plan-json", str(plan_file), "--out", str(tmp_path / "s.md"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "backend, refused", [({"local": {"path": "x.tfstate"}}, True), ({}, True), ({"s3": {}}, False)]
)
def test_require_remote_state_refuses_a_local_state_file(tmp_path, backend, refused):
    stack_dir = tmp_path / "shop-prod"
    stack_dir.mkdir()
    (stack_dir / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}}))
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan()))
    result = run_cli("plan-summary", str(stack_dir), "--plan-json", str(plan_file), "--require-remote-state")
    assert result.returncode == (2 if refused else 0), result.stderr
    if refused:
        assert result.stderr.count("\n") == 1 and '[state] backend = "s3"' in result.stderr, result.stderr


def test_cli_reports_a_missing_plan_file_without_a_traceback(tmp_path):
    result = run_cli("plan-summary", str(tmp_path), "--plan-json", str(tmp_path / "missing.json"))
    assert result.returncode == 1
    assert "plan_summary:" in result.stderr and "Traceback" not in result.stderr


# ---- against the AWS emulator: the default stack applied once (`applied_stack`, tests/conftest.py), two changes --


def run_summary(stack_dir: Path, out: Path, env: dict, expected_exit: int = 0) -> str:
    result = run_cli("plan-summary", str(stack_dir), "--out", str(out), env=env, timeout=600)
    assert result.returncode == expected_exit, result.stderr
    return out.read_text()


@pytest.mark.integration
def test_one_more_reader_plans_exactly_one_added_cluster_instance(applied_stack, tmp_path):
    stack_dir = applied_stack.synthesize({"database": {"reader_count": 2}})
    summary = run_summary(stack_dir, tmp_path / "summary.md", applied_stack.env)
    assert "⚠" not in summary, summary
    first_count_line = next(line for line in summary.splitlines() if line.startswith("**"))
    assert first_count_line.startswith("**1 to add, ") and ", 0 to replace, 0 to destroy**" in first_count_line, summary
    assert "| `aws_rds_cluster_instance` | 1 |" in summary, summary
    assert "- add: `aws_rds_cluster_instance.database_reader-2_" in summary, summary


@pytest.mark.integration
def test_a_new_cluster_identifier_is_flagged_as_a_replacement_at_the_top(applied_stack, tmp_path):
    stack_dir = applied_stack.synthesize({"database": {"cluster_identifier": "other-db-cluster"}})
    lines = run_summary(stack_dir, tmp_path / "summary.md", applied_stack.env, expected_exit=3).splitlines()
    assert lines[3].startswith("⛔ **DATA LOSS")  # the guard: a new identifier is a new, empty cluster
    top = lines[5 : lines.index("", 5)]  # the ⚠ lines: between the guard's line and the counts
    assert top and all(line.startswith("⚠ ") for line in top), lines
    cluster = [line for line in top if "`aws_rds_cluster.database_cluster_" in line]
    assert len(cluster) == 1 and "REPLACE" in cluster[0] and "`cluster_identifier`" in cluster[0], top
    assert not any("DESTROY" in line for line in top), top
