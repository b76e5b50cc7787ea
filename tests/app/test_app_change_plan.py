"""The emulator's app change scenario judges a plan (tests/support/app_change.py): only the instance and the archive
may be replaced; what the drift plan already showed (the emulator's known artifacts) is not the change's doing."""

from __future__ import annotations

from tests.support.app_change import CHANGE_MARKER, changed_app, unexpected_changes


def plan(*changes: tuple[str, str, list[str]]) -> dict:
    return {
        "resource_changes": [
            {"address": address, "type": kind, "change": {"actions": actions}} for address, kind, actions in changes
        ]
    }


INSTANCE = ("aws_instance.web-server_instance_1", "aws_instance", ["create", "delete"])
ARCHIVE = ("aws_s3_object.app-artifact_archive_2", "aws_s3_object", ["delete", "create"])
CLUSTER_ARTIFACT = ("aws_rds_cluster.database_cluster_3", "aws_rds_cluster", ["update"])


def test_replacing_the_instance_and_the_archive_is_the_change():
    assert unexpected_changes(plan(INSTANCE, ARCHIVE, ("x.y", "aws_vpc", ["no-op"])), plan()) == []


def test_the_emulators_known_in_place_updates_are_not_the_changes_doing():
    assert unexpected_changes(plan(INSTANCE, ARCHIVE, CLUSTER_ARTIFACT), plan(CLUSTER_ARTIFACT)) == []


def test_anything_else_is_reported():
    replaced_cluster = ("aws_rds_cluster.database_cluster_3", "aws_rds_cluster", ["delete", "create"])
    key_update = ("aws_kms_key.encryption-key_4", "aws_kms_key", ["update"])
    assert unexpected_changes(plan(INSTANCE, replaced_cluster, key_update), plan(CLUSTER_ARTIFACT)) == [
        "aws_rds_cluster.database_cluster_3: delete+create",
        "aws_kms_key.encryption-key_4: update",
    ]
    updated_instance = ("aws_instance.web-server_instance_1", "aws_instance", ["update"])
    assert unexpected_changes(plan(updated_instance), plan()) == ["aws_instance.web-server_instance_1: update"]


def test_a_groups_app_change_is_a_new_template_version_that_the_group_follows():
    template = ("aws_launch_template.web-group_launch-template_5", "aws_launch_template", ["update"])
    group = ("aws_autoscaling_group.web-group_group_6", "aws_autoscaling_group", ["update"])
    assert unexpected_changes(plan(template, group, ARCHIVE), plan(), "group") == []
    assert unexpected_changes(plan(INSTANCE, ARCHIVE), plan(), "group") == [
        "aws_instance.web-server_instance_1: create+delete"
    ]
    replaced_group = ("aws_autoscaling_group.web-group_group_6", "aws_autoscaling_group", ["create", "delete"])
    assert unexpected_changes(plan(replaced_group, ARCHIVE), plan(), "group") == [
        "aws_autoscaling_group.web-group_group_6: create+delete"
    ]


def test_the_changed_app_is_a_copy_with_one_line_more(tmp_path):
    from constructs_lib.app_artifact_config import AppArtifactConfig
    from constructs_lib.web_app.bundle import default_source_directory

    app = changed_app(tmp_path / "app")
    original = (default_source_directory() / "__init__.py").read_text()
    assert (app / "__init__.py").read_text() == original + CHANGE_MARKER
    assert (app / "requirements.txt").read_bytes() == (default_source_directory() / "requirements.txt").read_bytes()
    assert AppArtifactConfig(source_directory=app).object_key != AppArtifactConfig().object_key
