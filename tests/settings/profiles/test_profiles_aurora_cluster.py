"""aurora_cluster in the settings profiles: moved from tests/constructs, which builds it alone."""

from constructs_lib.aurora_cluster import DEFAULT_ENGINE_VERSION
from tests.support.synthesized import Synthesized, make_config, reference


def test_engine_is_aurora_mysql_on_a_pinned_lts_version(dev):
    assert DEFAULT_ENGINE_VERSION.startswith("8.0.mysql_aurora.3.10.")
    dev.has(
        "aws_rds_cluster",
        {"engine": "aurora-mysql", "engine_version": DEFAULT_ENGINE_VERSION, "engine_mode": "provisioned"},
    )


def test_cluster_is_secure_by_default(dev):
    dev.has(
        "aws_rds_cluster",
        {
            "cluster_identifier": "aurora-web-db-cluster",
            "database_name": "sample",
            "master_username": "admin",
            "manage_master_user_password": True,
            "storage_encrypted": True,
            "backup_retention_period": 7,
            "copy_tags_to_snapshot": True,
            "iam_database_authentication_enabled": True,
            "enabled_cloudwatch_logs_exports": ["audit", "error", "general", "slowquery"],
        },
    )


def keys_everywhere(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys_everywhere(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys_everywhere(item)


def test_no_password_argument_anywhere_in_the_json(dev, prod):
    for stack in (dev, prod):
        password_keys = {key for key in keys_everywhere(stack.json) if "password" in key.lower()}
        assert password_keys == {"manage_master_user_password"}


def test_tls_is_enforced_by_the_cluster_parameter_group(dev):
    group = dev.address("aws_rds_cluster_parameter_group", "cluster-parameters")
    parameters = dev.only("aws_rds_cluster_parameter_group")
    assert parameters["family"] == "aurora-mysql8.0"
    assert {"name": "require_secure_transport", "value": "ON"} in parameters["parameter"]
    assert dev.only("aws_rds_cluster")["db_cluster_parameter_group_name"] == reference(group, "name")


def test_subnet_group_covers_the_private_subnets(dev):
    private = sorted(
        reference(f"aws_subnet.{name}")
        for name, subnet in dev.resources("aws_subnet").items()
        if subnet["tags"]["Tier"] == "private"
    )
    assert sorted(dev.only("aws_db_subnet_group")["subnet_ids"]) == private
    group = reference(dev.address("aws_db_subnet_group", "subnet-group"), "name")
    assert dev.only("aws_rds_cluster")["db_subnet_group_name"] == group


def test_one_writer_and_one_reader_in_different_zones(dev):
    instances = dev.resources("aws_rds_cluster_instance")
    writer = next(item for name, item in instances.items() if "writer" in name)
    readers = [item for name, item in instances.items() if "reader" in name]
    assert len(readers) == 1
    assert writer["promotion_tier"] == 0 and all(reader["promotion_tier"] == 1 for reader in readers)
    assert writer["availability_zone"] != readers[0]["availability_zone"]
    for instance in instances.values():
        assert instance["instance_class"] == "db.t3.medium"
        assert instance["publicly_accessible"] is False
        assert instance["cluster_identifier"] == reference(dev.address("aws_rds_cluster", "cluster"))


def test_readers_are_created_after_the_writer(dev):
    writer = dev.address("aws_rds_cluster_instance", "writer")
    readers = [reader for name, reader in dev.resources("aws_rds_cluster_instance").items() if "reader" in name]
    assert len(readers) == 1
    for reader in readers:
        assert reader["depends_on"] == [writer]


def test_readers_round_robin_over_the_zones(key_directory):
    stack = Synthesized(make_config(key_directory, {"database": {"reader_count": 3}}))
    instances = stack.resources("aws_rds_cluster_instance")
    assert len(instances) == 4
    zones = [instances[name]["availability_zone"] for name in sorted(instances, key=lambda n: ("reader" in n, n))]
    assert zones[0] != zones[1] and zones[1] != zones[2] and zones[0] == zones[2]


def test_dev_is_easy_to_tear_down_and_prod_is_protected(dev, prod):
    dev.has("aws_rds_cluster", {"deletion_protection": False, "skip_final_snapshot": True})
    assert "final_snapshot_identifier" not in dev.only("aws_rds_cluster")
    prod.has(
        "aws_rds_cluster",
        {
            "deletion_protection": True,
            "skip_final_snapshot": False,
            # Unique per cluster (its creation time), kept by ignore_changes: a second teardown works.
            "final_snapshot_identifier": 'aurora-web-db-cluster-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
        },
    )
    cluster, (key,) = prod.only("aws_rds_cluster"), prod.resources("aws_kms_key").values()
    assert "final_snapshot_identifier" in cluster["lifecycle"]["ignore_changes"]
    # prod: Terraform refuses to destroy the cluster or its key; dev: neither is protected.
    assert cluster["lifecycle"]["prevent_destroy"] is True and key["lifecycle"] == {"prevent_destroy": True}
    assert "prevent_destroy" not in dev.only("aws_rds_cluster")["lifecycle"]
    assert all("lifecycle" not in key for key in dev.resources("aws_kms_key").values())


def test_lts_instances_run_without_automatic_minor_upgrades_and_patches_are_no_change(dev, prod):
    for stack in (dev, prod):
        instances = stack.resources("aws_rds_cluster_instance").values()
        assert len(instances) == 2 and all(i["auto_minor_version_upgrade"] is False for i in instances)
        lifecycle = stack.only("aws_rds_cluster")["lifecycle"]
        assert "engine_version" in lifecycle["ignore_changes"]
        (check,) = lifecycle["postcondition"]
        assert check["condition"] == '${startswith(self.engine_version_actual, "8.0.mysql_aurora.3.10.")}'


def test_prod_chooses_its_windows_and_ca_and_dev_leaves_them_to_aws(dev, prod):
    prod.has(
        "aws_rds_cluster",
        {"preferred_backup_window": "03:00-04:00", "preferred_maintenance_window": "sun:05:00-sun:06:00"},
    )
    assert {i.get("ca_cert_identifier") for i in prod.resources("aws_rds_cluster_instance").values()} == {
        "rds-ca-rsa2048-g1"
    }
    assert "preferred_backup_window" not in dev.only("aws_rds_cluster")
    assert all("ca_cert_identifier" not in i for i in dev.resources("aws_rds_cluster_instance").values())


def test_backtrack_and_enhanced_monitoring_in_both_profiles(dev, prod):
    for stack in (dev, prod):
        stack.has("aws_rds_cluster", {"backtrack_window": 24 * 3600})
        role = reference(stack.address("aws_iam_role", "monitoring-role"), "arn")
        assert len(stack.resources("aws_rds_cluster_instance")) == 2
        for instance in stack.resources("aws_rds_cluster_instance").values():
            assert instance["monitoring_interval"] == 60 and instance["monitoring_role_arn"] == role
        stack.has(
            "aws_iam_role_policy_attachment",
            {"policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
        )


def test_prod_runs_performance_insights_on_a_class_that_supports_it(dev, prod):
    assert len(prod.resources("aws_rds_cluster_instance")) == len(dev.resources("aws_rds_cluster_instance")) == 2
    for instance in prod.resources("aws_rds_cluster_instance").values():
        assert instance["instance_class"] == "db.t4g.medium"
        assert instance["performance_insights_enabled"] is True
    for instance in dev.resources("aws_rds_cluster_instance").values():
        assert instance["performance_insights_enabled"] is False


def test_no_public_access_on_any_instance(dev, prod):
    for stack in (dev, prod):
        instances = stack.resources("aws_rds_cluster_instance").values()
        assert len(instances) == 2, "a writer and a reader"
        for instance in instances:
            assert instance["publicly_accessible"] is False


LOGS = ("audit", "error", "general", "slowquery")


def test_profiles_own_the_log_groups_dev_for_30_days_prod_for_a_year_both_under_the_key(dev, prod):
    for stack, days in ((dev, 30), (prod, 365)):
        groups = [
            group for group in stack.resources("aws_cloudwatch_log_group").values() if "/aws/rds/" in group["name"]
        ]
        assert sorted(group["name"] for group in groups) == [
            f"/aws/rds/cluster/aurora-web-db-cluster/{log}" for log in LOGS
        ]
        assert all(group["retention_in_days"] == days for group in groups)
        key = reference(stack.address("aws_kms_key", "encryption-key"), "arn")
        assert all(group["kms_key_id"] == key for group in stack.resources("aws_cloudwatch_log_group").values())


def test_log_groups_false_leaves_them_to_rds(key_directory):
    stack = Synthesized(make_config(key_directory, {"database": {"log_groups": False}}), "rds-logs")
    names = [group["name"] for group in stack.resources("aws_cloudwatch_log_group").values()]
    assert names == ["/aurora-web/vpc-flow-logs"], "only the flow logs' own group"
    assert "depends_on" in stack.only("aws_rds_cluster"), "still after the web server"


def test_serverless_v2_cluster_has_a_capacity_range_and_serverless_instances(serverless):
    serverless.has(
        "aws_rds_cluster",
        {"engine_mode": "provisioned", "serverlessv2_scaling_configuration": {"min_capacity": 0.5, "max_capacity": 8}},
    )
    instances = serverless.resources("aws_rds_cluster_instance")
    assert len(instances) == 2
    for instance in instances.values():
        assert instance["instance_class"] == "db.serverless"
        assert instance["performance_insights_enabled"] is True, "Serverless v2 supports Performance Insights"


def test_provisioned_cluster_keeps_its_class_and_has_no_capacity_range(scaled):
    assert "serverlessv2_scaling_configuration" not in scaled.only("aws_rds_cluster")
    assert len(scaled.resources("aws_rds_cluster_instance")) == 2
    for instance in scaled.resources("aws_rds_cluster_instance").values():
        assert instance["instance_class"] == "db.t4g.medium"


def test_windows_ca_and_instance_parameter_group(scaled, serverless):
    for stack in (scaled, serverless):
        stack.has(
            "aws_rds_cluster",
            {"preferred_backup_window": "03:00-04:00", "preferred_maintenance_window": "sun:05:00-sun:06:00"},
        )
        group = stack.address("aws_db_parameter_group", "instance-parameters")
        stack.has(
            "aws_db_parameter_group",
            {
                "family": "aurora-mysql8.0",
                "name_prefix": "aurora-web-db-cluster-instance-",
                "lifecycle": {"create_before_destroy": True},
                "parameter": [
                    {"name": "long_query_time", "value": "2", "apply_method": "pending-reboot"},
                    {"name": "slow_query_log", "value": "1", "apply_method": "pending-reboot"},
                ],
            },
        )
        assert len(stack.resources("aws_rds_cluster_instance")) == 2
        for instance in stack.resources("aws_rds_cluster_instance").values():
            assert instance["ca_cert_identifier"] == "rds-ca-rsa2048-g1"
            assert instance["db_parameter_group_name"] == reference(group, "name")


def test_master_secret_rotation_is_scheduled_on_the_managed_secret(scaled):
    cluster = scaled.address("aws_rds_cluster", "cluster")
    scaled.has(
        "aws_secretsmanager_secret_rotation",
        {
            "secret_id": reference(cluster, "master_user_secret[0].secret_arn"),
            "rotate_immediately": False,
            "rotation_rules": {"automatically_after_days": 30},
        },
    )
    assert "rotation_lambda_arn" not in scaled.only("aws_secretsmanager_secret_rotation"), "managed rotation"


def test_log_groups_per_export_with_retention_and_the_stack_key_before_the_cluster(scaled):
    key = reference(scaled.address("aws_kms_key", "encryption-key"), "arn")
    for log in LOGS:
        scaled.has(
            "aws_cloudwatch_log_group",
            {"name": f"/aws/rds/cluster/aurora-web-db-cluster/{log}", "retention_in_days": 365, "kms_key_id": key},
        )
    depends = scaled.only("aws_rds_cluster")["depends_on"]
    groups = [scaled.address("aws_cloudwatch_log_group", f"log-group-{log}") for log in LOGS]
    web = scaled.web_tier()
    assert depends == [*groups, web], "the log groups and the web tier (create_after) both come first"


def test_log_groups_wait_for_nothing_of_ec2_and_everything_of_the_cluster_waits_for_ec2(scaled, serverless):
    from tests.support.dependency_graph import depends_on, edges_from_json

    for stack in (scaled, serverless):
        graph = edges_from_json(stack.json)
        instance, cluster = stack.web_tier(), stack.address("aws_rds_cluster", "cluster")
        assert depends_on(graph, cluster, instance) and not depends_on(graph, instance, cluster)
        groups = [f"aws_cloudwatch_log_group.{name}" for name in stack.resources("aws_cloudwatch_log_group")]
        groups = [group for group in groups if "log-group-" in group]
        assert len(groups) == len(LOGS)
        for group in groups:
            assert depends_on(graph, cluster, group)
            assert not depends_on(graph, group, instance), f"{group} must not wait for the web server"
        assert len(stack.resources("aws_rds_cluster_instance")) == 2 and stack.resources("aws_cloudwatch_metric_alarm")
        for resource_type in (
            "aws_rds_cluster_instance",
            "aws_secretsmanager_secret_rotation",
            "aws_appautoscaling_target",
            "aws_appautoscaling_policy",
            "aws_cloudwatch_metric_alarm",
        ):
            for name, resource in stack.resources(resource_type).items():
                if resource.get("namespace", "AWS/RDS") != "AWS/RDS":
                    continue  # the web tier's alarms (load balancer, group) are not the cluster's
                assert depends_on(graph, f"{resource_type}.{name}", instance), f"{resource_type}.{name}"


def test_log_groups_without_a_stack_key_are_unencrypted_not_broken(key_directory):
    from dataclasses import replace

    config = make_config(key_directory, {"customer_managed_key": False})
    stack = Synthesized(replace(config, database=replace(config.database, log_retention_days=30)), "dev-logs")
    groups = stack.resources("aws_cloudwatch_log_group").values()
    assert len(groups) == len(LOGS) + 1  # and the flow logs' group
    for group in groups:
        assert group["retention_in_days"] == 30 and "kms_key_id" not in group
