"""The deploy checkers notice what they must: each is fed a good input and a deliberately broken one (no emulator)."""

from __future__ import annotations

import copy
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.deploy_checks import (
    apply_order_problems,
    drift_problems,
    leftover_problems,
    parse_events,
    private_key_body_lines,
    secret_problems,
)


def hook(kind: str, resource_type: str, name: str) -> dict:
    address = f"{resource_type}.{name}"
    return {"type": kind, "hook": {"resource": {"addr": address, "resource_type": resource_type}, "action": "create"}}


GOOD_APPLY = [
    hook("apply_start", "aws_vpc", "v"),
    hook("apply_complete", "aws_vpc", "v"),
    hook("apply_start", "aws_instance", "web"),
    hook("apply_complete", "aws_instance", "web"),
    hook("apply_start", "aws_rds_cluster", "db"),
    hook("apply_complete", "aws_rds_cluster", "db"),
    hook("apply_start", "aws_rds_cluster_instance", "writer"),
    hook("apply_complete", "aws_rds_cluster_instance", "writer"),
]


def test_order_check_passes_the_ec2_first_apply():
    assert apply_order_problems(GOOD_APPLY) == []


def test_order_check_fails_when_the_cluster_starts_before_the_instance_is_done():
    reversed_order = [GOOD_APPLY[2], GOOD_APPLY[4], GOOD_APPLY[3], GOOD_APPLY[5]]
    problems = apply_order_problems(reversed_order)
    assert problems == ["aws_rds_cluster.db started (event 1) before aws_instance.web was complete (event 2)"]


def test_order_check_fails_when_either_resource_is_missing():
    assert apply_order_problems([]) == [
        "no apply_complete event for a aws_instance in the apply",
        "no apply_start event for a aws_rds_cluster in the apply",
    ]
    # A cluster *instance* is not the cluster: it must not satisfy the check.
    only_members = [GOOD_APPLY[3], GOOD_APPLY[6]]
    assert apply_order_problems(only_members) == ["no apply_start event for a aws_rds_cluster in the apply"]


def test_events_are_read_from_json_lines_only():
    text = "\n".join(["not json", json.dumps(GOOD_APPLY[0]), "{broken", json.dumps(GOOD_APPLY[1])])
    assert parse_events(text) == GOOD_APPLY[:2]


def change(address: str, actions: list[str], before: dict, after: dict) -> dict:
    resource_type = address.split(".", maxsplit=1)[0]
    return {
        "address": address,
        "type": resource_type,
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
    }


SCALING_NULLS = [{"auto_pause": None, "max_capacity": None, "min_capacity": None}]
SCALING_DEFAULTS = [{"auto_pause": True, "max_capacity": 16, "min_capacity": 1}]
ARTIFACTS_ONLY = {
    "resource_changes": [
        change("aws_vpc.v", ["no-op"], {"id": "vpc-1"}, {"id": "vpc-1"}),
        change(
            "aws_rds_cluster.db",
            ["update"],
            {"id": "c", "scaling_configuration": SCALING_NULLS},
            {"id": "c", "scaling_configuration": SCALING_DEFAULTS},
        ),
        change(
            "aws_vpc_security_group_ingress_rule.r",
            ["update"],
            {"referenced_security_group_id": "123456789012/sg-0abc", "description": None},
            {"referenced_security_group_id": "sg-0abc", "description": "MySQL from the web server"},
        ),
        change(
            "aws_instance.web", ["update"], {"vpc_security_group_ids": []}, {"vpc_security_group_ids": ["sg-1", "sg-2"]}
        ),
    ]
}


def test_drift_check_accepts_only_the_written_emulator_artifacts():
    assert drift_problems(ARTIFACTS_ONLY) == []
    assert drift_problems({"resource_changes": [], "output_changes": {"x": {"actions": ["no-op"]}}}) == []


def test_drift_check_fails_on_an_extra_change_and_prints_the_diff():
    plan = copy.deepcopy(ARTIFACTS_ONLY)
    plan["resource_changes"][3]["change"]["before"]["instance_type"] = "t3.micro"
    plan["resource_changes"][3]["change"]["after"]["instance_type"] = "t3.large"
    assert drift_problems(plan) == ['aws_instance.web: update {"instance_type": ["t3.micro", "t3.large"]}']


def test_drift_check_fails_on_an_allowed_attribute_of_another_type_or_with_other_values():
    wrong_type = {
        "resource_changes": [
            change(
                "aws_db_instance.d",
                ["update"],
                {"scaling_configuration": SCALING_NULLS},
                {"scaling_configuration": SCALING_DEFAULTS},
            )
        ]
    }
    assert len(drift_problems(wrong_type)) == 1
    real_change = {
        "resource_changes": [
            change(
                "aws_rds_cluster.db",
                ["update"],
                {"scaling_configuration": SCALING_DEFAULTS},
                {"scaling_configuration": [{"auto_pause": False}]},
            )
        ]
    }
    assert len(drift_problems(real_change)) == 1
    other_group = {
        "resource_changes": [
            change(
                "aws_vpc_security_group_egress_rule.r",
                ["update"],
                {"referenced_security_group_id": "123456789012/sg-0abc"},
                {"referenced_security_group_id": "sg-0def"},
            )
        ]
    }
    assert len(drift_problems(other_group)) == 1
    cidr_rule_description = {
        "resource_changes": [
            change(
                "aws_vpc_security_group_ingress_rule.http",
                ["update"],
                {"description": None, "cidr_ipv4": "0.0.0.0/0"},
                {"description": "HTTP", "cidr_ipv4": "0.0.0.0/0"},
            )
        ]
    }
    assert len(drift_problems(cidr_rule_description)) == 1


def test_drift_check_fails_on_create_replace_delete_and_output_changes():
    for actions in (["create"], ["delete", "create"], ["delete"]):
        plan = {
            "resource_changes": [
                change(
                    "aws_instance.web", actions, {"vpc_security_group_ids": []}, {"vpc_security_group_ids": ["sg-1"]}
                )
            ]
        }
        assert len(drift_problems(plan)) == 1, actions
    outputs = {
        "resource_changes": [],
        "output_changes": {"web_url": {"actions": ["update"], "before": "a", "after": "b"}},
    }
    assert drift_problems(outputs) == ["output web_url: ['update'] 'a' -> 'b'"]


def test_drift_check_treats_an_unknown_value_as_a_change():
    plan = {
        "resource_changes": [
            {
                "address": "aws_instance.web",
                "type": "aws_instance",
                "change": {
                    "actions": ["update"],
                    "before": {"public_ip": "1.2.3.4"},
                    "after": {},
                    "after_unknown": {"public_ip": True},
                },
            }
        ]
    }
    assert drift_problems(plan) == ['aws_instance.web: update {"public_ip": ["1.2.3.4", "(known after apply)"]}']


def test_drift_check_can_require_an_intended_change():
    intended = {("aws_rds_cluster", "deletion_protection"): (True, False)}
    plan = {
        "resource_changes": [
            change("aws_rds_cluster.db", ["update"], {"deletion_protection": True}, {"deletion_protection": False})
        ]
    }
    assert drift_problems(plan, intended=intended) == []
    assert drift_problems({"resource_changes": []}, intended=intended) == [
        "intended change aws_rds_cluster.deletion_protection True -> False is not in the plan"
    ]


def generated_pem() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def test_secret_check_passes_a_clean_state():
    pem = generated_pem()
    secrets = {
        "password": 'pa"ss\\word-123',
        **{f"key line {n}": line for n, line in enumerate(private_key_body_lines(pem))},
    }
    state = json.dumps({"resources": [{"type": "aws_key_pair", "public_key": "ssh-ed25519 AAAA..."}]})
    assert secret_problems(state, secrets) == []


def test_secret_check_fails_on_a_private_key_in_the_state():
    pem = generated_pem()
    body = private_key_body_lines(pem)
    assert body and not any("PRIVATE KEY" in line for line in body)
    state_with_key = json.dumps({"attributes": {"private_key_openssh": pem}})  # escaped newlines, as in a real state
    problems = secret_problems(state_with_key, {"key line 1": body[0]})
    assert "the state contains 'PRIVATE KEY'" in problems and "the state contains key line 1" in problems
    only_the_body = json.dumps({"attributes": {"blob": "".join(body)}})
    assert secret_problems(only_the_body, {"key line 1": body[0]}) == ["the state contains key line 1"]


def test_secret_check_fails_on_the_password_raw_or_json_escaped_and_never_prints_it():
    password = 'pa"ss\\word-123'
    state = json.dumps({"attributes": {"master_password": password}})
    problems = secret_problems(state, {"the database master password": password})
    assert problems == ["the state contains the database master password"]
    assert password not in "".join(problems)


def test_secret_check_refuses_to_look_for_nothing():
    assert secret_problems("{}", {"the database master password": ""}) == [
        "the database master password: nothing to look for (empty value), so the check would prove nothing"
    ]


def test_leftover_check_reports_every_kind_still_there():
    assert leftover_problems({"VPCs": [], "key pairs": []}) == []
    problems = leftover_problems({"VPCs": ["vpc-1"], "key pairs": [], "RDS clusters": ["db", "db2"]})
    assert problems == ["RDS clusters still there: db, db2", "VPCs still there: vpc-1"]
