"""`synth` and `prepare`: the app's entry point into cdktf (main.py and `cdktf synth` run `synth`)."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

import cdktf_fastpath

from .errors import (
    EXIT_BAD_INPUT,
    Interrupted,
    filesystem_error,
    raising_on_signals,
    report_bad_input,
    report_filesystem_error,
    report_interrupted,
)


def main(argv: list[str], prog: str, project_root: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Synthesize the stacks described by the settings file ($AURORA_WEB_CONFIG; none: one "
        "dev stack) into $CDKTF_OUTDIR or cdktf.out/.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check the settings file and the output directory (one line per problem, exit 2); write nothing. "
        "`make cdktf-synth` runs it first: the cdktf CLI prints an app's errors twice and always exits 1",
    )
    args = parser.parse_args(argv)
    try:
        with raising_on_signals():
            cdktf_fastpath.enable(project_root or Path.cwd())
            return _synth(args.check)
    except Interrupted as interrupted:
        return report_interrupted(interrupted)


def _synth(check: bool) -> int:
    # After enable(): these import cdktf and the provider bindings.
    from .output_dir import OutputDirError
    from .synth import resolve_outdir

    try:
        return _validate_and_synth(check)
    except OutputDirError as error:  # an output directory that is not ours, from the check or the synth alike
        print(f"aurora-web: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, RuntimeError) as error:  # read-only, full, not ours to write: from Python or from Node
        found = filesystem_error(error)
        if found is None:
            raise
        return report_filesystem_error(*found, resolve_outdir())


def _validate_and_synth(check: bool) -> int:
    from constructs_lib.validation import ConfigError

    from .settings.keys import loose_mode_warnings
    from .settings.stacks import load_app_config
    from .synth import check_outdir, resolve_outdir, synthesize

    try:
        # Every environment is validated here, before any construct is built (and any key file is made).
        stacks = load_app_config()
        # What is alive now (the imported modules, classes, the settings) lives until the process exits: the
        # collector need not walk those ~65,000 objects again, while building nor at exit (-0.1 to -0.2 s a synth).
        gc.freeze()
        if check:
            outdir = resolve_outdir()
            check_outdir(outdir, stacks)
            print(f"aurora-web: settings ({len(stacks)} stack(s)) and output directory {outdir} are usable")
            return 0
    except ConfigError as error:
        report_bad_input(error)
        return EXIT_BAD_INPUT
    warnings = [
        warning
        for config in stacks.values()
        if config.key_pair.public_key_path is None
        for warning in loose_mode_warnings(config.key_pair.key_directory)
    ]
    for warning in dict.fromkeys(warnings):  # once each, though environments share a key directory
        print(f"aurora-web: warning: {warning}", file=sys.stderr)
    try:
        outdir = synthesize(stacks)
    except ConfigError as error:
        # Building may have made files already (a generated key), so no "nothing was changed" here.
        report_bad_input(error, nothing_changed=False)
        return EXIT_BAD_INPUT
    for name in stacks:
        print(f"aurora-web: synthesized stack '{name}' into {outdir}/stacks/{name}")
    return 0


def prepare(argv: list[str], prog: str, project_root: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Build the lean provider assembly for this project's imports now (once per provider "
        "version and import list), so the first synth does not; and byte-compile the project's modules "
        "(read by every synth even where PYTHONDONTWRITEBYTECODE keeps Python from writing them).",
    )
    parser.parse_args(argv)
    root = project_root or Path.cwd()
    active = cdktf_fastpath.enable(root)
    import cdktf_cdktf_provider_aws  # noqa: F401 - loading it builds (or finds) the cached lean assembly

    from cdktf_fastpath.bytecode import compile_project

    compiled = compile_project(root)
    print(f"aurora-web: synth fast path {'ready' if active else 'off'}; {compiled} modules byte-compiled")
    return 0
