"""Summarize a Terraform plan for review: counts, resources by type, and every replace or destroy called out first.

Usage (project root): python -m aurora_web plan-summary STACK_DIR [--out summary.md] [--plan-json FILE]
    [--allow-data-loss] [--require-remote-state]

Runs `terraform init`, `terraform plan -out` and `terraform show -json` for STACK_DIR
(e.g. cdktf.out/stacks/aurora-web), or reads an existing `terraform show -json` document with --plan-json.
The summary is a pure function of that JSON.

The guard: each replace or destroy is classed as data loss, downtime or neither (plan_risk.py). A plan with data
loss exits 3 unless --allow-data-loss says a person approved it (CI: the pull request label `allow-data-loss`, or the
`allow_data_loss` input of a manual run). --require-remote-state refuses (exit 2) a stack whose state is a local
file, which a CI runner throws away.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aws_credentials import credential_source, missing_message
from .plan_risk import DATA_LOSS, risk_of

KINDS = ("add", "change", "replace", "destroy")
EXIT_DATA_LOSS = 3
EXIT_BAD_INPUT = 2
MARKER = "<!-- plan-summary:{name} -->"  # lets CI find and update its own PR comment


@dataclass(frozen=True)
class Change:
    """One resource instance's planned change, reduced to what a reviewer needs."""

    address: str
    type: str
    kind: str  # add, change, replace, destroy (no-op, read and forget are not reviewed here)
    reason: str = ""


def classify(actions: list[str]) -> str | None:
    """Terraform's action list as one kind; ["delete","create"] and ["create","delete"] are both a replacement."""
    unique = set(actions)
    if {"create", "delete"} <= unique:
        return "replace"
    return {frozenset({"create"}): "add", frozenset({"update"}): "change", frozenset({"delete"}): "destroy"}.get(
        frozenset(unique)
    )


def _reason(change: dict[str, Any]) -> str:
    paths = [".".join(str(step) for step in path) for path in change["change"].get("replace_paths", [])]
    if paths:
        return "forced by " + ", ".join(f"`{path}`" for path in paths)
    action_reason: str = change.get("action_reason", "")
    return action_reason.replace("_", " ")


def changes(plan: dict[str, Any]) -> list[Change]:
    """The reviewable changes of a `terraform show -json` plan document, in plan order."""
    found = []
    for change in plan.get("resource_changes", []):
        kind = classify(change["change"]["actions"])
        if kind is not None and change.get("mode", "managed") == "managed":
            found.append(
                Change(
                    change["address"], change["type"], kind, _reason(change) if kind in ("replace", "destroy") else ""
                )
            )
    return found


def counts(found: list[Change]) -> dict[str, int]:
    tally = Counter(change.kind for change in found)
    return {kind: tally.get(kind, 0) for kind in KINDS}


def data_loss(found: list[Change]) -> list[Change]:
    """The replaces and destroys that lose data."""
    return [
        change
        for change in found
        if change.kind in ("replace", "destroy") and (risk_of(change.type) or ("", ""))[0] == DATA_LOSS
    ]


def summarize(plan: dict[str, Any], name: str) -> str:
    """Markdown: data loss first, ⚠ lines for replacements and destroys with their class, counts, a table by type."""
    found = changes(plan)
    total = counts(found)
    lines = [MARKER.format(name=name), f"### Terraform plan: `{name}`", ""]
    lost = data_loss(found)
    if lost:
        lines += [
            f"⛔ **DATA LOSS: {len(lost)} resource(s) holding data would be destroyed.** The guard fails this plan "
            "unless it is approved: `--allow-data-loss` locally, the `allow-data-loss` label on the pull request.",
            "",
        ]
    warnings = [change for change in found if change.kind in ("replace", "destroy")]
    for change in warnings:
        verb = "REPLACE (destroy, then create)" if change.kind == "replace" else "DESTROY"
        risk = risk_of(change.type)
        label = f" [{risk[0]}: {risk[1]}]" if risk else ""
        lines.append(f"⚠ **{verb}**{label} `{change.address}`" + (f" — {change.reason}" if change.reason else ""))
    if warnings:
        lines.append("")
    if not found:
        return "\n".join([*lines, "No changes: the infrastructure matches the configuration."]) + "\n"
    lines += [
        f"**{total['add']} to add, {total['change']} to change, {total['replace']} to replace, "
        f"{total['destroy']} to destroy** (Terraform counts: {total['add'] + total['replace']} to add, "
        f"{total['change']} to change, {total['destroy'] + total['replace']} to destroy)",
        "",
    ]
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for change in found:
        by_type[change.type][change.kind] += 1
    lines += ["| resource type | " + " | ".join(KINDS) + " |", "| --- |" + " ---: |" * len(KINDS)]
    lines += [
        f"| `{type_}` | " + " | ".join(str(tally.get(kind, 0) or "") for kind in KINDS) + " |"
        for type_, tally in sorted(by_type.items())
    ]
    lines += ["", "<details><summary>Every change</summary>", ""]
    lines += [f"- {change.kind}: `{change.address}`" for change in found]
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


# ---- runner ------------------------------------------------------------------------------------------------


# What the AWS provider says when its credential chain found nothing.
NO_CREDENTIALS = "No valid credential sources found"
NEEDS = "plan-summary (terraform plan)"


def terraform(args: list[str], cwd: Path) -> str:
    from .export_hcl import terraform_env

    result = subprocess.run(
        ["terraform", *args], cwd=cwd, env=terraform_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"`terraform {' '.join(args)}` failed in {cwd}:\n{result.stdout}{result.stderr}")
    return result.stdout


def plan_json(stack_dir: Path, init: bool = True) -> dict[str, Any]:
    """init (unless told not to), plan into a temporary plan file, and the plan as JSON."""
    if init:
        terraform(["init", "-input=false", "-no-color"], stack_dir)
    with tempfile.TemporaryDirectory(prefix="plan-summary-") as scratch:
        plan_file = str(Path(scratch) / "plan.tfplan")
        terraform(["plan", "-input=false", "-no-color", "-lock-timeout=120s", f"-out={plan_file}"], stack_dir)
        plan: dict[str, Any] = json.loads(terraform(["show", "-json", plan_file], stack_dir))
        return plan


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("stack_dir", type=Path, help="a directory holding the stack's Terraform configuration")
    parser.add_argument("--out", type=Path, help="write the Markdown here (default: stdout)")
    parser.add_argument(
        "--plan-json", type=Path, help="summarize this `terraform show -json` output instead of planning"
    )
    parser.add_argument("--name", help="stack name in the heading (default: the directory's name)")
    parser.add_argument("--no-init", action="store_true", help="the directory is already initialized")
    parser.add_argument(
        "--allow-data-loss", action="store_true", help="a person approved this plan's data loss: exit 0 anyway"
    )
    parser.add_argument(
        "--require-remote-state", action="store_true", help="refuse a stack whose state is a local file (CI apply)"
    )
    args = parser.parse_args(argv)
    if args.require_remote_state:
        problem = local_state_problem(args.stack_dir)
        if problem:
            print(f"plan_summary: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if not args.plan_json and credential_source() is None:
        print(missing_message(NEEDS), file=sys.stderr)
        return 1
    try:
        plan = json.loads(args.plan_json.read_text()) if args.plan_json else plan_json(args.stack_dir, not args.no_init)
    except (RuntimeError, OSError, json.JSONDecodeError) as error:
        # A profile that names no usable keys passes the check above; the provider's verdict is then shown as one line.
        line = missing_message(NEEDS) if NO_CREDENTIALS in str(error) else f"plan_summary: {error}"
        print(line, file=sys.stderr)
        return 1
    summary = summarize(plan, args.name or args.stack_dir.resolve().name)
    if args.out:
        args.out.write_text(summary)
    else:
        sys.stdout.write(summary)
    lost = data_loss(changes(plan))
    if lost and not args.allow_data_loss:
        print(
            f"plan_summary: data loss in {args.name or args.stack_dir.resolve().name}: "
            + ", ".join(f"{change.kind} {change.address}" for change in lost)
            + " (approve with --allow-data-loss; in CI the pull request label allow-data-loss)",
            file=sys.stderr,
        )
        return EXIT_DATA_LOSS
    return 0


def local_state_problem(stack_dir: Path) -> str | None:
    """Why the stack's state would not survive the machine that plans it, or None (read from its cdk.tf.json)."""
    try:
        backend = json.loads((stack_dir / "cdk.tf.json").read_text()).get("terraform", {}).get("backend", {})
    except (OSError, ValueError) as error:
        return f"cannot read {stack_dir / 'cdk.tf.json'}: {error}"
    if "local" in backend or not backend:
        return (
            f"{stack_dir.name} keeps its Terraform state in a local file, which is lost with this machine: set "
            '[state] backend = "s3" and bucket = "<your state bucket>" in the settings file ($AURORA_WEB_CONFIG)'
        )
    return None
