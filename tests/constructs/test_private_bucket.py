"""The stack's private bucket helper (constructs_lib/private_bucket.py) alone in a bare stack: what every private
bucket gets, and what its owner chooses."""

from __future__ import annotations

import json

import pytest

from constructs_lib.private_bucket import PrivateBucketSpec, private_bucket
from tests.support.bare_stack import KMS_KEY_ARN, BareStack

LOG_STATEMENT = {"Sid": "Delivery", "Effect": "Allow", "Principal": {"Service": "x"}, "Action": "s3:PutObject"}


def bucket_stack(**choices) -> BareStack:
    spec = {
        "bucket_id": "logs",
        "part_prefix": "logs-",
        "name_tag": "solo-logs",
        "lifecycle_rule_id": "expire-logs",
        "noncurrent_version_days": 30,
        **choices,
    }
    return BareStack(lambda stack: private_bucket(stack, PrivateBucketSpec(**spec)))


@pytest.fixture(scope="module")
def logs() -> BareStack:
    return bucket_stack(bucket_prefix="solo-logs-", expiration_days=30, statements=lambda arn: [LOG_STATEMENT])


@pytest.fixture(scope="module")
def app() -> BareStack:
    return bucket_stack(bucket_id="bucket", part_prefix="", bucket="solo-app-bucket", kms_key_arn=KMS_KEY_ARN)


def only(stack: BareStack, resource_type: str) -> tuple[str, dict]:
    resources = stack.resources(resource_type)
    assert len(resources) == 1, resources
    return next(iter(resources.items()))


def test_every_part_sits_under_the_owners_ids_so_addresses_do_not_move(logs, app):
    # The construct path names the Terraform address: here, at a stack's top level, the id itself.
    assert only(logs, "aws_s3_bucket_policy")[0] == "logs-policy"
    assert only(logs, "aws_s3_bucket")[0] == "logs"
    assert only(app, "aws_s3_bucket_policy")[0] == "policy"
    assert only(app, "aws_s3_bucket")[0] == "bucket"


def test_private_acls_off_versioned_and_events_on(logs):
    _, block = only(logs, "aws_s3_bucket_public_access_block")
    assert all(block[key] is True for key in ("block_public_acls", "block_public_policy", "ignore_public_acls"))
    assert block["restrict_public_buckets"] is True
    assert only(logs, "aws_s3_bucket_ownership_controls")[1]["rule"]["object_ownership"] == "BucketOwnerEnforced"
    assert only(logs, "aws_s3_bucket_versioning")[1]["versioning_configuration"]["status"] == "Enabled"
    assert only(logs, "aws_s3_bucket_notification")[1]["eventbridge"] is True


def test_the_owners_statements_come_first_then_tls_only(logs):
    statements = json.loads(only(logs, "aws_s3_bucket_policy")[1]["policy"])["Statement"]
    assert [statement["Sid"] for statement in statements] == ["Delivery", "TlsOnly"]
    assert statements[1]["Effect"] == "Deny"
    assert statements[1]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_sse_kms_with_a_bucket_key_when_given_the_key_else_sse_s3(logs, app):
    kms = only(app, "aws_s3_bucket_server_side_encryption_configuration")[1]["rule"][0]
    assert kms["apply_server_side_encryption_by_default"] == {
        "kms_master_key_id": KMS_KEY_ARN,
        "sse_algorithm": "aws:kms",
    }
    assert kms["bucket_key_enabled"] is True
    s3 = only(logs, "aws_s3_bucket_server_side_encryption_configuration")[1]["rule"][0]
    assert s3["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    assert "bucket_key_enabled" not in s3


def test_current_objects_expire_only_when_the_owner_says(logs, app):
    log_rule = only(logs, "aws_s3_bucket_lifecycle_configuration")[1]["rule"][0]
    app_rule = only(app, "aws_s3_bucket_lifecycle_configuration")[1]["rule"][0]
    assert log_rule["expiration"] == [{"days": 30}]
    assert "expiration" not in app_rule
    for rule in (log_rule, app_rule):
        assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 30}]
        assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_an_exact_name_or_a_prefix(logs, app):
    assert only(logs, "aws_s3_bucket")[1]["bucket_prefix"] == "solo-logs-"
    assert only(app, "aws_s3_bucket")[1]["bucket"] == "solo-app-bucket"
    assert only(app, "aws_s3_bucket")[1]["tags"] == {"Name": "solo-logs"}
