"""Where the app's checkout is: node_modules (the cdktf CLI), .tools (Terraform CLI config, checkov), benchmarks."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
