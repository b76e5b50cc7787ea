"""The lazy-archiver cdktf: one statement of lib/private/fs.js changed, refused otherwise, and still able to zip.

The derivation runs on cdktf's real tarball (about a second); refusals on small fake tarballs. That the synth
JSON is byte-identical with it and without is checked end to end in test_provider_import.py.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from cdktf_fastpath import lean_assembly, lean_assembly_cache, lean_cdktf, switches
from cdktf_fastpath.lean_assembly_build import (
    EAGER_ARCHIVER,
    FS_JS,
    LAZY_ARCHIVER,
    ShapeError,
    derive_lazy_archiver,
    lazy_archiver_js,
)
from cdktf_fastpath.node_runtime import wheel_node_bin_dir


def installed(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


CDKTF_TARBALL = lean_assembly.provider_assembly(installed("cdktf")).tarball
CONSTRUCTS_TARBALL = lean_assembly.provider_assembly(installed("constructs")).tarball


def members(tarball: Path) -> dict[str, tuple[bytes, int]]:
    with tarfile.open(tarball, "r:gz") as archive:
        return {member.name: (archive.extractfile(member).read(), member.mode) for member in archive.getmembers()}


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("derived") / "cdktf.tgz"
    assert derive_lazy_archiver(CDKTF_TARBALL, output) == {"name": "cdktf", "version": "0.21.0", "changed": FS_JS}
    return output


def test_only_the_archiver_statement_of_fs_js_changes(derived):
    source, result = members(CDKTF_TARBALL), members(derived)
    assert set(result) == set(source) and len(source) > 2000
    changed = sorted(name for name in source if result[name] != source[name])
    assert changed == [FS_JS]
    assert result[FS_JS][1] == source[FS_JS][1]
    before = source[FS_JS][0].decode().splitlines()
    after = result[FS_JS][0].decode().splitlines()
    diff = [line for line in difflib.unified_diff(before, after, lineterm="", n=0) if not line.startswith("@@")]
    assert diff[2:] == [f"-{EAGER_ARCHIVER}", f"+{LAZY_ARCHIVER}"]
    assert len(after) == len(before)  # the source map's line numbers still hold


def test_the_derivation_is_deterministic(derived, tmp_path):
    derive_lazy_archiver(CDKTF_TARBALL, tmp_path / "again.tgz")
    assert (tmp_path / "again.tgz").read_bytes() == derived.read_bytes()


FS_JS_OF_OUR_SHAPE = (
    'const fs = require("fs");\n'
    f"{EAGER_ARCHIVER}\n"
    'function zip() { const archive = archiver("zip", { zlib: { level: 9 } }); return archive; }\n'
)


def test_a_plain_call_is_the_only_use_accepted():
    assert lazy_archiver_js(FS_JS_OF_OUR_SHAPE) == FS_JS_OF_OUR_SHAPE.replace(EAGER_ARCHIVER, LAZY_ARCHIVER)


@pytest.mark.parametrize(
    ("fs_js", "reason"),
    [
        (FS_JS_OF_OUR_SHAPE.replace(EAGER_ARCHIVER, 'const archiver = require("archiver").create;'), "occurs 0"),
        (FS_JS_OF_OUR_SHAPE + EAGER_ARCHIVER + "\n", "occurs 2"),
        (FS_JS_OF_OUR_SHAPE + 'archiver.registerFormat("x", f);\n', "other than as a plain call"),
        (FS_JS_OF_OUR_SHAPE + 'const a = new archiver("zip");\n', "other than as a plain call"),
        (FS_JS_OF_OUR_SHAPE + "module.exports.archiver = archiver;\n", "other than as a plain call"),
        (FS_JS_OF_OUR_SHAPE + "let archiverModule = 1;\n", "archiverModule"),
    ],
)
def test_any_other_shape_is_refused(fs_js, reason):
    with pytest.raises(ShapeError, match=reason):
        lazy_archiver_js(fs_js)


def fake_cdktf(directory: Path, fs_js: str) -> Path:
    """A package dir like cdktf's: a _jsii module naming its tarball, and the tarball with the given fs.js."""
    package = directory / "cdktf"
    (package / "_jsii").mkdir(parents=True)
    (package / "_jsii" / "__init__.py").write_text(
        'import jsii\n__jsii_assembly__ = jsii.JSIIAssembly.load(\n    "cdktf", "0.21.0", __name__[0:-6], '
        '"cdktf@0.21.0.jsii.tgz"\n)\n'
    )
    files = {"package/package.json": b'{"name": "cdktf", "version": "0.21.0"}', FS_JS: fs_js.encode()}
    with tarfile.open(package / "_jsii" / "cdktf@0.21.0.jsii.tgz", "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return package


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(lean_assembly_cache.CACHE_ENV_VAR, str(directory))
    monkeypatch.setattr(lean_cdktf.LeanCdktfNotice, "said", False)
    return directory


def test_a_refused_shape_loads_cdktfs_own_tarball_and_says_so_once(tmp_path, cache, capsys, monkeypatch):
    package = fake_cdktf(tmp_path, FS_JS_OF_OUR_SHAPE + "archiver.registerFormat('x', f);\n")
    monkeypatch.setattr(lean_assembly, "load_into_kernel", lambda *args: pytest.fail("nothing may be loaded"))
    assert lean_cdktf.preload(package) is False
    assert lean_cdktf.preload(package) is False
    err = capsys.readouterr().err
    assert err.count("cdktf-fastpath: lean cdktf assembly not used (building it failed: unexpected package shape:") == 1
    assert "other than as a plain call" in err
    assert not list(cache.glob("*.tgz"))


@pytest.mark.parametrize("variable", ["CDKTF_FASTPATH", "CDKTF_FASTPATH_LEAN_CDKTF"])
def test_the_switch_keeps_cdktfs_own_tarball(tmp_path, cache, monkeypatch, variable):
    monkeypatch.setenv(variable, "0")
    monkeypatch.setattr(lean_assembly_cache, "derived_tarball", lambda *args: pytest.fail("must not build"))
    assert lean_cdktf.preload(fake_cdktf(tmp_path, FS_JS_OF_OUR_SHAPE)) is False


PROBE_JS = """
process.on("exit", () => {
  const archiver = Object.keys(require.cache).some((file) => file.includes("/node_modules/archiver/"));
  const line = JSON.stringify({ argv: process.argv.slice(1), archiver });
  require("fs").appendFileSync(process.env.PROBE_OUT, line + "\\n");
});
"""

ZIP_WITH_CDKTF = """
const root = process.argv[1];
require(root + "/node_modules/cdktf");  // its lib/index.js, as the jsii kernel requires it
require(root + "/node_modules/cdktf/lib/private/fs.js").archiveSync(root + "/src", root + "/out.zip");
"""


@pytest.mark.parametrize("which", ["derived", "cdktf's own"])
def test_loading_cdktf_leaves_archiver_unloaded_and_zipping_still_works(which, derived, tmp_path):
    """Node alone, no kernel: cdktf and constructs extracted side by side; archiveSync zips in a child `node`."""
    tarball = derived if which == "derived" else CDKTF_TARBALL
    for name, source in (("cdktf", tarball), ("constructs", CONSTRUCTS_TARBALL)):
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(tmp_path / name, filter="data")
        (tmp_path / "node_modules").mkdir(exist_ok=True)
        (tmp_path / name / "package").rename(tmp_path / "node_modules" / name)
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text("alpha\n")
    (tmp_path / "src" / "sub" / "b.txt").write_text("beta\n")
    (tmp_path / "probe.js").write_text(PROBE_JS)
    node_bin = wheel_node_bin_dir()
    env = {
        **os.environ,
        "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}",  # archiveSync runs `node` by name
        "NODE_OPTIONS": f"--require {tmp_path / 'probe.js'}",  # both processes report what they required
        "PROBE_OUT": str(tmp_path / "probe.jsonl"),
    }
    subprocess.run(
        [str(node_bin / "node"), "-e", ZIP_WITH_CDKTF, str(tmp_path)], env=env, check=True, capture_output=True
    )
    reports = [json.loads(line) for line in (tmp_path / "probe.jsonl").read_text().splitlines()]
    zipper = [report for report in reports if report["argv"][:1] and report["argv"][0].endswith("/fs.js")]
    synth = [report for report in reports if report not in zipper]
    assert len(zipper) == 1 and len(synth) == 1
    assert synth[0]["archiver"] is (which != "derived")  # cdktf's own requires it eagerly, the derived one not
    assert zipper[0]["archiver"] is True  # the zip helper requires it on its first call
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert archive.testzip() is None
        assert archive.read("a.txt") == b"alpha\n" and archive.read("sub/b.txt") == b"beta\n"


CDKTF_FIRST = """
import sys
from pathlib import Path
import cdktf_fastpath
cdktf_fastpath.enable(Path(sys.argv[1]))
import cdktf  # before the provider: the import hook still puts the lean cdktf into the kernel first
app = cdktf.App(outdir=sys.argv[2])
cdktf.TerraformStack(app, "s")
app.synth()
print("synthesized", "cdktf_cdktf_provider_aws" in sys.modules)
"""


@pytest.mark.parametrize("lean", [True, False])
def test_cdktf_imported_before_the_provider_loads_the_lean_cdktf(lean, tmp_path):
    env = {
        **os.environ,
        lean_assembly_cache.CACHE_ENV_VAR: str(tmp_path / "cache"),
        "JSII_DEBUG_TIMING": "1",  # the kernel names each tarball it extracts (relayed to stdout)
    }
    env = {name: value for name, value in env.items() if name not in switches.VARIABLES}
    if not lean:
        env["CDKTF_FASTPATH_LEAN_CDKTF"] = "0"
    root = Path(lean_cdktf.__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", CDKTF_FIRST, str(root), str(tmp_path / "out")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "synthesized False" in result.stdout
    extracted = [line for line in result.stdout.splitlines() if "tar.extract(" in line and "/cdktf" in line]
    assert len(extracted) == 1, result.stdout
    assert (str(tmp_path / "cache") in extracted[0]) is lean
    assert ("cdktf@0.21.0.jsii.tgz" in extracted[0]) is not lean
    assert "lean cdktf assembly not used" not in result.stderr
