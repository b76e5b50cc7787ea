"""encryption_key in the settings profiles: moved from tests/constructs, which builds it alone."""

import json
from dataclasses import replace

import pytest

from constructs_lib.validation import ConfigError
from tests.support.synthesized import Synthesized, make_config, reference


def key_arn(stack):
    return reference(stack.address("aws_kms_key", "encryption-key"), "arn")


def test_prod_has_one_rotating_key_with_an_alias(prod):
    prod.has("aws_kms_key", {"enable_key_rotation": True, "deletion_window_in_days": 30})
    prod.has("aws_kms_alias", {"name": "alias/aurora-web"})


def test_key_policy_delegates_to_iam_and_admits_only_this_accounts_log_groups(prod):
    policy = json.loads(prod.only("aws_kms_key")["policy"])
    principals = [statement["Principal"] for statement in policy["Statement"]]
    # The key's own caller identity (other constructs, the app artifact's bucket name, read their own).
    (account,) = [name for name in prod.data("aws_caller_identity") if name.startswith("encryption-key_")]
    assert {
        "AWS": "arn:${data.aws_partition."
        + next(iter(prod.data("aws_partition")))
        + ".partition}:iam::${data.aws_caller_identity."
        + account
        + ".account_id}:root"
    } in principals
    logs = next(statement for statement in policy["Statement"] if "Service" in statement["Principal"])
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]


def test_everything_at_rest_in_prod_uses_the_key(prod):
    arn = key_arn(prod)
    prod.has("aws_rds_cluster", {"kms_key_id": arn, "master_user_secret_kms_key_id": arn})
    assert len(prod.resources("aws_rds_cluster_instance")) == 2
    for instance in prod.resources("aws_rds_cluster_instance").values():
        assert instance["performance_insights_kms_key_id"] == arn
    prod.has("aws_backup_vault", {"kms_key_arn": arn})
    prod.has("aws_cloudwatch_log_group", {"kms_key_id": arn})


def test_dev_has_its_own_key_too_deleted_a_week_after_a_destroy(dev):
    arn = key_arn(dev)
    dev.has("aws_kms_key", {"enable_key_rotation": True, "deletion_window_in_days": 7})
    dev.has("aws_rds_cluster", {"storage_encrypted": True, "kms_key_id": arn, "master_user_secret_kms_key_id": arn})
    groups = dev.resources("aws_cloudwatch_log_group").values()
    assert len(groups) == 5 and all(group["kms_key_id"] == arn for group in groups)  # 4 RDS logs and the flow logs


def test_without_customer_managed_key_storage_uses_the_aws_managed_key(key_directory):
    stack = Synthesized(make_config(key_directory, {"customer_managed_key": False}), "aws-managed-keys")
    assert not stack.resources("aws_kms_key")
    assert "kms_key_id" not in stack.only("aws_rds_cluster")
    assert stack.only("aws_rds_cluster")["storage_encrypted"] is True


def test_the_stacks_deletion_window_reaches_the_key(prod):
    assert prod.config.key_deletion_window_days == 30
    shorter = Synthesized(replace(prod.config, key_deletion_window_days=7), "short-window")
    shorter.has("aws_kms_key", {"deletion_window_in_days": 7})


@pytest.mark.parametrize("days", [6, 31, True])
def test_a_deletion_window_kms_refuses_is_named_by_the_stacks_key(prod, days):
    with pytest.raises(ConfigError) as raised:
        replace(prod.config, key_deletion_window_days=days)
    (problem,) = raised.value.problems
    assert problem.key == "key_deletion_window_days" and problem.allowed == "must be an integer from 7 to 30"
