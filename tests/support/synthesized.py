"""Helpers to synthesize a stack in-process and read its JSON with cdktf's Testing matchers."""

from __future__ import annotations

import json

from cdktf import Testing

from aurora_web.settings.stacks import stack_config_from_document
from constructs_lib.aurora_web_stack import AuroraWebStack, AuroraWebStackConfig
from tests.support.programs import require_program
from tests.support.references import reference

__all__ = ["PROD_CERTIFICATE", "Synthesized", "make_config", "reference", "require_program"]

from tests.support.samples import CERTIFICATE_ARN as PROD_CERTIFICATE


def make_config(key_directory: str, document: dict | None = None) -> AuroraWebStackConfig:
    """A stack config from a TOML-shaped dict, with generated keys kept out of the project tree."""
    document = json.loads(json.dumps(document or {}))
    document.setdefault("web", {}).setdefault("key_directory", key_directory)
    return stack_config_from_document(document)


class Synthesized:
    """One synthesized stack: its JSON text (for cdktf's Testing matchers) and parsed form."""

    def __init__(self, config: AuroraWebStackConfig, name: str = "test") -> None:
        self.config = config
        self.stack = AuroraWebStack(Testing.app(), name, config)
        self.text = Testing.synth(self.stack)
        self.json = json.loads(self.text)

    def resources(self, resource_type: str) -> dict[str, dict]:
        return self.json.get("resource", {}).get(resource_type, {})

    def only(self, resource_type: str) -> dict:
        found = self.resources(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return next(iter(found.values()))

    def data(self, data_type: str) -> dict[str, dict]:
        return self.json.get("data", {}).get(data_type, {})

    def has(self, resource_type: str, properties: dict) -> None:
        """cdktf's matcher, with the candidates shown when it fails."""
        matched = Testing.to_have_resource_with_properties(self.text, resource_type, properties)
        assert matched, (
            f"no {resource_type} with {properties}; candidates: {json.dumps(self.resources(resource_type), indent=1)}"
        )

    def has_not(self, resource_type: str, properties: dict) -> None:
        matched = Testing.to_have_resource_with_properties(self.text, resource_type, properties)
        assert not matched, f"unexpected {resource_type} with {properties}"

    def address(self, resource_type: str, name_part: str) -> str:
        names = [name for name in self.resources(resource_type) if name_part in name]
        assert len(names) == 1, f"{resource_type} named like {name_part!r}: {names}"
        return f"{resource_type}.{names[0]}"

    def web_tier(self) -> str:
        """The address of what runs the web servers: the one instance, or the Auto Scaling group (prod's)."""
        if self.resources("aws_autoscaling_group"):
            assert not self.resources("aws_instance"), "a stack runs one web tier: an instance or a group"
            return self.address("aws_autoscaling_group", "web-group")
        return self.address("aws_instance", "web-server")

    def web_security_group(self) -> str:
        """The address of the web servers' own security group (the instance's or the group's)."""
        names = [name for name in self.resources("aws_security_group") if name.startswith("web-")]
        assert len(names) == 1, f"one web security group expected: {names}"
        return f"aws_security_group.{names[0]}"
