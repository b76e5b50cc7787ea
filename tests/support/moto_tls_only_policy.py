"""The tests' moto server reads a TLS-only bucket policy as S3 does for an HTTPS client.

Why: moto 5.2.5 enforces a bucket policy's Deny statements but ignores their conditions (its put_bucket_policy says
"Conditions are not taken into account"). The usual TLS-only statement, Deny s3:* when aws:SecureTransport is
"false", then denies every request, so Terraform cannot write the app artifact into its bucket and boto3 cannot read
it back. The tests reach moto over plain HTTP only because it stands in for S3's HTTPS endpoint; every request a real
AWS client sends there is TLS, where that statement denies nothing.

`install()` wraps moto's FakeBucket.get_permission: statements that are exactly that TLS-only Deny (Effect Deny,
Condition {"Bool": {"aws:SecureTransport": "false"}}) are left out of the evaluation; every other statement, and
every other bucket, is moto's own evaluation, unchanged. Run by tests/support/moto_server.py.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

from tests.support.moto_patching import wrap_once

TLS_ONLY_CONDITION = {"Bool": {"aws:SecureTransport": "false"}}


def is_tls_only_deny(statement: dict[str, Any]) -> bool:
    return statement.get("Effect") == "Deny" and statement.get("Condition") == TLS_ONLY_CONDITION


def _over_tls(get_permission: Any) -> Any:
    def get_permission_over_tls(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return get_permission(self, action, resource)
        policy = json.loads(self.policy)
        statements = policy.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        kept = [statement for statement in statements if not is_tls_only_deny(statement)]
        if len(kept) == len(statements):
            return get_permission(self, action, resource)
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**policy, "Statement": kept})).is_action_permitted(action, resource)

    return get_permission_over_tls


def install() -> None:
    """Wrap FakeBucket.get_permission (once)."""
    wrap_once(FakeBucket, "get_permission", _over_tls)
