"""Helpers the tests share: bare stacks, synthesized settings, the emulator, MariaDB, deploy checks."""
