"""Make the jsii kernel load a lean derivative of the provider assembly: only the submodules the project imports.

Loading the provider's own tarball makes Node require all ~2,100 submodules (seconds, ~600 MB). Before the
provider's `_jsii` module loads its tarball, `preload` puts a lean tarball under the same name and version into
the kernel; the provider's own load then finds the package present and does nothing. The submodule list is read
from the import statements of every Python file in the project's source tree (constructs_lib, the app, the
user's own modules, tests and examples); the tarball is built once and cached (lean_assembly_cache). Anything
unexpected means the full assembly is loaded as usual, with one line on stderr.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from . import lean_assembly_cache as cache
from .lean_assembly_cache import ProviderAssembly, Unavailable
from .stderr_notice import OnceOnStderr

OFF_ENV_VAR = "AURORA_WEB_LEAN_PROVIDER_ASSEMBLY"  # "0": load the provider's full assembly
# Directories of a project tree that hold no source of the project's own: environments, tools, generated output.
NOT_SOURCE = frozenset({"node_modules", "cdktf.out", "handoff", "__pycache__", "imports", "site-packages"})


# Says once on stderr that the kernel loads the full provider assembly, so a slow synth has a visible cause.
LeanAssemblyNotice = OnceOnStderr("aurora-web: lean provider assembly not used ({reason}); loading the full one")


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


def used_provider_submodules(package: str, root: Path) -> tuple[str, ...]:
    """The provider submodules imported anywhere under `root` (`from <package>.x import ...`, `import <package>.x`)."""
    found: set[str] = set()
    for path in source_files(root):
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text, str(path)) if package in text else None
        except (ValueError, SyntaxError):  # a work in progress; if it is imported, that import fails on its own
            continue
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == package:
                    found.update(alias.name for alias in node.names)
                elif node.module.startswith(package + "."):
                    found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith(package + "."))
    return tuple(sorted(name for name in found if not name.startswith("_")))


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
        raise Unavailable("the provider's _jsii module does not load its assembly the expected way")
    name, version, _module, filename = calls[0].args
    literals = [
        arg.value for arg in (name, version, filename) if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if len(literals) != 3:
        raise Unavailable("the provider's _jsii module computes its assembly name, version or file")
    name_value, version_value, file_value = literals
    return ProviderAssembly(name_value, version_value, package_dir / "_jsii" / file_value)


def preload(package: str, package_dir: Path, project_root: Path) -> frozenset[str] | None:
    """Load the lean assembly into the kernel; returns the submodules it holds, or None if the full one will load."""
    if os.environ.get(OFF_ENV_VAR) == "0":
        return None
    try:
        submodules = used_provider_submodules(package, project_root)
        if not submodules:
            raise Unavailable(f"no Python file under {project_root} imports a provider submodule")
        assembly = provider_assembly(package_dir)
        tarball = cache.lean_tarball(assembly, package_dir, submodules)
    except (Unavailable, OSError) as error:
        LeanAssemblyNotice.say(str(error))
        return None
    import cdktf._jsii  # noqa: F401 - the provider's dependencies first, as its own _jsii module does
    import constructs._jsii  # noqa: F401
    import jsii

    try:
        jsii.load(assembly.name, assembly.version, str(tarball))
    except Exception as error:
        # The kernel may hold a half-loaded package now, so the full assembly cannot be loaded in this process.
        tarball.unlink(missing_ok=True)
        raise RuntimeError(
            f"the jsii kernel could not load the lean provider assembly {tarball} (removed from the "
            f"cache; run again, or set {OFF_ENV_VAR}=0): {error}"
        ) from error
    return frozenset(submodules)
