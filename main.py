"""Entry point: `python main.py` (or `cdktf synth`) synthesizes the stack described by $AURORA_WEB_CONFIG."""

from __future__ import annotations

import sys

import constructs_lib  # noqa: F401 - must come first: sets up Node and the lean provider import
from constructs_lib.settings_file import CONFIG_ENV_VAR, load_stack_config
from constructs_lib.validation import ConfigError

EXIT_BAD_INPUT = 2


def main() -> int:
    try:
        config = load_stack_config()
        from constructs_lib.synth import synthesize

        outdir = synthesize({config.name_prefix: config})
    except ConfigError as error:
        print(f"aurora-web: invalid configuration (set by {CONFIG_ENV_VAR}); nothing was changed:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem.render()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"aurora-web: synthesized stack '{config.name_prefix}' into {outdir}/stacks/{config.name_prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
