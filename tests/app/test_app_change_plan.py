"""The emulator's app change scenario judges a plan (tests/support/app_change.py): only the instance (or the launch
template and its group) and the archive may change; an update that is only moto's known read-back artifact is not
the change's doing, and one that changes anything else is reported."""

from __future__ import annotations

from tests.support.app_change import CHANGE_MARKER, changed_app, unexpected_changes
from tests.support.plan_json import plan, resource_change

INSTANCE = resource_change("aws_instance.web-server_instance_1", ["create", "delete"])
ARCHIVE = resource_change("aws_s3_object.app-artifact_archive_2", ["delete", "create"])
# moto reads a provisioned cluster's scaling configuration back as an all-null block: every plan shows this update.
CLUSTER_ARTIFACT = resource_change(
    "aws_rds_cluster.database_cluster_3",
    ["update"],
    {"scaling_configuration": [{"max_capacity": None, "min_capacity": None}]},
    {"scaling_configuration": []},
)


def test_replacing_the_instance_and_the_archive_is_the_change():
    unchanged = resource_change("aws_vpc.network_vpc_4", ["no-op"])
    assert unexpected_changes(plan(INSTANCE, ARCHIVE, unchanged)) == []


def test_the_emulators_known_in_place_updates_are_not_the_changes_doing():
    assert unexpected_changes(plan(INSTANCE, ARCHIVE, CLUSTER_ARTIFACT)) == []


def test_anything_else_is_reported():
    replaced_cluster = resource_change("aws_rds_cluster.database_cluster_3", ["delete", "create"])
    key_update = resource_change(
        "aws_kms_key.encryption-key_4", ["update"], {"enable_key_rotation": True}, {"enable_key_rotation": False}
    )
    assert unexpected_changes(plan(INSTANCE, replaced_cluster, key_update)) == [
        "aws_rds_cluster.database_cluster_3: replace",
        "aws_kms_key.encryption-key_4: change",
    ]
    updated_instance = resource_change(
        "aws_instance.web-server_instance_1", ["update"], {"user_data": "old"}, {"user_data": "new"}
    )
    assert unexpected_changes(plan(updated_instance)) == ["aws_instance.web-server_instance_1: change"]


def test_an_artifact_resource_that_also_changes_for_real_is_reported():
    before, after = CLUSTER_ARTIFACT["change"]["before"], CLUSTER_ARTIFACT["change"]["after"]
    cluster = resource_change(
        CLUSTER_ARTIFACT["address"],
        ["update"],
        {**before, "master_username": "admin"},
        {**after, "master_username": "root"},
    )
    assert unexpected_changes(plan(INSTANCE, ARCHIVE, cluster)) == ["aws_rds_cluster.database_cluster_3: change"]


def test_a_groups_app_change_is_a_new_template_version_that_the_group_follows():
    template = resource_change(
        "aws_launch_template.web-group_launch-template_5", ["update"], {"user_data": "old"}, {"user_data": "new"}
    )
    group = resource_change(
        "aws_autoscaling_group.web-group_group_6",
        ["update"],
        {"launch_template": [{"version": "1"}]},
        {"launch_template": [{"version": "2"}]},
    )
    assert unexpected_changes(plan(template, group, ARCHIVE), "group") == []
    assert unexpected_changes(plan(INSTANCE, ARCHIVE), "group") == ["aws_instance.web-server_instance_1: replace"]
    replaced_group = resource_change("aws_autoscaling_group.web-group_group_6", ["create", "delete"])
    assert unexpected_changes(plan(replaced_group, ARCHIVE), "group") == [
        "aws_autoscaling_group.web-group_group_6: replace"
    ]


def test_the_changed_app_is_a_copy_with_one_line_more(tmp_path):
    from constructs_lib.app_artifact_config import AppArtifactConfig
    from constructs_lib.web_app.bundle import default_source_directory

    app = changed_app(tmp_path / "app")
    original = (default_source_directory() / "__init__.py").read_text()
    assert (app / "__init__.py").read_text() == original + CHANGE_MARKER
    assert (app / "requirements.txt").read_bytes() == (default_source_directory() / "requirements.txt").read_bytes()
    assert AppArtifactConfig(source_directory=app).object_key != AppArtifactConfig().object_key
