"""The security scan (aurora_web/tools/scan.py): checkov once per stack, each stack with its own accepted findings.

Pure tests of the judging first (no checkov); then real checkov runs on synthesized stacks, in-process and through
the command line. Dev's exceptions must never hide a prod finding, and the front door's five are accepted on their
own resources only.
"""

import json
import os
from pathlib import Path

import pytest

from aurora_web.tools import scan
from aurora_web.tools.scan_exceptions import RULES, exceptions_for, front_door_exceptions
from tests.support.app_cli import run_cli
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import PROD_CERTIFICATE, Synthesized, make_config

FRONT_DOOR_EXCEPTIONS = {
    ("CKV_AWS_260", "aws_vpc_security_group_ingress_rule", "load-balancer_http-in"),
    # The web tier's rule admitting the ALB's group: on the one instance (web-server) or the group (web-group).
    ("CKV_AWS_260", "aws_vpc_security_group_ingress_rule", "web-*_http-from-group-*"),
    ("CKV_AWS_145", "aws_s3_bucket", "load-balancer_access-logs"),
    ("CKV_AWS_18", "aws_s3_bucket", "load-balancer_access-logs"),
    ("CKV_AWS_144", "aws_s3_bucket", "load-balancer_access-logs"),
}
# The app artifact's bucket, in every profile that installs the app; its access logging only where the stack has no
# log bucket (with the load balancer, they go into the ALB's log bucket).
ARTIFACT_REPLICATION = {("CKV_AWS_144", "aws_s3_bucket", "app-artifact_bucket")}
ARTIFACT = ARTIFACT_REPLICATION | {("CKV_AWS_18", "aws_s3_bucket", "app-artifact_bucket")}
# The five as found on prod's default stack, whose web tier is the group.
FRONT_DOOR = {
    (check, kind, name.replace("web-*_http-from-group-*", "web-group_http-from-group-0"))
    for check, kind, name in FRONT_DOOR_EXCEPTIONS
}
# The engine is on an LTS line by default: no automatic minor upgrades on its two instances (AWS's advice).
LTS = {
    ("CKV_AWS_226", "aws_rds_cluster_instance", "database_writer"),
    ("CKV_AWS_226", "aws_rds_cluster_instance", "database_reader-1"),
}
# Dev's findings on today's default stack, each accepted by one dev exception (nothing else may fail there).
DEV_ACCEPTED = {"CKV_AWS_226", "CKV_AWS_88", "CKV_AWS_260", "CKV_AWS_139", "CKV_AWS_353", "CKV2_AWS_8", "CKV_AWS_338"}
DEV_ACCEPTED |= {check for check, _, _ in ARTIFACT}


def fake_report(*failed: tuple[str, str]) -> dict:
    return {
        "results": {
            "passed_checks": [{"check_id": "CKV_AWS_96", "resource": "resource.database_cluster_AAAA1111"}],
            "failed_checks": [
                {"check_id": check, "resource": f"resource.{logical}", "check_name": "t"} for check, logical in failed
            ],
        }
    }


FAKE_STACK = {
    "resource": {
        "aws_rds_cluster": {"database_cluster_AAAA1111": {}},
        "aws_s3_bucket": {"load-balancer_access-logs_BBBB2222": {}, "other_bucket_CCCC3333": {}},
    }
}


def test_every_exception_has_a_reason_and_the_front_door_has_exactly_five():
    everything = [exception for rule in RULES for exception in rule.exceptions]
    assert len(everything) >= 10
    assert all(len(exception.reason) > 20 for exception in everything)
    front = {(e.check, e.resource_type, e.logical_id) for e in front_door_exceptions()}
    assert front == FRONT_DOOR_EXCEPTIONS


def test_dev_exceptions_never_apply_to_prod(key_directory):
    """The same relaxed settings in prod get none of dev's exceptions: only the front door's, the artifact
    bucket's and the LTS advice."""
    relaxed = {
        "database": {"deletion_protection": False, "skip_final_snapshot": True, "backup_plan": False},
        "load_balancer": {"certificate_arn": PROD_CERTIFICATE},
    }
    prod = exceptions_for(make_config(key_directory, {"profile": "prod", **relaxed}))
    dev = exceptions_for(make_config(key_directory, {"profile": "dev", **relaxed}))
    others = {(exception.check, exception.logical_id) for exception in set(prod) - set(front_door_exceptions())}
    replication = {(check, logical_id) for check, _, logical_id in ARTIFACT_REPLICATION}
    assert others == {("CKV_AWS_226", "database_*")} | replication
    assert any(exception.check == "CKV_AWS_139" for exception in dev)


def test_judge_accepts_only_on_the_named_resources(key_directory):
    config = make_config(key_directory, {"profile": "prod", "load_balancer": {"certificate_arn": PROD_CERTIFICATE}})
    report = fake_report(
        ("CKV_AWS_18", "load-balancer_access-logs_BBBB2222"),  # accepted: the log bucket
        ("CKV_AWS_18", "other_bucket_CCCC3333"),  # same check, another bucket: not accepted
        ("CKV_AWS_139", "database_cluster_AAAA1111"),  # prod: deletion protection is never excepted
    )
    result = scan.judge("s", config, report, FAKE_STACK)
    assert [(f.check, f.logical_id) for f in result.failed] == [
        ("CKV_AWS_18", "other_bucket"),
        ("CKV_AWS_139", "database_cluster"),
    ]
    assert [(f.check, f.address) for f, _ in result.accepted] == [
        ("CKV_AWS_18", "aws_s3_bucket.load-balancer_access-logs_BBBB2222")
    ]
    assert not result.ok
    assert len(result.unused) == 6  # the other 4 front-door exceptions, the artifact bucket's replication, the LTS one


# --- real checkov -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkov() -> str:
    local = PROJECT_ROOT / ".tools" / "checkov" / "bin" / "checkov"
    if not local.exists():
        pytest.skip("prerequisite missing: checkov (scripts/setup.sh --checkov installs it into .tools/checkov)")
    return str(local)


def real_scan(checkov: str, stack: Synthesized, directory: Path) -> scan.StackResult:
    target = directory / "cdk.tf.json"
    target.write_text(stack.text)
    return scan.judge("test", stack.config, scan.run_checkov(checkov, target), stack.json)


def lts_findings(stack: Synthesized) -> set[tuple[str, str, str]]:
    """CKV_AWS_226 on every instance of a cluster on an LTS line (the accepted AWS advice), else none."""
    if not stack.config.database.lts:
        return set()
    instances = {name.rsplit("_", 1)[0] for name in stack.resources("aws_rds_cluster_instance")}
    assert instances
    return {("CKV_AWS_226", "aws_rds_cluster_instance", name) for name in instances}


def keys(result: scan.StackResult) -> set[tuple[str, str, str]]:
    return {(finding.check, finding.resource_type, finding.logical_id) for finding, _ in result.accepted}


@pytest.mark.integration
def test_default_prod_accepts_exactly_the_front_door_artifact_replication_and_lts_findings(checkov, prod, tmp_path):
    result = real_scan(checkov, prod, tmp_path)
    assert result.ok, [finding.address for finding in result.failed]
    assert keys(result) == FRONT_DOOR | ARTIFACT_REPLICATION | LTS
    assert len(result.accepted) == 8
    assert result.passed > 100 and not result.unused


@pytest.mark.integration
def test_default_dev_accepts_its_reasoned_exceptions_and_every_one_is_needed(checkov, dev, tmp_path):
    result = real_scan(checkov, dev, tmp_path)
    assert result.ok, [finding.address for finding in result.failed]
    assert {finding.check for finding, _ in result.accepted} == DEV_ACCEPTED
    every_profile = {(finding.check, finding.logical_id) for finding, _ in result.accepted} & {
        (check, logical_id) for check, _, logical_id in ARTIFACT
    }
    assert every_profile == {(check, logical_id) for check, _, logical_id in ARTIFACT}
    assert all(
        reason.startswith("dev:")
        for finding, reason in result.accepted
        if finding.check != "CKV_AWS_226" and (finding.check, finding.logical_id) not in every_profile
    )
    assert not result.unused, result.unused
    assert result.passed > 60


@pytest.mark.integration
@pytest.mark.parametrize("name", ["scaled", "serverless"])
def test_prod_with_the_operations_features_adds_no_finding(checkov, name, request, tmp_path):
    stack = request.getfixturevalue(name)
    result = real_scan(checkov, stack, tmp_path)
    assert result.ok, [finding.address for finding in result.failed]
    assert keys(result) == FRONT_DOOR | ARTIFACT_REPLICATION | lts_findings(stack)


@pytest.mark.integration
def test_prod_without_the_load_balancer_accepts_only_the_lts_advice(checkov, key_directory, tmp_path):
    document = {
        "profile": "prod",
        "web": {"ssh_cidr": "203.0.113.7/32", "fleet": "instance"},
        "load_balancer": {"enabled": False},
    }
    stack = Synthesized(make_config(key_directory, document))
    result = real_scan(checkov, stack, tmp_path)
    assert result.ok, [f.address for f in result.failed]
    assert keys(result) == lts_findings(stack) | ARTIFACT == LTS | ARTIFACT


class Tampered(Synthesized):
    """The prod JSON with protections our settings refuse to drop removed by hand."""

    def __init__(self, base: Synthesized) -> None:
        document = json.loads(base.text)
        rules = document["resource"]["aws_vpc_security_group_ingress_rule"]
        ssh = next(rule for rule in rules.values() if rule["from_port"] == 22)
        ssh["cidr_ipv4"] = "0.0.0.0/0"
        template = next(iter(document["resource"]["aws_launch_template"].values()))
        template["metadata_options"]["http_tokens"] = "optional"
        self.config, self.text, self.json = base.config, json.dumps(document), document


@pytest.mark.integration
def test_the_scan_is_not_vacuous(checkov, prod, tmp_path):
    result = real_scan(checkov, Tampered(prod), tmp_path)
    assert {"CKV_AWS_24", "CKV_AWS_79"} <= {finding.check for finding in result.failed}


@pytest.mark.integration
def test_prod_in_domain_mode_accepts_the_five_the_artifacts_one_and_passes_the_front_doors_own_checks(
    checkov, key_directory, tmp_path
):
    """The load balancer with a Route 53 domain (DNS-validated certificate, alias record) and WAF."""
    domain = {"domain_name": "shop.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"}
    stack = Synthesized(make_config(key_directory, {"profile": "prod", "load_balancer": domain}))
    target = tmp_path / "cdk.tf.json"
    target.write_text(stack.text)
    report = scan.run_checkov(checkov, target)
    result = scan.judge("with-domain", stack.config, report, stack.json)
    assert result.ok and len(result.accepted) == 8, [finding.address for finding in result.failed]
    passed = {check["check_id"] for check in report["results"]["passed_checks"]}
    expected = {
        # ELB
        "CKV_AWS_2", "CKV_AWS_91", "CKV_AWS_103", "CKV_AWS_131", "CKV_AWS_150", "CKV_AWS_261", "CKV_AWS_328",
        "CKV_AWS_378", "CKV2_AWS_20", "CKV2_AWS_74",
        # S3
        "CKV_AWS_19", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_70",
        "CKV_AWS_300", "CKV2_AWS_6", "CKV2_AWS_61", "CKV2_AWS_62", "CKV2_AWS_65",
        # WAF
        "CKV_AWS_175", "CKV_AWS_192", "CKV_AWS_342", "CKV2_AWS_28", "CKV2_AWS_31", "CKV2_AWS_76",
        # ACM, Route 53, the WAF log group
        "CKV_AWS_233", "CKV_AWS_234", "CKV2_AWS_23", "CKV2_AWS_71", "CKV_AWS_158", "CKV_AWS_338",
    }  # fmt: skip
    assert expected <= passed, sorted(expected - passed)


# --- the command, as CI runs it ----------------------------------------------------------------------------------

PROD_WITHOUT_DELETION_PROTECTION = f"""
profile = "prod"
name_prefix = "shop-prod"
[web]
key_directory = "{{keys}}"
[load_balancer]
certificate_arn = "{PROD_CERTIFICATE}"
[database]
deletion_protection = false
"""


def synth_and_scan(settings: str, tmp_path: Path, key_directory: str, cwd: Path | None = None) -> tuple:
    config = tmp_path / "settings.toml"
    config.write_text(settings.replace("{keys}", key_directory))
    env = {**os.environ, "AURORA_WEB_CONFIG": str(config), "CDKTF_OUTDIR": str(tmp_path / "out")}
    synth = run_cli("synth", env=env, cwd=cwd)
    assert synth.returncode == 0, synth.stderr
    return run_cli("scan", env=env, cwd=cwd)


@pytest.mark.integration
def test_prod_with_deletion_protection_off_fails_naming_the_check(checkov, tmp_path, key_directory):
    """Even with a .checkov.yaml that skips it in the working directory (checkov reads one there by itself)."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    (cwd / ".checkov.yaml").write_text("skip-check:\n  - CKV_AWS_139\n")
    result = synth_and_scan(PROD_WITHOUT_DELETION_PROTECTION, tmp_path, key_directory, cwd=cwd)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CKV_AWS_139 fails on aws_rds_cluster.database_cluster_" in result.stderr
    assert "FAILED CKV_AWS_139" in result.stdout


@pytest.mark.integration
def test_default_prod_passes_the_command(checkov, tmp_path, key_directory):
    settings = PROD_WITHOUT_DELETION_PROTECTION.replace("deletion_protection = false", "")
    result = synth_and_scan(settings, tmp_path, key_directory)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        result.stdout.count("- accepted ") == 8
    )  # the front door's 5, the artifact bucket's replication, CKV_AWS_226 on 2 LTS instances


def test_no_stack_synthesized_is_one_line_and_exit_2(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("AURORA_WEB_CONFIG", "CDKTF_OUTDIR")}
    result = run_cli("scan", "--outdir", str(tmp_path), "--checkov", "/bin/true", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "synthesize first" in result.stderr, result.stderr
