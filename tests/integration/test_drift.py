"""`python -m aurora_web drift` against a real deployment on the emulator: an SSH rule added by hand to the web
server's security group, as a console user would (boto3 authorize_security_group_ingress), is reported; revoked, it
is not.

What Terraform itself reports (found on this deployment, and asserted below so a change of behaviour shows):
- Right after an apply, a refresh-only plan lists about 25 resources as "changed outside of Terraform" that nobody
  touched: `tags` null -> {}, and attributes that mirror separate resources (a group's `ingress` filled by its rule
  resources, a role's policies, a cluster's members, a route table's routes). drift.py reads null as empty and checks
  mirrored attributes against the resources Terraform manages (drift_mirrors.py), so these are not drift.
- A hand-made rule shows as the group's `ingress` only until the next apply writes the refreshed value into the
  state; after that Terraform's own plan no longer sees it. The mirror check still does.
- moto reads back a few values differently from AWS (tests/support/deploy_checks.py KNOWN_EMULATOR_ARTIFACTS); on a
  fresh apply those, and only those, are reported. `terraform apply -refresh-only` then records moto's readings, so
  the rest of the test starts from "no drift".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aurora_web.tools.drift import EXIT_DRIFT, EXIT_NO_DRIFT, drifted
from tests.support.app_cli import run_cli
from tests.support.applied_stack import EMULATOR_SETTINGS, AppliedStack
from tests.support.deploy_checks import KNOWN_EMULATOR_ARTIFACTS

pytestmark = pytest.mark.integration

WEB_GROUP_NAME = f"{EMULATOR_SETTINGS['name_prefix']}-web"
SSH_FROM_ANYWHERE = [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "by hand"}]}
]


def refresh_plan(deployed: AppliedStack, scratch: Path) -> dict:
    """Terraform's refresh-only plan of the deployment, as JSON."""
    plan_file = str(scratch / "refresh.tfplan")
    planned = deployed.terraform("plan", "-refresh-only", "-input=false", "-no-color", f"-out={plan_file}")
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr
    shown = deployed.terraform("show", "-json", plan_file)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def unexplained(plan: dict) -> list[str]:
    """drift.py's findings that are not a known emulator artifact. A refresh-only plan's before is the state (what
    Terraform set) and its after what moto reads back: the artifacts' (read back, configured) order, reversed."""
    entries = {entry["address"]: entry for entry in plan.get("resource_drift", [])}
    problems = []
    for found in drifted(plan):
        entry = entries.get(found.address)
        if entry is None or found.kind != "changed" or found.unmanaged:
            problems.append(f"{found}")
            continue
        before, after = entry["change"]["before"], entry["change"]["after"]
        for path in found.attributes:
            name = path.split(".")[0].split("[")[0]
            if not any(
                entry["type"] in artifact.resource_types
                and name == artifact.attribute
                and artifact.matches(after.get(name), before.get(name), before)
                for artifact in KNOWN_EMULATOR_ARTIFACTS
            ):
                problems.append(f"{found.address}: {path} {found.attributes[path]}")
    return problems


def run_drift(deployed: AppliedStack, report: Path):
    result = run_cli(
        "drift", "--outdir", str(deployed.project / "cdktf.out"), "--out", str(report), env=deployed.env, timeout=900
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, report.read_text() if report.exists() else ""


def web_group(emulator) -> dict:
    (group,) = emulator.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [WEB_GROUP_NAME]}]
    )["SecurityGroups"]
    return group


def web_group_address(plan: dict) -> str:
    (address,) = [
        resource["address"]
        for resource in plan["prior_state"]["values"]["root_module"]["resources"]
        if resource["type"] == "aws_security_group" and resource["values"]["name"] == WEB_GROUP_NAME
    ]
    return address


def test_a_rule_added_by_hand_is_drift_until_it_is_revoked(applied_stack, emulator, tmp_path):
    deployed = applied_stack
    deployed.synthesize({})  # the applied configuration, whatever another test synthesized since

    # A fresh apply: Terraform's refresh-only plan lists many resources; drift.py keeps only moto's known artifacts.
    fresh = refresh_plan(deployed, tmp_path)
    assert len(fresh["resource_drift"]) > 10, "Terraform's own follow-on values are no longer reported as drift?"
    assert unexplained(fresh) == []
    recorded = deployed.terraform("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr
    result, report = run_drift(deployed, tmp_path / "clean.md")
    assert result.returncode == EXIT_NO_DRIFT, result.stderr + report
    assert "No drift: every stack matches its Terraform state." in report and result.stderr == ""

    ec2 = emulator.client("ec2")
    group_id = web_group(emulator)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=SSH_FROM_ANYWHERE)
    try:
        address = web_group_address(fresh)
        result, report = run_drift(deployed, tmp_path / "drift.md")
        assert result.returncode == EXIT_DRIFT, result.stderr + report
        assert result.stderr == "drift: resources changed outside Terraform in aurora-web\n"
        assert f"- `{address}`: changed outside Terraform" in report, report
        assert "in `ingress`, not managed by Terraform (added by hand?): `tcp 22 from 0.0.0.0/0`" in report, report
        assert report.count(": changed outside Terraform") == 1, report  # the group, and nothing else

        # An apply (here: of the refresh) writes the rule into the state: Terraform no longer sees it, drift.py does.
        recorded = deployed.terraform("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
        assert recorded.returncode == 0, recorded.stderr
        assert address not in {entry["address"] for entry in refresh_plan(deployed, tmp_path).get("resource_drift", [])}
        result, report = run_drift(deployed, tmp_path / "recorded.md")
        assert result.returncode == EXIT_DRIFT and "`tcp 22 from 0.0.0.0/0`" in report, result.stderr + report
    finally:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=SSH_FROM_ANYWHERE)

    result, report = run_drift(deployed, tmp_path / "revoked.md")
    assert result.returncode == EXIT_NO_DRIFT, result.stderr + report
    assert "No drift" in report and "tcp 22" not in report
