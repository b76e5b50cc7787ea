"""support/moto_additions.py through the tests' own server (support/moto_server.py), driven by boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

from tests.support.emulator import MotoServer
from tests.support.moto_additions import SCALABLE_TARGET_ARN, install

RDS = {"ServiceNamespace": "rds", "ScalableDimension": "rds:cluster:ReadReplicaCount"}
UNKNOWN_ARN = (
    "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0123456789abcdef0123456789abcdef0123"
)


@pytest.fixture(scope="module")
def scaling(tmp_path_factory):
    """An Application Auto Scaling client on a server of our own (the session's emulator stays untouched)."""
    server = MotoServer(tmp_path_factory.mktemp("moto-additions") / "moto.log").start()
    yield server.client("application-autoscaling")
    server.stop()


def register(scaling, cluster: str, **extra) -> str:
    return scaling.register_scalable_target(
        ResourceId=f"cluster:{cluster}", MinCapacity=1, MaxCapacity=4, **RDS, **extra
    )["ScalableTargetARN"]


def error_of(call, **arguments) -> dict:
    with pytest.raises(ClientError) as caught:
        call(**arguments)
    return caught.value.response


@pytest.mark.integration
def test_tags_given_at_registration_are_listed_under_the_targets_arn(scaling):
    arn = register(scaling, "tagged", Tags={"Project": "p", "Team": "web"})
    described = scaling.describe_scalable_targets(ResourceIds=["cluster:tagged"], **RDS)["ScalableTargets"]
    assert [target["ScalableTargetARN"] for target in described] == [arn]
    assert SCALABLE_TARGET_ARN.match(arn), arn
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "p", "Team": "web"}


@pytest.mark.integration
def test_a_target_registered_without_tags_lists_none(scaling):
    arn = register(scaling, "untagged")
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {}


@pytest.mark.integration
def test_tag_resource_adds_and_replaces_untag_resource_removes(scaling):
    arn = register(scaling, "retagged", Tags={"Project": "p", "Team": "web"})
    scaling.tag_resource(ResourceARN=arn, Tags={"Team": "db", "Owner": "ops"})
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "p", "Team": "db", "Owner": "ops"}
    scaling.untag_resource(ResourceARN=arn, TagKeys=["Project", "NotThere"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Team": "db", "Owner": "ops"}


@pytest.mark.integration
def test_tags_belong_to_one_target_only(scaling):
    first, second = register(scaling, "first", Tags={"Name": "first"}), register(scaling, "second")
    scaling.tag_resource(ResourceARN=second, Tags={"Name": "second"})
    assert scaling.list_tags_for_resource(ResourceARN=first)["Tags"] == {"Name": "first"}
    assert scaling.list_tags_for_resource(ResourceARN=second)["Tags"] == {"Name": "second"}


@pytest.mark.integration
def test_re_registering_keeps_the_arn_and_tags_but_refuses_new_tags(scaling):
    arn = register(scaling, "updated", Tags={"Project": "p"})
    again = scaling.register_scalable_target(ResourceId="cluster:updated", MinCapacity=2, MaxCapacity=6, **RDS)
    assert again["ScalableTargetARN"] == arn
    target = scaling.describe_scalable_targets(ResourceIds=["cluster:updated"], **RDS)["ScalableTargets"][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "p"}
    refused = error_of(register, scaling=scaling, cluster="updated", Tags={"Project": "q"})
    assert refused["Error"]["Code"] == "ValidationException"
    assert "use the TagResource API" in refused["Error"]["Message"]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "p"}


@pytest.mark.integration
@pytest.mark.parametrize(
    "operation, arguments",
    [
        ("list_tags_for_resource", {}),
        ("tag_resource", {"Tags": {"Project": "p"}}),
        ("untag_resource", {"TagKeys": ["Project"]}),
    ],
)
def test_an_arn_of_no_target_is_resource_not_found(scaling, operation, arguments):
    response = error_of(getattr(scaling, operation), ResourceARN=UNKNOWN_ARN, **arguments)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response.get("ResourceName") == UNKNOWN_ARN, response


@pytest.mark.integration
def test_a_deregistered_targets_tags_go_with_it(scaling):
    arn = register(scaling, "gone", Tags={"Project": "p"})
    scaling.deregister_scalable_target(ResourceId="cluster:gone", **RDS)
    assert error_of(scaling.list_tags_for_resource, ResourceARN=arn)["Error"]["Code"] == "ResourceNotFoundException"
    again = register(scaling, "gone")
    assert again != arn and scaling.list_tags_for_resource(ResourceARN=again)["Tags"] == {}


@pytest.mark.integration
def test_an_arn_not_of_a_scalable_target_is_a_validation_error(scaling):
    policy_like = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:resource/rds/cluster:c:policyName/p"
    response = error_of(scaling.list_tags_for_resource, ResourceARN=policy_like)
    assert response["Error"]["Code"] == "ValidationException"
    assert "resourceARN" in response["Error"]["Message"]


def test_install_refuses_once_moto_has_the_operation_itself(monkeypatch):
    monkeypatch.setattr(ApplicationAutoScalingResponse, "list_tags_for_resource", lambda self: "{}", raising=False)
    with pytest.raises(RuntimeError, match="obsolete"):
        install()
    assert not hasattr(ApplicationAutoScalingResponse, "tag_resource"), "nothing may be added when install refuses"
