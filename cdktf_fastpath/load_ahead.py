"""Send the kernel the assembly loads of the fast path at enable(), so Node loads while Python imports.

Without this, a synth's first half second alternates: Python imports constructs, cdktf and the provider, and each
import's load request waits while Node loads that assembly (cdktf alone about 0.2 s); then Python imports our
constructs, their provider submodules and the settings schema (about a quarter of a second of pure Python) while
Node idles. With the direct kernel (direct_kernel), `start` writes the loads those imports will make right after
the kernel is spawned: constructs' own tarball, then the lean cdktf and each lean provider tarball, the same files
the import hook would load. When the imports ask for them, jsii gets its (discarded) reply at once, and the kernel's
replies to the loads sent ahead are read, and checked, before the next reply anyone waits for: the kernel answers
requests in order, so every later request finds them loaded.

Only tarballs already built and intact are sent (`prepare`, which setup runs, builds them); on a cold cache the
list stops before the first missing one and the import hook builds and loads it as before. Nothing is sent when
the import hook is off or jsii's own launcher runs; `CDKTF_FASTPATH_LOAD_AHEAD=0` turns this step off alone.
"""

from __future__ import annotations

import importlib.machinery
from collections.abc import Iterator
from pathlib import Path

from . import direct_kernel, lean_cdktf, switches
from . import lean_assembly_cache as cache
from .lean_assembly import lean_submodules, provider_assembly
from .lean_assembly_cache import ProviderAssembly, Unavailable

CONSTRUCTS_PACKAGE = "constructs"


def start(roots: tuple[Path, ...], providers: tuple[str, ...]) -> list[str]:
    """Send the loads ahead, in the order the imports make them; returns the assembly names sent."""
    sent: list[str] = []
    if not (switches.step_on(switches.LOAD_AHEAD) and switches.step_on(switches.LEAN_CDKTF)):
        return sent
    try:
        for assembly, tarball, ours in _fast_path_loads(roots, providers):
            if not direct_kernel.load_ahead(assembly.name, assembly.version, tarball, ours):
                break
            sent.append(assembly.name)
    except (Unavailable, OSError):  # the import hook meets the same problem where it says so
        pass
    return sent


def _fast_path_loads(
    roots: tuple[Path, ...], providers: tuple[str, ...]
) -> Iterator[tuple[ProviderAssembly, Path, bool]]:
    """(assembly, tarball, ours) for constructs, the lean cdktf, each lean provider; stops at the first not built."""
    constructs = provider_assembly(package_dir(CONSTRUCTS_PACKAGE))
    yield constructs, constructs.tarball, False
    cdktf = lean_cdktf.cdktf_assembly(package_dir(lean_cdktf.PACKAGE))
    lean_cdktf_tarball = cache.built_tarball(cdktf, lean_cdktf.VARIANT)
    if lean_cdktf_tarball is None:
        return
    yield cdktf, lean_cdktf_tarball, True
    if not switches.step_on(switches.LEAN_ASSEMBLY):
        return
    for package in providers:
        directory = package_dir(package)
        provider = provider_assembly(directory)
        lean_provider_tarball = cache.built_tarball(provider, lean_submodules(package, directory, roots))
        if lean_provider_tarball is None:
            return
        yield provider, lean_provider_tarball, True


def package_dir(package: str) -> Path:
    """Where a top-level package is installed, found without importing it (or running the import hook)."""
    spec = importlib.machinery.PathFinder.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable(f"{package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))
