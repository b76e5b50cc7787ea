"""`python -m aurora_web <subcommand>`."""

import sys

from aurora_web.cli import main

sys.exit(main())
