"""Load a provider package's bindings without their eager submodule imports (the AWS provider: ~2,100).

A prebuilt provider package's root ``__init__`` ends with one ``from . import <module>`` line per resource "to
ensure their types are registered with the jsii runtime". Importing every one of them costs most of a synth's time
and memory, while code imports the few submodules it uses. This module installs an import hook that executes the
root package's own source minus that block, plus a PEP 562 module `__getattr__` that imports a submodule on first
attribute access, so `import cdktf_cdktf_provider_aws as aws; aws.sqs_queue.SqsQueue(...)` works as on the plain
path. Nothing in the installed package is modified. If the source does not have the expected shape (a new provider
release), the hook steps aside, the normal import runs, and one line on stderr says so.

When the hook applies, the Node side is trimmed too (see `lean_assembly`): the jsii kernel gets an assembly holding
the submodules the project's source tree and installed libraries depending on the provider name. A submodule
reached some other way (a computed `importlib.import_module` name or `getattr(aws, name)`) is not in it: that import
fails with a message that names the fix, instead of a "type not found" deep inside a synth.

Each submodule the hook lets through asks `importlib.metadata.version("typeguard")` when it runs (about 0.7 ms a
time, 40-odd times a synth): while one runs, that function answers from a memo (an installed package's version does
not change under a running import).

The hook also sees cdktf's `_jsii` module being imported first (whether the provider or the app imports cdktf
first) and has `lean_cdktf` load cdktf's tarball with its eager `require("archiver")` made lazy, just before.
`CDKTF_FASTPATH_LEAN_IMPORT=0` turns the hook off (and with it both lean assemblies).
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

from . import lean_assembly, lean_cdktf, switches
from .stderr_notice import OnceOnStderr

EAGER_IMPORTS_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library\n"
_EAGER_IMPORT_LINE = re.compile(r"^from \. import ([A-Za-z_][A-Za-z0-9_]*)$")
OFF_ENV_VAR = switches.variable(switches.LEAN_IMPORT)
CDKTF_JSII_MODULE = "cdktf._jsii"


# Says once on stderr that the fast path is off, so a slow synth has a visible cause.
FallbackNotice = OnceOnStderr("cdktf-fastpath: provider fast import not applied ({reason}); using the normal import")


def strip_eager_imports(source: str) -> str | None:
    """Return the root package source without its trailing eager-import block, or None if the shape is unknown."""
    stripped = split_eager_imports(source)
    return None if stripped is None else stripped[0]


def split_eager_imports(source: str) -> tuple[str, frozenset[str]] | None:
    """(the root package source without its trailing eager-import block, the submodules that block imported), or
    None if the shape is unknown."""
    head, marker, tail = source.partition(EAGER_IMPORTS_MARKER)
    if not marker:
        return None
    matches = [_EAGER_IMPORT_LINE.match(line) for line in tail.splitlines() if line.strip()]
    if not matches or not all(matches):
        return None
    return head, frozenset(match.group(1) for match in matches if match)


class SubmoduleAttribute:
    """The lean root package's PEP 562 `__getattr__`: `package.x` imports submodule x on first access, as the plain
    package's eager imports had bound it (the import then binds it on the package, so this runs once per name)."""

    def __init__(self, package: str, submodules: frozenset[str]) -> None:
        self.package, self.submodules = package, submodules

    def __call__(self, name: str) -> ModuleType:
        if name not in self.submodules:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}", name=name)
        return importlib.import_module(f"{self.package}.{name}")


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
    def __init__(self, origin: str, lean_source: str, submodules: frozenset[str], finder: LeanProviderFinder) -> None:
        self._origin = origin
        self._lean_source = lean_source
        self._submodules = submodules
        self._finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # Before the source runs: its `from ._jsii import *` loads the assembly into the kernel.
        self._finder.lean_submodules[module.__name__] = lean_assembly.preload(
            module.__name__, Path(self._origin).parent, self._finder.roots
        )
        code = compile(self._lean_source, self._origin, "exec")
        exec(code, module.__dict__)
        # The source ends with `publication.publish()`, which puts a new public module in sys.modules: that one.
        public = sys.modules.get(module.__name__, module)
        public.__dict__.setdefault("__getattr__", SubmoduleAttribute(module.__name__, self._submodules))


class LeanProviderFinder(importlib.abc.MetaPathFinder):
    """Serves each provider's root package without its eager imports; the lean assemblies cover the source trees
    `roots` (the project root first, then the configured extra sources)."""

    def __init__(self, roots: tuple[Path, ...], providers: tuple[str, ...]) -> None:
        self.roots = roots
        self.providers = providers
        # provider -> the submodules its lean assembly holds, once loaded (None: the full assembly was loaded)
        self.lean_submodules: dict[str, frozenset[str] | None] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, rest = fullname.partition(".")
        if fullname == CDKTF_JSII_MODULE and path:
            lean_cdktf.preload(Path(path[0]))  # then None: the normal import runs, its kernel load a no-op
        elif rest and package in self.providers:
            self._refuse_if_not_in_lean_assembly(package, fullname)
            return self._submodule_spec(fullname, path)
        if rest or package not in self.providers:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return None
        try:
            with open(spec.origin, encoding="utf-8") as handle:
                lean = split_eager_imports(handle.read())
        except OSError as error:
            FallbackNotice.say(f"cannot read {spec.origin}: {error.strerror}")
            return None
        if lean is None:
            FallbackNotice.say(f"the {fullname} package's __init__ has an unexpected shape")
            return None
        spec.loader = _LeanRootLoader(spec.origin, *lean, self)
        return spec

    @staticmethod
    def _submodule_spec(fullname: str, path: Sequence[str] | None) -> importlib.machinery.ModuleSpec | None:
        """The path finder's spec, with the memoizing loader if it found plain source (else untouched: None)."""
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader or not spec.origin:
            return None
        spec.loader = _SubmoduleLoader(fullname, spec.origin)
        return spec

    def _refuse_if_not_in_lean_assembly(self, package: str, fullname: str) -> None:
        submodule = fullname.split(".")[1]
        held = self.lean_submodules.get(package)
        if held is None or submodule.startswith("_") or submodule in held:
            return
        raise ImportError(
            f"{fullname} is not in the lean provider assembly, which holds the submodules named in the project's "
            f"source trees ({', '.join(map(str, self.roots))}) and in installed libraries depending on {package}: "
            "name it there "
            f"(`from {package} import {submodule}`, or `{package}.{submodule}` after `import {package}`; the "
            f"assembly is rebuilt on the next run), or set {lean_assembly.OFF_ENV_VAR}=0 to load the whole provider "
            "assembly",
            name=fullname,
        )


def active_finder() -> LeanProviderFinder | None:
    return next((finder for finder in sys.meta_path if isinstance(finder, LeanProviderFinder)), None)


def install(roots: tuple[Path, ...], providers: tuple[str, ...]) -> bool:
    """Install the hook once, before a provider package is first imported. Returns whether it is active."""
    if not switches.step_on(switches.LEAN_IMPORT):
        return False
    if active_finder() is not None:
        return True
    imported = [package for package in providers if package in sys.modules]
    if imported:
        FallbackNotice.say(f"{imported[0]} was imported before the hook was installed")
        return False
    sys.meta_path.insert(0, LeanProviderFinder(roots, providers))
    return True
