"""How bad input reaches the user: one line per problem, naming the key they wrote, and exit code 2."""

from __future__ import annotations

import sys

from constructs_lib.validation import ConfigError

from .settings import CONFIG_ENV_VAR

EXIT_BAD_INPUT = 2


def report_bad_input(error: ConfigError) -> None:
    print(f"aurora-web: invalid configuration (set by {CONFIG_ENV_VAR}); nothing was changed:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem.render()}", file=sys.stderr)
