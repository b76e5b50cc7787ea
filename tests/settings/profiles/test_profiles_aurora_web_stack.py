"""aurora_web_stack in the settings profiles: moved from tests/constructs, which builds it alone."""

import copy
import json

import pytest
from cdktf import Testing as CdktfTesting

from tests.support.dependency_graph import depends_on, edges_from_json, edges_from_terraform_graph
from tests.support.synthesized import require_program
from tests.support.terraform_offline import initialized, validate

OUTPUTS = [
    "web_public_dns",
    "web_public_ip",
    "web_url",
    "ssh_command",
    "key_pair_name",
    "writer_endpoint",
    "reader_endpoint",
    "database_port",
    "database_name",
    "master_secret_arn",
]


def test_all_outputs_are_declared_and_point_at_the_right_resources(dev):
    outputs = dev.json["output"]
    assert sorted(outputs) == sorted(OUTPUTS)
    instance = dev.address("aws_instance", "instance")
    cluster = dev.address("aws_rds_cluster", "cluster")
    assert outputs["web_public_dns"]["value"] == "${" + instance + ".public_dns}"
    assert outputs["web_url"]["value"] == "http://${" + instance + ".public_dns}"
    assert outputs["writer_endpoint"]["value"] == "${" + cluster + ".endpoint}"
    assert outputs["reader_endpoint"]["value"] == "${" + cluster + ".reader_endpoint}"
    assert outputs["master_secret_arn"]["value"] == "${" + cluster + ".master_user_secret[0].secret_arn}"
    assert outputs["database_port"]["value"] == 3306 and outputs["database_name"]["value"] == "sample"
    assert all(output.get("description") for output in outputs.values())


def test_ssh_command_uses_session_manager_without_ssh_and_the_key_with_it(dev, key_directory):
    assert dev.json["output"]["ssh_command"]["value"].startswith(
        "aws ssm start-session --region us-east-1 --target ${aws_instance."
    )
    from tests.support.samples import CERTIFICATE_ARN
    from tests.support.synthesized import Synthesized, make_config

    document = {
        "profile": "prod",
        "web": {"ssh_cidr": "203.0.113.7/32", "fleet": "instance"},
        "load_balancer": {"certificate_arn": CERTIFICATE_ARN},
    }
    single = Synthesized(make_config(key_directory, document), "prod-instance")
    assert single.json["output"]["ssh_command"]["value"].startswith("ssh -i ")
    # prod's server has no public address: SSH goes to its private name (VPN or peered network).
    assert single.json["output"]["ssh_command"]["value"].endswith(
        "aurora-web-key.pem ec2-user@${" + single.address("aws_instance", "instance") + ".private_dns}"
    )


def test_a_group_names_itself_and_opens_a_shell_on_one_of_its_instances_through_session_manager(prod):
    outputs = prod.json["output"]
    group = prod.address("aws_autoscaling_group", "web-group")
    assert outputs["web_group_name"]["value"] == "${" + group + ".name}"
    assert not {"web_public_dns", "web_public_ip", "web_url"} & set(outputs), "a group has no one address"
    assert outputs["ssh_command"]["value"] == (
        "aws ssm start-session --region us-east-1 --target $(aws autoscaling describe-auto-scaling-groups "
        "--region us-east-1 --auto-scaling-group-names ${" + group + ".name} "
        "--query 'AutoScalingGroups[0].Instances[0].InstanceId' --output text)"
    )


def test_provider_carries_the_region_and_default_tags(key_directory):
    from tests.support.synthesized import Synthesized, make_config

    stack = Synthesized(make_config(key_directory, {"region": "eu-west-1", "tags": {"team": "web"}}))
    assert CdktfTesting.to_have_provider_with_properties(
        stack.text, "aws", {"region": "eu-west-1", "default_tags": [{"tags": {"team": "web", "Project": "aurora-web"}}]}
    )


def test_cluster_waits_for_the_instance_in_the_json_graph(dev):
    graph = edges_from_json(dev.json)
    instance, cluster = dev.address("aws_instance", "instance"), dev.address("aws_rds_cluster", "cluster")
    assert depends_on(graph, cluster, instance)
    assert not depends_on(graph, instance, cluster), "the instance must not wait for the cluster"
    assert len(dev.resources("aws_rds_cluster_instance")) == 2
    for name in dev.resources("aws_rds_cluster_instance"):
        assert depends_on(graph, f"aws_rds_cluster_instance.{name}", instance)


def test_without_the_dependency_the_order_check_fails(dev):
    """The check above is not vacuous: remove depends_on and the cluster no longer waits for the instance."""
    document = copy.deepcopy(dev.json)
    for cluster in document["resource"]["aws_rds_cluster"].values():
        cluster.pop("depends_on")
    graph = edges_from_json(document)
    assert not depends_on(graph, dev.address("aws_rds_cluster", "cluster"), dev.address("aws_instance", "instance"))


@pytest.fixture(scope="session")
def initialized_stack_dir(dev):
    """The whole app written to disk by CdktfTesting.full_synth, then `terraform init` from the offline mirror."""
    return initialized(dev)


@pytest.mark.integration
def test_terraform_graph_puts_the_instance_before_the_cluster(dev, initialized_stack_dir):
    graph = edges_from_terraform_graph(initialized_stack_dir)
    instance, cluster = dev.address("aws_instance", "instance"), dev.address("aws_rds_cluster", "cluster")
    assert depends_on(graph, cluster, instance), f"terraform graph has no path {cluster} -> {instance}"
    assert not depends_on(graph, instance, cluster)


@pytest.mark.integration
def test_terraform_validate_passes_offline(initialized_stack_dir):
    result = validate(initialized_stack_dir)
    assert result["valid"], json.dumps(result["diagnostics"], indent=1)
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)


@pytest.mark.integration
def test_cdktf_testing_calls_the_full_synth_valid_terraform(dev, initialized_stack_dir):
    require_program("terraform")
    assert CdktfTesting.to_be_valid_terraform(CdktfTesting.full_synth(dev.stack))
