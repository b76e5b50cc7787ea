"""The app artifact as the tests build it: the archive for given instance settings, and its members read back."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from constructs_lib.app_artifact_config import AppArtifactConfig
from constructs_lib.web_app.user_data import instance_files

ARGS = {"region": "eu-west-1", "cluster_identifier": "aurora-web-db-7f3a", "database_name": "sample_db"}
ACCOUNT = "123456789012"


def artifact_for(
    *, behind_load_balancer: bool = False, source_directory: Path | None = None, **overrides: str
) -> AppArtifactConfig:
    """The artifact of an instance with ARGS (or `overrides`), as the stack builds it."""
    args = {**ARGS, **overrides}
    return AppArtifactConfig(
        region=args["region"],
        source_directory=source_directory,
        instance_files=instance_files(**args, behind_load_balancer=behind_load_balancer),
    )


def archive_members(archive: bytes) -> dict[str, bytes]:
    """Member name -> content of a tar archive."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as opened:
        return {member.name: opened.extractfile(member).read() for member in opened.getmembers()}  # type: ignore[union-attr]


def member_text(artifact: AppArtifactConfig, name: str) -> str:
    return archive_members(artifact.archive)[name].decode("utf-8")


def archive_bucket(emulator, config) -> str:
    """The name of a deployed stack's app archive bucket, as the stack names it (<prefix>-app-<account>-<region>)."""
    account = emulator.client("sts").get_caller_identity()["Account"]
    return AppArtifactConfig(name=config.name_prefix, region=config.region).bucket_name(account)
