"""The app artifact's settings and the names derived from them: a frozen, validated config, kept apart from the
construct so that reading or checking them never loads provider classes (constructs_lib/app_artifact.py builds
from it; the boot script in constructs_lib/web_app/user_data.py reads the same names from it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .limits import ARTIFACT_NONCURRENT_DAYS
from .validation import S3_RESERVED_PREFIXES, ProblemList, is_int, is_region
from .web_app.bundle import build_archive, sha256_hex

# The one prefix the instance role may read, and the object key inside it: named by the archive's content hash,
# so a new app version is a new key (and a new user data, which replaces the instance or versions the template).
ARTIFACT_KEY_PREFIX = "app/"
ARTIFACT_KEY_SUFFIX = ".tar"
# The bucket's name, known to the boot script without a Terraform reference in the user data (which must stay literal
# text): the script asks STS for its account (no permission needed) and fills it in. The account and region make it
# unique per account and region, as AWS CDK's bootstrap buckets are (cdk-<qualifier>-assets-<account>-<region>).
BUCKET_NAME_PATTERN = "{name}-app-{account}-{region}"
ACCOUNT_ID_LENGTH = 12
ACCOUNT_PLACEHOLDER = "<account-id>"  # as long as an account id: where a name is shown before the account is known
S3_BUCKET_NAME_MAX_LENGTH = 63  # S3 general purpose bucket naming rules: 3 to 63 characters
S3_BUCKET_NAME_PART = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# The archive travels inline (content_base64) in cdk.tf.json and in the state, so one file describes the stack and
# `export-hcl`/handoff need no asset files beside it. Inline is fine for the ~30 KB app; past this it is refused
# (a bigger app should ship as a file asset: `source`).
ARCHIVE_INLINE_LIMIT_BYTES = 256 * 1024


def artifact_key(sha256: str) -> str:
    """The object key of the archive whose sha256 (hex) is given."""
    return f"{ARTIFACT_KEY_PREFIX}{sha256}{ARTIFACT_KEY_SUFFIX}"


@dataclass(frozen=True)
class AppArtifactConfig:
    """Settings of the app artifact and its bucket.

    name: first part of the bucket name, <name>-app-<account>-<region>. Default "aurora-web".
    region: the stack's region (the bucket's, and the last part of its name). Default "us-east-1".
    source_directory: the app to ship, a directory holding the employee directory module as __init__.py and its
        hash-pinned requirements.txt (a fork of employee_directory/). Default None: the bundled employee_directory.
    instance_files: (name, text) of the files the instance installs beside the app, packed into the same checked
        archive (web_app.user_data.instance_files: WSGI entry, systemd unit, httpd config). Default none.
    force_destroy: let a destroy delete the bucket while it still holds objects or old versions. Default False
        (the stack's protection decides: an unprotected stack tears down with one destroy).
    noncurrent_version_days: days an older archive version is kept after it is replaced or deleted. Default 90.

    Always on, not configurable: public access blocked (all four), ACLs disabled (bucket owner enforced), versioned,
    encrypted (SSE-KMS with the stack's key when given, else SSE-S3), a policy denying requests without TLS, new
    objects announced to EventBridge, incomplete uploads aborted after 7 days.
    """

    name: str = "aurora-web"
    region: str = "us-east-1"
    source_directory: Path | None = None
    instance_files: tuple[tuple[str, str], ...] = ()
    force_destroy: bool = False
    noncurrent_version_days: int = 90

    def __post_init__(self) -> None:
        problems = ProblemList()
        name_ok = problems.check(
            isinstance(self.name, str)
            and bool(S3_BUCKET_NAME_PART.match(self.name))
            and not self.name.startswith(S3_RESERVED_PREFIXES),
            "name",
            self.name,
            "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit, not starting "
            f"with a prefix S3 reserves ({', '.join(S3_RESERVED_PREFIXES)})",
        )
        region_ok = problems.check(is_region(self.region), "region", self.region, 'must be a region like "us-east-1"')
        if name_ok and region_ok:
            longest = self.bucket_name(ACCOUNT_PLACEHOLDER)
            problems.check(
                len(longest) <= S3_BUCKET_NAME_MAX_LENGTH,
                "name",
                self.name,
                f"makes the bucket name {longest!r} ({len(longest)} characters); S3 allows {S3_BUCKET_NAME_MAX_LENGTH}",
            )
        problems.check_booleans(self, "force_destroy")
        problems.check(
            is_int(self.noncurrent_version_days) and ARTIFACT_NONCURRENT_DAYS.holds(self.noncurrent_version_days),
            "noncurrent_version_days",
            self.noncurrent_version_days,
            f"must be an integer {ARTIFACT_NONCURRENT_DAYS.text}",
        )
        if self.source_directory is not None:
            directory = Path(self.source_directory)
            missing = [name for name in ("__init__.py", "requirements.txt") if not (directory / name).is_file()]
            problems.check(
                not missing,
                "source_directory",
                str(self.source_directory),
                f"must be a directory holding the app's __init__.py and requirements.txt ({', '.join(missing)} "
                "missing)",
            )
        if not problems.problems:
            size = len(self.archive)
            problems.check(
                size <= ARCHIVE_INLINE_LIMIT_BYTES,
                "source_directory",
                str(self.source_directory or "employee_directory"),
                f"makes an archive of {size} bytes; at most {ARCHIVE_INLINE_LIMIT_BYTES} travel inline in the stack",
            )
        problems.raise_if_any()

    @cached_property
    def archive(self) -> bytes:
        """The deterministic archive of the app (constructs_lib/web_app/bundle.py)."""
        return build_archive(self.source_directory, self.instance_files)

    @property
    def sha256(self) -> str:
        """Hex sha256 of the archive: what the boot script checks before it installs anything."""
        return sha256_hex(self.archive)

    @property
    def object_key(self) -> str:
        return artifact_key(self.sha256)

    def bucket_name(self, account: str) -> str:
        """The bucket's name in `account` (a 12-digit id, a Terraform reference, or the boot script's "$account")."""
        return BUCKET_NAME_PATTERN.format(name=self.name, account=account, region=self.region)
