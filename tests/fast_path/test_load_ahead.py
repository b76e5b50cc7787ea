"""cdktf_fastpath.load_ahead (with direct_kernel's channel): the kernel gets the fast path's three loads at enable().

End to end, the JSON is compared with the plain path's in test_provider_import.py; here: what reaches the kernel
(JSII_DEBUG=1 makes it print each request it reads on stderr), and what a failed load sent ahead does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cdktf_fastpath import direct_kernel, lean_assembly, lean_assembly_cache
from cdktf_fastpath.switches import VARIABLES as SWITCH_VARIABLES
from tests.support.paths import PROJECT_ROOT
from tests.support.small_synth import SMALL_SYNTH, STACK_JSON


def kernel_loads(tmp_path: Path, **switches: str) -> list[dict]:
    """The load requests the kernel read during a small synth, in order."""
    env = {name: value for name, value in os.environ.items() if name not in SWITCH_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", SMALL_SYNTH, str(PROJECT_ROOT), str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env={**env, "JSII_DEBUG": "1", **switches},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    document = json.loads(tmp_path.joinpath("out", *STACK_JSON).read_text())
    assert document["resource"]["aws_vpc"]
    requests = [json.loads(line[2:]) for line in result.stderr.splitlines() if line.startswith("> {")]
    return [request for request in requests if request.get("api") == "load"]


def test_the_kernel_reads_each_load_once_and_all_three_before_anything_else(tmp_path):
    loads = kernel_loads(tmp_path)
    assert [load["name"] for load in loads] == ["constructs", "cdktf", "@cdktf/provider-aws"]
    cache = str(lean_assembly_cache.cache_dir())
    assert loads[0]["tarball"].endswith("constructs/_jsii/constructs@" + loads[0]["version"] + ".jsii.tgz")
    # the lean tarballs, not the packages' own
    assert loads[1]["tarball"].startswith(cache) and loads[2]["tarball"].startswith(cache)


def test_without_the_direct_kernel_the_imports_load_one_by_one_as_before(tmp_path):
    """jsii's relay: the five loads the imports make (the hook's lean ones, then each package's own, answered by
    the kernel as already loaded), so the count above is the load-ahead's doing."""
    loads = kernel_loads(tmp_path, **{direct_kernel.OFF_ENV_VAR: "0"})
    assert [load["name"] for load in loads] == ["constructs", "cdktf", "cdktf", "@cdktf/provider-aws",
                                                "@cdktf/provider-aws"]  # fmt: skip


def test_with_the_lean_provider_assembly_off_the_provider_loads_its_own_tarball(tmp_path):
    loads = kernel_loads(tmp_path, **{lean_assembly.OFF_ENV_VAR: "0"})
    assert [load["name"] for load in loads] == ["constructs", "cdktf", "@cdktf/provider-aws"]
    cache = str(lean_assembly_cache.cache_dir())
    assert loads[1]["tarball"].startswith(cache), "the lean cdktf has a switch of its own"
    assert not loads[2]["tarball"].startswith(cache), "the provider's own tarball"


def test_with_the_lean_cdktf_off_nothing_is_loaded_ahead(tmp_path):
    loads = kernel_loads(tmp_path, CDKTF_FASTPATH_LEAN_CDKTF="0")
    assert [load["name"] for load in loads][:2] == ["constructs", "cdktf"]
    cache = str(lean_assembly_cache.cache_dir())
    assert not loads[1]["tarball"].startswith(cache), "cdktf's own tarball"


FAILED_LOAD = """
import sys
from pathlib import Path
from cdktf_fastpath import direct_kernel
assert direct_kernel.install()
broken = Path(sys.argv[1])
direct_kernel.load_ahead("constructs", sys.argv[2], broken, ours=True)
import constructs  # its own load is answered at once: constructs was sent ahead
print("imported", flush=True)
try:
    constructs.RootConstruct("root")  # the first request that waits for a reply
except RuntimeError as error:
    print("error:", error)
print("broken tarball kept:", broken.exists())
"""


def test_a_load_sent_ahead_that_fails_is_raised_at_the_next_reply_and_its_tarball_removed(tmp_path):
    broken = tmp_path / "constructs-damaged.tgz"
    broken.write_bytes(b"not a tarball")
    version = "10.8.1"  # any: the kernel fails to extract the tarball before it looks at the version
    result = subprocess.run(
        [sys.executable, "-c", FAILED_LOAD, str(broken), str(version)],
        cwd=PROJECT_ROOT,
        env={name: value for name, value in os.environ.items() if name not in SWITCH_VARIABLES},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "imported", result.stderr
    assert lines[1].startswith(
        f"error: the jsii kernel could not load constructs@{version} from {broken} "
        "(removed from the cache: run again): "
    ), lines
    assert lines[1].endswith(f"({direct_kernel.OFF_ENV_VAR}=0 loads it the usual way)")
    assert lines[2] == "broken tarball kept: False"


def test_its_switch_alone_keeps_the_loads_where_the_imports_make_them(tmp_path):
    """CDKTF_FASTPATH_LOAD_AHEAD=0: the direct kernel and the lean tarballs stay, sent one by one by the imports."""
    loads = kernel_loads(tmp_path, CDKTF_FASTPATH_LOAD_AHEAD="0")
    assert [load["name"] for load in loads] == ["constructs", "cdktf", "cdktf", "@cdktf/provider-aws",
                                                "@cdktf/provider-aws"]  # fmt: skip
    cache = str(lean_assembly_cache.cache_dir())
    assert loads[1]["tarball"].startswith(cache) and loads[3]["tarball"].startswith(cache)
