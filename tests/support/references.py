"""Terraform references as cdktf writes them into the JSON, for tests that compare wiring."""


def reference(address: str, attribute: str = "id") -> str:
    return "${" + address + "." + attribute + "}"
