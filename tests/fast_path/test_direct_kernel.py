"""cdktf_fastpath.direct_kernel: the jsii kernel as one Node process, without jsii's relay; jsii's own when refused.

The JSON a synth writes through it is compared with the relay's in test_provider_import.py ("plain" turns every
fast path off), and the kernel's stdout reaching the app's is checked there too (JSII_DEBUG_TIMING lines).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdktf_fastpath import checked_versions, direct_kernel, switches
from cdktf_fastpath.lean_assembly_cache import CACHE_ENV_VAR, Unavailable
from tests.support.paths import PROJECT_ROOT
from tests.support.small_synth import SMALL_SYNTH, STACK_JSON

# The small app, then the Node processes under this one, before it exits: pid, parent pid, command line.
PROCESS_TREE_SCRIPT = (
    SMALL_SYNTH
    + """
import os
def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            found += [int(child) for child in handle.read().split()]
    return found

queue, nodes = children(os.getpid()), []
while queue:
    pid = queue.pop()
    queue += children(pid)
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        command = handle.read().rstrip(b"\\0").split(b"\\0")
    with open(f"/proc/{pid}/stat") as handle:
        parent = int(handle.read().rsplit(")", 1)[1].split()[1])
    if os.path.basename(os.readlink(f"/proc/{pid}/exe")).startswith("node"):
        nodes.append((pid, parent, b" ".join(command).decode()))
for pid, parent, command in nodes:
    print(pid, parent, command)
"""
)


def node_processes(tmp_path: Path, **switches: str) -> tuple[list[tuple[int, int, str]], str]:
    env = {name: value for name, value in os.environ.items() if name not in (direct_kernel.OFF_ENV_VAR, "JSII_RUNTIME")}
    result = subprocess.run(
        [sys.executable, "-c", PROCESS_TREE_SCRIPT, str(PROJECT_ROOT), str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env={**env, **switches},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert tmp_path.joinpath("out", *STACK_JSON).is_file()
    nodes = []
    for line in result.stdout.splitlines():
        pid, parent, command = line.split(" ", 2)
        nodes.append((int(pid), int(parent), command))
    return nodes, result.stderr


def gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


def test_the_app_runs_the_kernel_as_one_node_process_that_exits_with_it(tmp_path):
    nodes, stderr = node_processes(tmp_path)
    assert len(nodes) == 1, nodes
    pid, _parent, command = nodes[0]
    assert command.endswith("/program.js") and "jsii-runtime" not in command
    assert "--max-old-space-size=4069" in command and "--preserve-symlinks" in command
    assert "--lite-mode" in command.split()
    assert "direct jsii kernel not used" not in stderr
    assert gone(pid), "the kernel outlived the app"


def test_the_small_heap_switch_also_takes_lite_mode_off(tmp_path):
    nodes, _stderr = node_processes(tmp_path, **{switches.variable(switches.SMALL_HEAP): "0"})
    assert len(nodes) == 1, nodes
    assert nodes[0][2].endswith("/program.js") and "--lite-mode" not in nodes[0][2].split()


def test_switched_off_jsii_starts_its_relay_and_the_kernel_under_it(tmp_path):
    """What the direct kernel replaces, seen the same way: so the count above can tell the two apart."""
    nodes, stderr = node_processes(tmp_path, **{direct_kernel.OFF_ENV_VAR: "0"})
    assert len(nodes) == 2, nodes
    relay = next(node for node in nodes if "jsii-runtime.js" in node[2])
    kernel = next(node for node in nodes if node[2].endswith("program.js"))
    assert kernel[1] == relay[0]
    assert "direct jsii kernel not used" not in stderr, "switched off is not a fallback"
    assert gone(relay[0]) and gone(kernel[0])


def test_a_runtime_the_user_chose_is_kept(monkeypatch):
    monkeypatch.setenv("JSII_RUNTIME", "/opt/my/jsii-runtime.js")
    monkeypatch.setattr(direct_kernel, "_spawned", [])
    assert direct_kernel.install() is False


@pytest.fixture
def fake_jsii(tmp_path, monkeypatch) -> Path:
    """A jsii package directory holding only what kernel_program reads, and a private cache of its own."""
    embedded = tmp_path / "jsii" / "_embedded" / "jsii"
    embedded.mkdir(parents=True)
    (embedded / "lib__program.js").write_text("new SyncStdio({errorFD:2,readFD:3,writeFD:3});\n")
    (embedded / "lib__runtime-index-worker.js").write_text("// worker\n")
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "jsii"


def test_the_kernel_files_are_copied_once_and_restored_when_changed(fake_jsii):
    program = direct_kernel.kernel_program(fake_jsii, "9.9.9")
    assert program.name == "program.js" and program.parent.parent == fake_jsii.parent / "cache"
    assert program.read_bytes() == (fake_jsii / "_embedded" / "jsii" / "lib__program.js").read_bytes()
    worker = program.with_name("runtime-index-worker.js")
    assert worker.read_text() == "// worker\n"
    written = program.stat().st_mtime_ns
    assert direct_kernel.kernel_program(fake_jsii, "9.9.9") == program
    assert program.stat().st_mtime_ns == written, "an intact copy is not rewritten"
    program.write_text("process.exit(0)\n")  # a damaged (or tampered) copy
    direct_kernel.kernel_program(fake_jsii, "9.9.9")
    digest = hashlib.sha256(program.read_bytes()).hexdigest()
    assert digest == hashlib.sha256((fake_jsii / "_embedded" / "jsii" / "lib__program.js").read_bytes()).hexdigest()


def test_a_kernel_that_does_not_talk_on_descriptor_3_is_refused(fake_jsii):
    (fake_jsii / "_embedded" / "jsii" / "lib__program.js").write_text("new SyncStdio({readFD:0,writeFD:1});\n")
    with pytest.raises(Unavailable, match="does not open its channel with readFD:3,writeFD:3"):
        direct_kernel.kernel_program(fake_jsii, "9.9.9")


def test_the_installed_jsii_is_the_checked_release_and_its_kernel_talks_on_descriptor_3():
    package, version = direct_kernel.jsii_package()
    jsii_releases, _assemblies = checked_versions.load_manifest()
    assert version in jsii_releases
    program = (package / "_embedded" / "jsii" / "lib__program.js").read_text(encoding="utf-8")
    assert program.count(direct_kernel.PROTOCOL_DESCRIPTOR) == 1
