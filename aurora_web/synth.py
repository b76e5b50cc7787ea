"""Synthesize into a fresh directory and swap it in only on success, so a failed run loses nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cdktf import App

from constructs_lib.aurora_web_stack import AuroraWebStack, AuroraWebStackConfig

DEFAULT_OUTDIR = "cdktf.out"
# Terraform's working files inside a stack directory: kept across re-synthesis so `init` need not rerun.
CARRIED_OVER = (".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup")


def build_app(stacks: dict[str, AuroraWebStackConfig], outdir: str) -> App:
    app = App(outdir=outdir)
    for name, config in stacks.items():
        AuroraWebStack(app, name, config)
    return app


def synthesize(stacks: dict[str, AuroraWebStackConfig], outdir: str | None = None) -> Path:
    """Write every stack's Terraform JSON to `outdir` (default $CDKTF_OUTDIR or cdktf.out); returns it."""
    final = Path(outdir or os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.synth-", dir=final.parent))
    try:
        build_app(stacks, str(staging)).synth()
        _carry_over_working_files(final, staging)
        _swap_in(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _carry_over_working_files(old: Path, new: Path) -> None:
    old_stacks = old / "stacks"
    if not old_stacks.is_dir():
        return
    for stack_dir in old_stacks.iterdir():
        target = new / "stacks" / stack_dir.name
        if not target.is_dir():
            continue
        for name in CARRIED_OVER:
            source = stack_dir / name
            if source.exists() and not (target / name).exists():
                shutil.move(str(source), str(target / name))


def _swap_in(staging: Path, final: Path) -> None:
    retired = None
    if final.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.rename(final, retired / "out")
    os.rename(staging, final)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
