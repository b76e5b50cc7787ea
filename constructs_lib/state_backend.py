"""Where each stack keeps its Terraform state: a local file per stack, or S3 with S3's own lock file."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformStack

from .state_backend_config import (
    BACKENDS,
    BUCKET_NAME,
    IP_ADDRESS,
    KEY_PREFIX,
    LOCAL_STATE_PATH,
    StateBackendConfig,
)

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "BACKENDS",
    "BUCKET_NAME",
    "IP_ADDRESS",
    "KEY_PREFIX",
    "StateBackendConfig",
    "configure_backend",
]


def configure_backend(stack: TerraformStack, stack_name: str, config: StateBackendConfig, default_region: str) -> None:
    """Give `stack` its backend; one state per stack, whichever backend."""
    if config.backend == "local":
        LocalBackend(stack, path=LOCAL_STATE_PATH.format(stack=stack_name))
        return
    assert config.bucket is not None  # checked by StateBackendConfig for backend = "s3"
    S3Backend(
        stack,
        bucket=config.bucket,
        key=f"{config.key_prefix}/{stack_name}.tfstate",
        region=config.region or default_region,
        encrypt=True,
    )
    if config.use_lockfile:
        # cdktf 0.21's S3BackendConfig predates Terraform 1.10's use_lockfile.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
