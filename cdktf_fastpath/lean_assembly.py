"""Make the jsii kernel load a lean derivative of a provider assembly: only the submodules the project uses.

Loading the provider's own tarball makes Node require all of its submodules (the AWS provider: ~2,100, seconds,
~600 MB). Before the provider's `_jsii` module loads its tarball, `preload` puts a lean tarball under the same name
and version into the kernel; the provider's own load then finds the package present and does nothing. The
submodule list is read (with ast) from every Python file of the project's source tree and of the installed
distributions that depend on the provider (installed_dependents): `from <provider>.x import ...`,
`import <provider>.x`, `from <provider> import x`, and `<alias>.x` after `import <provider> [as alias]`. The tarball
is built once and cached (lean_assembly_cache). Anything unexpected means the full assembly is loaded as usual,
with one line on stderr.

The provider's dependency cdktf is loaded first, by `import cdktf._jsii`: the import hook (provider_import) has
lean_cdktf put its derived tarball into the kernel then. `CDKTF_FASTPATH_LEAN_ASSEMBLY=0` turns this step off.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from . import installed_dependents, switches
from . import lean_assembly_cache as cache
from .lean_assembly_cache import ProviderAssembly, Unavailable
from .stderr_notice import OnceOnStderr

OFF_ENV_VAR = switches.variable(switches.LEAN_ASSEMBLY)  # "0": load the provider's full assembly
# Directories of a project tree that hold no source of the project's own: environments, tools, generated output.
NOT_SOURCE = frozenset({"node_modules", "cdktf.out", "handoff", "__pycache__", "imports", "site-packages"})


# Says once on stderr that the kernel loads the full provider assembly, so a slow synth has a visible cause.
LeanAssemblyNotice = OnceOnStderr("cdktf-fastpath: lean provider assembly not used ({reason}); loading the full one")


def source_files(root: Path) -> list[Path]:
    """The project's own Python files under `root`: hidden directories (.venv, .git) and NOT_SOURCE are skipped."""
    found: list[Path] = []
    seen: set[str] = set()
    # Symlinks are followed (a checkout may link a package in), each real directory read once.
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:
            subdirectories[:] = []
            continue
        seen.add(real)
        subdirectories[:] = sorted(
            name for name in subdirectories if not name.startswith(".") and name not in NOT_SOURCE
        )
        found.extend(Path(directory) / name for name in sorted(files) if name.endswith(".py"))
    return found


def imported_submodules(package: str, text: str, filename: str) -> set[str]:
    """The provider submodules one file names (read with ast: comments and strings never count).

    Import statements, and attribute access on a name the root package is bound to (`import <package> as aws`,
    then `aws.sqs_queue`): that access imports the submodule on the fast path too (provider_import). Names bound
    are file-wide, not per scope: a name found that is no submodule is dropped later (`lean_submodules`).
    """
    found: set[str] = set()
    try:
        tree = ast.parse(text, filename) if package in text else None
    except (ValueError, SyntaxError):  # a work in progress; if it is imported, that import fails on its own
        return found
    root_names: set[str] = set()  # what `import <package> [as name]` / `import <package>.x` bind
    attribute_uses: list[tuple[str, str]] = []  # (name, attribute) of each `name.attribute`
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == package:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(package + "."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + "."):
                    found.add(alias.name.split(".")[1])
                    if alias.asname is None:  # `import <package>.x` binds <package> itself
                        root_names.add(package)
                elif alias.name == package:
                    root_names.add(alias.asname or package)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            attribute_uses.append((node.value.id, node.attr))
    found.update(attribute for name, attribute in attribute_uses if name in root_names)
    return found


def used_provider_submodules(package: str, *roots: Path) -> tuple[str, ...]:
    """The provider submodules named anywhere under `roots`, or in an installed distribution depending on `package`.

    Each file's answer is remembered in the cache by its path, size and mtime, so an unchanged tree costs a stat per
    file instead of a parse (a tenth of a second on every synth otherwise).
    """
    memo = _ScanMemo.open(package)
    found: set[str] = set()
    files = [path for root in roots for path in source_files(root)]
    for path in [*files, *installed_dependents.source_files_depending_on(package)]:
        try:
            info = path.stat()
        except OSError:
            continue
        signature = [info.st_size, info.st_mtime_ns]
        names = memo.get(path, signature)
        if names is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, ValueError):
                continue
            names = imported_submodules(package, text, str(path))
            memo.put(path, signature, names)
        found.update(names)
    memo.save()
    return tuple(sorted(name for name in found if not name.startswith("_")))


class _ScanMemo:
    """path -> (signature, submodules) in the private cache directory; without a usable cache, a no-op."""

    def __init__(self, file: Path | None, entries: dict[str, list[object]]) -> None:
        self.file, self.entries, self.changed = file, entries, False

    @classmethod
    def open(cls, package: str) -> _ScanMemo:
        try:
            file = cache.scan_memo_dir() / f"import-scan-{package}.json"
        except Unavailable:
            return cls(None, {})
        try:
            entries = json.loads(file.read_text())
        except (OSError, ValueError):
            entries = {}
        return cls(file, entries if isinstance(entries, dict) else {})

    def get(self, path: Path, signature: list[int]) -> set[str] | None:
        entry = self.entries.get(str(path.resolve()))
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == signature and isinstance(entry[1], list):
            return {str(name) for name in entry[1]}
        return None

    def put(self, path: Path, signature: list[int], names: set[str]) -> None:
        self.entries[str(path.resolve())] = [signature, sorted(names)]
        self.changed = True

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        partial = self.file.with_name(f".{self.file.name}.{os.getpid()}.partial")
        try:
            partial.write_text(json.dumps(self.entries))
            os.replace(partial, self.file)
        except OSError:
            partial.unlink(missing_ok=True)


def provider_assembly(package_dir: Path) -> ProviderAssembly:
    """Read the one `jsii.JSIIAssembly.load("<name>", "<version>", __name__[0:-6], "<file>")` call of `_jsii`."""
    source_path = package_dir / "_jsii" / "__init__.py"
    try:
        tree = ast.parse(source_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError) as error:
        raise Unavailable(f"cannot read {source_path}: {error}") from error
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "jsii.JSIIAssembly.load"
    ]
    if len(calls) != 1 or len(calls[0].args) != 4 or calls[0].keywords:
        raise Unavailable(f"the _jsii module of {package_dir.name} does not load its assembly the expected way")
    name, version, _module, filename = calls[0].args
    literals = [
        arg.value for arg in (name, version, filename) if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if len(literals) != 3:
        raise Unavailable(f"the _jsii module of {package_dir.name} computes its assembly name, version or file")
    name_value, version_value, file_value = literals
    return ProviderAssembly(name_value, version_value, package_dir / "_jsii" / file_value)


def lean_submodules(package: str, package_dir: Path, roots: tuple[Path, ...]) -> tuple[str, ...]:
    """The submodules the lean assembly for source trees `roots` holds (the cache key's variant); Unavailable if none.

    Only names that are submodules of the installed package count (`aws.some_function` is no submodule).
    """
    submodules = tuple(
        name for name in used_provider_submodules(package, *roots) if (package_dir / name / "__init__.py").is_file()
    )
    if not submodules:
        raise Unavailable(f"no Python file under {', '.join(map(str, roots))} imports a submodule of {package}")
    return submodules


def preload(package: str, package_dir: Path, roots: tuple[Path, ...]) -> frozenset[str] | None:
    """Load the lean assembly into the kernel; returns the submodules it holds, or None if the full one will load."""
    if not switches.step_on(switches.LEAN_ASSEMBLY):
        return None
    try:
        submodules = lean_submodules(package, package_dir, roots)
        assembly = provider_assembly(package_dir)
        tarball = cache.lean_tarball(assembly, package_dir, submodules)
    except (Unavailable, OSError) as error:
        LeanAssemblyNotice.say(str(error))
        return None
    # The provider's dependencies first, as its own _jsii module does (cdktf's import loads the lean cdktf).
    import cdktf._jsii  # noqa: F401
    import constructs._jsii  # noqa: F401

    load_into_kernel(assembly, tarball, "lean provider assembly", OFF_ENV_VAR)
    return frozenset(submodules)


def load_into_kernel(assembly: ProviderAssembly, tarball: Path, what: str, switch: str) -> None:
    """`jsii.load` a derived tarball under the package's name and version; its own `_jsii` load is then a no-op."""
    import jsii

    try:
        jsii.load(assembly.name, assembly.version, str(tarball))
    except Exception as error:
        # The kernel may hold a half-loaded package now, so the package's own tarball cannot be loaded either.
        tarball.unlink(missing_ok=True)
        raise RuntimeError(
            f"the jsii kernel could not load the {what} {tarball} (removed from the "
            f"cache; run again, or set {switch}=0): {error}"
        ) from error
