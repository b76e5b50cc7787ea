"""The synthesis the emulator's app change (app_change.py) runs as a subprocess: the settings file's stacks, with
the app source directory given instead of the bundled one (the library's AuroraWebStackConfig.app_source_directory;
there is no settings key for it), into ./cdktf.out, as `python main.py` would.

    python -m tests.support.synth_with_app SETTINGS APP_DIR      (PYTHONPATH: the project root)
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import cdktf_fastpath
from tests.support.paths import PROJECT_ROOT


def main(argv: list[str]) -> int:
    # As main.py: the wheel's Node for jsii (never the system's) and the fast path, before cdktf is imported.
    cdktf_fastpath.enable(PROJECT_ROOT)
    from aurora_web.settings.stacks import app_config_from_document
    from aurora_web.synth import synthesize

    settings, app = Path(argv[0]), Path(argv[1])
    configs = app_config_from_document(tomllib.loads(settings.read_text(encoding="utf-8")))
    synthesize({name: replace(config, app_source_directory=app) for name, config in configs.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
