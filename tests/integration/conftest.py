"""The deployments every integration module shares: each selected stack is deployed once per session."""

from __future__ import annotations

import pytest

from tests.support.change_scenarios import SCENARIO_TIMINGS


@pytest.fixture(scope="session")
def runs(request, emulator, tmp_path_factory):
    """{stack: the future of its StackRun}: tests/integration/test_deploy.py's lifecycle per stack, shared by its
    checks and by test_change_scenarios.py, whose scenarios run after those checks' readings were taken."""
    from tests.integration.test_deploy import deploy_selected

    yield from deploy_selected(request, emulator, tmp_path_factory)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The change scenarios' seconds, for the record (also in the emulator's timings.txt)."""
    lines = config.stash.get(SCENARIO_TIMINGS, [])
    if lines:
        terminalreporter.write_sep("-", "change scenarios, seconds")
        for line in lines:
            terminalreporter.write_line(line)
