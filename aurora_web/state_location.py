"""Where each stack's local Terraform state really lands, and refusing an output directory that would share it.

The local backend's path is relative to <output directory>/stacks/<stack>/ (constructs_lib/state_backend_config.py),
so the state is <parent>/terraform.<stack>.tfstate, <parent> being the directory that holds the output directory
once symbolic links are followed (Terraform runs in the real stack directory, and `..` is resolved from there).
For cdktf.out/ that is the project root; for CDKTF_OUTDIR=/work/build/a it is /work/build/.

Another output directory under the same parent with a stack of the same name on the local backend would use the
same file: its plan would be made against this one's resources, its apply would change or destroy them. So a synth
that would share a state file with another output directory is refused (one line, exit 2) before anything is
written. Nothing here moves, creates or deletes a state file: existing state stays where Terraform has been using
it, which is why the location itself did not change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from constructs_lib.state_backend_config import LOCAL_STATE_PATH

from .output_dir import STACKS, OutputDirError, older_versions_leftovers

STACK_JSON = "cdk.tf.json"


def local_state_file(outdir: Path, stack: str) -> Path:
    """The state file Terraform uses for `stack` synthesized into `outdir` with the local backend."""
    return _resolve(Path(os.path.realpath(outdir)) / STACKS / stack, LOCAL_STATE_PATH.format(stack=stack))


def _resolve(stack_dir: Path, backend_path: str) -> Path:
    return Path(os.path.normpath(stack_dir / backend_path))


def refuse_shared_state(outdir: Path, local_stacks: list[str]) -> None:
    """OutputDirError naming the first stack whose state file another output directory's stack JSON also uses."""
    real = Path(os.path.realpath(outdir))
    parent = real.parent
    if not local_stacks or not parent.is_dir():
        return
    skipped = {real.name, *older_versions_leftovers(real)}  # an older version's leftovers are named by synth instead
    try:
        with os.scandir(parent) as entries:
            others = sorted(entry.name for entry in entries if entry.name not in skipped)
    except OSError:  # a parent we may enter but not list: no other output directory can be seen, none is claimed
        return
    for stack in local_stacks:
        state = local_state_file(outdir, stack)
        for name in others:
            other = parent / name
            if Path(os.path.realpath(other)) == real:  # a symbolic link to our output directory is no other
                continue
            if _state_file_of(other, stack) == state:
                raise OutputDirError(
                    f"stack '{stack}' keeps its local state in {state}, and output directory {other} uses that "
                    f"file too ({STACKS}/{stack}/{STACK_JSON}): two output directories must not share a state file; "
                    f"set CDKTF_OUTDIR (or cdktf synth --output) to a directory in another folder, or remove {other} "
                    "if it is no longer used; nothing was changed"
                )


def _state_file_of(directory: Path, stack: str) -> Path | None:
    """The local state file that directory's synthesized `stack` uses, or None (none there, not local, unreadable)."""
    stack_dir = directory / STACKS / stack
    try:
        document = json.loads((stack_dir / STACK_JSON).read_text(encoding="utf-8"))
        path = document["terraform"]["backend"]["local"]["path"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(path, str):
        return None
    return _resolve(Path(os.path.realpath(stack_dir)), path)
