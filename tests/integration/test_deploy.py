"""Prove it deploys: synth, init, plan and apply into a real moto server, check with boto3, then destroy.

Every stack runs at once in its own thread and project directory, with its own name prefix, against the session's
one moto server (Terraform spends most of its time waiting on RDS); the tests then judge what each run recorded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from constructs_lib.load_balancer_config import SERVER_ACCESS_LOG_PREFIX
from tests.support.app_change import app_change
from tests.support.aurora_operations_checks import observe_operations, operations_problems
from tests.support.change_scenarios import (
    DEV_SCENARIOS,
    PROD_SCENARIOS,
    SCENARIO_TIMINGS,
    Outcome,
    Scenario,
    play,
    timings_table,
)
from tests.support.deploy_checks import (
    apply_order_problems,
    drift_problems,
    leftover_problems,
    parse_events,
    private_key_body_lines,
    report,
    secret_problems,
)
from tests.support.documents import merged
from tests.support.emulator import (
    MotoServer,
    days_until_key_deletion,
    describe_cluster,
    inventory,
    observe,
    without_aws_settings,
)
from tests.support.load_balancer_deploy import (
    archive_bucket_logging,
    delete_hosted_zone,
    hosted_zone_for,
    load_balancer_leftovers,
    load_balancer_problems,
    observe_load_balancer,
)
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program

pytestmark = pytest.mark.integration

SSH_CIDR = "203.0.113.7/32"
# prod puts the site behind the load balancer; its certificate is issued for this name in a zone made in the emulator.
PROD_DOMAIN = "www.deploy-prod.example.com"
# What moto 5.2.5 cannot do, switched off through the product's own settings; each line says why.
EMULATOR_SETTINGS = {
    "web": {"detailed_monitoring": False},  # no MonitorInstances: HTTP 500 ("not yet implemented")
}
PROD_EMULATOR_SETTINGS = {
    "database": {"backup_plan": False},  # no CreateBackupSelection: HTTP 500, then a 9-minute retry loop
}
# Seconds per command; a command past its limit is interrupted (Terraform then saves its state) and fails the step.
START_DELAY_LIMIT = 60  # seconds the other stacks wait for the first one to have planned
TIMEOUTS = {"synth": 240, "init": 180, "plan": 240, "apply": 420, "destroy": 420, "read": 120, "cdktf": 540}


@dataclass(frozen=True)
class StackSpec:
    """A stack to deploy: its settings document and, as designed, who may reach the web server."""

    document: dict
    http_from: tuple[str, ...]
    ssh_from: str | None = None
    # A Route 53 zone the stack's load_balancer.domain_name needs, made in the emulator before the synth.
    zone_for: str | None = None
    # Day-2 changes played on the deployed stack after the first-deploy checks read it (support/change_scenarios.py).
    scenarios: tuple[Scenario, ...] = ()


SPECS = {
    "dev": StackSpec(
        merged({"name_prefix": "deploy-dev"}, EMULATOR_SETTINGS), http_from=("0.0.0.0/0",), scenarios=DEV_SCENARIOS
    ),
    "prod": StackSpec(
        merged(
            {
                "profile": "prod",
                "name_prefix": "deploy-prod",
                "web": {"ssh_cidr": SSH_CIDR},
                "load_balancer": {"domain_name": PROD_DOMAIN},
            },
            EMULATOR_SETTINGS,
            PROD_EMULATOR_SETTINGS,
        ),
        http_from=(),  # HTTP reaches the web server from the load balancer's group only
        ssh_from=SSH_CIDR,
        zone_for=PROD_DOMAIN,
        scenarios=PROD_SCENARIOS,
    ),
    "cli": StackSpec(merged({"name_prefix": "deploy-cli"}, EMULATOR_SETTINGS), http_from=("0.0.0.0/0",)),
}


def example(name: str, *unsupported: str) -> dict:
    """An example settings file as a document, minus the [database] keys naming what moto cannot do."""
    document = tomllib.loads((PROJECT_ROOT / "examples" / name).read_text())
    for key in unsupported:
        document["database"].pop(key)
    return document


# Issue 14's example files. What moto 5.2.5 cannot do is left unset (examples/*.toml set it; docs/aurora-operations.md):
# - database.master_secret_rotation_days: destroy calls CancelRotateSecret, refused by moto for a secret rotated
#   without a Lambda (AWS-managed rotation of the RDS master secret).
# Reader autoscaling (database.autoscaling_max_readers) stays on: the scalable target's tags, which moto 5.2.5 cannot
# list, are served by the tests' server (tests/support/moto_additions.py).
SPECS["serverless"] = StackSpec(
    merged(example("serverless.toml"), {"name_prefix": "deploy-serverless"}, EMULATOR_SETTINGS),
    http_from=("0.0.0.0/0",),
)
SPECS["scaled"] = StackSpec(
    merged(
        example("autoscaling-alarms.toml", "master_secret_rotation_days"),
        # The front door is deployed and checked by the prod stack; here it would need a certificate moto never
        # issued (the example names an existing one), so this stack keeps prod's other defaults without it.
        # Without it, the web tier is one instance (a group is reached only through the load balancer).
        {"name_prefix": "deploy-scaled", "load_balancer": {"enabled": False}, "web": {"fleet": "instance"}},
        EMULATOR_SETTINGS,
        PROD_EMULATOR_SETTINGS,
    ),
    http_from=("10.0.0.0/16",),
    ssh_from=SSH_CIDR,
)
OPERATIONS = pytest.mark.parametrize("stack", ["serverless", "scaled"])


def to_toml(document: dict) -> str:
    """Enough TOML for a settings document: scalars, string lists and inline tables, then one table per section."""

    def value(item) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, (int, float, str)):
            return json.dumps(item)
        if isinstance(item, dict):  # an inline table inside a section, e.g. database.instance_parameters
            return "{ " + ", ".join(f"{key} = {value(element)}" for key, element in item.items()) + " }"
        return "[" + ", ".join(value(element) for element in item) + "]"

    lines = [f"{key} = {value(item)}" for key, item in document.items() if not isinstance(item, dict)]
    for section, table in document.items():
        if isinstance(table, dict):
            lines += ["", f"[{section}]"] + [f"{key} = {value(item)}" for key, item in table.items()]
    return "\n".join(lines) + "\n"


class StepFailed(Exception):
    """A step's own explanation (Terraform's error text), shown as is."""


@dataclass
class Step:
    ok: bool
    seconds: float
    text: str


def run_command(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run to completion; past `timeout`, interrupt like Ctrl-C (Terraform writes its state), then fail."""
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        raise StepFailed(
            f"`{' '.join(args)}` timed out after {timeout}s; it printed:\n{terraform_text(out, err)}"
        ) from None
    return process.returncode, out, err


def terraform_text(out: str, err: str, tail: int = 60) -> str:
    """Terraform's own error text: the diagnostics of -json output, else the last lines of its output."""
    diagnostics = []
    for event in parse_events(out):
        diagnostic = event.get("diagnostic")
        if diagnostic:
            where = f" [{diagnostic['address']}]" if diagnostic.get("address") else ""
            diagnostics.append(
                f"{diagnostic.get('severity', '?')}: {diagnostic.get('summary', '')}{where}\n"
                f"  {diagnostic.get('detail', '')}".rstrip()
            )
    body = "\n".join(diagnostics) if diagnostics else "\n".join(out.splitlines()[-tail:])
    return body + (f"\n--- stderr ---\n{err.strip()}" if err.strip() else "")


@dataclass
class StackRun:
    """One stack's life in the emulator: each step's outcome and what boto3 and Terraform reported."""

    key: str
    spec: StackSpec
    directory: Path
    emulator: MotoServer
    steps: dict[str, Step] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    declared_outputs: list[str] = field(default_factory=list)
    drift_exit_code: int | None = None
    drift_plan: dict = field(default_factory=dict)
    state_text: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    protection_after_unprotect: bool | None = None
    leftovers: dict[str, list[str]] = field(default_factory=dict)
    final_snapshots: list[str] = field(default_factory=list)
    key_deletion_days: list[float] = field(default_factory=list)
    load_balancer_protection_after_unprotect: bool | None = None
    scenario_outcomes: dict[str, Outcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from aurora_web.settings.stacks import app_config_from_document

        self.planned = threading.Event()
        self.document = self.spec.document  # the settings deployed now: the scenarios change them

        self.config = next(iter(app_config_from_document(self.spec.document).values()))
        self.prefix = self.config.name_prefix
        self.stack_dir = self.directory / "cdktf.out" / "stacks" / self.prefix
        self.env = {
            **without_aws_settings(os.environ),
            **self.emulator.env(),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
        }
        self.env.pop("CDKTF_OUTDIR", None)

    # -- bookkeeping ------------------------------------------------------------------------------------------
    def step(self, name: str, action) -> bool:
        started = time.monotonic()
        try:
            text, ok = action() or "", True
        except (StepFailed, LookupError) as failure:
            text, ok = str(failure), False
        except Exception:
            text, ok = traceback.format_exc(), False
        self.steps[name] = Step(ok, time.monotonic() - started, text)
        return ok

    def require(self, *names: str) -> None:
        """Fail the calling test with the failed step's own text (Terraform's errors, the emulator's complaints)."""
        for name in names:
            step = self.steps.get(name)
            if step is None:
                pytest.fail(
                    f"[{self.key}] step '{name}' never ran because an earlier one failed:\n{self.timeline()}\n"
                    + "\n".join(f"--- {n} ---\n{s.text}" for n, s in self.steps.items() if not s.ok)
                )
            if not step.ok:
                pytest.fail(
                    f"[{self.key}] step '{name}' failed after {step.seconds:.0f}s:\n{step.text}\n\n"
                    f"{self.emulator.describe()}"
                )

    def timeline(self) -> str:
        return ", ".join(
            f"{name} {'ok' if step.ok else 'FAILED'} {step.seconds:.0f}s" for name, step in self.steps.items()
        )

    # -- commands ------------------------------------------------------------------------------------------------
    def terraform(self, *args: str, timeout: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[int, str]:
        code, out, err = run_command(["terraform", *args], self.stack_dir, self.env, TIMEOUTS[timeout])
        if code not in ok_codes:
            raise StepFailed(f"terraform {' '.join(args)} exited {code}:\n{terraform_text(out, err)}")
        return code, out

    def synthesize(self, document: dict) -> str:
        config_path = self.directory / "aurora-web.toml"
        config_path.write_text(to_toml(document))
        code, out, err = run_command(
            [sys.executable, str(PROJECT_ROOT / "main.py")],
            self.directory,
            {**self.env, "AURORA_WEB_CONFIG": str(config_path)},
            TIMEOUTS["synth"],
        )
        if code != 0:
            raise StepFailed(f"python main.py exited {code}:\n{out}\n{err}")
        return out

    # -- the life of a stack ------------------------------------------------------------------------------------
    def lifecycle(self, start_after: threading.Event | None = None) -> StackRun:
        if start_after is not None:
            start_after.wait(timeout=START_DELAY_LIMIT)
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            planned = (
                self.step("synth", lambda: self.synthesize(self.spec.document))
                and self.step("init", lambda: self.terraform("init", "-input=false", "-no-color", timeout="init")[1])
                and self.step(
                    "plan",
                    lambda: self.terraform("plan", "-input=false", "-no-color", "-out=deploy.tfplan", timeout="plan")[
                        1
                    ],
                )
            )
            self.planned.set()
            if not (planned and self.step("apply", self.apply)):
                return self
            self.step("inspect", self.inspect)
            self.step("outputs", self.read_outputs)
            self.step("state", self.read_state)
            self.step("drift", self.second_plan)
            if self.spec.scenarios:
                self.step("scenarios", lambda: play(self, self.spec.scenarios, self.scenario_outcomes))
            if self.key in ("dev", "prod"):  # issue 20: a new app version reaches the web tier (last: it replaces it)
                self.step("app change", lambda: app_change(self))
            if self.config.database.deletion_protection:
                self.step("unprotect", self.unprotect)
        finally:
            self.planned.set()
            if self.steps.get("init") and self.steps["init"].ok:
                self.step(
                    "destroy",
                    lambda: self.terraform("destroy", "-auto-approve", "-input=false", "-no-color", timeout="destroy")[
                        1
                    ],
                )
            self.step("leftovers", self.take_inventory)
        return self

    def apply(self) -> str:
        code, out, err = run_command(
            ["terraform", "apply", "-json", "-input=false", "-auto-approve", "deploy.tfplan"],
            self.stack_dir,
            self.env,
            TIMEOUTS["apply"],
        )
        self.events = parse_events(out)
        if code != 0:
            raise StepFailed(f"terraform apply exited {code}:\n{terraform_text(out, err)}")
        return next((event["@message"] for event in self.events if event.get("type") == "change_summary"), "")

    def inspect(self) -> str:
        self.facts = observe(self.emulator, self.config)
        self.facts["operations"] = observe_operations(self.emulator, self.config)
        if self.config.load_balancer is not None:
            self.facts["front_door"] = observe_load_balancer(
                self.emulator, self.config.load_balancer.name, self.config.load_balancer.hosted_zone_id
            )
            if self.config.install_app:
                self.facts["archive_logging"] = archive_bucket_logging(self.emulator, self.config)
        return f"observed {sorted(self.facts)}"

    def read_outputs(self) -> str:
        _, out = self.terraform("output", "-json", timeout="read")
        self.declared_outputs = sorted(json.loads((self.stack_dir / "cdk.tf.json").read_text()).get("output", {}))
        self.outputs = {name: entry.get("value") for name, entry in json.loads(out).items()}
        return out

    def read_state(self) -> str:
        states = sorted(self.directory.glob(f"terraform.{self.prefix}.tfstate*"))
        if not states:
            raise StepFailed(f"no state file terraform.{self.prefix}.tfstate* in {self.directory}")
        self.state_text = "\n".join(path.read_text() for path in states)
        pem = (self.directory / self.config.key_pair.generated_private_key_path).read_text()
        self.secrets = {
            f"line {number} of the generated private key": line
            for number, line in enumerate(private_key_body_lines(pem), 1)
        }
        secret_arn = self.facts["cluster"]["MasterUserSecret"]["SecretArn"]
        secret = json.loads(
            self.emulator.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
        )
        self.secrets["the database master password"] = secret.get("password", "")
        return f"state files: {[path.name for path in states]}"

    def second_plan(self) -> str:
        code, out = self.terraform(
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            "-out=drift.tfplan",
            timeout="plan",
            ok_codes=(0, 2),
        )
        self.drift_exit_code = code
        _, shown = self.terraform("show", "-json", "drift.tfplan", timeout="read")
        self.drift_plan = json.loads(shown)
        return out

    def unprotect(self) -> str:
        """What a user does before destroying a protected stack (docs/deploy-local.md): deletion_protection = false,
        synth, then apply that one change to the cluster (-target keeps a teardown from applying anything else)."""
        # As docs/reviewing-changes.md says for a deliberate teardown: both guards off, applied, then destroy.
        unprotected = {"database": {"deletion_protection": False, "prevent_destroy": False}}
        if self.config.load_balancer is not None:
            # Off also lets the destroy empty the access log bucket (force_destroy follows it).
            unprotected["load_balancer"] = {"deletion_protection": False}
        self.synthesize(merged(self.document, unprotected))
        resources = json.loads((self.stack_dir / "cdk.tf.json").read_text())["resource"]
        targets = [f"aws_rds_cluster.{name}" for name in resources["aws_rds_cluster"]]
        targets += [f"{kind}.{name}" for kind in ("aws_lb", "aws_s3_bucket") for name in resources.get(kind, {})]
        _, out = self.terraform(
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            *[f"-target={target}" for target in targets],
            timeout="apply",
        )
        cluster = describe_cluster(self.emulator, self.config.database.identifier)
        self.protection_after_unprotect = None if cluster is None else cluster["DeletionProtection"]
        if self.config.load_balancer is not None:
            elb = self.emulator.client("elbv2")
            arn = elb.describe_load_balancers(Names=[f"{self.config.load_balancer.name}-alb"])["LoadBalancers"][0][
                "LoadBalancerArn"
            ]
            attributes = elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
            value = next(item["Value"] for item in attributes if item["Key"] == "deletion_protection.enabled")
            self.load_balancer_protection_after_unprotect = value == "true"
        return out

    def take_inventory(self) -> str:
        self.leftovers, self.final_snapshots = inventory(
            self.emulator, self.config, self.facts.get("cluster", {}).get("MasterUserSecret", {})
        )
        self.key_deletion_days = days_until_key_deletion(self.emulator, self.prefix)
        front_door = self.config.load_balancer
        if front_door is not None:
            self.leftovers.update(load_balancer_leftovers(self.emulator, front_door.name, front_door.domain_name))
            if front_door.hosted_zone_id is not None:
                # The zone was the test's; it deletes only once the stack's records (alias, validation) are gone.
                try:
                    delete_hosted_zone(self.emulator, front_door.hosted_zone_id)
                except Exception as error:  # the reason is the finding
                    self.leftovers["Route 53 records in the zone"] = [str(error)]
        return json.dumps(self.leftovers)


class CliRun(StackRun):
    """The same stack through the real cdktf CLI: `cdktf deploy` then `cdktf destroy`, in a copy of the project."""

    cluster_after_deploy: dict | None = None
    cluster_after_destroy: dict | None = None

    def cdktf(self, *args: str) -> str:
        from cdktf_fastpath.node_runtime import wheel_node_bin_dir

        cli = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"
        env = {
            **self.env,
            "PATH": f"{wheel_node_bin_dir()}{os.pathsep}{self.env['PATH']}",
            "PIPENV_PIPFILE": str(PROJECT_ROOT / "Pipfile"),
            "PIPENV_VENV_IN_PROJECT": "1",
            "PIPENV_VERBOSITY": "-1",
            "PYPI_INDEX_URL": "unused-by-pipenv-run",
            "CI": "1",
            "FORCE_COLOR": "0",
            "AURORA_WEB_CONFIG": str(self.directory / "aurora-web.toml"),
        }
        code, out, err = run_command([str(cli), *args], self.directory, env, TIMEOUTS["cdktf"])
        if code != 0:
            raise StepFailed(f"cdktf {' '.join(args)} exited {code}:\n{out[-6000:]}\n{err[-3000:]}")
        return out[-3000:]

    def lifecycle(self, start_after: threading.Event | None = None) -> StackRun:
        from tests.app.test_main import project_copy

        if start_after is not None:
            start_after.wait(timeout=START_DELAY_LIMIT)
        self.directory.mkdir(parents=True, exist_ok=True)
        project_copy(self.directory)
        (self.directory / "aurora-web.toml").write_text(to_toml(self.spec.document))
        cluster_id = self.config.database.identifier
        try:
            # --skip-provider-lock: after `terraform init` the CLI would run `terraform providers lock`, which
            # needs the public registry even with a local provider mirror.
            if self.step(
                "cdktf deploy", lambda: self.cdktf("deploy", self.prefix, "--auto-approve", "--skip-provider-lock")
            ):
                self.cluster_after_deploy = describe_cluster(self.emulator, cluster_id)
        finally:
            self.step(
                "cdktf destroy", lambda: self.cdktf("destroy", self.prefix, "--auto-approve", "--skip-provider-lock")
            )
            self.cluster_after_destroy = describe_cluster(self.emulator, cluster_id)
            self.step("leftovers", self.take_inventory)
        return self


# --- running every selected stack at once --------------------------------------------------------------------------


def selected_stacks(session: pytest.Session) -> tuple[list[str], set[str]]:
    """The stacks the selected tests read (those using `runs`, by their `stack` parameter), and those of them whose
    change scenarios are selected: `pytest tests/integration/test_change_scenarios.py` deploys only what it needs, and
    a whole run deploys each stack once for both modules."""
    params = [item.callspec.params for item in session.items if "runs" in getattr(item, "fixturenames", ())]
    keys = {param["stack"] for param in params if "stack" in param}
    with_scenarios = {param["stack"] for param in params if "stack" in param and "scenario" in param}
    return sorted(keys, key=list(SPECS).index), with_scenarios


def deploy_selected(request, emulator, tmp_path_factory) -> Iterator[dict[str, Future]]:
    """The body of the session's `runs` fixture (tests/integration/conftest.py): every selected stack's lifecycle at
    once, one thread each; at the end each stack's timeline and the scenarios' seconds go to timings.txt."""
    require_program("terraform")
    keys, with_scenarios = selected_stacks(request.session)
    if "cli" in keys:
        require_program("pipenv")
        if not (PROJECT_ROOT / "node_modules" / ".bin" / "cdktf").exists():
            pytest.skip("prerequisite missing: the cdktf CLI (node_modules/.bin/cdktf); run scripts/setup.sh")
    pool = ThreadPoolExecutor(max_workers=max(len(keys), 1), thread_name_prefix="deploy")
    futures, first = {}, None
    # prod first, alone until it has planned: it has the longest life (its protection is turned off before the
    # destroy), and on two cores three synths at once would slow it down.
    for key in sorted(keys, key=lambda name: name != "prod"):
        run_class = CliRun if key == "cli" else StackRun
        spec = SPECS[key] if key in with_scenarios else replace(SPECS[key], scenarios=())
        if spec.zone_for is not None:
            zone_id = hosted_zone_for(emulator, spec.zone_for)
            spec = replace(spec, document=merged(spec.document, {"load_balancer": {"hosted_zone_id": zone_id}}))
        run = run_class(key, spec, tmp_path_factory.mktemp(f"deploy-{key}"), emulator)
        futures[key] = pool.submit(run.lifecycle, first.planned if first else None)
        first = first or run
    yield futures
    pool.shutdown(wait=True)
    done = {key: future.result() for key, future in futures.items() if future.done() and not future.exception()}
    scenarios = timings_table({key: run.scenario_outcomes for key, run in done.items() if run.scenario_outcomes})
    request.config.stash[SCENARIO_TIMINGS] = scenarios
    (Path(emulator.log_path).parent / "timings.txt").write_text(
        "\n".join([*(f"{key}: {run.timeline()}" for key, run in done.items()), "", *scenarios]) + "\n"
    )


def finished(runs: dict[str, Future], stack: str) -> StackRun:
    return runs[stack].result(timeout=1800)


BOTH = pytest.mark.parametrize("stack", ["dev", "prod"])


@BOTH
def test_synth_init_plan_apply_succeed(runs, stack):
    run = finished(runs, stack)
    run.require("synth", "init", "plan", "apply")
    assert "aws_rds_cluster" in json.loads((run.stack_dir / "cdk.tf.json").read_text())["resource"]
    # Its address only: the web server's user data names loopback addresses of its own (httpd -> 127.0.0.1:8080).
    emulator_address = run.emulator.endpoint.removeprefix("http://")
    assert emulator_address not in (run.stack_dir / "cdk.tf.json").read_text(), "the emulator's endpoint is in the JSON"


@BOTH
def test_network_is_as_designed(runs, stack):
    run = finished(runs, stack)
    run.require("inspect")
    facts, network = run.facts, run.config.network
    assert facts["vpc"]["CidrBlock"] == network.vpc_cidr
    assert all(
        facts["vpc_dns"][name][name[0].upper() + name[1:]]["Value"]
        for name in ("enableDnsSupport", "enableDnsHostnames")
    )
    tiers = {
        tier: [subnet for subnet in facts["subnets"] if {"Key": "Tier", "Value": tier} in subnet.get("Tags", [])]
        for tier in ("public", "private")
    }
    for tier, subnets in tiers.items():
        zones = {subnet["AvailabilityZone"] for subnet in subnets}
        assert len(subnets) == network.az_count and len(zones) == network.az_count, f"{tier} subnets: {subnets}"
    gateways = facts["internet_gateways"]
    assert len(gateways) == 1, gateways
    public_ids = {subnet["SubnetId"] for subnet in tiers["public"]}
    public_tables = [
        table
        for table in facts["route_tables"]
        if public_ids & {association.get("SubnetId") for association in table["Associations"]}
    ]
    default_routes = [
        route
        for table in public_tables
        for route in table["Routes"]
        if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    ]
    assert len(public_tables) == 1 and len(default_routes) == 1, public_tables
    assert default_routes[0].get("GatewayId") == gateways[0]["InternetGatewayId"], default_routes
    assert len(facts["nat_gateways"]) == (1 if network.nat_gateway else 0), facts["nat_gateways"]
    group_name = f"/{network.name}/vpc-flow-logs"
    if not network.flow_logs:
        assert not facts["flow_logs"], facts["flow_logs"]
        return
    (flow_log,) = facts["flow_logs"]
    assert flow_log["TrafficType"] == "ALL", flow_log
    assert group_name in (flow_log.get("LogGroupName"), flow_log.get("LogDestination", "").split(":log-group:")[-1])
    (group,) = [group for group in facts["stack_log_groups"] if group["logGroupName"] == group_name]
    assert group["retentionInDays"] == network.flow_logs_retention_days, group
    if run.config.customer_managed_key:
        assert group.get("kmsKeyId") == facts["stack_key"]["Arn"], group


@BOTH
def test_instance_is_as_designed(runs, stack):
    """dev's one web server; for prod's group, each of its instances (the group itself: the next test)."""
    run = finished(runs, stack)
    run.require("inspect")
    instances = run.facts["instances"]
    assert len(instances) == (1 if run.config.web_group is None else run.config.web_group.min_size), instances
    for instance in instances:
        assert_web_server_is_as_designed(run, instance)


@pytest.mark.parametrize("stack", ["prod"])
def test_web_group_is_as_designed(runs, stack):
    """prod's group: min_size instances InService over private subnets of two or more AZs, ELB health checks, in the
    load balancer's target group, and its metrics collected."""
    run = finished(runs, stack)
    run.require("inspect")
    facts, config = run.facts, run.config.web_group
    group = facts["web_group"]
    assert config is not None and group is not None, "prod deploys the web tier as a group"
    assert (group["MinSize"], group["MaxSize"], group["HealthCheckType"]) == (config.min_size, config.max_size, "ELB")
    assert group["HealthCheckGracePeriod"] == config.health_check_grace_seconds
    members = group["Instances"]
    assert len(members) >= config.min_size and {member["LifecycleState"] for member in members} == {"InService"}
    subnets = {subnet["SubnetId"]: subnet for subnet in facts["subnets"]}
    zones = {subnets[instance["SubnetId"]]["AvailabilityZone"] for instance in facts["instances"]}
    assert len(zones) >= 2, f"the group's instances are all in {zones}"
    private = {name for name, subnet in subnets.items() if {"Key": "Tier", "Value": "private"} in subnet["Tags"]}
    assert set(group["VPCZoneIdentifier"].split(",")) == private
    assert group["TargetGroupARNs"] == [facts["front_door"]["target_group"]["TargetGroupArn"]]
    assert "GroupInServiceInstances" in {metric["Metric"] for metric in group.get("EnabledMetrics", [])}


def assert_web_server_is_as_designed(run, instance: dict) -> None:
    facts, config = run.facts, run.config
    assert instance["State"]["Name"] == "running"
    assert instance["MetadataOptions"]["HttpTokens"] == "required", instance["MetadataOptions"]
    assert facts["root_volumes"] and all(volume["Encrypted"] for volume in facts["root_volumes"]), facts["root_volumes"]
    assert instance["KeyName"] == config.key_pair.name and config.key_pair.name in facts["key_pairs"]
    groups = facts["security_groups"]
    attached = {group["GroupId"] for interface in instance["NetworkInterfaces"] for group in interface["Groups"]}
    attached |= {group["GroupId"] for group in instance.get("SecurityGroups", [])}
    expected = {
        groups[f"{config.web_server.name}-web"]["GroupId"],
        groups[f"ec2-rds-{config.connection.suffix}"]["GroupId"],
    }
    assert attached == expected, f"attached {attached}, expected the web and ec2-rds groups {expected}"
    assert "IamInstanceProfile" in instance
    tier = {subnet["SubnetId"]: subnet for subnet in facts["subnets"]}[instance["SubnetId"]]
    assert {"Key": "Tier", "Value": "public" if config.web_server.public else "private"} in tier["Tags"]
    assert bool(instance.get("PublicIpAddress")) == config.web_server.public, instance.get("PublicIpAddress")


@BOTH
def test_instance_runs_the_same_web_app_user_data(runs, stack):
    """What EC2 received is the rendered boot script, byte for byte (Terraform's escapes undone)."""
    import base64

    from constructs_lib.web_app.user_data import instance_files, render_user_data

    run = finished(runs, stack)
    run.require("inspect")
    config = run.config
    files = instance_files(
        region=config.region,
        cluster_identifier=config.database.identifier,
        database_name=config.database.database_name,
        behind_load_balancer=config.load_balancer is not None,
    )
    expected = render_user_data(artifact=config.app_artifact_config(files))
    assert run.facts["user_data"], "the instance has no user data"
    assert base64.b64decode(run.facts["user_data"]).decode() == expected


@BOTH
def test_an_app_change_reaches_the_web_tier_and_nothing_else_changes(runs, stack):
    """A new app version: the plan replaces the artifact object and the one instance (dev), or makes a new launch
    template version that the group follows (prod), and nothing of the database, key or network; after the apply,
    boto3 reads the new archive under its new key, new web servers, and for the group its instance refresh."""
    run = finished(runs, stack)
    run.require("app change")
    seen = run.facts["app_change"]
    assert seen["unexpected"] == [], seen
    assert seen["key"] == f"app/{seen['object_sha256']}.tar" and seen["object_has_marker"], seen
    assert seen["instances_after"] and not set(seen["instances_after"]) & set(seen["instances_before"]), seen
    assert seen["user_data_names_the_key"] == [True], seen
    if seen["tier"] == "instance":
        assert seen["replaced"] == ["aws_instance", "aws_s3_object"], seen
        assert len(seen["instances_after"]) == 1, seen
    else:
        assert seen["replaced"] == ["aws_s3_object"], seen
        assert seen["updated"] == ["aws_autoscaling_group", "aws_launch_template"], seen
        assert seen["refreshes"] and seen["template_versions"] >= 2, seen
        assert len(seen["instances_after"]) >= run.config.web_group.min_size, seen


@BOTH
def test_cluster_is_as_designed(runs, stack):
    run = finished(runs, stack)
    run.require("inspect")
    facts, database = run.facts, run.config.database
    cluster = facts["cluster"]
    assert (cluster["Engine"], cluster["EngineVersion"]) == ("aurora-mysql", database.engine_version)
    assert cluster["StorageEncrypted"] is True
    if run.config.customer_managed_key:
        assert cluster.get("KmsKeyId") == facts["stack_key"]["Arn"], (cluster.get("KmsKeyId"), facts["stack_key"])
    assert cluster["DeletionProtection"] is database.deletion_protection
    assert facts["cluster_parameters"].get("require_secure_transport") == "ON", facts["cluster_parameters"]
    private = {
        subnet["SubnetId"] for subnet in facts["subnets"] if {"Key": "Tier", "Value": "private"} in subnet["Tags"]
    }
    assert {subnet["SubnetIdentifier"] for subnet in facts["db_subnet_group"]["Subnets"]} == private
    assert facts["master_secret"]["ARN"] == cluster["MasterUserSecret"]["SecretArn"]
    rds_group = facts["security_groups"][f"rds-ec2-{run.config.connection.suffix}"]["GroupId"]
    assert [group["VpcSecurityGroupId"] for group in cluster["VpcSecurityGroups"]] == [rds_group]
    members = {member["DBInstanceIdentifier"]: member["IsClusterWriter"] for member in cluster["DBClusterMembers"]}
    assert members == {
        f"{database.identifier}-writer": True,
        **{f"{database.identifier}-reader-{n}": False for n in range(1, database.reader_count + 1)},
    }
    zones = [instance["AvailabilityZone"] for instance in facts["db_instances"]]
    assert len(zones) == 1 + database.reader_count and len(set(zones[:2])) == min(2, len(zones)), zones
    if database.ca_cert_identifier is not None:  # prod pins it: every instance serves that CA
        assert {instance["CACertificateIdentifier"] for instance in facts["db_instances"]} == {
            database.ca_cert_identifier
        }


@BOTH
def test_security_group_rules_are_as_designed(runs, stack):
    run = finished(runs, stack)
    run.require("inspect")
    groups = {name: group["GroupId"] for name, group in run.facts["security_groups"].items()}
    web, ec2, rds = (
        groups[f"{run.config.web_server.name}-web"],
        groups[f"ec2-rds-{run.config.connection.suffix}"],
        groups[f"rds-ec2-{run.config.connection.suffix}"],
    )
    rules: dict[str, set] = {group_id: set() for group_id in groups.values()}
    for rule in run.facts["security_group_rules"]:
        peer = rule.get("CidrIpv4") or rule.get("ReferencedGroupInfo", {}).get("GroupId")
        rules[rule["GroupId"]].add(("out" if rule["IsEgress"] else "in", rule["IpProtocol"], rule["FromPort"], peer))
    expected_web = {("in", "tcp", 80, cidr) for cidr in run.spec.http_from} | {("out", "tcp", 443, "0.0.0.0/0")}
    if run.config.load_balancer is not None:
        expected_web.add(("in", "tcp", 80, groups[f"{run.config.load_balancer.name}-alb"]))
    if run.spec.ssh_from:
        expected_web.add(("in", "tcp", 22, run.spec.ssh_from))
    assert rules[web] == expected_web
    assert rules[ec2] == {("out", "tcp", 3306, rds)}, "ec2-rds: only MySQL out, to rds-ec2"
    assert rules[rds] == {("in", "tcp", 3306, ec2)}, "rds-ec2: only MySQL in, from ec2-rds"
    assert rules[groups["default"]] == set(), "the VPC's default group must have no rules"
    assert all(
        rule["ToPort"] == rule["FromPort"]
        for rule in run.facts["security_group_rules"]
        if rule["GroupId"] != groups["default"]
    )


@BOTH
def test_every_output_is_set_and_matches_what_aws_reports(runs, stack):
    run = finished(runs, stack)
    run.require("inspect", "outputs")
    instance, cluster, group = run.facts["instance"], run.facts["cluster"], run.facts["web_group"]
    reachable = instance.get("PublicDnsName") or instance["PrivateDnsName"]
    web = (
        {"web_group_name": group["AutoScalingGroupName"]}
        if group is not None
        else {
            "web_public_ip": instance.get("PublicIpAddress", ""),
            "web_public_dns": instance.get("PublicDnsName", ""),
            "web_url": f"http://{reachable}",
        }
    )
    expected = {
        **web,
        "key_pair_name": instance["KeyName"],
        "writer_endpoint": cluster["Endpoint"],
        "reader_endpoint": cluster["ReaderEndpoint"],
        "database_port": cluster["Port"],
        "database_name": cluster["DatabaseName"],
        "master_secret_arn": cluster["MasterUserSecret"]["SecretArn"],
    }
    assert sorted(run.outputs) == run.declared_outputs
    assert all(value is not None for value in run.outputs.values()), run.outputs
    assert {name: run.outputs.get(name) for name in expected} == expected
    ssh = run.outputs["ssh_command"]
    if group is not None:
        assert ssh.startswith(f"aws ssm start-session --region {run.config.region} --target $(") and (
            f"--auto-scaling-group-names {group['AutoScalingGroupName']} " in ssh
        ), ssh
    elif run.config.web_server.ssh_cidr:
        assert ssh.startswith("ssh -i ") and ssh.endswith(f"ec2-user@{reachable}"), ssh
    else:
        assert ssh == f"aws ssm start-session --region {run.config.region} --target {instance['InstanceId']}"


@BOTH
def test_instance_is_applied_before_the_cluster_starts(runs, stack):
    run = finished(runs, stack)
    run.require("apply")
    web_tier = "aws_autoscaling_group" if run.config.web_group is not None else "aws_instance"
    problems = apply_order_problems(run.events, first=web_tier)
    assert not problems, report("EC2-before-Aurora order in `terraform apply -json`", problems)


@BOTH
def test_second_plan_changes_nothing_but_known_emulator_artifacts(runs, stack):
    run = finished(runs, stack)
    run.require("drift")
    problems = drift_problems(run.drift_plan)
    assert not problems, report("second plan after apply", problems, run.steps["drift"].text[-6000:])


@BOTH
def test_state_holds_no_private_key_and_no_password(runs, stack):
    run = finished(runs, stack)
    run.require("state")
    assert len(run.secrets) >= 2 and all(run.secrets.values()), "nothing to look for: the check would prove nothing"
    problems = secret_problems(run.state_text, run.secrets)
    assert not problems, report("Terraform state", problems)


@pytest.mark.parametrize("stack", ["prod"])
def test_prod_turns_deletion_protection_off_before_destroy(runs, stack):
    run = finished(runs, stack)
    run.require("inspect", "unprotect")
    assert run.facts["cluster"]["DeletionProtection"] is True, "prod must deploy with deletion protection on"
    assert run.protection_after_unprotect is False
    front_door = run.facts["front_door"]["attributes"]
    assert front_door["deletion_protection.enabled"] == "true", "prod's load balancer must deploy protected"
    assert run.load_balancer_protection_after_unprotect is False


@pytest.mark.parametrize("stack", ["prod"])
def test_front_door_is_as_designed(runs, stack):
    """Listeners, the redirect, the registered target, the group chain, logs, WAF and DNS, as AWS reports them."""
    run = finished(runs, stack)
    run.require("inspect", "outputs")
    config, facts = run.config.load_balancer, run.facts
    assert config is not None, "prod deploys with the load balancer"
    public = {subnet["SubnetId"] for subnet in facts["subnets"] if {"Key": "Tier", "Value": "public"} in subnet["Tags"]}
    problems = load_balancer_problems(
        facts["front_door"],
        name=config.name,
        instance_ids=[instance["InstanceId"] for instance in facts["instances"]],
        ssl_policy=config.ssl_policy,
        public_subnet_ids=public,
        domain_name=config.domain_name,
        web_extra_rules=frozenset({("in", 22, run.spec.ssh_from)} if run.spec.ssh_from else set()),
    )
    assert not problems, report("the load balancer in the emulator", problems)
    # The app archive's reads are logged into the ALB's log bucket (issue 20: CKV_AWS_18 met there, not accepted).
    logging = facts["archive_logging"]["LoggingEnabled"]
    log_bucket = facts["front_door"]["attributes"]["access_logs.s3.bucket"]
    assert (logging["TargetBucket"], logging["TargetPrefix"]) == (log_bucket, SERVER_ACCESS_LOG_PREFIX)
    balancer = facts["front_door"]["load_balancer"]
    assert run.outputs["site_url"] == f"https://{config.domain_name}"
    assert run.outputs["load_balancer_dns_name"] == balancer["DNSName"]


def assert_final_snapshots(run) -> None:
    """prod keeps exactly one final snapshot, named by its creation time (unique: a second teardown works); dev none."""
    if run.config.database.skip_final_snapshot:
        assert run.final_snapshots == []
        return
    (snapshot,) = run.final_snapshots
    assert re.fullmatch(rf"{re.escape(run.config.database.identifier)}-final-\d{{14}}", snapshot), snapshot


@BOTH
def test_destroy_leaves_nothing_behind(runs, stack):
    run = finished(runs, stack)
    run.require("destroy", "leftovers")
    problems = leftover_problems(run.leftovers)
    assert not problems, report("after terraform destroy", problems, run.emulator.describe())
    assert_final_snapshots(run)
    if run.config.customer_managed_key:  # the key waits out its deletion window (the profile says how long)
        (days,) = run.key_deletion_days
        window = run.config.key_deletion_window_days
        assert window - 1 < days <= window, f"deleted in {days:.2f} days, not after the {window}-day window"


@pytest.mark.parametrize("stack", ["cli"])
def test_cdktf_cli_deploys_and_destroys(runs, stack):
    run = finished(runs, stack)
    run.require("cdktf deploy")
    assert run.cluster_after_deploy is not None and run.cluster_after_deploy["Status"] == "available"
    run.require("cdktf destroy", "leftovers")
    assert run.cluster_after_destroy is None, run.cluster_after_destroy
    problems = leftover_problems(run.leftovers)
    assert not problems, report("after cdktf destroy", problems)


# --- issue 14: the example files' Aurora features, applied, read back with boto3, re-planned and destroyed ---------


@OPERATIONS
def test_example_applies(runs, stack):
    run = finished(runs, stack)
    run.require("synth", "init", "plan", "apply")
    assert not apply_order_problems(run.events), apply_order_problems(run.events)


@OPERATIONS
def test_example_features_are_as_configured(runs, stack):
    """Log group retention and key, capacity range, windows, alarms (metric, threshold, dimension, topic), e-mail;
    reader autoscaling's target (namespace, resource, dimension, min/max, tags) and policy (metric, target, cooldowns),
    and none of either on the serverless stack."""
    run = finished(runs, stack)
    run.require("inspect")
    operations = run.facts["operations"]
    assert len(operations["log_groups"]) == 4 and operations["alarms"], "nothing to judge"
    assert (run.config.reader_autoscaling is not None) == (stack == "scaled"), "the scaled stack must autoscale"
    problems = operations_problems(operations, run.config)
    assert not problems, report("issue 14's features in the emulator", problems)
    for target in operations["scalable_targets"]:  # what boto3 saw, for the record (pytest -rP)
        tags = operations["scalable_target_tags"][target["ScalableTargetARN"]]
        print(f"[{stack}] target {target['ResourceId']} min {target['MinCapacity']} max {target['MaxCapacity']} {tags}")
    for policy in operations["scaling_policies"]:
        tracking = policy["TargetTrackingScalingPolicyConfiguration"]
        print(f"[{stack}] policy {policy['PolicyName']} {policy['PolicyType']} {tracking}")


@OPERATIONS
def test_example_second_plan_changes_nothing_but_known_emulator_artifacts(runs, stack):
    run = finished(runs, stack)
    run.require("drift")
    problems = drift_problems(run.drift_plan)
    assert not problems, report("second plan after apply", problems, run.steps["drift"].text[-6000:])


@OPERATIONS
def test_example_destroy_leaves_nothing_behind(runs, stack):
    run = finished(runs, stack)
    run.require("destroy", "leftovers")
    problems = leftover_problems(run.leftovers)
    assert not problems, report("after terraform destroy", problems, run.emulator.describe())
    assert_final_snapshots(run)
