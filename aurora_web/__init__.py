"""aurora-web: the application around constructs_lib.

It reads the settings file (profiles, environments), builds the stacks, synthesizes them, speeds up the provider
import, and holds the ops tools; `python -m aurora_web --help` lists its subcommands.
"""
