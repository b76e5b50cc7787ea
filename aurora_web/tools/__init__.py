"""Ops tools behind the CLI's subcommands: HCL export, handoff bundles, plan summaries, the diagram, the benchmark."""
