"""How bad input reaches the user: one line per problem, naming the key they wrote, and exit code 2."""

from __future__ import annotations

import sys

from constructs_lib.validation import ConfigError

from .settings import CONFIG_ENV_VAR

EXIT_BAD_INPUT = 2


def report_bad_input(error: ConfigError, *, nothing_changed: bool = True) -> None:
    """One line per problem. `nothing_changed` is only claimed for problems found before anything was built."""
    outcome = "nothing was changed" if nothing_changed else "synth stopped; earlier output was kept"
    print(f"aurora-web: invalid configuration (set by {CONFIG_ENV_VAR}); {outcome}:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem.render()}", file=sys.stderr)
