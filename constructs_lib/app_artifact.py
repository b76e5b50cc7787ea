"""The app artifact: the app's deterministic archive as an object of a private bucket of the stack.

The web server's boot script (constructs_lib/web_app/user_data.py) downloads it and checks its sha256 before it
installs anything; grant_read() lets an instance role read that one prefix and nothing else.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_object import S3Object
from constructs import Construct

from .app_artifact_config import ARTIFACT_KEY_PREFIX, AppArtifactConfig
from .private_bucket import PrivateBucketSpec, private_bucket

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA

ARCHIVE_CONTENT_TYPE = "application/x-tar"


class AppArtifact(Construct):
    """Attributes: bucket, object, object_key, sha256 (hex of the archive), config; grant_read(role_name),
    log_access_to(bucket, prefix)."""

    def __init__(self, scope: Construct, id: str, config: AppArtifactConfig, *, kms_key_arn: str | None = None) -> None:
        super().__init__(scope, id)
        self.config = config
        self._kms_key_arn = kms_key_arn
        account = DataAwsCallerIdentity(self, "account").account_id
        made = private_bucket(
            self,
            PrivateBucketSpec(
                bucket_id="bucket",
                part_prefix="",
                name_tag=f"{config.name}-app",
                bucket=config.bucket_name(account),
                force_destroy=config.force_destroy,
                kms_key_arn=kms_key_arn,
                lifecycle_rule_id="expire-old-app-versions",
                noncurrent_version_days=config.noncurrent_version_days,
            ),
        )
        self.bucket = made.bucket
        bucket_id = self.bucket.id
        self.object_key: str = config.object_key
        self.sha256: str = config.sha256
        # Inline: the archive is small (AppArtifactConfig refuses one past ARCHIVE_INLINE_LIMIT_BYTES), and one
        # cdk.tf.json then describes the whole stack, wherever it is moved or handed over. The key holds the hash,
        # so a new archive is a new object; the bucket's settings are in place before it is written.
        self.object = S3Object(
            self,
            "archive",
            bucket=bucket_id,
            key=self.object_key,
            content_base64=base64.b64encode(config.archive).decode("ascii"),
            content_type=ARCHIVE_CONTENT_TYPE,
            kms_key_id=kms_key_arn,
            server_side_encryption="aws:kms" if kms_key_arn else "AES256",
            depends_on=[made.encryption, made.ownership, made.policy],
        )

    def log_access_to(self, target_bucket: str, target_prefix: str) -> S3BucketLoggingA:
        """S3 server access logs of the archive's bucket (who read which archive, when) into `target_bucket` under
        `target_prefix`. S3 checks the target's policy when logging is turned on: `target_bucket` should be a
        reference that waits for it."""
        # Imported here: only stacks with a log bucket (the load balancer's) pay for the module.
        from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA

        return S3BucketLoggingA(
            self,
            "access-logging",
            bucket=self.bucket.id,
            target_bucket=target_bucket,
            target_prefix=target_prefix,
        )

    @property
    def readable_arn(self) -> str:
        """The one prefix an instance may read: <bucket ARN>/app/*."""
        return f"{self.bucket.arn}/{ARTIFACT_KEY_PREFIX}*"

    def grant_read(self, role_name: str) -> IamRolePolicy:
        """An inline policy on the role: s3:GetObject on the app prefix only, and kms:Decrypt on the stack's key
        (only through S3) when the bucket uses it. Returned, so an instance can wait for it."""
        statements: list[dict[str, object]] = [
            {
                "Sid": "ReadTheAppArtifact",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [self.readable_arn],
            }
        ]
        if self._kms_key_arn:
            statements.append(
                {
                    "Sid": "DecryptTheAppArtifact",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [self._kms_key_arn],
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{self.config.region}.amazonaws.com"}},
                }
            )
        return IamRolePolicy(
            self,
            "read-grant",
            name="read-app-artifact",
            role=role_name,
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
