"""The one manifest of releases the fast path was checked against (checked_versions.json), and the check at enable().

Every step mirrors something of a particular release: jsii's `_NodeProcess` (direct_kernel), the provider's root
`__init__` and tarball layout (provider_import, lean_assembly), cdktf's `lib/private/fs.js` (lean_cdktf). Each step
also checks the shape it relies on, but a shape can hold while the meaning changes; so anything installed that is
not in the manifest turns the whole fast path off, with one line naming the package and the versions.

Versions are read the way the kernel sees them, without importing anything: jsii's `_metadata.json` and the version
each package's `_jsii` module loads (a few small files; `importlib.metadata` would cost ~0.2 s here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .lean_assembly import provider_assembly
from .lean_assembly_cache import Unavailable

MANIFEST = Path(__file__).resolve().parent / "checked_versions.json"
JSII = "jsii"


def load_manifest(path: Path | None = None) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(jsii releases, {Python package: assembly versions}) from the manifest (default: MANIFEST)."""
    document = json.loads((path or MANIFEST).read_text(encoding="utf-8"))
    assemblies = {str(name): frozenset(map(str, versions)) for name, versions in document["assemblies"].items()}
    return frozenset(map(str, document[JSII])), assemblies


def unchecked(packages: Iterable[str], manifest: Path | None = None) -> str | None:
    """Why the fast path must not run here (e.g. "cdktf 0.22.0 is installed, checked: 0.21.0"), or None.

    `packages`: constructs, cdktf and the providers to slim, by Python package name.
    """
    from .direct_kernel import jsii_package
    from .load_ahead import package_dir

    jsii_releases, assemblies = load_manifest(manifest)
    try:
        _package, jsii_version = jsii_package()
        if jsii_version not in jsii_releases:
            return _mismatch(JSII, jsii_version, jsii_releases)
        for package in packages:
            version = provider_assembly(package_dir(package)).version
            checked = assemblies.get(package, frozenset())
            if version not in checked:
                return _mismatch(package, version, checked)
    except Unavailable as error:
        return str(error)
    return None


def _mismatch(package: str, version: str, checked: frozenset[str]) -> str:
    listed = ", ".join(sorted(checked)) or "none"
    return f"{package} {version} is installed; the fast path was checked against {package} {listed}"
