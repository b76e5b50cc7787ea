"""Build a lean copy of a jsii provider assembly tarball: only the submodules a project uses.

The provider's npm tarball holds ~2,100 submodules; the jsii kernel requires all of their JavaScript when it
loads it (seconds, hundreds of MB). The lean tarball keeps the package's own files for the chosen submodules
byte for byte (their `lib/<dir>/index.js`, package.json, LICENSE), the `.jsii` metadata cut down to their types
and `submodules` entries, and a generated `lib/index.js` that requires each of them on first use. It runs as a
script in a child process (see `main`), so the one-time ~10 s and ~600 MB of parsing the 120 MB `.jsii` stay out
of the synth process; building needs only the standard library, checking the result needs jsii.

With `--lazy-archiver` it derives cdktf's own tarball instead (see lean_cdktf): every member byte for byte
except `lib/private/fs.js`, whose eager `require("archiver")` (~100 ms of Node's startup, used only to zip an
archive asset) becomes a call that requires it on first use.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import tarfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypedDict

PREFIX = "package/"
_INDEX_EXPORT = re.compile(r'^exports\.([A-Za-z_$][A-Za-z0-9_$]*) = require\("\./([A-Za-z0-9_.-]+)"\);$')
_INDEX_BOILERPLATE = re.compile(
    r'^(?:"use strict";|Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);'
    r"|exports\.[A-Za-z0-9_$. =]+ = void 0;|//.*|/?\*.*|)$"
)
_JSII_TYPE = re.compile(r'jsii_type="([^"]+)"')
MODIFIED_FINGERPRINT = "*" * 10  # jsii's own marker for an assembly rewritten after compilation
FS_JS = PREFIX + "lib/private/fs.js"
EAGER_ARCHIVER = 'const archiver = require("archiver");'
# Same line count (source maps stay right); the one binding is still a function that forwards its arguments.
LAZY_ARCHIVER = 'let archiverModule; const archiver = (...args) => (archiverModule ??= require("archiver"))(...args);'
_ARCHIVER_WORD = re.compile(r"(?<![A-Za-z0-9_$])archiver(?![A-Za-z0-9_$])")


class ShapeError(Exception):
    """The package does not look the way this builder expects; the caller loads the full assembly instead."""


class BuildDescription(TypedDict):
    """What `build` wrote, saved as JSON beside the tarball (lean_assembly_cache adds its sha256)."""

    name: str
    version: str
    submodules: dict[str, str]  # Python submodule -> jsii namespace
    directories: dict[str, str]  # jsii namespace -> directory under lib/
    types: int


def namespaces_of_python_submodules(package_dir: Path, assembly: str, submodules: list[str]) -> list[str]:
    """The jsii namespace of each Python submodule, read from its generated bindings (`jsii_type="<ns>.<Type>"`)."""
    namespaces = []
    for submodule in submodules:
        source = package_dir / submodule / "__init__.py"
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as error:
            raise ShapeError(f"cannot read {source}: {error.strerror}") from error
        found = {fqn.split(".")[1] for fqn in _JSII_TYPE.findall(text) if fqn.startswith(assembly + ".")}
        if len(found) != 1:
            raise ShapeError(f"{source} declares types of {len(found)} jsii submodules, expected exactly one")
        namespaces.append(found.pop())
    return namespaces


def parse_index_exports(index_js: str) -> dict[str, str]:
    """Map each namespace exported by the package's lib/index.js to its directory; reject anything else in it."""
    exports: dict[str, str] = {}
    for raw_line in index_js.splitlines():
        line = raw_line.strip()
        match = _INDEX_EXPORT.match(line)
        if match:
            exports[match.group(1)] = match.group(2)
        elif not _INDEX_BOILERPLATE.match(line):
            raise ShapeError(f"unexpected statement in lib/index.js: {line[:80]!r}")
    if not exports:
        raise ShapeError("lib/index.js exports no submodules")
    return exports


def filter_assembly(assembly: dict[str, Any], namespaces: set[str]) -> dict[str, Any]:
    """The assembly with only the types and submodule entries of `namespaces`; fails if a kept type refers elsewhere."""
    name = assembly["name"]
    types = {fqn: spec for fqn, spec in assembly.get("types", {}).items() if spec.get("namespace") in namespaces}
    if any(spec.get("namespace") is None for spec in assembly.get("types", {}).values()):
        raise ShapeError("the assembly has types outside any submodule")
    found = {spec["namespace"] for spec in types.values()}
    if found != namespaces:
        raise ShapeError(f"no types for submodules {sorted(namespaces - found)}")
    reference = re.compile(re.escape(f'"{name}.') + r'([A-Za-z0-9_$]+)[."]')
    referenced = set(reference.findall(json.dumps(types)))
    if not referenced <= namespaces:
        raise ShapeError(f"kept types refer to other submodules: {sorted(referenced - namespaces)}")
    lean = dict(assembly)
    lean["types"] = types
    lean["submodules"] = {
        key: value for key, value in assembly.get("submodules", {}).items() if key.split(".", 1)[-1] in namespaces
    }
    lean["fingerprint"] = MODIFIED_FINGERPRINT
    return lean


def lazy_index_js(directories: dict[str, str], origin: str) -> str:
    """A lib/index.js exporting each kept submodule through a getter, so its code loads on first use only."""
    table = json.dumps(dict(sorted(directories.items())), indent=2)
    return (
        '"use strict";\n'
        f"// Generated by cdktf-fastpath (cdktf_fastpath/lean_assembly_build.py) from {origin}:\n"
        "// only the submodules the project imports, each required on first access.\n"
        'Object.defineProperty(exports, "__esModule", { value: true });\n'
        f"const submodules = {table};\n"
        "for (const [name, directory] of Object.entries(submodules)) {\n"
        "  Object.defineProperty(exports, name, { enumerable: true, get: () => require(`./${directory}`) });\n"
        "}\n"
    )


def _read_members(source: Path, wanted: Callable[[str], bool], modes: dict[str, int] | None = None) -> dict[str, bytes]:
    """One streaming pass over the tarball, keeping the members `wanted(name)` accepts (and their modes in `modes`)."""
    found = {}
    with tarfile.open(source, mode="r|gz") as archive:
        for member in archive:
            if not wanted(member.name):
                continue
            content = archive.extractfile(member) if member.isfile() else None
            if content is None:  # a link or a directory: the writer below makes regular files only
                raise ShapeError(f"{member.name} in the tarball is not a regular file")
            found[member.name] = content.read()
            if modes is not None:
                modes[member.name] = member.mode
    return found


def _template(source: Path) -> tarfile.TarInfo:
    with tarfile.open(source, mode="r|gz") as archive:
        first = archive.next()
        if first is None:
            raise ShapeError("empty tarball")
        return first


def build(source: Path, package_dir: Path, submodules: list[str], output: Path) -> BuildDescription:
    """Write the lean tarball for the Python `submodules` of the package to `output`; returns its description."""
    package_bytes = _read_members(
        source,
        lambda name: name in {PREFIX + "package.json", PREFIX + ".jsii", PREFIX + "lib/index.js", PREFIX + "LICENSE"},
    )
    for required in ("package.json", ".jsii", "lib/index.js"):
        if PREFIX + required not in package_bytes:
            raise ShapeError(f"the tarball has no {required}")
    manifest = json.loads(package_bytes[PREFIX + "package.json"])
    if manifest.get("main") != "lib/index.js" or "exports" in manifest:
        raise ShapeError("package.json does not load lib/index.js as its only entry point")
    assembly = json.loads(package_bytes.pop(PREFIX + ".jsii"))
    if "types" not in assembly:
        raise ShapeError("the .jsii file is not a plain assembly (compressed or redirected)")
    if (assembly.get("name"), assembly.get("version")) != (manifest.get("name"), manifest.get("version")):
        raise ShapeError(".jsii and package.json disagree on the package name or version")

    namespaces = namespaces_of_python_submodules(package_dir, assembly["name"], submodules)
    exports = parse_index_exports(package_bytes[PREFIX + "lib/index.js"].decode("utf-8"))
    missing = [namespace for namespace in namespaces if namespace not in exports]
    if missing:
        raise ShapeError(f"lib/index.js does not export {missing}")
    directories = {namespace: exports[namespace] for namespace in namespaces}
    lean = filter_assembly(assembly, set(namespaces))
    del assembly

    module_files = {PREFIX + f"lib/{directory}/index.js" for directory in directories.values()}
    modules = _read_members(source, module_files.__contains__)
    if set(modules) != module_files:
        raise ShapeError(f"the tarball lacks {sorted(module_files - set(modules))}")

    origin = f"{manifest['name']}@{manifest['version']}"
    files = {
        PREFIX + "package.json": package_bytes[PREFIX + "package.json"],
        PREFIX + ".jsii": json.dumps(lean, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
        PREFIX + "lib/index.js": lazy_index_js(directories, origin).encode("utf-8"),
        **modules,
    }
    if PREFIX + "LICENSE" in package_bytes:
        files[PREFIX + "LICENSE"] = package_bytes[PREFIX + "LICENSE"]
    write_deterministic_tarball(output, files, _template(source))
    return {
        "name": manifest["name"],
        "version": manifest["version"],
        "submodules": dict(zip(submodules, namespaces, strict=True)),  # one namespace per submodule
        "directories": directories,
        "types": len(lean["types"]),
    }


def lazy_archiver_js(fs_js: str) -> str:
    """cdktf's lib/private/fs.js with `archiver` required on its first call; ShapeError unless that is equivalent."""
    if fs_js.count(EAGER_ARCHIVER) != 1:
        raise ShapeError(f"{EAGER_ARCHIVER!r} occurs {fs_js.count(EAGER_ARCHIVER)} times in lib/private/fs.js")
    if "archiverModule" in fs_js:
        raise ShapeError("lib/private/fs.js already uses the name archiverModule")
    head, _statement, tail = fs_js.partition(EAGER_ARCHIVER)
    for part in (head, tail):
        for use in _ARCHIVER_WORD.finditer(part):
            before = part[: use.start()].rstrip()
            # Only a plain call `archiver(...)` behaves the same with the forwarding function.
            if not part.startswith("(", use.end()) or before.endswith((".", "new", "?.")):
                context = part[max(0, use.start() - 20) : use.end() + 20].replace("\n", " ")
                raise ShapeError(f"lib/private/fs.js uses archiver other than as a plain call: {context!r}")
    return head + LAZY_ARCHIVER + tail


def derive_lazy_archiver(source: Path, output: Path) -> dict[str, str]:
    """cdktf's tarball written to `output` with only lib/private/fs.js changed; returns its name and version."""
    modes: dict[str, int] = {}
    files = _read_members(source, lambda name: True, modes)
    if FS_JS not in files or PREFIX + "package.json" not in files:
        raise ShapeError("the tarball has no lib/private/fs.js or package.json")
    files[FS_JS] = lazy_archiver_js(files[FS_JS].decode("utf-8")).encode("utf-8")
    manifest = json.loads(files[PREFIX + "package.json"])
    write_deterministic_tarball(output, files, _template(source), modes)
    return {"name": manifest["name"], "version": manifest["version"], "changed": FS_JS}


def write_deterministic_tarball(
    output: Path, files: dict[str, bytes], template: tarfile.TarInfo, modes: Mapping[str, int] | None = None
) -> None:
    """Same inputs, same bytes: fixed order, times and owners, so jsii's package cache reuses its entry.

    Every file is 0644 unless `modes` gives its own (cdktf ships a few executable scripts).
    """
    with (
        open(output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as archive,
    ):
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime, info.mode = template.mtime, (modes or {}).get(name, 0o644)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(files[name]))


def verify_loads(name: str, version: str, tarball: Path, dependencies: tuple[str, ...] = ()) -> None:
    """Load the tarball into a fresh jsii kernel (this child's), so a broken build never reaches the cache.

    `dependencies` are Python modules to import first (their `_jsii` loads what the tarball's code requires).
    """
    import importlib

    import jsii

    for module in dependencies:
        importlib.import_module(module)
    jsii.load(name, version, str(tarball))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="the provider's .jsii.tgz")
    parser.add_argument("--package-dir", type=Path, help="the provider's Python package directory")
    parser.add_argument("--submodules", help="comma-separated Python submodule names")
    parser.add_argument(
        "--lazy-archiver", action="store_true", help="derive cdktf's tarball instead (lib/private/fs.js made lazy)"
    )
    parser.add_argument("--output", type=Path, required=True, help="where to write the lean tarball")
    parser.add_argument(
        "--description",
        type=Path,
        required=True,
        help="where to write what was built, as JSON (not stdout: the jsii kernel may print there)",
    )
    args = parser.parse_args(argv)
    if not args.lazy_archiver and (args.package_dir is None or args.submodules is None):
        parser.error("--package-dir and --submodules are required without --lazy-archiver")
    try:
        if args.lazy_archiver:
            described: Mapping[str, object] = derive_lazy_archiver(args.source, args.output)
            verify_loads(str(described["name"]), str(described["version"]), args.output, ("constructs._jsii",))
        else:
            description = build(args.source, args.package_dir, args.submodules.split(","), args.output)
            verify_loads(description["name"], description["version"], args.output)
            described = description
    except ShapeError as error:
        print(f"unexpected package shape: {error}", file=sys.stderr)
        return 3
    args.description.write_text(json.dumps(described))
    return 0


if __name__ == "__main__":
    sys.exit(main())
