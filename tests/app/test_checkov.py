"""checkov over every profile: prod fails only the load balancer's reasoned, pinned findings (none without it);
dev fails exactly the committed, reasoned skip list."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import Synthesized

SKIP_LIST = PROJECT_ROOT / ".checkov.yaml"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def checkov() -> str:
    local = PROJECT_ROOT / ".tools" / "checkov" / "bin" / "checkov"
    found = str(local) if local.exists() else shutil.which("checkov")
    if found is None:
        pytest.skip("prerequisite missing: checkov (scripts/setup.sh --test installs it into .tools/checkov)")
    return found


def scan(checkov: str, stack: Synthesized, directory: Path, *config: str) -> dict:
    """Run checkov on one stack's JSON, from a directory without a .checkov.yaml unless one is named."""
    target = directory / "cdk.tf.json"
    target.write_text(stack.text)
    result = subprocess.run(
        [checkov, "-f", str(target), "--framework", "terraform_json", "-o", "json", *config],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.stdout.strip(), f"checkov printed nothing:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def failed_ids(report: dict) -> dict[str, list[str]]:
    failed: dict[str, list[str]] = {}
    for check in report["results"]["failed_checks"]:
        failed.setdefault(check["check_id"], []).append(check["resource"])
    return failed


def assert_passed(report: dict, *expected: tuple[str, str]) -> None:
    """Each (check id, resource name fragment) is among the report's passed checks: scanned, not skipped."""
    passed = {(check["check_id"], check["resource"]) for check in report["results"]["passed_checks"]}
    for check_id, resource in expected:
        assert any(found == check_id and resource in name for found, name in passed), (check_id, resource)


def skip_list() -> dict[str, str]:
    """Check id -> reason, from the committed .checkov.yaml (every entry must carry a reason)."""
    entries = re.findall(r"^\s+- (CKV2?_AWS_\d+)\s+#\s*(.+)$", SKIP_LIST.read_text(), flags=re.MULTILINE)
    return dict(entries)


def test_prod_profile_fails_only_the_load_balancers_inherent_findings(checkov, prod, tmp_path):
    """Nothing but the listed findings of the front door, each with its reason (constructs/test_load_balancer.py)."""
    from tests.settings.profiles.test_profiles_load_balancer import INHERENT_FINDINGS, failed_resources

    report = scan(checkov, prod, tmp_path)
    print("prod:", report["summary"])
    assert failed_resources(report) == set(INHERENT_FINDINGS), json.dumps(failed_ids(report), indent=1)
    assert report["summary"]["passed"] > 100


def test_prod_without_the_load_balancer_has_no_failed_check(checkov, key_directory, tmp_path):
    from tests.support.synthesized import make_config

    document = {"profile": "prod", "web": {"ssh_cidr": "203.0.113.7/32"}, "load_balancer": {"enabled": False}}
    report = scan(checkov, Synthesized(make_config(key_directory, document)), tmp_path)
    assert report["summary"]["failed"] == 0, json.dumps(failed_ids(report), indent=1)


def test_dev_profile_fails_exactly_the_reasoned_skip_list(checkov, dev, tmp_path):
    reasons = skip_list()
    assert reasons and all(reason.startswith("dev:") for reason in reasons.values())
    report = scan(checkov, dev, tmp_path)
    print("dev without skips:", report["summary"])
    assert set(failed_ids(report)) == set(reasons), (
        f"unlisted failures: {sorted(set(failed_ids(report)) - set(reasons))}; "
        f"stale skips: {sorted(set(reasons) - set(failed_ids(report)))}"
    )
    # Short retention is the only log finding: on the RDS groups and the flow-log group, nothing else.
    assert all("log-group" in resource for resource in failed_ids(report)["CKV_AWS_338"]), failed_ids(report)
    # Secure by default, scanned and passed: the stack's key on storage and every log group, and VPC flow logs.
    assert_passed(
        report,
        ("CKV_AWS_327", "database_cluster_"),
        ("CKV_AWS_158", "_log-group-audit_"),
        ("CKV_AWS_158", "network_flow-logs_log-group_"),
        ("CKV2_AWS_11", "network_vpc_"),
    )


def test_dev_profile_passes_with_the_skip_list(checkov, dev, tmp_path):
    report = scan(checkov, dev, tmp_path, "--config-file", str(SKIP_LIST))
    print("dev with .checkov.yaml:", report["summary"])
    assert report["summary"]["failed"] == 0, json.dumps(failed_ids(report), indent=1)
    assert report["summary"]["passed"] > 60


class Tampered(Synthesized):
    """The prod JSON with the protections our config loader refuses to drop removed by hand."""

    def __init__(self, base: Synthesized) -> None:
        document = json.loads(base.text)
        rules = document["resource"]["aws_vpc_security_group_ingress_rule"]
        ssh = next(rule for rule in rules.values() if rule["from_port"] == 22)
        ssh["cidr_ipv4"] = "0.0.0.0/0"
        instance = next(iter(document["resource"]["aws_instance"].values()))
        instance["metadata_options"]["http_tokens"] = "optional"
        self.text = json.dumps(document)


def test_the_scan_is_not_vacuous(checkov, prod, tmp_path):
    report = scan(checkov, Tampered(prod), tmp_path)
    assert {"CKV_AWS_24", "CKV_AWS_79"} <= set(failed_ids(report)), failed_ids(report)


@pytest.mark.parametrize("name", ["scaled", "serverless"])
def test_prod_with_issue_14_features_adds_no_failed_check(checkov, name, request, tmp_path):
    """Log groups, the secret rotation, the instance parameter group, autoscaling, the SNS topic and the alarms fail
    nothing: the only findings are the load balancer's pinned ones (constructs/test_load_balancer.py says why)."""
    from tests.settings.profiles.test_profiles_load_balancer import INHERENT_FINDINGS, failed_resources

    stack = request.getfixturevalue(name)
    report = scan(checkov, stack, tmp_path)
    print(name, report["summary"])
    assert failed_resources(report) == set(INHERENT_FINDINGS), json.dumps(failed_ids(report), indent=1)
    # Scanned, not ignored: KMS and a year of retention on the log groups, an encrypted topic, enabled alarm actions.
    assert_passed(
        report,
        ("CKV_AWS_158", "_log-group-audit_"),
        ("CKV_AWS_338", "_log-group-audit_"),
        ("CKV_AWS_26", "alarms_topic_"),
        ("CKV_AWS_319", "alarms_writer-cpu_"),
    )
