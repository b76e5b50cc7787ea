"""docs/changing-settings.md is generated: a fresh run of every key's change must give the committed page, and the
rows the change scenarios rely on must say what a real plan does (in place, adds, data loss)."""

from __future__ import annotations

import pytest

from aurora_web.tools.key_effects import DATA_LOSS, IN_PLACE, Table, all_effects
from aurora_web.tools.key_table import PAGE, page


@pytest.fixture(scope="module")
def table() -> Table:
    found = all_effects()
    print(f"\nkey table: {len(found.effects)} changes synthesized and compared in {found.seconds:.1f} s")
    return found


def effect(table: Table, key: str, profile: str):
    return next(item for item in table.effects if item.key == key and item.profile == profile)


def test_committed_page_is_current(table: Table) -> None:
    assert PAGE.read_text() == page(table), "docs/changing-settings.md is stale: run `make key-table`"


def test_every_leaf_key_has_a_row_per_profile(table: Table) -> None:
    from aurora_web.tools.key_variants import leaf_keys

    assert {(item.key, item.profile) for item in table.effects} == {
        (key, profile) for key in leaf_keys() for profile in ("dev", "prod")
    }


@pytest.mark.parametrize("key", ["name_prefix", "database.cluster_identifier", "customer_managed_key"])
@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_keys_that_replace_the_cluster_are_data_loss(table: Table, key: str, profile: str) -> None:
    found = effect(table, key, profile)
    assert found.kind == DATA_LOSS
    assert any(address.startswith("aws_rds_cluster.") for address in found.data_loss)


@pytest.mark.parametrize(
    ("key", "resource_type"),
    [
        ("web.instance_type", "aws_launch_template"),  # prod's group: a new template version, rolled out by refresh
        ("database.backup_retention_days", "aws_rds_cluster"),
        ("database.alarm_cpu_percent", "aws_cloudwatch_metric_alarm"),
    ],
)
def test_scenario_changes_are_in_place(table: Table, key: str, resource_type: str) -> None:
    found = effect(table, key, "prod")
    assert found.kind == IN_PLACE
    assert found.updated and all(address.startswith(f"{resource_type}.") for address in found.updated)
    assert not found.replaced and not found.removed


def test_one_more_reader_adds_an_instance(table: Table) -> None:
    found = effect(table, "database.reader_count", "dev")
    assert found.kind == IN_PLACE
    assert [address.split(".")[0] for address in found.added] == ["aws_rds_cluster_instance"]


def test_prevent_destroy_changes_nothing_in_aws_but_the_archive_buckets_force_destroy(table: Table) -> None:
    """prevent_destroy is Terraform's own guard; the archive bucket follows it (force_destroy only when lifted)."""
    found = effect(table, "database.prevent_destroy", "prod")
    assert found.kind == IN_PLACE and not (found.added or found.removed or found.replaced), found
    assert [address.split(".")[0] for address in found.updated] == ["aws_s3_bucket"], found


def test_a_source_other_than_the_pinned_provider_is_called_out() -> None:
    from aurora_web.tools.key_table import source_line

    source = {"repository": "hashicorp/terraform-provider-aws", "commit": "0" * 40, "provider_version": "5.32.0-dev"}
    assert "Not the pinned provider" in source_line(source, "5.100.0")
    assert "Not the pinned provider" not in source_line({**source, "provider_version": "5.100.0"}, "5.100.0")
