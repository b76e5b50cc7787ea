"""The change scenarios' judges notice what they must (no emulator): a plan's own changes leave out moto's known
artifacts and nothing else, and an expectation fails on a missing, an extra or a differently classed change."""

from __future__ import annotations

from tests.support.change_scenarios import expectation_problems, own_changes
from tests.support.plan_json import resource_change

# The cluster's update is one of moto's artifacts only (scaling_configuration read back as an all-null block).
ARTIFACT_ONLY = resource_change(
    "aws_rds_cluster.db",
    ["update"],
    {"scaling_configuration": [{"max_capacity": None, "min_capacity": None}]},
    {"scaling_configuration": []},
)
INSTANCE_TYPE = resource_change(
    "aws_instance.web", ["update"], {"instance_type": "t3.micro"}, {"instance_type": "t3.small"}
)
NEW_READER = resource_change("aws_rds_cluster_instance.reader_2", ["create"], {}, {"identifier": "db-reader-2"})


def test_own_changes_leave_out_an_update_that_is_only_an_emulator_artifact():
    plan = {"resource_changes": [ARTIFACT_ONLY, INSTANCE_TYPE, NEW_READER]}
    assert own_changes(plan) == {"aws_instance.web": "change", "aws_rds_cluster_instance.reader_2": "add"}


def test_own_changes_keep_an_artifact_resource_that_also_changes_for_real():
    both = resource_change(
        "aws_rds_cluster.db",
        ["update"],
        {**ARTIFACT_ONLY["change"]["before"], "backup_retention_period": 7},
        {**ARTIFACT_ONLY["change"]["after"], "backup_retention_period": 21},
    )
    assert own_changes({"resource_changes": [both]}) == {"aws_rds_cluster.db": "change"}


def test_expectation_holds_exactly():
    found = {"aws_instance.web": "change"}
    assert expectation_problems(found, {("aws_instance", "change"): 1}) == []
    assert expectation_problems({}, {}) == []


def test_expectation_fails_on_a_missing_an_extra_or_a_differently_classed_change():
    expected = {("aws_instance", "change"): 1}
    assert expectation_problems({}, expected) == ["change aws_instance: 0 planned, 1 expected []"]
    extra = {"aws_instance.web": "change", "aws_rds_cluster.db": "replace"}
    assert expectation_problems(extra, expected) == [
        "replace aws_rds_cluster: 1 planned, 0 expected ['aws_rds_cluster.db']"
    ]
    assert len(expectation_problems({"aws_instance.web": "replace"}, expected)) == 2
