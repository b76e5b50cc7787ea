"""The state backend's settings: a frozen, validated config, kept apart from the construct so that
reading or checking them never loads provider classes (constructs_lib/state_backend.py builds from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .validation import S3_RESERVED_PREFIXES, S3_RESERVED_SUFFIXES, ProblemList, is_region

BACKENDS = ("local", "s3")
BUCKET_NAME = re.compile(r"^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()/-]{1,512}$")
IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")  # S3 refuses bucket names formatted as IP addresses
# The local backend's path, relative to the stack's directory <output directory>/stacks/<stack>/ where Terraform runs:
# the state lands in the directory that holds the output directory (the project root for cdktf.out/). Relative, so
# the JSON holds no machine path; outside the output directory, so re-synthesis (or deleting cdktf.out/) never
# touches it. Two output directories under one parent would share it: aurora_web/state_location.py refuses that.
LOCAL_STATE_FILE = "terraform.{stack}.tfstate"
LOCAL_STATE_PATH = "../../../" + LOCAL_STATE_FILE


@dataclass(frozen=True)
class StateBackendConfig:
    """backend: "local" (default) or "s3".

    local: the state is terraform.<stack>.tfstate in the directory that holds the output directory (the project
        root for cdktf.out/; LOCAL_STATE_PATH says why), a relative path: no machine path in the JSON.
    s3: bucket (required), key_prefix (default "aurora-web": the key is <key_prefix>/<stack>.tfstate),
        region (default: the stack's region), use_lockfile (default true: S3's native lock file, Terraform >= 1.10),
        always encrypted.
    """

    backend: str = "local"
    bucket: str | None = None
    key_prefix: str = "aurora-web"
    region: str | None = None
    use_lockfile: bool = True

    def __post_init__(self) -> None:
        problems = ProblemList()
        if not problems.check(
            self.backend in BACKENDS, "backend", self.backend, f"must be one of {', '.join(BACKENDS)}"
        ):
            problems.raise_if_any()
        if self.backend == "s3":
            problems.check(
                isinstance(self.bucket, str)
                and bool(BUCKET_NAME.match(self.bucket))
                and not IP_ADDRESS.match(self.bucket),
                "bucket",
                self.bucket,
                "must be an S3 bucket name (3 to 63 lowercase letters, digits, dots, hyphens; not an IP address)",
            ) and problems.check(
                isinstance(self.bucket, str)
                and not self.bucket.startswith(S3_RESERVED_PREFIXES)
                and not self.bucket.endswith(S3_RESERVED_SUFFIXES),
                "bucket",
                self.bucket,
                f"uses a prefix or suffix S3 reserves ({', '.join(S3_RESERVED_PREFIXES + S3_RESERVED_SUFFIXES)})",
            )
            problems.check(
                isinstance(self.key_prefix, str)
                and bool(KEY_PREFIX.match(self.key_prefix))
                and all(segment not in ("", ".", "..") for segment in self.key_prefix.split("/")),
                "key_prefix",
                self.key_prefix,
                "must be an S3 key prefix: segments joined by single slashes, none of them empty, . or ..",
            )
            if self.region is not None:
                problems.check(is_region(self.region), "region", self.region, "must be an AWS region name")
            problems.check_booleans(self, "use_lockfile")
        else:
            for key in ("bucket", "region"):
                problems.check(getattr(self, key) is None, key, getattr(self, key), 'is for backend = "s3" only')
        problems.raise_if_any()
