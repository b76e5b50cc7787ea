"""One command line for the app: `python -m aurora_web <subcommand> [--help]`.

Only the standard library is imported here; each subcommand imports what it needs when it runs, so the fast
path (`cdktf_fastpath.enable`) comes before cdktf and the provider bindings are first loaded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

PROG = "python -m aurora_web"


@dataclass(frozen=True)
class Subcommand:
    """A subcommand: what it does (one line) and the function that runs it with its own arguments."""

    summary: str
    run: Callable[[list[str], str], int]


def _synth(argv: list[str], prog: str) -> int:
    from .synth_command import main

    return main(argv, prog)


def _prepare(argv: list[str], prog: str) -> int:
    from .synth_command import prepare

    return prepare(argv, prog)


def _schema(argv: list[str], prog: str) -> int:
    import cdktf_fastpath

    from .paths import PROJECT_ROOT

    cdktf_fastpath.enable(PROJECT_ROOT)  # the schema reads the construct library's defaults, which import cdktf
    from .settings.docs import main

    return main(argv, prog)


def _scan(argv: list[str], prog: str) -> int:
    import cdktf_fastpath

    from .paths import PROJECT_ROOT

    cdktf_fastpath.enable(PROJECT_ROOT)  # the scan reads each stack's settings, which import the construct library
    from .tools.scan import main

    return main(argv, prog)


def _key_table(argv: list[str], prog: str) -> int:
    import cdktf_fastpath

    from .paths import PROJECT_ROOT

    cdktf_fastpath.enable(PROJECT_ROOT)  # synthesizes every key's changed stack in this process
    from .tools.key_table import main

    return main(argv, prog)


def _tool(module: str) -> Callable[[list[str], str], int]:
    def run(argv: list[str], prog: str) -> int:
        import importlib

        return int(importlib.import_module(f"aurora_web.tools.{module}").main(argv, prog))

    return run


SUBCOMMANDS: dict[str, Subcommand] = {
    "synth": Subcommand("synthesize the stacks the settings file describes into cdktf.out/", _synth),
    "prepare": Subcommand("build the fast provider import's cache (setup runs it once)", _prepare),
    "hcl": Subcommand("each stack as HCL in handoff/<stack>/hcl/, validated offline", _tool("export_hcl")),
    "handoff": Subcommand("a bundle per stack for ops: JSON, HCL, lock files, a README", _tool("handoff")),
    "scan": Subcommand("checkov once per synthesized stack, with that stack's accepted findings only", _scan),
    "plan-summary": Subcommand("terraform plan of one stack, summarized in Markdown", _tool("plan_summary")),
    "drift": Subcommand("terraform plan -refresh-only per stack: what changed outside Terraform", _tool("drift")),
    "diagram": Subcommand("the architecture diagram (DOT and PNG) from a synthesized stack", _tool("diagram")),
    "schema": Subcommand("the settings file's JSON Schema; --write updates it and the key table in docs/", _schema),
    "key-table": Subcommand(
        "what changing each settings key does; --write updates docs/changing-settings.md", _key_table
    ),
    "bench": Subcommand("synth speed and memory against a naive cdktf app (figures only)", _tool("bench")),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="aurora-web: an EC2 web server and an Aurora MySQL cluster, as cdktf stacks.",
        epilog="Each subcommand takes --help. Settings come from the TOML file named by $AURORA_WEB_CONFIG.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    choices = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    for name, subcommand in SUBCOMMANDS.items():
        # Each subcommand parses its own arguments (and its own --help), so only the name is read here.
        choices.add_parser(name, help=subcommand.summary, add_help=False)
    known, _unparsed = parser.parse_known_args(argv[:1])
    return SUBCOMMANDS[known.subcommand].run(argv[1:], f"{PROG} {known.subcommand}")
