"""The app artifact (issue 20): the AppArtifact construct alone in a bare stack, and its config."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import pytest

from constructs_lib.app_artifact_config import (
    ARCHIVE_INLINE_LIMIT_BYTES,
    S3_BUCKET_NAME_MAX_LENGTH,
    AppArtifactConfig,
    artifact_key,
)
from constructs_lib.validation import ConfigError
from constructs_lib.web_app.bundle import build_archive, default_source_directory
from tests.support.app_artifacts import archive_members
from tests.support.bare_stack import KMS_KEY_ARN, BareStack
from tests.support.references import reference


def artifact_stack(config: AppArtifactConfig | None = None, *, kms_key_arn: str | None = KMS_KEY_ARN) -> BareStack:
    from constructs_lib.app_artifact import AppArtifact

    def build(stack):
        artifact = AppArtifact(stack, "artifact", config or AppArtifactConfig(name="solo"), kms_key_arn=kms_key_arn)
        artifact.grant_read("solo-web-role")
        return artifact

    return BareStack(build)


@pytest.fixture(scope="module")
def bare() -> BareStack:
    return artifact_stack()


@pytest.fixture(scope="module")
def bare_s3_managed() -> BareStack:
    return artifact_stack(kms_key_arn=None)


def only(bare: BareStack, resource_type: str) -> tuple[str, dict]:
    (item,) = bare.resources(resource_type).items()
    return item


def bucket_ref(bare: BareStack, attribute: str = "id") -> str:
    return reference(f"aws_s3_bucket.{only(bare, 'aws_s3_bucket')[0]}", attribute)


# -- config ------------------------------------------------------------------------------------------------------
def problems_of(**values) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        AppArtifactConfig(**values)
    return {problem.key: problem.allowed for problem in raised.value.problems}


def test_defaults_are_the_secure_ones():
    config = AppArtifactConfig()
    assert not config.force_destroy and config.noncurrent_version_days == 90
    assert config.source_directory is None and config.instance_files == ()
    assert config.bucket_name("123456789012") == "aurora-web-app-123456789012-us-east-1"


def test_the_key_is_the_archives_sha256_under_the_one_prefix():
    config = AppArtifactConfig()
    digest = hashlib.sha256(config.archive).hexdigest()
    assert config.sha256 == digest and config.object_key == artifact_key(digest) == f"app/{digest}.tar"


def test_the_archive_is_deterministic_with_fixed_owner_mode_and_time(tmp_path):
    """The same source gives the same bytes wherever it is built (another directory, another clock)."""
    copy = tmp_path / "app"
    shutil.copytree(default_source_directory(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert build_archive(copy) == build_archive() == AppArtifactConfig().archive
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(build_archive())) as archive:
        for member in archive.getmembers():
            assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "root", "root")
            assert (member.mode, member.mtime, member.isfile()) == (0o644, 946684800, True)


def test_another_app_is_another_key(tmp_path):
    """The seam for shipping a fork of the app: a changed module is a new archive, hash and key."""
    fork = tmp_path / "fork"
    shutil.copytree(default_source_directory(), fork, ignore=shutil.ignore_patterns("__pycache__"))
    (fork / "__init__.py").write_text((fork / "__init__.py").read_text() + "\n# forked\n")
    forked, bundled = AppArtifactConfig(source_directory=fork), AppArtifactConfig()
    assert forked.object_key != bundled.object_key
    assert archive_members(forked.archive)["employee_directory.py"].endswith(b"# forked\n")


def test_instance_files_join_the_archive_after_the_app():
    config = AppArtifactConfig(instance_files=(("wsgi_entry.py", "x = 1\n"),))
    assert list(archive_members(config.archive)) == ["employee_directory.py", "requirements.txt", "wsgi_entry.py"]
    assert config.object_key != AppArtifactConfig().object_key
    with pytest.raises(ValueError, match="cannot be an extra file"):
        _ = AppArtifactConfig(instance_files=(("../etc/passwd", ""),)).archive


def test_bucket_name_rules():
    too_long = "a" * 31  # 31 + "-app-" + 12 + "-" + "ap-southeast-5" (14) = 63; one more is too long
    AppArtifactConfig(name=too_long, region="ap-southeast-5")
    message = problems_of(name=too_long + "b", region="ap-southeast-5")["name"]
    assert f"S3 allows {S3_BUCKET_NAME_MAX_LENGTH}" in message and "64 characters" in message
    assert "reserves" in problems_of(name="sthree-shop")["name"]
    assert set(problems_of(name="Shop_1")) == {"name"}
    assert set(problems_of(region="moon-1")) == {"region"}


def test_other_bad_values_name_their_key(tmp_path):
    assert set(problems_of(force_destroy="yes", noncurrent_version_days=0)) == {
        "force_destroy",
        "noncurrent_version_days",
    }
    assert "requirements.txt missing" in problems_of(source_directory=tmp_path)["source_directory"]
    (tmp_path / "__init__.py").write_bytes(b"#" * (ARCHIVE_INLINE_LIMIT_BYTES + 1))
    (tmp_path / "requirements.txt").write_text("")
    assert "travel inline" in problems_of(source_directory=tmp_path)["source_directory"]


# -- the bucket ------------------------------------------------------------------------------------------------------
def test_bucket_is_named_by_account_and_region_and_kept_on_destroy(bare):
    _, bucket = only(bare, "aws_s3_bucket")
    (account,) = bare.json["data"]["aws_caller_identity"]
    assert bucket["bucket"] == f"solo-app-${{data.aws_caller_identity.{account}.account_id}}-us-east-1"
    assert bucket["force_destroy"] is False


def test_bucket_is_private(bare):
    bare.has(
        "aws_s3_bucket_public_access_block",
        {
            "bucket": bucket_ref(bare),
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
    )
    bare.has(
        "aws_s3_bucket_ownership_controls",
        {"bucket": bucket_ref(bare), "rule": {"object_ownership": "BucketOwnerEnforced"}},
    )


def test_bucket_is_encrypted_with_the_stacks_key_else_sse_s3(bare, bare_s3_managed):
    _, encryption = only(bare, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"] == [
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": KMS_KEY_ARN},
            "bucket_key_enabled": True,
        }
    ]
    _, managed = only(bare_s3_managed, "aws_s3_bucket_server_side_encryption_configuration")
    assert managed["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


def test_bucket_is_versioned_and_expires_old_versions(bare):
    bare.has(
        "aws_s3_bucket_versioning", {"bucket": bucket_ref(bare), "versioning_configuration": {"status": "Enabled"}}
    )
    _, lifecycle = only(bare, "aws_s3_bucket_lifecycle_configuration")
    (rule,) = lifecycle["rule"]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}] and "expiration" not in rule


def test_bucket_policy_denies_every_request_without_tls(bare):
    _, policy = only(bare, "aws_s3_bucket_policy")
    (statement,) = json.loads(policy["policy"])["Statement"]
    arn = bucket_ref(bare, "arn")
    assert statement == {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# -- the object ------------------------------------------------------------------------------------------------------
def test_object_is_the_archive_under_its_hash_key(bare):
    config = AppArtifactConfig(name="solo")
    _, archive = only(bare, "aws_s3_object")
    written = base64.b64decode(archive["content_base64"])
    assert written == config.archive
    assert archive["key"] == f"app/{hashlib.sha256(written).hexdigest()}.tar" == config.object_key
    assert archive["bucket"] == bucket_ref(bare)
    assert (archive["server_side_encryption"], archive["kms_key_id"]) == ("aws:kms", KMS_KEY_ARN)
    assert bare.construct.sha256 == hashlib.sha256(written).hexdigest()


def test_object_waits_for_the_buckets_encryption_and_policy(bare):
    _, archive = only(bare, "aws_s3_object")
    waits_for = {entry.split(".")[0] for entry in archive["depends_on"]}
    assert waits_for == {
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
    }


# -- the grant -------------------------------------------------------------------------------------------------------
def test_the_grant_reads_exactly_the_app_prefix_and_decrypts_through_s3_only(bare):
    _, grant = only(bare, "aws_iam_role_policy")
    assert grant["role"] == "solo-web-role"
    read, decrypt = json.loads(grant["policy"])["Statement"]
    assert read == {
        "Sid": "ReadTheAppArtifact",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [bucket_ref(bare, "arn") + "/app/*"],
    }
    assert decrypt == {
        "Sid": "DecryptTheAppArtifact",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KMS_KEY_ARN],
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }


def test_without_the_stacks_key_the_grant_is_the_read_alone(bare_s3_managed):
    _, grant = only(bare_s3_managed, "aws_iam_role_policy")
    (statement,) = json.loads(grant["policy"])["Statement"]
    assert statement["Action"] == ["s3:GetObject"] and statement["Resource"][0].endswith("/app/*")


def test_access_logging_goes_where_the_owner_points_it():
    from constructs_lib.app_artifact import AppArtifact

    def build(stack):
        artifact = AppArtifact(stack, "artifact", AppArtifactConfig(name="solo"), kms_key_arn=KMS_KEY_ARN)
        artifact.log_access_to("solo-logs-bucket", "s3-access-logs/")
        return artifact

    bare = BareStack(build)
    (logging,) = bare.resources("aws_s3_bucket_logging").values()
    assert logging["bucket"] == reference(f"aws_s3_bucket.{next(iter(bare.resources('aws_s3_bucket')))}", "id")
    assert (logging["target_bucket"], logging["target_prefix"]) == ("solo-logs-bucket", "s3-access-logs/")


def test_no_access_logging_unless_asked(bare):
    assert not bare.resources("aws_s3_bucket_logging")
