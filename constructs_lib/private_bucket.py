"""A private S3 bucket of the stack, made one way: the app archive's bucket (app_artifact.py) and the load balancer's
access-log bucket (load_balancer.py).

What every such bucket gets: public access blocked, ACLs off (BucketOwnerEnforced), default encryption (SSE-KMS with
an S3 Bucket Key when given the stack's key, else SSE-S3), versioning, a lifecycle rule (old versions expire, and
unfinished multipart uploads after 7 days), its changes as EventBridge events, and a policy that denies every request
not made over TLS (after the owner's own statements).

A helper, not a construct: the resources are made in the owner's scope under the ids they had before it existed,
so their Terraform addresses, and a deployed stack, do not change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration
from constructs import Construct

ABORT_INCOMPLETE_UPLOAD_DAYS = 7


def tls_only_statement(bucket_arn: str) -> dict[str, object]:
    """Deny every request to the bucket and its objects that is not made over TLS."""
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


@dataclass(frozen=True)
class PrivateBucketSpec:
    """What differs between the stack's private buckets.

    Ids: the bucket's is `bucket_id`, every other resource's is `part_prefix` + its part ("policy", ...).
    Name: exactly `bucket`, or a unique one starting with `bucket_prefix` (one of the two).
    """

    bucket_id: str
    part_prefix: str
    name_tag: str
    lifecycle_rule_id: str
    noncurrent_version_days: int
    bucket: str | None = None
    bucket_prefix: str | None = None
    force_destroy: bool = False
    kms_key_arn: str | None = None  # None: SSE-S3 (AES256), which ELB log delivery needs
    expiration_days: int | None = None  # current objects expire too (logs); None: they are kept
    statements: Callable[[str], list[dict[str, object]]] = lambda _bucket_arn: []  # the owner's, before TlsOnly


@dataclass(frozen=True)
class PrivateBucket:
    """The resources others refer to (an object written into the bucket waits for its encryption, ownership and
    policy)."""

    bucket: S3Bucket
    encryption: S3BucketServerSideEncryptionConfigurationA
    ownership: S3BucketOwnershipControls
    policy: S3BucketPolicy


def private_bucket(scope: Construct, spec: PrivateBucketSpec) -> PrivateBucket:
    def part(name: str) -> str:
        return f"{spec.part_prefix}{name}"

    bucket = S3Bucket(
        scope,
        spec.bucket_id,
        bucket=spec.bucket,
        bucket_prefix=spec.bucket_prefix,
        force_destroy=spec.force_destroy,
        tags={"Name": spec.name_tag},
    )
    S3BucketPublicAccessBlock(
        scope,
        part("public-access-block"),
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    ownership = S3BucketOwnershipControls(
        scope,
        part("ownership"),
        bucket=bucket.id,
        rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
    )
    kms_key_arn = spec.kms_key_arn
    encryption = S3BucketServerSideEncryptionConfigurationA(
        scope,
        part("encryption"),
        bucket=bucket.id,
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=(
                    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms" if kms_key_arn else "AES256",
                        kms_master_key_id=kms_key_arn,
                    )
                ),
                # S3 Bucket Keys: far fewer KMS requests (and their cost) for SSE-KMS.
                bucket_key_enabled=True if kms_key_arn else None,
            )
        ],
    )
    versioning = S3BucketVersioningA(
        scope,
        part("versioning"),
        bucket=bucket.id,
        versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
    )
    expiration = spec.expiration_days
    S3BucketLifecycleConfiguration(
        scope,
        part("lifecycle"),
        bucket=bucket.id,
        rule=[
            S3BucketLifecycleConfigurationRule(
                id=spec.lifecycle_rule_id,
                status="Enabled",
                filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expiration)] if expiration else None,
                noncurrent_version_expiration=[
                    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=spec.noncurrent_version_days
                    )
                ],
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=ABORT_INCOMPLETE_UPLOAD_DAYS
                    )
                ],
            )
        ],
        depends_on=[versioning],
    )
    # New objects become EventBridge events, for whoever audits or ships them (nothing listens by default).
    S3BucketNotification(scope, part("events"), bucket=bucket.id, eventbridge=True)
    statements = [*spec.statements(bucket.arn), tls_only_statement(bucket.arn)]
    policy = S3BucketPolicy(
        scope,
        part("policy"),
        bucket=bucket.id,
        policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return PrivateBucket(bucket=bucket, encryption=encryption, ownership=ownership, policy=policy)
