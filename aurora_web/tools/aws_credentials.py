"""Whether Terraform's AWS provider will find credentials, asked before anything runs Terraform.

Without credentials, `terraform plan` and `cdktf deploy` print walls of provider errors after a minute of init and
refresh; `make deploy`, `make destroy` and `plan-summary` ask here first and print one line instead. The sources
are the provider's own (docs/deploy-aws.md): the environment's keys, a profile or the shared files, a web identity
token, a container's credentials endpoint, an EC2 instance role. Only the standard library: the app's environment
has no AWS SDK.

`python -m aurora_web.tools.aws_credentials "WHAT"`: exit 0 with a source found, else one line naming WHAT, exit 1.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

GUIDE = "docs/deploy-aws.md"
IMDS = "http://169.254.169.254/latest"
IMDS_TIMEOUT_SECONDS = 1.0


def _shared_file(env: Mapping[str, str], variable: str, default: str, home: Path) -> Path:
    return Path(env.get(variable) or home / ".aws" / default).expanduser()


def _instance_role() -> bool:
    """An EC2 instance role through IMDSv2 (token, then the role's name); False off EC2, within a second."""
    try:
        token_request = urllib.request.Request(
            f"{IMDS}/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
        )
        with urllib.request.urlopen(token_request, timeout=IMDS_TIMEOUT_SECONDS) as reply:
            token = reply.read().decode()
        role_request = urllib.request.Request(
            f"{IMDS}/meta-data/iam/security-credentials/", headers={"X-aws-ec2-metadata-token": token}
        )
        with urllib.request.urlopen(role_request, timeout=IMDS_TIMEOUT_SECONDS) as reply:
            return bool(reply.read().strip())
    except (OSError, urllib.error.URLError, ValueError):
        return False


def credential_source(
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    instance_role: Callable[[], bool] = _instance_role,
) -> str | None:
    """The first source of AWS credentials the provider would read, named; None when there is none."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") and env.get("AWS_ROLE_ARN"):
        return "AWS_WEB_IDENTITY_TOKEN_FILE"
    if env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return "the container credentials endpoint"
    for variable, default in (("AWS_SHARED_CREDENTIALS_FILE", "credentials"), ("AWS_CONFIG_FILE", "config")):
        path = _shared_file(env, variable, default, home)
        if path.is_file():
            return f"{path} (profile {env.get('AWS_PROFILE') or 'default'})"
    if env.get("AWS_EC2_METADATA_DISABLED", "").lower() != "true" and instance_role():
        return "the EC2 instance role"
    return None


def missing_message(what: str) -> str:
    """The one line a user sees: what needs credentials, and where they can come from."""
    return (
        f"aurora-web: {what} needs AWS credentials and found none: set AWS_PROFILE (a profile in ~/.aws/config), "
        f"or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or container role applies; "
        f"see {GUIDE}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    what = argv[0] if argv else "this command"
    if credential_source() is None:
        print(missing_message(what), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
