"""Synthesize into a staging directory inside the output directory, then move only our files into place.

The output directory is never renamed or emptied: Terraform's working files, state and a user's files stay where
they are (aurora_web/output_dir.py says how, and what "complete" means after a kill).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cdktf import App

from constructs_lib.aurora_web_stack import AuroraWebStack, AuroraWebStackConfig
from constructs_lib.validation import ConfigError

from . import output_dir
from .errors import Interrupted
from .state_location import refuse_shared_state

DEFAULT_OUTDIR = "cdktf.out"


def build_app(stacks: dict[str, AuroraWebStackConfig], outdir: str) -> App:
    app = App(outdir=outdir)
    problems = []
    for name, config in stacks.items():
        try:
            AuroraWebStack(app, name, config)
        except ConfigError as error:
            # Construct-time problems (the generated key) concern the [web] table's keys.
            problems.extend(error.under("web").problems)
    if problems:
        raise ConfigError(problems)
    return app


def build_and_synth(stacks: dict[str, AuroraWebStackConfig], staging: Path) -> None:
    """Synth into `staging`. On a signal, stop the jsii kernel before the caller removes `staging`: the signal ends
    Python's wait for a reply, not Node's work, and Node would go on writing files into a folder being removed."""
    try:
        build_app(stacks, str(staging)).synth()
    except Interrupted:
        from jsii._runtime import kernel  # loaded with cdktf; stop() sends exit and waits (terminates after 5 s)

        kernel.provider._process.stop()  # type: ignore[attr-defined]
        raise


def resolve_outdir(outdir: str | None = None) -> Path:
    return Path(outdir or os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR)


def check_outdir(outdir: Path, stacks: dict[str, AuroraWebStackConfig]) -> None:
    """OutputDirError (nothing changed) for an output directory that is not ours, or that would share a stack's
    local state file with another output directory (aurora_web/state_location.py)."""
    output_dir.claim(outdir)
    refuse_shared_state(outdir, [name for name, config in stacks.items() if config.state.backend == "local"])


def synthesize(stacks: dict[str, AuroraWebStackConfig], outdir: str | None = None) -> Path:
    """Write every stack's Terraform JSON to `outdir` (default $CDKTF_OUTDIR or cdktf.out); returns it.

    Raises OutputDirError (nothing changed) for a directory that is not ours or would share a state file,
    ConfigError for bad settings.
    """
    final = resolve_outdir(outdir)
    check_outdir(final, stacks)
    installed = output_dir.synthesize_into(final, list(stacks), lambda staging: build_and_synth(stacks, staging))
    for relative, foreign in installed.kept.items():
        print(
            f"aurora-web: kept {final / relative}: its stack is no longer in the settings, but it holds files synth "
            f"did not write ({', '.join(foreign[:3])}); delete it yourself when you no longer need them",
            file=sys.stderr,
        )
    _mention_older_versions_leftovers(final)
    return final


def _mention_older_versions_leftovers(final: Path) -> None:
    """Earlier versions swapped a staging directory in beside the output; a kill could strand one, sometimes with
    the stacks' .terraform/ and state moved into it. Never deleted here (it may hold state): named, once."""
    leftovers = output_dir.older_versions_leftovers(final)
    if leftovers:
        print(
            f"aurora-web: {len(leftovers)} director{'y' if len(leftovers) == 1 else 'ies'} left beside {final} by an "
            f"older aurora-web synth ({', '.join(leftovers[:3])}) may hold Terraform state or .terraform/: "
            "check, move back what you need, then delete them",
            file=sys.stderr,
        )
