"""Security scan: checkov once per synthesized stack, each stack with only the accepted findings that apply to it.

Usage (project root, after a synth with the same settings): python -m aurora_web scan [--outdir DIR] [--checkov PATH]
    [--report FILE]

The settings file ($AURORA_WEB_CONFIG, as for synth) says which stacks there are and how each is configured;
scan_exceptions.py says which failed checks are accepted for such a stack, resource by resource, and why. checkov
runs with no skip list, from an empty directory with an empty home, so no `.checkov.yaml` is ever picked up by
accident. Exit 0: every failed check is accepted; 1: a finding that is not (or checkov could not run); 2: bad
settings or no synthesized stack.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..paths import PROJECT_ROOT

CHECKOV_ENV_VAR = "CHECKOV"  # a checkov executable to use instead of .tools/checkov or PATH's
LOCAL_CHECKOV = PROJECT_ROOT / ".tools" / "checkov" / "bin" / "checkov"


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource, as checkov reported it."""

    check: str
    resource_type: str
    logical_id: str  # without cdktf's hash suffix
    address: str  # <type>.<logical id>, as in the JSON
    title: str


@dataclass
class StackResult:
    """What the scan made of one stack."""

    name: str
    profile: str
    passed: int
    accepted: list[tuple[Finding, str]] = field(default_factory=list)  # with the reason
    failed: list[Finding] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # exceptions that applied but matched nothing

    @property
    def ok(self) -> bool:
        return not self.failed


class ScanError(Exception):
    """checkov is missing or did not produce a report: one line for the user."""


class NotSynthesized(ScanError):
    """A stack of the settings has no synthesized JSON: bad input (exit 2), not a finding."""


def find_checkov(explicit: str | None) -> str:
    for candidate in (
        explicit,
        os.environ.get(CHECKOV_ENV_VAR),
        str(LOCAL_CHECKOV) if LOCAL_CHECKOV.exists() else None,
    ):
        if candidate:
            return candidate
    found = shutil.which("checkov")
    if found is None:
        raise ScanError(
            "checkov not found: `scripts/setup.sh --checkov` installs the pinned version into .tools/checkov "
            f"(or name one with --checkov or ${CHECKOV_ENV_VAR})"
        )
    return found


def run_checkov(checkov: str, stack_file: Path) -> dict[str, Any]:
    """checkov's JSON report of one file, run where no config file can be found (empty working directory and home)."""
    with tempfile.TemporaryDirectory(prefix="aurora-web-scan-") as empty:
        environment = {**os.environ, "HOME": empty, "BC_SKIP_MAPPING": "TRUE"}
        result = subprocess.run(
            [checkov, "-f", str(stack_file.resolve()), "--framework", "terraform_json", "-o", "json"],
            cwd=empty,
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ScanError(f"checkov gave no report for {stack_file} (exit {result.returncode}): {last}") from None
    report = report[0] if isinstance(report, list) else report
    if not isinstance(report, dict) or "results" not in report:
        raise ScanError(f"checkov's report for {stack_file} has no results (exit {result.returncode})")
    return report


def findings(report: dict[str, Any], stack: dict[str, Any]) -> list[Finding]:
    """The failed checks, each resolved to its resource's type and logical id in the stack's JSON."""
    types = {
        logical_id: resource_type
        for resource_type, resources in stack.get("resource", {}).items()
        for logical_id in resources
    }
    found = []
    for check in report["results"]["failed_checks"]:
        logical_id = check["resource"].rsplit(".", 1)[-1]
        resource_type = types.get(logical_id, check["resource"].split(".", 1)[0])
        found.append(
            Finding(
                check=check["check_id"],
                resource_type=resource_type,
                logical_id=logical_id.rsplit("_", 1)[0],
                address=f"{resource_type}.{logical_id}",
                title=check.get("check_name", ""),
            )
        )
    return found


def judge(name: str, config: Any, report: dict[str, Any], stack: dict[str, Any]) -> StackResult:
    """Sort a stack's failed checks into accepted (with the reason) and not, by the exceptions for its config."""
    from .scan_exceptions import exceptions_for

    exceptions = exceptions_for(config)
    result = StackResult(name, config.profile, passed=len(report["results"]["passed_checks"]))
    used = set()
    for finding in findings(report, stack):
        match = next(
            (ex for ex in exceptions if ex.covers(finding.check, finding.resource_type, finding.logical_id)), None
        )
        if match is None:
            result.failed.append(finding)
        else:
            used.add(match)
            result.accepted.append((finding, match.reason))
    result.unused = [f"{ex.check} on {ex.resource_type}.{ex.logical_id}" for ex in exceptions if ex not in used]
    return result


def render(results: list[StackResult]) -> str:
    """Markdown: per stack, every finding that is not accepted first, then the accepted ones with their reasons."""
    lines = ["# Security scan (checkov, once per stack)", ""]
    for result in results:
        verdict = "ok" if result.ok else f"{len(result.failed)} finding(s) not accepted"
        lines.append(
            f"## {result.name} ({result.profile}): {verdict}; {result.passed} passed, {len(result.accepted)} accepted"
        )
        lines.extend(f"- FAILED {finding.check} on `{finding.address}`: {finding.title}" for finding in result.failed)
        lines.extend(
            f"- accepted {finding.check} on `{finding.address}`: {reason}" for finding, reason in result.accepted
        )
        lines.extend(f"- note: exception not needed here: {unused}" for unused in result.unused)
        lines.append("")
    return "\n".join(lines)


def scan(outdir: Path, checkov: str) -> list[StackResult]:
    """Scan every stack the settings describe (ConfigError for bad settings, ScanError when one cannot be scanned)."""
    from ..settings.stacks import load_app_config

    results = []
    for name, config in load_app_config().items():
        stack_file = outdir / "stacks" / name / "cdk.tf.json"
        try:
            stack = json.loads(stack_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise NotSynthesized(f"cannot read {stack_file} ({error}): synthesize first (make synth)") from None
        results.append(judge(name, config, run_checkov(checkov, stack_file), stack))
    return results


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=Path(os.environ.get("CDKTF_OUTDIR") or "cdktf.out"))
    parser.add_argument("--checkov", help="checkov executable (default: $CHECKOV, .tools/checkov, then PATH)")
    parser.add_argument("--report", type=Path, help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    from constructs_lib.validation import ConfigError

    from ..errors import EXIT_BAD_INPUT, report_bad_input

    try:
        results = scan(args.outdir, find_checkov(args.checkov))
    except ConfigError as error:
        report_bad_input(error)
        return EXIT_BAD_INPUT
    except ScanError as error:
        print(f"aurora-web scan: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(error, NotSynthesized) else 1
    text = render(results)
    print(text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    for result in results:
        for finding in result.failed:
            print(f"aurora-web scan: {result.name}: {finding.check} fails on {finding.address}", file=sys.stderr)
    return 0 if all(result.ok for result in results) else 1
