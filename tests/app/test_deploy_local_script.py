"""`make destroy-local` (scripts/deploy_local.sh destroy) leaves nothing a later synth would complain about.

Its `terraform init` wrote `.terraform/` and the lock file into the emulator stack's directory; were they left there,
every later synth of other settings would keep that directory and say "kept ...: delete it yourself".
Run here on the path where the emulator is already gone (no moto needed): only what the script made goes.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from tests.support.paths import PROJECT_ROOT


def test_destroy_forgets_the_emulator_stack_and_nothing_else(tmp_path):
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "scripts" / "deploy_local.sh", project / "scripts")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    (project / ".tools").mkdir()
    (project / ".tools" / "emulator-stacks").write_text("local-stack\n")
    stack = project / "cdktf.out" / "stacks" / "local-stack"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform.lock.hcl").write_text("# lock\n")
    (stack / "cdk.tf.json").write_text("{}\n")
    other = project / "cdktf.out" / "stacks" / "aurora-web"
    (other / ".terraform").mkdir(parents=True)
    (project / "terraform.local-stack.tfstate").write_text("{}\n")
    (project / "terraform.aurora-web.tfstate").write_text("{}\n")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    (tmp_path / "bin").mkdir()
    fake_terraform = tmp_path / "bin" / "terraform"
    fake_terraform.write_text("#!/bin/sh\nexit 0\n")
    fake_terraform.chmod(0o755)

    result = subprocess.run(
        ["bash", "scripts/deploy_local.sh", "destroy"],
        check=False,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "forgetting their state" in result.stdout
    assert sorted(path.name for path in stack.iterdir()) == ["cdk.tf.json"]  # synth's own file: synth removes it
    assert not (project / "terraform.local-stack.tfstate").exists()
    assert not (project / ".tools" / "emulator-stacks").exists()
    assert (other / ".terraform").is_dir(), "another stack's working files are not the script's"
    assert (project / "terraform.aurora-web.tfstate").is_file(), "a real deployment's state is never touched"
