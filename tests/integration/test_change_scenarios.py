"""Issue 19: day-2 changes on the live stacks, judged from the deployments tests/integration/test_deploy.py makes.

No deployment of its own: each stack's lifecycle (test_deploy.StackRun) plays its spec's scenarios
(tests/support/change_scenarios.py) after the first-deploy checks have read the stack and before its teardown; these
tests read what each scenario found. Selected alone, this module deploys only the stacks its scenarios need.
"""

from __future__ import annotations

import pytest

from tests.integration.test_deploy import SPECS, finished
from tests.support.change_scenarios import DEV_SCENARIOS, PROD_SCENARIOS
from tests.support.deploy_checks import report

pytestmark = pytest.mark.integration

SCENARIOS_BY_NAME = [(stack, scenario.name) for stack, spec in SPECS.items() for scenario in spec.scenarios]
SCENARIOS = [
    pytest.param(stack, scenario.name, id=f"{stack}: {scenario.name}")
    for stack, spec in SPECS.items()
    for scenario in spec.scenarios
]
# What issue 19 asks to be changed on a live stack, and where each is played (by scenario name).
REQUIRED = {
    "web.instance_type": "dev",
    "database.reader_count +1": "dev",
    "database.reader_count -1": "dev",
    "database.alarm_cpu_percent": "prod",
    "database.backup_retention_days": "prod",
    "engine patch made by AWS": "dev",
    "security-group rule added by hand": "dev",
    "name_prefix renamed (planned only)": "dev",
}


def test_every_change_the_issue_names_is_played():
    """A scenario dropped from a spec would otherwise just vanish from the parametrized tests below."""
    played = {(scenario.name, stack) for stack, spec in SPECS.items() for scenario in spec.scenarios}
    missing = [
        f"{name} on {stack}"
        for name, stack in REQUIRED.items()
        if not any(played_name.startswith(name) and on == stack for played_name, on in played)
    ]
    assert not missing, missing
    assert SPECS["dev"].scenarios == DEV_SCENARIOS and SPECS["prod"].scenarios == PROD_SCENARIOS


@pytest.mark.parametrize("stack, scenario", SCENARIOS)
def test_change_scenario(runs, stack, scenario):
    """The plan held exactly the expected changes (beyond moto's known artifacts), the apply worked and AWS holds the
    new value; see each scenario's docstring for what it asserts."""
    run = finished(runs, stack)
    run.require("apply", "drift")
    outcome = run.scenario_outcomes.get(scenario)
    if outcome is None or "plan" not in outcome.seconds:
        run.require("scenarios")  # the step's own failure text
        pytest.fail(f"[{stack}] scenario {scenario!r} never ran")
    if scenario == list(run.scenario_outcomes)[-1]:
        run.require("scenarios")  # a failed step stopped at this scenario: its Terraform error
    assert not outcome.problems, report(
        f"[{stack}] {scenario}", outcome.problems, f"its own changes: {outcome.own_changes}"
    )


# The scenarios that change one settings key: their real plans check what docs/changing-settings.md says of that key
# (aurora_web/tools/key_effects.py, which reads the provider's force-new attributes from its source).
KEYED = [(stack, name) for stack, name in SCENARIOS_BY_NAME if name.split(" ")[0].startswith(("web.", "database."))]


def _value(document: dict, key: str):
    section, _, name = key.rpartition(".")
    return document.get(section, {}).get(name)


@pytest.mark.parametrize("stack, scenario", [pytest.param(*pair, id=f"{pair[0]}: {pair[1]}") for pair in KEYED])
def test_the_key_table_predicts_the_real_plan(runs, stack, scenario):
    """The generator's effect of the same change on the same settings (two syntheses, no AWS) has exactly the
    resource types and kinds of the scenario's real plan in the emulator."""
    from aurora_web.tools.key_effects import expected_effect

    run = finished(runs, stack)
    run.require("apply", "drift")
    outcome = run.scenario_outcomes.get(scenario)
    if outcome is None or "plan" not in outcome.seconds:
        pytest.fail(f"[{stack}] scenario {scenario!r} never ran")
    key = scenario.split(" ")[0]
    profile = outcome.before.get("profile", stack)
    predicted = expected_effect(key, profile, value=_value(outcome.after, key), base=outcome.before)
    by_kind = {"change": predicted.updated, "add": predicted.added, "destroy": predicted.removed}
    by_kind["replace"] = predicted.replaced
    expected = sorted((address.split(".")[0], kind) for kind, addresses in by_kind.items() for address in addresses)
    real = sorted((address.split(".")[0], kind) for address, kind in outcome.own_changes.items())
    assert real and real == expected, f"real plan {real}, key table {expected} ({predicted})"
