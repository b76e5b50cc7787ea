"""A line on stderr said the first time only: a slow fallback gets one visible cause and no noise."""

from __future__ import annotations

import sys


class OnceOnStderr:
    """`say(reason)` prints the template with the reason once per process; later calls are silent."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.said = False

    def say(self, reason: str) -> None:
        if not self.said:
            self.said = True
            print(self.template.format(reason=reason), file=sys.stderr)
