"""Day-2 change scenarios (issue 19), played on the live stacks that tests/integration/test_deploy.py deploys.

Our users live with a stack for years: they change settings, AWS patches the database under them, someone adds a
rule in the console. Each scenario here is one such change, made on the deployed stack after every first-deploy
check has read it (test_deploy's StackRun runs them between its second plan and its teardown), one after another:
synthesize the settings so far plus the scenario's, plan (`-out`, `show -json`), compare the plan's own changes with
what the scenario expects, apply, and read back with boto3 that AWS holds the new value.

The apply targets the plan's own changes (`-target`, plus any resource type the scenario names): on AWS the plan holds
nothing else, while applying moto's artifacts again with every scenario made each prod apply take about 100 s instead
of the change's own seconds (measured with the whole plan applied: 72 to 100 s per prod apply, 37 to 58 s on dev).
Terraform adds the targets' dependencies that have changes: prod's alarms depend on its instances, whose Performance
Insights artifacts are applied with them, so that one apply still takes about 100 s.

A plan's own changes are its reviewable changes (aurora_web.tools.plan_summary.changes) less the in-place updates that
touch nothing but moto's known read-back artifacts (deploy_checks.KNOWN_EMULATOR_ARTIFACTS): those show in every plan
of an unchanged stack, on AWS they do not. Expectations are counted by (resource type, kind), so a scenario whose
resources change type (prod's web tier moving to a launch template) changes one line.

The scenarios are split so the prod deploy, the long pole, gets one (the alarm threshold: only prod has alarms) and
dev, which finishes earlier, carries the rest.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from aurora_web.tools.drift import EXIT_DRIFT
from aurora_web.tools.plan_summary import EXIT_DATA_LOSS, changes, data_loss
from tests.support.app_cli import run_cli
from tests.support.deploy_checks import unexplained_attributes
from tests.support.documents import merged
from tests.support.emulator import describe_cluster

# (resource type, kind) -> how many; kind as plan_summary classes it: add, change, replace, destroy. {} = no change.
Expected = Mapping[tuple[str, str], int]

# AWS's own patch level on the 3.10 LTS line, applied as AWS does it (the settings keep 3.10.0).
PATCH_VERSION = "8.0.mysql_aurora.3.10.1"
HAND_MADE_CIDR = "198.51.100.9/32"  # TEST-NET-2: nobody's address
HAND_MADE_RULE = [
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": HAND_MADE_CIDR, "Description": "added by hand in the console"}],
    }
]
DRIFT_TIMEOUT = 600
# The session's table of seconds per scenario, printed at the end of the run (tests/integration/conftest.py).
SCENARIO_TIMINGS = pytest.StashKey[list[str]]()


class LiveStack(Protocol):
    """What a scenario needs of test_deploy's StackRun (a protocol: this module does not import a test module)."""

    emulator: Any
    config: Any
    facts: dict
    document: dict
    directory: Path
    stack_dir: Path
    prefix: str
    env: dict[str, str]

    def synthesize(self, document: dict) -> str: ...

    def terraform(self, *args: str, timeout: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str]: ...


@dataclass(frozen=True)
class Scenario:
    """One day-2 change: settings merged onto the stack's settings so far, and/or a change made by hand first.

    settings: a settings document, or a function of the stack for a change relative to what is deployed.
    expect: the plan's own changes, from the stack's config (None: not counted; `check_plan` says what matters).
    check_plan: problems with the plan (the guard, the drift command); read_back: problems with what AWS holds after
    the apply; undo: takes a hand-made change back after the plan. apply_also: resource types the apply targets
    besides the plan's own changes (a scenario that plans none still applies these). apply=False plans only: the
    settings so far are then synthesized again, so the stack's directory holds what is deployed.
    """

    name: str
    expect: Callable[[Any], Expected] | None
    settings: dict | Callable[[LiveStack], dict] = field(default_factory=dict)
    by_hand: Callable[[LiveStack], None] | None = None
    check_plan: Callable[[LiveStack, dict], list[str]] | None = None
    read_back: Callable[[LiveStack], list[str]] | None = None
    undo: Callable[[LiveStack], None] | None = None
    apply_also: tuple[str, ...] = ()
    apply: bool = True


@dataclass
class Outcome:
    """What a scenario found (problems, empty when as expected) and its seconds (synth, plan + show, the plan's
    check when it runs a command of its own, apply)."""

    name: str
    own_changes: dict[str, str] = field(default_factory=dict)  # address -> kind
    before: dict = field(default_factory=dict)  # the settings deployed before the scenario, and with its change
    after: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


# ---- judging a plan -------------------------------------------------------------------------------------------


def own_changes(plan: dict) -> dict[str, str]:
    """{address: kind} of the plan's reviewable changes, less updates that only repeat moto's known artifacts."""
    entries = {entry["address"]: entry for entry in plan.get("resource_changes", [])}
    return {
        found.address: found.kind
        for found in changes(plan)
        if found.kind != "change" or unexplained_attributes(entries[found.address])
    }


def resource_type(address: str) -> str:
    """The type of a root-module resource address (`aws_instance.web["a.b"]` -> `aws_instance`)."""
    return address.split(".", 1)[0]


def expectation_problems(found: dict[str, str], expected: Expected) -> list[str]:
    """Each (type, kind) whose count differs from the expectation, naming the addresses the plan has."""
    tally = Counter((resource_type(address), kind) for address, kind in found.items())
    problems = []
    for key in sorted(set(tally) | set(expected)):
        if tally.get(key, 0) != expected.get(key, 0):
            addresses = sorted(address for address, kind in found.items() if (resource_type(address), kind) == key)
            problems.append(
                f"{key[1]} {key[0]}: {tally.get(key, 0)} planned, {expected.get(key, 0)} expected {addresses}"
            )
    return problems


# ---- playing the scenarios --------------------------------------------------------------------------------------


def play(run: LiveStack, scenarios: tuple[Scenario, ...], outcomes: dict[str, Outcome]) -> str:
    """Each scenario in turn, its outcome into `outcomes`. A failing Terraform command stops the rest (raises): the
    stack is then in a state no later expectation was written for."""
    for scenario in scenarios:
        outcome = outcomes[scenario.name] = Outcome(scenario.name)
        settings = scenario.settings(run) if callable(scenario.settings) else scenario.settings
        document = merged(run.document, settings)
        outcome.before, outcome.after = run.document, document
        started = time.monotonic()
        run.synthesize(document)
        outcome.seconds["synth"] = time.monotonic() - started
        if scenario.by_hand is not None:
            scenario.by_hand(run)
        try:
            started = time.monotonic()
            run.terraform("plan", "-input=false", "-no-color", "-out=scenario.tfplan", timeout="plan")
            plan = json.loads(run.terraform("show", "-json", "scenario.tfplan", timeout="read")[1])
            outcome.seconds["plan"] = time.monotonic() - started
            outcome.own_changes = own_changes(plan)
            if scenario.expect is not None:
                outcome.problems += expectation_problems(outcome.own_changes, scenario.expect(run.config))
            if scenario.check_plan is not None:
                started = time.monotonic()
                outcome.problems += scenario.check_plan(run, plan)
                outcome.seconds["check"] = time.monotonic() - started
        finally:
            if scenario.undo is not None:
                scenario.undo(run)
        if not scenario.apply:
            run.synthesize(run.document)
            continue
        started = time.monotonic()
        targets = set(outcome.own_changes) | {
            entry["address"] for entry in plan.get("resource_changes", []) if entry["type"] in scenario.apply_also
        }
        if targets:  # none: nothing of the scenario's own to apply (an untargeted apply would apply moto's noise)
            target_args = [f"-target={address}" for address in sorted(targets)]
            run.terraform("apply", "-input=false", "-no-color", "-auto-approve", *target_args, timeout="apply")
            outcome.seconds["apply"] = time.monotonic() - started
        run.document = document
        if scenario.read_back is not None:
            outcome.problems += scenario.read_back(run)
    return "\n".join(f"{name}: {outcome.problems or 'as expected'}" for name, outcome in outcomes.items())


def timings_table(outcomes_by_stack: Mapping[str, Mapping[str, Outcome]]) -> list[str]:
    """Seconds per scenario, one line each, for timings.txt and the end of the session's output."""
    steps = ("synth", "plan", "check", "apply")
    lines = [f"{'stack':<6} {'scenario':<38}" + "".join(f" {step:>6}" for step in steps)]
    for stack, outcomes in outcomes_by_stack.items():
        for name, outcome in outcomes.items():
            figures = [outcome.seconds.get(step) for step in steps]
            cells = " ".join(f"{'-' if value is None else f'{value:.1f}':>6}" for value in figures)
            lines.append(f"{stack:<6} {name:<38} {cells}")
    return lines


# ---- what AWS holds -----------------------------------------------------------------------------------------------


def _cluster(run: LiveStack) -> dict:
    cluster = describe_cluster(run.emulator, run.config.database.identifier)
    if cluster is None:
        raise LookupError(f"the cluster {run.config.database.identifier} is gone")
    return cluster


def _expect_value(what: str, actual: Any, expected: Any) -> list[str]:
    return [] if actual == expected else [f"{what}: AWS holds {actual!r}, expected {expected!r}"]


def _web_group_id(run: LiveStack) -> str:
    return str(run.facts["security_groups"][f"{run.config.web_server.name}-web"]["GroupId"])


# ---- the scenarios ---------------------------------------------------------------------------------------------------


def web_instance_type(instance_type: str) -> Scenario:
    """dev's web server is an instance: its type changes in place (stop, modify, start), nothing else."""

    def read_back(run: LiveStack) -> list[str]:
        instance_id = run.facts["instance"]["InstanceId"]
        (reservation,) = run.emulator.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"]
        return _expect_value("the web instance's type", reservation["Instances"][0]["InstanceType"], instance_type)

    return Scenario(
        f"web.instance_type = {instance_type}",
        expect=lambda _config: {("aws_instance", "change"): 1},
        settings={"web": {"instance_type": instance_type}},
        read_back=read_back,
    )


def reader_count(step: int) -> Scenario:
    """One reader more or less: adds or destroys that instance only (the writer and the cluster stay), and a reader
    holds no data of its own (the cluster volume does), so the guard must not call its removal data loss."""
    kind = "add" if step > 0 else "destroy"

    def check_plan(_run: LiveStack, plan: dict) -> list[str]:
        lost = data_loss(changes(plan))
        return [f"the guard calls this data loss: {[change.address for change in lost]}"] if lost else []

    def read_back(run: LiveStack) -> list[str]:
        members = _cluster(run)["DBClusterMembers"]
        return _expect_value("the cluster's members", len(members), 1 + readers(run))

    return Scenario(
        f"database.reader_count {step:+d}",
        expect=lambda _config: {("aws_rds_cluster_instance", kind): abs(step)},
        settings=lambda run: {"database": {"reader_count": readers(run) + step}},
        check_plan=check_plan,
        read_back=read_back,
    )


def backup_retention_days(days: int) -> Scenario:
    """The cluster's backup retention changes in place."""
    return Scenario(
        f"database.backup_retention_days = {days}",
        expect=lambda _config: {("aws_rds_cluster", "change"): 1},
        settings={"database": {"backup_retention_days": days}},
        read_back=lambda run: _expect_value(
            "the cluster's backup retention", _cluster(run)["BackupRetentionPeriod"], days
        ),
    )


def alarm_cpu_percent(percent: float) -> Scenario:
    """The CPU alarm of the writer and of each reader changes in place; no other alarm, nothing else."""

    def read_back(run: LiveStack) -> list[str]:
        alarms = run.emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix=run.config.database.identifier)
        cpu = [alarm for alarm in alarms["MetricAlarms"] if alarm["MetricName"] == "CPUUtilization"]
        expected = 1 + run.config.database.reader_count
        problems = _expect_value("CPU alarms", len(cpu), expected)
        return problems + [
            f"{alarm['AlarmName']}: threshold {alarm['Threshold']}, expected {percent}"
            for alarm in cpu
            if alarm["Threshold"] != percent
        ]

    return Scenario(
        f"database.alarm_cpu_percent = {percent:g}",
        expect=lambda config: {("aws_cloudwatch_metric_alarm", "change"): 1 + config.database.reader_count},
        settings={"database": {"alarm_cpu_percent": percent}},
        read_back=read_back,
    )


def engine_patch_by_aws() -> Scenario:
    """AWS moves the LTS cluster to the line's next patch level by itself: the plan must not set it back (the version
    is ignored on LTS lines) and its postcondition (same minor line) must hold at plan and apply."""

    def patch(run: LiveStack) -> None:
        run.emulator.client("rds").modify_db_cluster(
            DBClusterIdentifier=run.config.database.identifier, EngineVersion=PATCH_VERSION, ApplyImmediately=True
        )

    def read_back(run: LiveStack) -> list[str]:
        return _expect_value("the cluster's engine after the apply", _cluster(run)["EngineVersion"], PATCH_VERSION)

    return Scenario(
        "engine patch made by AWS",
        expect=lambda _config: {},
        by_hand=patch,
        read_back=read_back,
        apply_also=("aws_rds_cluster", "aws_rds_cluster_instance"),
    )


def rule_added_by_hand() -> Scenario:
    """Someone adds an SSH rule to the web server's group in the console: Terraform's plan has nothing to undo (the
    rules are separate resources), and `python -m aurora_web drift` reports the rule. What drift reports after an
    apply and after the revoke is tests/integration/test_drift.py's subject; here it runs on the scenario's stack."""

    def add(run: LiveStack) -> None:
        run.emulator.client("ec2").authorize_security_group_ingress(
            GroupId=_web_group_id(run), IpPermissions=HAND_MADE_RULE
        )

    def revoke(run: LiveStack) -> None:
        run.emulator.client("ec2").revoke_security_group_ingress(
            GroupId=_web_group_id(run), IpPermissions=HAND_MADE_RULE
        )

    def drift_reports_it(run: LiveStack, _plan: dict) -> list[str]:
        report = run.directory / "drift-scenario.md"
        result = run_cli(
            "drift",
            "--outdir",
            str(run.directory / "cdktf.out"),
            "--out",
            str(report),
            env=run.env,
            timeout=DRIFT_TIMEOUT,
        )
        text = report.read_text() if report.exists() else ""
        wanted = f"not managed by Terraform (added by hand?): `tcp 22 from {HAND_MADE_CIDR}`"
        if result.returncode == EXIT_DRIFT and wanted in text:
            return []
        return [f"drift exited {result.returncode} without '{wanted}':\n{text}\n{result.stderr[-2000:]}"]

    return Scenario(
        "security-group rule added by hand",
        expect=lambda _config: {},
        by_hand=add,
        check_plan=drift_reports_it,
        undo=revoke,
        apply=False,
    )


def name_prefix_renamed() -> Scenario:
    """A new name_prefix replaces the cluster (with its RDS-managed secret), its instances and log groups; planned,
    never applied, and the guard (`plan-summary`) exits 3 saying "data loss". The stack keeps its name (an
    [environments] table named after it), so the plan runs against the deployed state as a user's renamed
    environment would. (Measured: the KMS key itself is only updated in place; its alias is replaced.)"""

    def guard_fires(run: LiveStack, plan: dict) -> list[str]:
        lost = {change.type for change in data_loss(changes(plan)) if change.kind == "replace"}
        problems = [] if "aws_rds_cluster" in lost else [f"no replace of the cluster classed as data loss: {lost}"]
        plan_file = run.directory / "renamed-plan.json"
        plan_file.write_text(json.dumps(plan))
        result = run_cli("plan-summary", str(run.stack_dir), "--plan-json", str(plan_file), env=run.env, timeout=300)
        if result.returncode != EXIT_DATA_LOSS or "data loss" not in result.stderr:
            problems.append(
                f"plan-summary exited {result.returncode}, not {EXIT_DATA_LOSS} with 'data loss':\n{result.stderr}"
            )
        return problems

    return Scenario(
        "name_prefix renamed (planned only)",
        expect=None,
        settings=lambda run: {"environments": {run.prefix: {"name_prefix": f"{run.prefix}-new"}}},
        check_plan=guard_fires,
        apply=False,
    )


def readers(run: LiveStack) -> int:
    """The stack's readers now: the settings so far, else its deployed config."""
    return int(run.document.get("database", {}).get("reader_count", run.config.database.reader_count))


# Split so both stacks end about together (they deploy at once with the other stacks; the last one sets the wall
# time). Measured in two runs of test_deploy.py with the scenarios: without them, prod's lifecycle takes 320-400 s
# and dev's 290-360 s, and a scenario costs prod about 1.5 times what it costs dev (its plans refresh more resources).
# So prod, which alone has alarms, plays two changes and dev the rest: 209 s and 234 s of scenarios in the last run.
DEV_SCENARIOS = (
    web_instance_type("t3.small"),
    reader_count(+1),
    reader_count(-1),
    engine_patch_by_aws(),
    rule_added_by_hand(),
    name_prefix_renamed(),
)
PROD_SCENARIOS = (alarm_cpu_percent(91.0), backup_retention_days(21))
