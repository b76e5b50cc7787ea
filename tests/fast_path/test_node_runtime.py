"""cdktf_fastpath.node_runtime: the wheel's Node for jsii, and the young-generation size given to it."""

from __future__ import annotations

import os

import pytest

from cdktf_fastpath import node_runtime


@pytest.fixture
def environ(monkeypatch):
    for name in ("JSII_NODE", "NODE_OPTIONS"):
        monkeypatch.delenv(name, raising=False)
    return os.environ


def test_jsii_gets_the_wheels_node_unless_the_user_chose_one(environ, monkeypatch):
    node_runtime.use_wheel_node()
    assert environ["JSII_NODE"] == str(node_runtime.wheel_node_bin_dir() / "node")
    monkeypatch.setenv("JSII_NODE", "/opt/my/node")
    node_runtime.use_wheel_node()
    assert environ["JSII_NODE"] == "/opt/my/node"


def test_small_semi_spaces_are_added_to_the_users_node_options(environ, monkeypatch):
    node_runtime.use_small_young_generation()
    assert environ["NODE_OPTIONS"] == "--max-semi-space-size=1"
    monkeypatch.setenv("NODE_OPTIONS", "--enable-source-maps")
    node_runtime.use_small_young_generation()
    assert environ["NODE_OPTIONS"] == "--enable-source-maps --max-semi-space-size=1"


def test_a_semi_space_size_the_user_set_is_kept(environ, monkeypatch):
    monkeypatch.setenv("NODE_OPTIONS", "--max-semi-space-size=32")
    node_runtime.use_small_young_generation()
    assert environ["NODE_OPTIONS"] == "--max-semi-space-size=32"


def test_the_options_reach_the_jsii_kernels_node(environ):
    """A Node child of this process runs with it: after the same allocations, its young generation is smaller."""
    import subprocess

    node_runtime.use_wheel_node()
    node_runtime.use_small_young_generation()
    script = (
        "const kept = []; for (let i = 0; i < 200000; i++) kept.push({ i });"
        "console.log(require('v8').getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size)"
    )
    small = subprocess.run(
        [environ["JSII_NODE"], "-e", script], capture_output=True, text=True, check=True, env=environ
    )
    default = subprocess.run(
        [environ["JSII_NODE"], "-e", script],
        capture_output=True,
        text=True,
        check=True,
        env={name: value for name, value in environ.items() if name != "NODE_OPTIONS"},
    )
    assert int(small.stdout) <= 2 * 1024 * 1024 < 8 * 1024 * 1024 <= int(default.stdout), (small.stdout, default.stdout)
