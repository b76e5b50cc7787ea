"""The settings file: one schema (schema.py), the dev and prod profiles (profiles.py), reading the file
(files.py), and the stacks it describes (stacks.py: settings -> the construct library's configs)."""

CONFIG_ENV_VAR = "AURORA_WEB_CONFIG"  # names the settings file; unset means no file (one dev stack)
