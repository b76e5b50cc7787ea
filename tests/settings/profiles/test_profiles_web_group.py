"""The web group in the settings profiles: prod runs a group across two AZs, dev one instance (issue 20)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest

from constructs_lib.aurora_alarms_config import AuroraAlarmsConfig
from tests.support.dependency_graph import depends_on, edges_from_json, edges_from_terraform_graph
from tests.support.synthesized import Synthesized, make_config, reference
from tests.support.terraform_offline import initialized, validate


def test_prod_runs_a_group_of_two_or_more_and_no_instance_dev_one_instance(dev, prod):
    assert not prod.resources("aws_instance")
    group = prod.only("aws_autoscaling_group")
    assert group["min_size"] >= 2 and group["max_size"] >= group["min_size"]
    assert len(dev.resources("aws_instance")) == 1
    assert not dev.resources("aws_autoscaling_group") and not dev.resources("aws_launch_template")


def test_prods_group_spans_private_subnets_in_two_or_more_zones(prod):
    subnets = [item.split(".")[1] for item in prod.only("aws_autoscaling_group")["vpc_zone_identifier"]]
    zones = {prod.resources("aws_subnet")[name]["availability_zone"] for name in subnets}
    tiers = {prod.resources("aws_subnet")[name]["tags"]["Tier"] for name in subnets}
    assert len(zones) >= 2 and tiers == {"private"}


def test_prods_group_is_the_load_balancers_target_with_elb_health_checks(prod):
    target_group = prod.address("aws_lb_target_group", "target-group")
    prod.has(
        "aws_autoscaling_group",
        {"target_group_arns": [reference(target_group, "arn")], "health_check_type": "ELB"},
    )
    assert not prod.resources("aws_lb_target_group_attachment"), "the group registers its instances itself"


def test_prods_launch_template_carries_imdsv2_encryption_no_public_ip_and_the_database_group(prod):
    template = prod.only("aws_launch_template")
    assert template["metadata_options"]["http_tokens"] == "required"
    assert template["block_device_mappings"][0]["ebs"]["encrypted"] == "true"
    (interface,) = template["network_interfaces"]
    assert interface["associate_public_ip_address"] == "false"
    connection = reference(prod.address("aws_security_group", "ec2-security-group"))
    assert interface["security_groups"] == [reference(prod.web_security_group()), connection]
    # The provider's default tags never reach what a group launches: the launch template tags them itself.
    assert template["tag_specifications"][0]["tags"]["Profile"] == "prod"


def test_a_launch_template_change_is_a_new_version_the_group_refreshes_to(prod):
    template = prod.address("aws_launch_template", "launch-template")
    group = prod.only("aws_autoscaling_group")
    assert prod.only("aws_launch_template")["update_default_version"] is True
    assert group["launch_template"]["version"] == reference(template, "latest_version")
    assert group["instance_refresh"]["strategy"] == "Rolling"
    assert group["instance_refresh"]["preferences"]["min_healthy_percentage"] == 100


def test_cluster_waits_for_the_group_in_the_json_graph(prod):
    graph = edges_from_json(prod.json)
    group, cluster = prod.web_tier(), prod.address("aws_rds_cluster", "cluster")
    assert group.startswith("aws_autoscaling_group.")
    assert depends_on(graph, cluster, group)
    assert not depends_on(graph, group, cluster), "the group must not wait for the cluster"
    for name in prod.resources("aws_rds_cluster_instance"):
        assert depends_on(graph, f"aws_rds_cluster_instance.{name}", group)
    document = copy.deepcopy(prod.json)
    for resource in document["resource"]["aws_rds_cluster"].values():
        resource.pop("depends_on")
    assert not depends_on(edges_from_json(document), cluster, group), "the check is not vacuous"


def test_prod_with_one_instance_by_setting(key_directory):
    from tests.support.samples import CERTIFICATE_ARN

    document = {"profile": "prod", "web": {"fleet": "instance"}, "load_balancer": {"certificate_arn": CERTIFICATE_ARN}}
    stack = Synthesized(make_config(key_directory, document), "prod-one-instance")
    assert len(stack.resources("aws_instance")) == 1 and not stack.resources("aws_autoscaling_group")
    stack.has("aws_lb_target_group_attachment", {"target_id": reference(stack.web_tier())})


# -- alarms -------------------------------------------------------------------------------------------------------
def web_alarms(stack) -> dict[str, dict]:
    alarms = stack.resources("aws_cloudwatch_metric_alarm").values()
    return {alarm["alarm_name"]: alarm for alarm in alarms if alarm["namespace"] != "AWS/RDS"}


def test_prods_web_alarms_go_to_the_alarm_topic(prod):
    alarms = web_alarms(prod)
    topic = reference(prod.address("aws_sns_topic", "topic"), "arn")
    load_balancer = reference(prod.address("aws_lb", "load-balancer"), "arn_suffix")
    target_group = reference(prod.address("aws_lb_target_group", "target-group"), "arn_suffix")
    group = reference(prod.web_tier(), "name")
    expected = {
        "aurora-web-web-alb-5xx": ("HTTPCode_ELB_5XX_Count", {"LoadBalancer": load_balancer}),
        "aurora-web-web-target-5xx": ("HTTPCode_Target_5XX_Count", {"LoadBalancer": load_balancer}),
        "aurora-web-web-unhealthy-hosts": (
            "UnHealthyHostCount",
            {"LoadBalancer": load_balancer, "TargetGroup": target_group},
        ),
        "aurora-web-web-in-service": ("GroupInServiceInstances", {"AutoScalingGroupName": group}),
    }
    assert {name: (alarm["metric_name"], alarm["dimensions"]) for name, alarm in alarms.items()} == expected
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic]
    in_service = alarms["aurora-web-web-in-service"]
    assert (in_service["comparison_operator"], in_service["threshold"]) == ("LessThanThreshold", 2)


def test_a_single_instance_alarms_on_status_checks_and_recovers(key_directory):
    config = make_config(key_directory, {"customer_managed_key": True})
    stack = Synthesized(replace(config, alarms=AuroraAlarmsConfig()), "dev-web-alarms")
    alarms = web_alarms(stack)
    instance = {"InstanceId": reference(stack.web_tier())}
    topic = reference(stack.address("aws_sns_topic", "topic"), "arn")
    assert {name: (alarm["metric_name"], alarm["dimensions"]) for name, alarm in alarms.items()} == {
        "aurora-web-web-status-check": ("StatusCheckFailed", instance),
        "aurora-web-web-auto-recover": ("StatusCheckFailed_System", instance),
    }
    assert alarms["aurora-web-web-auto-recover"]["alarm_actions"] == ["arn:aws:automate:us-east-1:ec2:recover", topic]


# -- Terraform's own view -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prod_stack_dir(prod):
    return initialized(prod)


@pytest.mark.integration
def test_terraform_graph_puts_the_group_before_the_cluster_and_validates(prod, prod_stack_dir):
    graph = edges_from_terraform_graph(prod_stack_dir)
    group, cluster = prod.web_tier(), prod.address("aws_rds_cluster", "cluster")
    assert depends_on(graph, cluster, group), f"terraform graph has no path {cluster} -> {group}"
    assert not depends_on(graph, group, cluster)
    result = validate(prod_stack_dir)
    assert result["valid"] and result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)
