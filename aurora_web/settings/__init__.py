"""The settings file: one schema, the dev and prod profiles, environments, and the stacks they describe."""

CONFIG_ENV_VAR = "AURORA_WEB_CONFIG"  # names the settings file; unset means no file (one dev stack)
