"""Issue 14's stacks through Terraform itself, offline: valid, and the EC2-first order in `terraform graph`."""

import json

import pytest
from cdktf import Testing as CdktfTesting

from tests.support.dependency_graph import depends_on, edges_from_terraform_graph
from tests.support.terraform_offline import initialized, validate

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", ["serverless", "scaled"])
def test_full_synth_is_valid_terraform_without_warnings(name, request):
    stack = request.getfixturevalue(name)
    stack_dir = initialized(stack)
    result = validate(stack_dir)
    assert result["valid"], json.dumps(result["diagnostics"], indent=1)
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=1)
    assert CdktfTesting.to_be_valid_terraform(CdktfTesting.full_synth(stack.stack))
    if name == "scaled":
        graph = edges_from_terraform_graph(stack_dir)
        # prod's web tier is the group (EC2 before Aurora: the cluster waits for it), or one instance.
        web_tier = ("aws_autoscaling_group", "group") if stack.resources("aws_autoscaling_group") else None
        instance = stack.address(*(web_tier or ("aws_instance", "instance")))
        cluster = stack.address("aws_rds_cluster", "cluster")
        assert depends_on(graph, cluster, instance) and not depends_on(graph, instance, cluster)
        for group in stack.resources("aws_cloudwatch_log_group"):
            if "log-group-" in group:
                assert depends_on(graph, cluster, f"aws_cloudwatch_log_group.{group}")
                assert not depends_on(graph, f"aws_cloudwatch_log_group.{group}", instance)
        for address in (
            stack.address("aws_appautoscaling_policy", "policy"),
            stack.address("aws_cloudwatch_metric_alarm", "writer-cpu"),
            stack.address("aws_secretsmanager_secret_rotation", "rotation"),
        ):
            assert depends_on(graph, address, instance), address
