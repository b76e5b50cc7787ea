"""Entry point: `python main.py` (or `cdktf synth`) synthesizes the stack described by $AURORA_WEB_CONFIG."""

from __future__ import annotations

import sys

import constructs_lib  # noqa: F401 - must come first: sets up Node and the lean provider import
from constructs_lib.settings_file import CONFIG_ENV_VAR, load_app_config
from constructs_lib.validation import ConfigError

EXIT_BAD_INPUT = 2


def main() -> int:
    try:
        stacks = load_app_config()
        from constructs_lib.synth import synthesize

        outdir = synthesize(stacks)
    except ConfigError as error:
        print(f"aurora-web: invalid configuration (set by {CONFIG_ENV_VAR}); nothing was changed:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem.render()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for name in stacks:
        print(f"aurora-web: synthesized stack '{name}' into {outdir}/stacks/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
