"""Drift detection: what changed in the real infrastructure outside Terraform, per stack, in Markdown.

Usage (project root, after a synth with the same settings): python -m aurora_web drift [--outdir cdktf.out]
    [--stack NAME ...] [--out report.md]

For each synthesized stack (cdktf.out/stacks/<name>/): `terraform init`, `terraform plan -refresh-only
-detailed-exitcode -out=...` and `terraform show -json` of that plan. Terraform compares its state with what the cloud
reports now; the plan's `resource_drift` entries are the resources changed or deleted by hand, with their attributes
before (state) and after (real). A refresh-only plan proposes nothing to apply: this command only reads.

Exit codes: 0 no drift; 3 drift in at least one stack (the report says where); 1 a stack could not be checked
(Terraform failed: its first error line is printed); 2 the command cannot run as called: no synthesized stack, an
unknown --stack, no terraform on PATH, or no AWS credentials. 2 is this project's code for bad input everywhere, so
drift gets its own code rather than Terraform's 2.

Two kinds of drift are reported. Attributes that differ between the state and the cloud (`resource_drift`; null and
empty count as equal, as the provider itself treats `tags`). And items added by hand to attributes that mirror
separate resources, like a rule added to a security group: those are compared with the resources Terraform manages,
not with the state (drift_mirrors.py says why), so they are found even after an apply recorded them.

Values marked sensitive in the plan are never printed. Report and exit code are pure functions of the plan JSON
(`report`, `drifted`); the runner only feeds them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .drift_mirrors import MIRRORED, shadowed, unmanaged

EXIT_NO_DRIFT = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_DRIFT = 3
MARKER = "<!-- drift-report -->"  # the scheduled workflow finds its one issue by this first line
VALUE_WIDTH = 160  # longer values are cut: the report is read in an issue, the plan file has the rest
LOCK_TIMEOUT = "300s"  # wait for an apply that holds the state lock rather than fail at once
# What the AWS provider says when it finds no credentials anywhere (environment, profile, SSO, instance role).
NO_CREDENTIALS = ("No valid credential sources found",)
CREDENTIALS_NEEDED = (
    "no AWS credentials: drift reads the real infrastructure, so it needs read access to the stack's account "
    "(AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; in CI the read-only role vars.AWS_PLAN_ROLE_ARN)"
)


class DriftError(Exception):
    """A stack could not be checked (exit 1); the message is one line."""


class CannotRun(Exception):
    """The command cannot run as called (exit 2); the message is one line naming what is needed."""


@dataclass(frozen=True)
class Drifted:
    """One resource the cloud no longer reports as Terraform's state has it."""

    address: str
    kind: str  # "changed" or "deleted" (outside Terraform)
    attributes: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (in state, now), as text
    unmanaged: dict[str, list[str]] = field(default_factory=dict)  # attribute -> items no Terraform resource manages


# ---- the report: pure functions of `terraform show -json` -------------------------------------------------------


def _sensitive(marks: Any, name: str) -> bool:
    """Whether the plan marks an attribute (or anything inside it) sensitive: then neither side is shown."""
    if not isinstance(marks, dict):
        return bool(marks)
    mark = marks.get(name)
    return mark is True or (isinstance(mark, (dict, list)) and _any_true(mark))


def _any_true(marks: Any) -> bool:
    if isinstance(marks, dict):
        return any(_any_true(value) for value in marks.values())
    if isinstance(marks, list):
        return any(_any_true(value) for value in marks)
    return marks is True


def _text(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _differences(before: Any, after: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(path, before, after) of each differing leaf, e.g. `root_block_device[0].volume_size`; null == empty."""
    if before == after or (_empty(before) and _empty(after)):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            found
            for key in sorted(set(before) | set(after))
            for found in _differences(before.get(key), after.get(key), f"{path}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            found
            for index, pair in enumerate(zip(before, after, strict=True))
            for found in _differences(*pair, f"{path}[{index}]")
        ]
    return [(path, before, after)]


def drifted(plan: dict[str, Any]) -> list[Drifted]:
    """What drifted according to a refresh-only plan: changed attributes (sensitive ones masked), deleted resources,
    and items no Terraform resource manages in mirrored attributes (a hand-made security group rule), by address."""
    extra = unmanaged(plan.get("prior_state"))
    owned_elsewhere = shadowed(plan.get("prior_state"))
    found = {address: Drifted(address, "changed", unmanaged=items) for address, items in extra.items()}
    for entry in plan.get("resource_drift") or []:
        change = entry.get("change", {})
        actions = change.get("actions", [])
        if entry.get("mode", "managed") != "managed" or actions in (["no-op"], ["read"]):
            continue
        if "delete" in actions:
            found[entry["address"]] = Drifted(entry["address"], "deleted")
            continue
        before, after = change.get("before") or {}, change.get("after") or {}
        masked = change.get("before_sensitive"), change.get("after_sensitive")
        attributes = {}
        for name in sorted(set(before) | set(after)):
            differences = _differences(before.get(name), after.get(name), name)
            if not differences or (entry.get("type"), name) in MIRRORED or (entry["address"], name) in owned_elsewhere:
                continue
            if any(_sensitive(marks, name) for marks in masked):
                attributes[name] = ("(sensitive)", "(sensitive, changed)")
                continue
            for path, old, new in differences:
                attributes[path] = (_text(old), _text(new))
        if attributes:
            found[entry["address"]] = Drifted(entry["address"], "changed", attributes, extra.get(entry["address"], {}))
    return [found[address] for address in sorted(found)]


def _cell(text: str) -> str:
    """A value as a Markdown table cell: a code span (inert in an issue), pipes escaped, on one line."""
    text = text.replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def stack_section(name: str, found: list[Drifted]) -> list[str]:
    """Markdown for one stack: a line saying it is clean, or each drifted resource and its changed attributes."""
    if not found:
        return [f"### `{name}`: no drift", ""]
    lines = [f"### `{name}`: {len(found)} resource(s) drifted", ""]
    for resource in found:
        if resource.kind == "deleted":
            lines += [f"- `{resource.address}`: **deleted outside Terraform**", ""]
            continue
        lines += [f"- `{resource.address}`: changed outside Terraform", ""]
        for attribute, items in resource.unmanaged.items():
            listed = ", ".join(_cell(item) for item in items)
            lines += [f"  - in `{attribute}`, not managed by Terraform (added by hand?): {listed}", ""]
        if resource.attributes:
            lines += ["  | attribute | in Terraform's state | now |", "  | --- | --- | --- |"]
            lines += [
                f"  | `{attribute}` | {_cell(before)} | {_cell(after)} |"
                for attribute, (before, after) in resource.attributes.items()
            ]
            lines.append("")
    return lines


def report(results: dict[str, list[Drifted] | str]) -> str:
    """The whole report: stack name -> its drift, or the one-line error that kept it from being checked."""
    drifting = sorted(name for name, result in results.items() if isinstance(result, list) and result)
    failed = sorted(name for name, result in results.items() if isinstance(result, str))
    lines = [MARKER, "## Infrastructure drift", ""]
    if drifting:
        lines.append(
            f"**Drift in {', '.join(f'`{name}`' for name in drifting)}**: resources were changed outside "
            "Terraform. An apply puts changed attributes back; items not managed by Terraform stay until "
            "someone deletes or imports them. To keep a change, put it in the settings and apply that."
        )
    elif failed:
        lines.append("**Not every stack could be checked.**")
    else:
        lines.append("No drift: every stack matches its Terraform state.")
    lines += ["", f"Checked with `terraform plan -refresh-only` ({len(results)} stack(s)).", ""]
    for name in sorted(results):
        result = results[name]
        if isinstance(result, str):
            lines += [f"### `{name}`: could not be checked", "", f"    {result}", ""]
        else:
            lines += stack_section(name, result)
    return "\n".join(lines).rstrip("\n") + "\n"


def exit_code(results: dict[str, list[Drifted] | str]) -> int:
    """1 if any stack could not be checked (the check is incomplete), else 3 on any drift, else 0."""
    if any(isinstance(result, str) for result in results.values()):
        return EXIT_ERROR
    return EXIT_DRIFT if any(results.values()) else EXIT_NO_DRIFT


# ---- the runner ---------------------------------------------------------------------------------------------------


def _first_error(output: str) -> str:
    for line in output.splitlines():
        stripped = line.strip(" │╷╵")
        if stripped.startswith("Error:"):
            return stripped
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _terraform(args: list[str], stack_dir: Path, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    from .export_hcl import terraform_env

    result = subprocess.run(
        ["terraform", *args], cwd=stack_dir, env=terraform_env(), capture_output=True, text=True, check=False
    )
    if result.returncode not in ok:
        output = result.stdout + result.stderr
        if any(marker in output for marker in NO_CREDENTIALS):
            raise CannotRun(CREDENTIALS_NEEDED)
        raise DriftError(
            f"`terraform {args[0]}` failed: {_first_error(output)} "
            f"(details: terraform -chdir={stack_dir} {' '.join(args[:2])})"
        )
    return result


def check_stack(stack_dir: Path) -> list[Drifted]:
    """init, the refresh-only plan into a scratch file, and what drifted according to that plan's JSON."""
    _terraform(["init", "-input=false", "-no-color"], stack_dir)
    with tempfile.TemporaryDirectory(prefix="drift-") as scratch:
        plan_file = str(Path(scratch) / "refresh.tfplan")
        _terraform(
            [
                "plan",
                "-refresh-only",
                "-detailed-exitcode",
                "-input=false",
                "-no-color",
                f"-lock-timeout={LOCK_TIMEOUT}",
                f"-out={plan_file}",
            ],
            stack_dir,
            ok=(0, 2),
        )
        plan: dict[str, Any] = json.loads(_terraform(["show", "-json", plan_file], stack_dir).stdout)
    # Terraform's own exit code (0/2) is not the answer: it counts Terraform's own follow-on values as drift and
    # cannot see a rule an apply has already recorded. drifted() decides from the plan JSON.
    return drifted(plan)


def stack_dirs(outdir: Path, names: list[str]) -> dict[str, Path]:
    """The synthesized stacks to check, by name: all of them, or the ones named (each must exist)."""
    found = {path.parent.name: path.parent for path in sorted((outdir / "stacks").glob("*/cdk.tf.json"))}
    if not found:
        raise CannotRun(f"no synthesized stack in {outdir / 'stacks'}: run `make synth` first")
    unknown = [name for name in names if name not in found]
    if unknown:
        raise CannotRun(
            f"--stack {', '.join(unknown)}: no such synthesized stack in {outdir / 'stacks'} "
            f"(there are: {', '.join(found)})"
        )
    return {name: found[name] for name in names} if names else found


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=Path("cdktf.out"), help="the synth output (default: cdktf.out)")
    parser.add_argument("--stack", action="append", default=[], metavar="NAME", help="check only this stack (repeat)")
    parser.add_argument("--out", type=Path, help="write the Markdown report here (default: stdout)")
    args = parser.parse_args(argv)
    results: dict[str, list[Drifted] | str] = {}
    try:
        stacks = stack_dirs(args.outdir, args.stack)
        if shutil.which("terraform") is None:
            raise CannotRun("terraform not found on PATH: install Terraform >= 1.10")
        for name, stack_dir in stacks.items():
            try:
                results[name] = check_stack(stack_dir)
            except DriftError as error:
                results[name] = str(error)
                print(f"drift: {name}: {error}", file=sys.stderr)
    except CannotRun as error:
        print(f"drift: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    text = report(results)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    code = exit_code(results)
    if code == EXIT_DRIFT:
        names = ", ".join(name for name, result in sorted(results.items()) if result)
        print(f"drift: resources changed outside Terraform in {names}", file=sys.stderr)
    return code
