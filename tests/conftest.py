"""Shared fixtures: the default stack is synthesized once per session; every test reads that JSON."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT

# The Makefile points Terraform at the offline provider mirror; do the same when pytest runs on its own.
# Before any cdktf import: the jsii Node process (which runs terraform for Testing) inherits this environment.
_project_cli_config = PROJECT_ROOT / ".tools" / "terraformrc"
if not Path(os.environ.get("TF_CLI_CONFIG_FILE", "")).is_file() and _project_cli_config.is_file():
    os.environ["TF_CLI_CONFIG_FILE"] = str(_project_cli_config)
os.environ.setdefault("CHECKPOINT_DISABLE", "1")

import cdktf_fastpath  # noqa: E402

# As the app's entry point does, before anything imports cdktf: Node from the wheel, the lean provider import.
# `CDKTF_FASTPATH=0 pytest ...` runs the tests on the plain cdktf path (make test does, for tests/constructs).
cdktf_fastpath.enable(PROJECT_ROOT)

from tests.support.synthesized import PROD_CERTIFICATE, Synthesized, make_config  # noqa: E402


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """Tests that run the app in-process leave its SIGTERM handler behind; a later multiprocessing Pool's workers
    inherit it, so terminating the pool raises in them instead of ending them, and the test hangs."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skip there means a missing prerequisite, which is a failure."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI forbids skips: {len(skipped)} test(s) skipped (missing prerequisites)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def key_directory(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def dev(key_directory) -> Synthesized:
    """The default (dev) stack, synthesized once for the session."""
    return Synthesized(make_config(key_directory))


@pytest.fixture(scope="session")
def prod(key_directory) -> Synthesized:
    """The prod profile as a team runs it: SSH from one address, the load balancer with an existing certificate."""
    return Synthesized(
        make_config(
            key_directory,
            {
                "profile": "prod",
                "web": {"ssh_cidr": "203.0.113.7/32"},
                "load_balancer": {"certificate_arn": PROD_CERTIFICATE},
            },
        )
    )


@pytest.fixture(scope="session")
def scaled(key_directory) -> Synthesized:
    """prod with provisioned instances, reader autoscaling, alarms and the operational settings (issue 14)."""
    from tests.support.aurora_features import provisioned_with_autoscaling_and_alarms

    return provisioned_with_autoscaling_and_alarms(key_directory)


@pytest.fixture(scope="session")
def serverless(key_directory) -> Synthesized:
    """prod on Aurora Serverless v2 with alarms and the operational settings (issue 14)."""
    from tests.support.aurora_features import serverless_with_alarms

    return serverless_with_alarms(key_directory)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """One moto server on 127.0.0.1 for the session (support/emulator.py); its log is named in every deploy failure."""
    from tests.support.emulator import MotoServer

    moto_server = MotoServer(tmp_path_factory.mktemp("emulator") / "moto.log").start()
    yield moto_server
    moto_server.stop()


@pytest.fixture(scope="session")
def applied_stack(emulator, tmp_path_factory):
    """The default stack applied to the session's emulator once, for every test that needs a deployment to plan
    against (support/applied_stack.py); destroyed at the end of the session."""
    from tests.support.applied_stack import applied_stack as deploy

    yield from deploy(emulator, tmp_path_factory)


# The throwaway MariaDB server of the web app's tests: one per session, whichever test module asks first.
from tests.support.mariadb_server import mariadb, server  # noqa: E402, F401
