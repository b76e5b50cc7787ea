"""The default stack applied once to the session's emulator, shared by the tests that plan against a deployment
(tests/app/test_plan_summary.py: what a change plans; tests/integration/test_drift.py: what a hand-made change is).

One deployment for all of them: applying the stack to moto takes minutes on these machines.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STACK = "aurora-web"
# What moto lacks is switched off through the product's own settings (as in tests/integration/test_deploy.py).
EMULATOR_SETTINGS = {"web": {"detailed_monitoring": False}, "name_prefix": "plan-review"}
TERRAFORM_TIMEOUT = 900


@dataclass(frozen=True)
class AppliedStack:
    """Where the deployed stack's project lives, the key directory its settings name, and terraform's environment."""

    project: Path
    key_directory: str
    env: dict[str, str]

    @property
    def stack_dir(self) -> Path:
        return self.project / "cdktf.out" / "stacks" / STACK

    def synthesize(self, document: dict) -> Path:
        """The stack with these settings on top of the emulator's (as `python main.py` would); the stack dir."""
        return synthesize_into(self.project, self.key_directory, document)

    def terraform(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["terraform", *args],
            cwd=self.stack_dir,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=TERRAFORM_TIMEOUT,
        )


def synthesize_into(project: Path, key_directory: str, document: dict) -> Path:
    """Synthesize in-process (as `python main.py` would with this settings document); returns the stack dir."""
    from aurora_web.synth import synthesize
    from tests.support.synthesized import make_config

    settings = {**EMULATOR_SETTINGS, **document, "web": {**EMULATOR_SETTINGS["web"], **document.get("web", {})}}
    synthesize({STACK: make_config(key_directory, settings)}, outdir=str(project / "cdktf.out"))
    return project / "cdktf.out" / "stacks" / STACK


def applied_stack(emulator, tmp_path_factory) -> Iterator[AppliedStack]:
    """The body of the `applied_stack` fixture (tests/conftest.py): apply, hand over, destroy."""
    from aurora_web.tools.export_hcl import terraform_env
    from tests.support.emulator import without_aws_settings
    from tests.support.synthesized import require_program

    require_program("terraform")
    deployed = AppliedStack(
        tmp_path_factory.mktemp("plan-project"),
        str(tmp_path_factory.mktemp("plan-keys")),
        terraform_env({**without_aws_settings(os.environ), **emulator.env()}),
    )
    deployed.synthesize({})
    for command in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]):
        result = deployed.terraform(*command)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    yield deployed
    deployed.synthesize({})  # destroy what was applied, whatever a test synthesized last
    deployed.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
