"""The tests' moto reads a TLS-only bucket policy as S3 does for an HTTPS client
(tests/support/moto_tls_only_policy.py), and still enforces every other Deny."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.support import moto_tls_only_policy

BUCKET = "tls-probe-bucket"
TLS_ONLY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
DENY_PUTS = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}


def put_with_policy(*statements: dict) -> str:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
        try:
            s3.put_object(Bucket=BUCKET, Key="app/x.tar", Body=b"x")
            return s3.get_object(Bucket=BUCKET, Key="app/x.tar")["Body"].read().decode()
        except ClientError as error:
            return error.response["Error"]["Code"]


@pytest.fixture(scope="module", autouse=True)
def installed():
    moto_tls_only_policy.install()


def test_the_tls_only_deny_lets_requests_through():
    assert put_with_policy(TLS_ONLY) == "x"


def test_other_denies_still_deny():
    assert put_with_policy(TLS_ONLY, DENY_PUTS) == "403"
    assert put_with_policy(DENY_PUTS) == "403"


def test_moto_alone_denies_every_request_under_a_tls_only_policy():
    """Why the addition exists: moto's own evaluation, without the wrapper, ignores the condition."""
    from moto.s3.models import FakeBucket

    wrapped = FakeBucket.get_permission
    original = wrapped.__closure__[0].cell_contents  # type: ignore[attr-defined]
    try:
        FakeBucket.get_permission = original  # type: ignore[method-assign]
        assert put_with_policy(TLS_ONLY) == "403"
    finally:
        FakeBucket.get_permission = wrapped  # type: ignore[method-assign]
