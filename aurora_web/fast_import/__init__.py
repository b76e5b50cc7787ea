"""The app's fast path for the AWS provider bindings: the wheel's Node.js running the jsii kernel without jsii's
relay process (direct_kernel) and loading the assemblies while Python imports (load_ahead), a lean import, a
lean jsii assembly, and cdktf's own assembly with its zip library required on first use only (lean_cdktf).

Nothing here runs on import. The app's entry point calls `enable(project_root)` once, before cdktf or the
provider is imported; a library user who never calls it gets the plain, slower import and nothing else changes.
"""

from __future__ import annotations

from pathlib import Path

from . import direct_kernel, load_ahead, node_runtime, provider_import

__all__ = ["enable"]


def enable(project_root: Path) -> bool:
    """Point jsii at the wheel's Node (small young generation, no relay) and start it; install the lean provider
    import for `project_root`, and send the kernel the lean assemblies' loads (load_ahead).

    The lean assembly holds every provider submodule imported anywhere in that tree (our constructs, the user's
    own modules, tests, examples). Returns whether the import hook is active.
    """
    node_runtime.use_wheel_node()
    node_runtime.use_small_young_generation()
    kernel_started = direct_kernel.install()
    active = provider_import.install(Path(project_root))
    if kernel_started and active:
        load_ahead.start(Path(project_root))
    return active
