"""The fast path writes byte for byte what the plain cdktf path writes: the default stack and every examples/*.toml.

`make test` runs this after the normal run, beside tests/constructs with CDKTF_FASTPATH=0 (marker fast_off_ci,
left out of the normal run). Each side is ONE process synthesizing all of them in turn (tests/support/synth_all.py),
so the plain path's provider import (~15 s) is paid once; both run in one directory with the same keys, so the
only difference left is the path they took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdktf_fastpath import switches
from tests.support.paths import PROJECT_ROOT

SETTINGS = ["-", *(str(path) for path in sorted((PROJECT_ROOT / "examples").glob("*.toml")))]
DRIVER = PROJECT_ROOT / "tests" / "support" / "synth_all.py"


def synth_all(directory: Path, output: str, **extra: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in switches.VARIABLES}
    env.pop("AURORA_WEB_CONFIG", None)
    env.pop("CDKTF_OUTDIR", None)
    return subprocess.run(
        [sys.executable, str(DRIVER), str(PROJECT_ROOT), output, *SETTINGS],
        cwd=directory,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT), **extra},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def files_under(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.fast_off_ci
def test_the_default_stack_and_every_example_are_byte_identical_with_the_fast_path_off(tmp_path):
    fast = synth_all(tmp_path, "fast")  # first: it generates the keys both sides then use
    assert fast.returncode == 0, fast.stderr
    assert "cdktf-fastpath:" not in fast.stderr, "the fast side fell back"
    plain = synth_all(tmp_path, "plain", **{switches.MASTER: "0"})
    assert plain.returncode == 0, plain.stderr
    fast_files, plain_files = files_under(tmp_path / "fast"), files_under(tmp_path / "plain")
    stacks = [name for name in fast_files if name.endswith("cdk.tf.json")]
    assert len(stacks) >= len(SETTINGS), "every settings file synthesized at least one stack"
    assert sorted(fast_files) == sorted(plain_files)
    different = [name for name in fast_files if fast_files[name] != plain_files[name]]
    assert different == []
