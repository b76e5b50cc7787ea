"""Byte-compile the project's own modules ahead of time, for environments that never write bytecode.

With PYTHONDONTWRITEBYTECODE set (common in container images and CI runners), Python compiles every project
module from source on every run: for a synth that is a few dozen modules, about a tenth of a second each
time. It still reads `__pycache__` files that exist, so `prepare` writes them once. The files are Python's
own cache (timestamp-checked, regenerated when a source changes, git-ignored).
"""

from __future__ import annotations

import py_compile
from pathlib import Path

from .lean_assembly import source_files


def compile_project(root: Path) -> int:
    """Write the bytecode cache of every Python file of the project's source tree; returns how many compiled."""
    compiled = 0
    for path in source_files(root):
        try:
            py_compile.compile(str(path), doraise=True)
        except (py_compile.PyCompileError, OSError):
            continue  # a work in progress or an unwritable directory: Python compiles it at import, as before
        compiled += 1
    return compiled
