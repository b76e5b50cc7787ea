"""Build one construct alone in a bare TerraformStack (an AWS provider and nothing else), as a library user would."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider

# Literal ids stand in for what the rest of a user's stack would hand over.
VPC_ID = "vpc-0123456789abcdef0"
SUBNET_IDS = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
ZONES = ["us-east-1a", "us-east-1b"]
KMS_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"


class BareStack:
    """`build(stack)` makes the construct; `text` and `json` are the synthesized stack; `has` uses cdktf's matcher."""

    def __init__(self, build: Callable[[TerraformStack], Any]) -> None:
        self.stack = TerraformStack(Testing.app(), "bare")
        AwsProvider(self.stack, "aws", region="us-east-1")
        self.construct = build(self.stack)
        self.text = Testing.synth(self.stack)
        self.json = json.loads(self.text)

    def resources(self, resource_type: str) -> dict[str, dict]:
        return self.json.get("resource", {}).get(resource_type, {})

    def types(self) -> set[str]:
        return set(self.json.get("resource", {}))

    def has(self, resource_type: str, properties: dict) -> None:
        assert Testing.to_have_resource_with_properties(self.text, resource_type, properties), (
            f"no {resource_type} with {properties}; candidates: {json.dumps(self.resources(resource_type), indent=1)}"
        )
