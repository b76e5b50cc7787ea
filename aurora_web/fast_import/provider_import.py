"""Load the AWS provider bindings without their ~2,100 eager submodule imports.

The provider package's root ``__init__`` ends with one ``from . import <module>`` line per
resource "to ensure their types are registered with the jsii runtime". Importing every one of
them costs most of a synth's time and memory, while our constructs import the few submodules
they use explicitly. This module installs an import hook that executes the root package's own
source minus that block. Nothing in the installed package is modified. If the source does not
have the expected shape (a new provider release), the hook steps aside, the normal import runs,
and one line on stderr says so.

When the hook applies, the Node side is trimmed too (see `lean_assembly`): the jsii kernel gets an assembly
holding the submodules imported anywhere in the project's source tree. A submodule reached some other way
(a computed `importlib.import_module` name, code outside the project) is not in it: that import fails with a
message that names the switch, instead of a "type not found" deep inside a synth.

Each submodule the hook lets through asks `importlib.metadata.version("typeguard")` when it runs (about 0.7 ms a
time, 40-odd times a synth): while one runs, that function answers from a memo (an installed package's version does
not change under a running import).

The hook also sees cdktf's `_jsii` module being imported first (whether the provider or the app imports cdktf
first) and has `lean_cdktf` load cdktf's tarball with its eager `require("archiver")` made lazy, just before.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from . import lean_assembly, lean_cdktf
from .stderr_notice import OnceOnStderr

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"
EAGER_IMPORTS_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library\n"
_EAGER_IMPORT_LINE = re.compile(r"^from \. import [A-Za-z_][A-Za-z0-9_]*$")
DISABLE_ENV_VAR = "AURORA_WEB_EAGER_PROVIDER_IMPORT"
CDKTF_JSII_MODULE = "cdktf._jsii"


# Says once on stderr that the fast path is off, so a slow synth has a visible cause.
FallbackNotice = OnceOnStderr("aurora-web: provider fast import not applied ({reason}); using the normal import")


def strip_eager_imports(source: str) -> str | None:
    """Return the root package source without its trailing eager-import block, or None if the shape is unknown."""
    head, marker, tail = source.partition(EAGER_IMPORTS_MARKER)
    if not marker:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines or not all(_EAGER_IMPORT_LINE.match(line) for line in lines):
        return None
    return head


class _VersionMemo:
    """While entered (by any thread, any depth), `importlib.metadata.version` answers from a memo; errors are not
    memoized. The real function is back once the last user leaves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._real = importlib.metadata.version
        self._memoized = functools.lru_cache(maxsize=None)(importlib.metadata.version)

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._real = importlib.metadata.version
                importlib.metadata.version = self._memoized
            self._users += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                importlib.metadata.version = self._real


_version_memo = _VersionMemo()


class _SubmoduleLoader(importlib.machinery.SourceFileLoader):
    """The provider submodule's own source and bytecode, run with `importlib.metadata.version` memoized."""

    def exec_module(self, module: ModuleType) -> None:
        with _version_memo:
            super().exec_module(module)


class _LeanRootLoader(importlib.abc.Loader):
    def __init__(self, origin: str, lean_source: str, finder: LeanProviderFinder) -> None:
        self._origin = origin
        self._lean_source = lean_source
        self._finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # Before the source runs: its `from ._jsii import *` loads the assembly into the kernel.
        self._finder.lean_submodules = lean_assembly.preload(
            PROVIDER_PACKAGE, Path(self._origin).parent, self._finder.project_root
        )
        code = compile(self._lean_source, self._origin, "exec")
        exec(code, module.__dict__)


class LeanProviderFinder(importlib.abc.MetaPathFinder):
    """Serves the provider's root package without its eager imports; the lean assembly covers `project_root`."""

    lean_submodules: frozenset[str] | None = None  # set when the kernel holds the lean assembly

    def __init__(self, project_root: Path) -> None:
        self.project_root = project_root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == CDKTF_JSII_MODULE and path:
            lean_cdktf.preload(Path(path[0]))  # then None: the normal import runs, its kernel load a no-op
        elif fullname.startswith(PROVIDER_PACKAGE + "."):
            self._refuse_if_not_in_lean_assembly(fullname)
            return self._submodule_spec(fullname, path)
        if fullname != PROVIDER_PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return None
        try:
            with open(spec.origin, encoding="utf-8") as handle:
                lean = strip_eager_imports(handle.read())
        except OSError as error:
            FallbackNotice.say(f"cannot read {spec.origin}: {error.strerror}")
            return None
        if lean is None:
            FallbackNotice.say("the provider package's __init__ has an unexpected shape")
            return None
        spec.loader = _LeanRootLoader(spec.origin, lean, self)
        return spec

    @staticmethod
    def _submodule_spec(fullname: str, path: Sequence[str] | None) -> importlib.machinery.ModuleSpec | None:
        """The path finder's spec, with the memoizing loader if it found plain source (else untouched: None)."""
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader or not spec.origin:
            return None
        spec.loader = _SubmoduleLoader(fullname, spec.origin)
        return spec

    def _refuse_if_not_in_lean_assembly(self, fullname: str) -> None:
        submodule = fullname.split(".")[1]
        if self.lean_submodules is None or submodule.startswith("_") or submodule in self.lean_submodules:
            return
        raise ImportError(
            f"{fullname} is not in the lean provider assembly, which holds the submodules imported in the project's "
            f"source tree ({self.project_root}): import it there with a plain import statement (the assembly is "
            f"rebuilt on the next run), or set {lean_assembly.OFF_ENV_VAR}=0 to load the whole provider assembly",
            name=fullname,
        )


def install(project_root: Path) -> bool:
    """Install the hook once, before the provider package is first imported. Returns whether it is active."""
    import os

    if os.environ.get(DISABLE_ENV_VAR) == "1":
        return False
    if PROVIDER_PACKAGE in sys.modules:
        if not any(isinstance(finder, LeanProviderFinder) for finder in sys.meta_path):
            FallbackNotice.say("the provider package was imported before the hook was installed")
        return False
    if not any(isinstance(finder, LeanProviderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LeanProviderFinder(project_root))
    return True
