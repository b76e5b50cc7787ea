"""The "app change" scenario of an applied stack: a new app version, planned, applied and read back.

`changed_app(directory)` writes a copy of the bundled app with one visible change (no repository file is edited).
`app_change(run)` is one step of tests/integration/test_deploy.py's StackRun.lifecycle, after the change scenarios:
synthesize the same settings with the changed app (the library's AuroraWebStackConfig.app_source_directory; there
is no settings key for it), plan, check that the plan changes only what a new app version should (ALLOWED, by web
tier), apply, then read back with boto3 the new object, the web servers now running and, for a group, its
instance refresh and its launch template's newest version. What it saw goes into run.facts["app_change"].

The synthesis itself runs in a subprocess (synth_with_app.py), as the lifecycle's synth step runs main.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from constructs_lib.web_app.bundle import default_source_directory
from tests.support.app_artifacts import archive_bucket
from tests.support.change_scenarios import own_changes, resource_type
from tests.support.emulator import web_group
from tests.support.paths import PROJECT_ROOT

CHANGE_MARKER = "# app change: a new version, shipped by the emulator's app change scenario\n"
# What an app change may plan, by web tier: (types replaced, types updated in place). A new key replaces the object;
# the new user data replaces the one instance, or makes a new launch template version that the group then follows
# (an in-place update of the group, which starts its instance refresh).
ALLOWED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "instance": (frozenset({"aws_instance", "aws_s3_object"}), frozenset()),
    "group": (frozenset({"aws_s3_object"}), frozenset({"aws_launch_template", "aws_autoscaling_group"})),
}
SYNTH_TIMEOUT = 240


def changed_app(directory: Path) -> Path:
    """A copy of the bundled employee directory with one line added to its module; the copy's directory."""
    target = Path(directory)
    shutil.copytree(default_source_directory(), target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    module = target / "__init__.py"
    module.write_text(module.read_text(encoding="utf-8") + CHANGE_MARKER, encoding="utf-8")
    return target


def unexpected_changes(plan: dict[str, Any], tier: str = "instance") -> list[str]:
    """What the app change plans beyond what ALLOWED[tier] names: empty when it is only that.

    The plan's own changes are the change scenarios' (change_scenarios.own_changes): moto's known read-back
    artifacts (deploy_checks.KNOWN_EMULATOR_ARTIFACTS) are left out attribute by attribute, so an update that also
    changes anything else is still reported."""
    replaced, updated = ALLOWED[tier]
    return [
        f"{address}: {kind}"
        for address, kind in own_changes(plan).items()
        if not (kind == "replace" and resource_type(address) in replaced)
        and not (kind == "change" and resource_type(address) in updated)
    ]


def app_change(run: Any) -> str:
    """The step: changed app -> synth -> plan (checked) -> apply -> boto3 reads the archive and the web tier."""
    tier = "group" if run.config.web_group is not None else "instance"
    before = web_servers(run)
    app = changed_app(run.directory / "changed-app")
    settings = run.directory / "aurora-web.toml"  # what the lifecycle synthesized from last
    code, out, err = run_synth(run, settings, app)
    if code != 0:
        raise RuntimeError(f"synthesis with the changed app exited {code}:\n{out}\n{err}")
    run.terraform("plan", "-input=false", "-no-color", "-out=app-change.tfplan", timeout="plan")
    _, shown = run.terraform("show", "-json", "app-change.tfplan", timeout="read")
    plan = json.loads(shown)
    changes = own_changes(plan)
    replaced = sorted(resource_type(address) for address, kind in changes.items() if kind == "replace")
    updated = sorted({resource_type(address) for address, kind in changes.items() if kind == "change"})
    unexpected = unexpected_changes(plan, tier)
    run.terraform("apply", "-auto-approve", "-input=false", "-no-color", "app-change.tfplan", timeout="apply")

    stack = json.loads((run.stack_dir / "cdk.tf.json").read_text())
    (archive,) = stack["resource"]["aws_s3_object"].values()
    bucket = archive_bucket(run.emulator, run.config)
    body = run.emulator.client("s3").get_object(Bucket=bucket, Key=archive["key"])["Body"].read()
    after = web_servers(run)
    seen: dict[str, Any] = {
        "tier": tier,
        "replaced": replaced,
        "updated": updated,
        "unexpected": unexpected,
        "key": archive["key"],
        "object_sha256": hashlib.sha256(body).hexdigest(),
        "object_has_marker": CHANGE_MARKER.encode() in body,
        "instances_before": before,
        "instances_after": after,
    }
    if tier == "instance":
        boots = [base64.b64decode(user_data(run.emulator, instance_id)) for instance_id in after]
    else:
        group = _group(run)
        autoscaling, ec2 = run.emulator.client("autoscaling"), run.emulator.client("ec2")
        refreshes = autoscaling.describe_instance_refreshes(AutoScalingGroupName=group["AutoScalingGroupName"])
        seen["refreshes"] = [refresh["Status"] for refresh in refreshes["InstanceRefreshes"]]
        template = group["LaunchTemplate"]
        versions = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"])
        newest = max(versions["LaunchTemplateVersions"], key=lambda version: version["VersionNumber"])
        seen["template_versions"] = len(versions["LaunchTemplateVersions"])
        boots = [base64.b64decode(newest["LaunchTemplateData"].get("UserData", ""))]
    seen["user_data_names_the_key"] = [archive["key"].encode() in boot for boot in boots]
    run.facts["app_change"] = seen
    return json.dumps(seen, indent=1)


def _group(run: Any) -> dict[str, Any]:
    return web_group(run.emulator, run.config.web_server.name)


def web_servers(run: Any) -> list[str]:
    """The ids of the web servers running now: the group's instances, or the one instance tagged <prefix>-web."""
    if run.config.web_group is not None:
        return sorted(member["InstanceId"] for member in _group(run)["Instances"])
    return sorted(
        instance["InstanceId"]
        for reservation in run.emulator.client("ec2").describe_instances(
            Filters=[{"Name": "tag:Name", "Values": [f"{run.config.name_prefix}-web"]}]
        )["Reservations"]
        for instance in reservation["Instances"]
        if instance["State"]["Name"] not in ("terminated", "shutting-down")
    )


def user_data(emulator: Any, instance_id: str) -> str:
    attribute = emulator.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    return str(attribute.get("UserData", {}).get("Value", ""))


def run_synth(run: Any, settings: Path, app: Path) -> tuple[int, str, str]:
    """This module as a subprocess, in the run's directory, with its environment (as its synth step runs main.py)."""
    command = [sys.executable, "-m", "tests.support.synth_with_app", str(settings), str(app)]
    env = {**run.env, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        command, cwd=run.directory, env=env, capture_output=True, text=True, timeout=SYNTH_TIMEOUT, check=False
    )
    return done.returncode, done.stdout, done.stderr
