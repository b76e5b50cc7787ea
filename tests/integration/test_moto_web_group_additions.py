"""support/moto_web_group_additions.py through the tests' own server (support/moto_server.py), driven by boto3: a
group launched from a template with its groups on the network interface, over two subnets in two AZs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.emulator import MotoServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of our own (the session's emulator stays untouched)."""
    server = MotoServer(tmp_path_factory.mktemp("moto-web-group") / "moto.log").start()
    yield server
    server.stop()


def make_group(server, name: str, *, min_size: int, zones: tuple[str, ...] = ("us-east-1a", "us-east-1b")) -> dict:
    ec2, autoscaling = server.client("ec2"), server.client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{index}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(zones)
    ]
    iam = server.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    profile_arn = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Arn"]
    group_id = ec2.create_security_group(GroupName=f"{name}-web", Description="web", VpcId=vpc)["GroupId"]
    template = ec2.create_launch_template(
        LaunchTemplateName=name,
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Name", "Value": name}]}],
        LaunchTemplateData={
            "ImageId": "ami-12c6146b",
            "InstanceType": "t3.micro",
            "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": [group_id]}],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Tier", "Value": "web"}]}],
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
            "IamInstanceProfile": {"Arn": profile_arn},
        },
    )["LaunchTemplate"]["LaunchTemplateId"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        MinSize=min_size,
        MaxSize=4,
        VPCZoneIdentifier=",".join(subnets),
    )
    ids = [
        member["InstanceId"]
        for member in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0][
            "Instances"
        ]
    ]
    instances = [
        instance
        for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]
        for instance in reservation["Instances"]
    ]
    return {"subnets": subnets, "group_id": group_id, "instances": instances, "template": template, "vpc": vpc}


def test_instances_take_the_templates_network_interface_groups(server):
    made = make_group(server, "groups", min_size=2)
    assert len(made["instances"]) == 2
    for instance in made["instances"]:
        attached = {group["GroupId"] for group in instance["SecurityGroups"]}
        attached |= {group["GroupId"] for interface in instance["NetworkInterfaces"] for group in interface["Groups"]}
        assert attached == {made["group_id"]}, instance["InstanceId"]


def test_instances_take_the_templates_metadata_options_and_instance_profile(server):
    made = make_group(server, "imds", min_size=2)
    assert len(made["instances"]) == 2
    for instance in made["instances"]:
        assert instance["MetadataOptions"]["HttpTokens"] == "required", instance["MetadataOptions"]
        assert instance["IamInstanceProfile"]["Arn"].endswith("/imds"), instance.get("IamInstanceProfile")


def test_the_templates_own_tags_stay_off_its_launch_data(server):
    ec2 = server.client("ec2")
    made = make_group(server, "tags", min_size=1)
    (template,) = ec2.describe_launch_templates(LaunchTemplateIds=[made["template"]])["LaunchTemplates"]
    assert template["Tags"] == [{"Key": "Name", "Value": "tags"}]
    (version,) = ec2.describe_launch_template_versions(LaunchTemplateId=made["template"])["LaunchTemplateVersions"]
    specifications = version["LaunchTemplateData"]["TagSpecifications"]
    assert specifications == [{"ResourceType": "instance", "Tags": [{"Key": "Tier", "Value": "web"}]}]
    assert {"Key": "Tier", "Value": "web"} in made["instances"][0]["Tags"]


def test_instances_spread_evenly_over_the_groups_subnets(server):
    made = make_group(server, "spread", min_size=3)
    placed = sorted(instance["SubnetId"] for instance in made["instances"])
    first, second = made["subnets"]
    assert placed == sorted([first, first, second]), "two in the first subnet, one in the second: evenly, in order"
    assert {instance["Placement"]["AvailabilityZone"] for instance in made["instances"]} == {"us-east-1a", "us-east-1b"}


def test_one_subnet_is_moto_own_path(server):
    made = make_group(server, "single", min_size=2, zones=("us-east-1c",))
    assert {instance["SubnetId"] for instance in made["instances"]} == set(made["subnets"])


def test_instance_refresh_replaces_every_instance_from_the_new_template_version(server):
    ec2, autoscaling, elb = server.client("ec2"), server.client("autoscaling"), server.client("elbv2")
    made = make_group(server, "refresh", min_size=2)
    target_group = elb.create_target_group(Name="refresh", Protocol="HTTP", Port=80, VpcId=made["vpc"])["TargetGroups"][
        0
    ]["TargetGroupArn"]
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName="refresh", TargetGroupARNs=[target_group])
    old = {instance["InstanceId"] for instance in made["instances"]}
    version = ec2.create_launch_template_version(
        LaunchTemplateId=made["template"], SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"}
    )["LaunchTemplateVersion"]["VersionNumber"]
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="refresh", LaunchTemplate={"LaunchTemplateId": made["template"], "Version": str(version)}
    )
    refresh_id = autoscaling.start_instance_refresh(
        AutoScalingGroupName="refresh", Strategy="Rolling", Preferences={"MinHealthyPercentage": 100}
    )["InstanceRefreshId"]

    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["refresh"])["AutoScalingGroups"]
    new = {member["InstanceId"] for member in group["Instances"]}
    assert len(new) == 2 and not new & old
    types = {
        instance["InstanceType"]
        for reservation in ec2.describe_instances(InstanceIds=sorted(new))["Reservations"]
        for instance in reservation["Instances"]
    }
    assert types == {"t3.small"}, "the new instances come from the new version"
    states = {
        instance["State"]["Name"]
        for reservation in ec2.describe_instances(InstanceIds=sorted(old))["Reservations"]
        for instance in reservation["Instances"]
    }
    assert states == {"terminated"}
    targets = elb.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
    assert {target["Target"]["Id"] for target in targets} == new
    (refresh,) = autoscaling.describe_instance_refreshes(AutoScalingGroupName="refresh")["InstanceRefreshes"]
    assert (refresh["InstanceRefreshId"], refresh["Status"], refresh["PercentageComplete"]) == (
        refresh_id,
        "Successful",
        100,
    )
    with pytest.raises(ClientError) as cancelled:
        autoscaling.cancel_instance_refresh(AutoScalingGroupName="refresh")
    assert cancelled.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_a_refresh_of_an_unknown_group_is_refused(server):
    with pytest.raises(ClientError) as refused:
        server.client("autoscaling").start_instance_refresh(AutoScalingGroupName="nope")
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def test_a_refresh_launches_from_a_new_template_version_with_user_data(server):
    """A new app is a new version with new user data: the refresh launches min_size instances from it (moto 5.2.5
    answered 500 there, its version kept the user data as plain text)."""
    import base64

    ec2, autoscaling = server.client("ec2"), server.client("autoscaling")
    made = make_group(server, "new-version", min_size=2)
    new_boot = base64.b64encode(b"#!/bin/bash\necho new app\n").decode()
    ec2.create_launch_template_version(
        LaunchTemplateId=made["template"], SourceVersion="1", LaunchTemplateData={"UserData": new_boot}
    )
    autoscaling.start_instance_refresh(AutoScalingGroupName="new-version", Strategy="Rolling")
    (group,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["new-version"])["AutoScalingGroups"]
    after = [member["InstanceId"] for member in group["Instances"]]
    assert len(after) == 2 and not set(after) & {instance["InstanceId"] for instance in made["instances"]}
    for instance_id in after:
        attribute = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        assert attribute["UserData"]["Value"] == new_boot, instance_id
