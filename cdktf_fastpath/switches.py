"""The fast path's switches, one place: `CDKTF_FASTPATH=0` turns all of it off, `CDKTF_FASTPATH_<STEP>=0` one step.

Every switch reads the same way ("0" means off, anything else or unset means on), so a user never has to remember
which sense a name has. The steps are named after what they skip or replace, see the package README.
"""

from __future__ import annotations

import os

MASTER = "CDKTF_FASTPATH"
KERNEL = "KERNEL"  # the jsii kernel as one Node process (direct_kernel); off: jsii's own relay
LOAD_AHEAD = "LOAD_AHEAD"  # the kernel's loads sent at enable() (load_ahead)
LEAN_IMPORT = "LEAN_IMPORT"  # the provider root package without its eager submodule imports (provider_import)
LEAN_ASSEMBLY = "LEAN_ASSEMBLY"  # the lean provider assembly in Node (lean_assembly)
LEAN_CDKTF = "LEAN_CDKTF"  # cdktf's tarball with a lazy require("archiver") (lean_cdktf)
SMALL_HEAP = "SMALL_HEAP"  # 1 MiB semi-spaces and V8 lite mode for the kernel's Node (node_runtime)
STEPS = (KERNEL, LOAD_AHEAD, LEAN_IMPORT, LEAN_ASSEMBLY, LEAN_CDKTF, SMALL_HEAP)
OFF = "0"


def variable(step: str) -> str:
    """The environment variable that turns `step` off."""
    return f"{MASTER}_{step}"


def fast_path_on() -> bool:
    return os.environ.get(MASTER) != OFF


def step_on(step: str) -> bool:
    """Whether `step` runs: neither the whole fast path nor this step is switched off."""
    return fast_path_on() and os.environ.get(variable(step)) != OFF


VARIABLES = (MASTER, *(variable(step) for step in STEPS))  # every switch, e.g. to clear them for a child process
