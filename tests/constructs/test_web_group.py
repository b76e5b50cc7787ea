"""The web group alone: its config's refusals, and the launch template and group a library user gets."""

import pytest

from constructs_lib.validation import ConfigError
from constructs_lib.web_group_config import WebGroupConfig
from constructs_lib.web_server_config import WebServerConfig


@pytest.mark.parametrize(
    "settings, keys",
    [
        ({"min_size": 5, "max_size": 3}, ["min_size"]),
        ({"min_size": 0}, ["min_size"]),
        ({"max_size": 21}, ["max_size"]),
        ({"scaling": "memory"}, ["scaling"]),
        ({"scaling_target": 60}, ["scaling_target"]),
        ({"scaling": "cpu", "scaling_target": 150}, ["scaling_target"]),
        ({"scaling": "requests", "scaling_target": 0}, ["scaling_target"]),
        (
            {"health_check_grace_seconds": -1, "instance_warmup_seconds": 4000},
            [
                "health_check_grace_seconds",
                "instance_warmup_seconds",
            ],
        ),
    ],
)
def test_bad_group_settings_are_refused_by_name(settings, keys):
    with pytest.raises(ConfigError) as raised:
        WebGroupConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == keys


def test_scaling_targets_default_per_metric_and_none_without_scaling():
    assert WebGroupConfig().target_value is None
    assert WebGroupConfig(scaling="cpu").target_value == 50
    assert WebGroupConfig(scaling="requests").target_value == 1000
    assert WebGroupConfig(scaling="cpu", scaling_target=70).target_value == 70


def build_group(config: WebGroupConfig, *, zones=None):
    from constructs_lib.web_group import WebGroup
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, ZONES, BareStack

    def build(stack):
        group = WebGroup(
            stack,
            "web",
            config,
            vpc_id=VPC_ID,
            subnet_ids=SUBNET_IDS,
            availability_zones=zones or ZONES,
            key_name="solo-key",
        )
        group.join_target_group(
            stack,
            "target",
            target_group_arn="arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef",
            port=80,
            resource_label="app/alb/0123456789abcdef/targetgroup/web/0123456789abcdef",
        )
        group.add_security_group("sg-0123456789abcdef0")
        return group

    return BareStack(build)


@pytest.fixture(scope="module")
def bare():
    server = WebServerConfig(name="solo", public=False, http_cidrs=(), user_data="#!/bin/bash\necho ${HOME}\n")
    return build_group(WebGroupConfig(server=server, scaling="requests", instance_tags={"Project": "solo"}))


def test_launch_template_requires_imdsv2_encrypts_its_root_and_gives_no_public_ip(bare):
    web_group = "${aws_security_group." + next(iter(bare.resources("aws_security_group"))) + ".id}"
    bare.has(
        "aws_launch_template",
        {
            "metadata_options": {
                "http_tokens": "required",
                "http_endpoint": "enabled",
                "http_put_response_hop_limit": 1,
            },
            "block_device_mappings": [
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "encrypted": "true",
                        "volume_type": "gp3",
                        "volume_size": 8,
                        "delete_on_termination": "true",
                    },
                }
            ],
            "network_interfaces": [
                {
                    "associate_public_ip_address": "false",
                    "device_index": 0,
                    "security_groups": [web_group, "sg-0123456789abcdef0"],
                }
            ],
            "monitoring": {"enabled": True},
            "update_default_version": True,
            "key_name": "solo-key",
        },
    )
    (template,) = bare.resources("aws_launch_template").values()
    assert "vpc_security_group_ids" not in template, "groups go on the network interface, never both"
    assert [spec["resource_type"] for spec in template["tag_specifications"]] == ["instance", "volume"]
    assert template["tag_specifications"][0]["tags"] == {"Project": "solo", "Name": "solo-web"}


def test_user_data_is_the_literal_script_in_base64(bare):
    import base64

    (template,) = bare.resources("aws_launch_template").values()
    assert base64.b64decode(template["user_data"]).decode() == "#!/bin/bash\necho ${HOME}\n"


def test_group_spans_the_subnets_joins_the_target_group_and_rolls_out_by_refresh(bare):
    from tests.support.bare_stack import SUBNET_IDS

    template = "aws_launch_template." + next(iter(bare.resources("aws_launch_template")))
    bare.has(
        "aws_autoscaling_group",
        {
            "vpc_zone_identifier": SUBNET_IDS,
            "target_group_arns": [
                "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef"
            ],
            "health_check_type": "ELB",
            "health_check_grace_period": 300,
            "min_size": 2,
            "max_size": 4,
            "wait_for_capacity_timeout": "10m",
            "launch_template": {
                "id": "${" + template + ".id}",
                "version": "${" + template + ".latest_version}",
            },
            "instance_refresh": {
                "strategy": "Rolling",
                "preferences": {"min_healthy_percentage": 100, "max_healthy_percentage": 200, "instance_warmup": "300"},
            },
            "metrics_granularity": "1Minute",
        },
    )
    (group,) = bare.resources("aws_autoscaling_group").values()
    assert "GroupInServiceInstances" in group["enabled_metrics"]
    assert "desired_capacity" not in group, "the group starts at min_size; scaling moves it, not the next apply"
    assert not bare.resources("aws_lb_target_group_attachment"), "the group registers its own instances"


def test_requests_scaling_tracks_the_target_groups_requests_per_instance(bare):
    bare.has(
        "aws_autoscaling_policy",
        {
            "policy_type": "TargetTrackingScaling",
            "target_tracking_configuration": {
                "target_value": 1000,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ALBRequestCountPerTarget",
                    "resource_label": "app/alb/0123456789abcdef/targetgroup/web/0123456789abcdef",
                },
            },
        },
    )


def test_cpu_scaling_and_no_scaling():
    server = WebServerConfig(name="solo", public=False, http_cidrs=())
    cpu = build_group(WebGroupConfig(server=server, scaling="cpu", scaling_target=60))
    (policy,) = cpu.resources("aws_autoscaling_policy").values()
    metric = policy["target_tracking_configuration"]["predefined_metric_specification"]
    assert metric == {"predefined_metric_type": "ASGAverageCPUUtilization"}
    assert policy["target_tracking_configuration"]["target_value"] == 60
    assert not build_group(WebGroupConfig(server=server)).resources("aws_autoscaling_policy")


def test_one_zone_is_refused():
    with pytest.raises(ValueError, match="2 or more availability zones"):
        build_group(WebGroupConfig(), zones=["us-east-1a", "us-east-1a"])
