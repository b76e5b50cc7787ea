"""A synthesized stack through Terraform itself, offline: written to disk by cdktf's full synth, `terraform init`
from the filesystem mirror, then `terraform validate`. One set-up for every test that asks Terraform."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from cdktf import Testing as CdktfTesting

from tests.support.synthesized import require_program


def initialized(synthesized: Any) -> str:
    """The stack's directory after a successful `terraform init`; `synthesized` is a tests.support Synthesized."""
    require_program("terraform")
    stack_dir = f"{CdktfTesting.full_synth(synthesized.stack)}/stacks/{synthesized.stack.node.id}"
    init = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"], cwd=stack_dir, capture_output=True, text=True, check=False
    )
    assert init.returncode == 0, f"terraform init failed:\n{init.stdout}\n{init.stderr}"
    return stack_dir


def validate(stack_dir: str) -> dict[str, Any]:
    """`terraform validate -json`'s answer (valid, warning_count, diagnostics)."""
    done = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"], cwd=stack_dir, capture_output=True, text=True, check=False
    )
    return dict(json.loads(done.stdout))
