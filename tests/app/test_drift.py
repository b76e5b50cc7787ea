"""aurora_web/tools/drift.py (`python -m aurora_web drift`): the report and exit code on hand-made refresh-only plan
JSON; the command's answers to bad input. The emulator test is tests/integration/test_drift.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aurora_web.tools.drift import (
    EXIT_DRIFT,
    EXIT_ERROR,
    EXIT_NO_DRIFT,
    MARKER,
    VALUE_WIDTH,
    Drifted,
    drifted,
    exit_code,
    report,
)
from tests.support.app_cli import run_cli

GROUP = "aws_security_group.web_security-group_A1B2"


def drift_entry(address: str, actions: list[str], before: dict | None, after: dict | None, **change) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".", maxsplit=1)[0],
        "change": {"actions": actions, "before": before, "after": after, **change},
    }


def refresh_plan(*entries: dict) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_drift": list(entries)}


def test_an_attribute_changed_by_hand_names_the_resource_and_both_values():
    instance = "aws_instance.web-server_instance_A1B2"
    plan = refresh_plan(
        drift_entry(
            instance,
            ["update"],
            {"instance_type": "t3.micro", "ami": "ami-1"},
            {"instance_type": "t3.large", "ami": "ami-1"},
        ),
        drift_entry("aws_vpc.network", ["no-op"], {"id": "vpc-1"}, {"id": "vpc-1"}),
    )
    found = drifted(plan)
    assert found == [Drifted(instance, "changed", {"instance_type": ('"t3.micro"', '"t3.large"')})]
    text = report({"aurora-web": found})
    lines = text.splitlines()
    assert lines[0] == MARKER
    assert lines[3].startswith("**Drift in `aurora-web`**")
    assert "### `aurora-web`: 1 resource(s) drifted" in lines
    assert f"- `{instance}`: changed outside Terraform" in lines
    assert '  | `instance_type` | `"t3.micro"` | `"t3.large"` |' in lines
    assert "aws_vpc" not in text and "ami" not in text
    assert exit_code({"aurora-web": found}) == EXIT_DRIFT


def test_a_resource_deleted_by_hand_is_called_deleted():
    found = drifted(refresh_plan(drift_entry("aws_instance.web", ["delete"], {"id": "i-1"}, None)))
    assert found == [Drifted("aws_instance.web", "deleted")]
    assert "- `aws_instance.web`: **deleted outside Terraform**" in report({"s": found})


def test_sensitive_values_never_reach_the_report():
    plan = refresh_plan(
        drift_entry(
            "aws_db_instance.x",
            ["update"],
            {"password": "old-secret", "tags": {"a": "1"}, "blocks": [{"token": "t-old"}]},
            {"password": "new-secret", "tags": {"a": "2"}, "blocks": [{"token": "t-new"}]},
            before_sensitive={"password": True, "blocks": [{"token": True}]},
            after_sensitive={"password": True, "blocks": [{"token": True}]},
        )
    )
    text = report({"s": drifted(plan)})
    assert "secret" not in text and "t-old" not in text and "t-new" not in text
    assert "| `password` | `(sensitive)` | `(sensitive, changed)` |" in text
    assert '| `tags.a` | `"1"` | `"2"` |' in text


def test_values_are_one_line_cells_cut_to_width_with_pipes_escaped():
    long_after = {"description": "a|b\nc" + "x" * 400}
    found = drifted(refresh_plan(drift_entry("aws_security_group.g", ["update"], {"description": ""}, long_after)))
    after = found[0].attributes["description"][1]
    assert len(after) == VALUE_WIDTH and after.endswith("…")
    row = next(line for line in report({"s": found}).splitlines() if "`description`" in line)
    assert "a\\|b" in row and row.count(" | ") == 3  # the pipe in the value does not open a column


def test_no_drift_and_failures_read_as_such():
    assert drifted(refresh_plan()) == [] and drifted({"format_version": "1.2"}) == []
    clean = report({"aurora-web": [], "shop-prod": []})
    assert "No drift: every stack matches its Terraform state." in clean
    assert "### `aurora-web`: no drift" in clean and "### `shop-prod`: no drift" in clean
    assert exit_code({"aurora-web": [], "shop-prod": []}) == EXIT_NO_DRIFT
    broken = {"aurora-web": [], "shop-prod": "`terraform plan` failed: Error: timeout"}
    text = report(broken)
    assert "**Not every stack could be checked.**" in text and "### `shop-prod`: could not be checked" in text
    assert exit_code(broken) == EXIT_ERROR
    # A stack that could not be checked makes the run fail even when another drifted: the check is incomplete.
    assert exit_code({**broken, "aurora-web": [Drifted("aws_instance.web", "deleted")]}) == EXIT_ERROR


def test_data_sources_in_the_drift_list_are_not_drift():
    entry = drift_entry("data.aws_ami.x", ["update"], {"id": "a"}, {"id": "b"})
    assert drifted(refresh_plan({**entry, "mode": "data"})) == []


def test_null_and_empty_are_the_same_and_nested_changes_name_their_path():
    before = {"tags": None, "root_block_device": [{"tags": None, "volume_size": 8}]}
    after = {"tags": {}, "root_block_device": [{"tags": {}, "volume_size": 20}]}
    (found,) = drifted(refresh_plan(drift_entry("aws_instance.web", ["update"], before, after)))
    assert found.attributes == {"root_block_device[0].volume_size": ("8", "20")}
    assert drifted(refresh_plan(drift_entry("aws_kms_key.k", ["update"], {"tags": None}, {"tags": {}}))) == []


# ---- attributes that mirror separate resources (drift_mirrors.py) ----------------------------------------------------

GROUP_ID, DB_GROUP_ID = "sg-0web", "sg-0db"


def group_item(port: int, peer: str, **extra) -> dict:
    item = {"protocol": "tcp", "from_port": port, "to_port": port, "self": False, "description": "", **extra}
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups"):
        item.setdefault(key, [])
    if peer.startswith("sg-") or "/sg-" in peer:
        item["security_groups"] = [peer]
    else:
        item["cidr_blocks"] = [peer]
    return item


def resource(address: str, values: dict) -> dict:
    return {"address": address, "mode": "managed", "type": address.split(".", maxsplit=1)[0], "values": values}


def with_state(plan: dict, *resources: dict) -> dict:
    return {**plan, "prior_state": {"values": {"root_module": {"resources": list(resources)}}}}


def rule(name: str, direction: str, port: int, **peer) -> dict:
    values = {"security_group_id": GROUP_ID, "ip_protocol": "tcp", "from_port": port, "to_port": port, **peer}
    return resource(f"aws_vpc_security_group_{direction}_rule.{name}", values)


def test_rules_terraform_manages_are_not_drift_even_when_the_state_missed_them():
    ingress = [group_item(80, "0.0.0.0/0"), group_item(3306, f"123456789012/{DB_GROUP_ID}")]
    plan = with_state(
        refresh_plan(drift_entry(GROUP, ["update"], {"ingress": []}, {"ingress": ingress})),
        resource(GROUP, {"id": GROUP_ID, "ingress": ingress, "egress": []}),
        rule("http", "ingress", 80, cidr_ipv4="0.0.0.0/0"),
        rule("mysql", "ingress", 3306, referenced_security_group_id=DB_GROUP_ID),
    )
    assert drifted(plan) == []


def test_a_rule_added_by_hand_is_found_though_the_state_already_holds_it():
    ingress = [group_item(80, "0.0.0.0/0"), group_item(22, "0.0.0.0/0", ipv6_cidr_blocks=["::/0"])]
    egress = [{**group_item(0, "0.0.0.0/0"), "protocol": "-1"}]
    plan = with_state(
        refresh_plan(),  # an apply already recorded the rules: Terraform itself reports nothing
        resource(GROUP, {"id": GROUP_ID, "ingress": ingress, "egress": egress}),
        rule("http", "ingress", 80, cidr_ipv4="0.0.0.0/0"),
    )
    (found,) = drifted(plan)
    assert found.address == GROUP and found.attributes == {}
    assert found.unmanaged == {
        "egress": ["all traffic to 0.0.0.0/0"],
        "ingress": ["tcp 22 from 0.0.0.0/0", "tcp 22 from ::/0"],
    }
    text = report({"aurora-web": [found]})
    assert (
        "  - in `ingress`, not managed by Terraform (added by hand?): `tcp 22 from 0.0.0.0/0`, `tcp 22 from ::/0`"
        in (text.splitlines())
    )
    assert exit_code({"aurora-web": [found]}) == EXIT_DRIFT


def test_a_policy_attached_by_hand_and_an_unmanaged_cluster_member_are_found():
    role = resource(
        "aws_iam_role.web",
        {"name": "web-role", "managed_policy_arns": ["arn:aws:iam::aws:policy/Ssm", "arn:aws:iam::aws:policy/Admin"]},
    )
    attachment = resource(
        "aws_iam_role_policy_attachment.ssm", {"role": "web-role", "policy_arn": "arn:aws:iam::aws:policy/Ssm"}
    )
    cluster = resource("aws_rds_cluster.db", {"cluster_identifier": "db", "cluster_members": ["db-writer", "db-x"]})
    writer = resource("aws_rds_cluster_instance.w", {"cluster_identifier": "db", "identifier": "db-writer"})
    found = {
        item.address: item.unmanaged for item in drifted(with_state(refresh_plan(), role, attachment, cluster, writer))
    }
    assert found == {
        "aws_iam_role.web": {"managed_policy_arns": ["arn:aws:iam::aws:policy/Admin"]},
        "aws_rds_cluster.db": {"cluster_members": ["db-x"]},
    }


# ---- the command line: bad input is one line and exit 2, before any Terraform runs ---------------------------------


BUCKET = "aws_s3_bucket.app-artifact_bucket_A1B2"
POLICY = '{"Statement":[{"Effect":"Deny","Action":"s3:*"}]}'


def test_a_buckets_copy_of_what_its_policy_resource_owns_is_not_drift_but_a_policy_added_by_hand_is():
    """The bucket reads back the policy aws_s3_bucket_policy wrote: no drift. The same change with no such resource
    in the state was made by hand."""
    plan = refresh_plan(drift_entry(BUCKET, ["update"], {"policy": ""}, {"policy": POLICY}))
    bucket = resource(BUCKET, {"bucket": "site-app", "policy": POLICY})
    owned = with_state(plan, bucket, resource("aws_s3_bucket_policy.tls", {"bucket": "site-app", "policy": POLICY}))
    assert drifted(owned) == []
    other_bucket = resource("aws_s3_bucket_policy.other", {"bucket": "another-bucket", "policy": POLICY})
    (found,) = drifted(with_state(plan, bucket, other_bucket))
    assert (found.address, list(found.attributes)) == (BUCKET, ["policy"])


def synthesized(tmp_path: Path, *names: str) -> Path:
    for name in names:
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "cdk.tf.json").write_text(json.dumps({"terraform": {}}))
    return tmp_path


@pytest.mark.parametrize(
    "names, stack, expected",
    [
        ((), None, "no synthesized stack in"),
        (("aurora-web",), "shop", "--stack shop: no such synthesized stack in"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, names, stack, expected):
    outdir = synthesized(tmp_path / "out", *names)
    result = run_cli("drift", "--outdir", str(outdir), *(["--stack", stack] if stack else []))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("drift: ") and expected in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    if stack:
        assert "(there are: aurora-web)" in result.stderr


@pytest.mark.integration  # runs terraform init and plan (offline, no deployment)
def test_missing_credentials_is_one_line_saying_what_is_needed(dev, tmp_path):
    from tests.support.emulator import without_aws_settings
    from tests.support.synthesized import require_program

    require_program("terraform")
    stack = tmp_path / "out" / "stacks" / "aurora-web"
    stack.mkdir(parents=True)
    document = json.loads(json.dumps(dev.json))
    document["terraform"]["backend"] = {"local": {"path": str(tmp_path / "state.tfstate")}}
    (stack / "cdk.tf.json").write_text(json.dumps(document))
    env = {
        **without_aws_settings(os.environ),
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance role lookup either
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    result = run_cli("drift", "--outdir", str(tmp_path / "out"), env=env, timeout=600)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("drift: no AWS credentials:") and result.stderr.count("\n") == 1, result.stderr
    assert "AWS_PLAN_ROLE_ARN" in result.stderr and "Traceback" not in result.stderr
