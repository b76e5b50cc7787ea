"""Synthesize the default stack and each settings file in turn, in ONE process (one provider import), the way
`python main.py` does for each: argv: project root, output directory, then settings files ("-" for none).

Output: <output directory>/<index>/cdktf.out/ per settings file, as `synth` writes it: a folder of its own for each,
as for a project per settings file (two examples name the same stack, and synth refuses two output directories
under one parent that would share a stack's local state file). The fast path is whatever the
environment says (CDKTF_FASTPATH=0: the plain cdktf path), so one driver serves both sides of a comparison.
"""

import os
import sys
from pathlib import Path

import cdktf_fastpath

cdktf_fastpath.enable(Path(sys.argv[1]))

from aurora_web.settings.stacks import load_app_config  # noqa: E402 - after enable(), as main.py's order
from aurora_web.synth import synthesize  # noqa: E402

output = Path(sys.argv[2])
for index, settings in enumerate(sys.argv[3:]):
    if settings == "-":
        os.environ.pop("AURORA_WEB_CONFIG", None)
    else:
        os.environ["AURORA_WEB_CONFIG"] = settings
    synthesize(load_app_config(), str(output / str(index) / "cdktf.out"))
