"""cdktf_fastpath.bytecode: `prepare` writes the bytecode cache PYTHONDONTWRITEBYTECODE keeps Python from writing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from cdktf_fastpath.bytecode import compile_project


def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 42\n")
    (tmp_path / "pkg" / "draft.py").write_text("def unfinished(:\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "installed.py").write_text("X = 1\n")
    return tmp_path


def import_verbosely(root: Path) -> str:
    """stderr of `python -v` importing pkg.mod without writing bytecode, as a container's Python would."""
    result = subprocess.run(
        [sys.executable, "-v", "-c", "import pkg.mod; assert pkg.mod.VALUE == 42"],
        cwd=root,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stderr


def test_without_prepare_the_module_is_compiled_from_source_every_run(tmp_path):
    root = project(tmp_path)
    for _ in range(2):
        assert f"code object from {root / 'pkg' / 'mod.py'}" in import_verbosely(root)
    assert not (root / "pkg" / "__pycache__").exists()


def test_after_compile_project_the_cached_bytecode_is_used(tmp_path):
    root = project(tmp_path)
    compiled = compile_project(root)
    assert compiled == 2  # __init__ and mod; the draft does not compile, and .venv is not the project's
    assert Path(importlib.util.cache_from_source(str(root / "pkg" / "mod.py"))).is_file()
    assert not (root / ".venv" / "__pycache__").exists()
    stderr = import_verbosely(root)
    assert f"code object from {root / 'pkg' / 'mod.py'}" not in stderr
    assert f"matches {root / 'pkg' / 'mod.py'}" in stderr
