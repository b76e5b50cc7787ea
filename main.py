"""cdktf's entry point (`python main.py`, `cdktf synth`): the stacks described by $AURORA_WEB_CONFIG."""

import sys
from pathlib import Path

from aurora_web.synth_command import main

sys.exit(main(sys.argv[1:], "main.py", project_root=Path(__file__).resolve().parent))
