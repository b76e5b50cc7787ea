"""support/moto_web_group_additions.py through the tests' own server (support/moto_server.py), driven by boto3: a
group launched from a template with its groups on the network interface, over two subnets in two AZs."""

from __future__ import annotations

import pytest

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
    group_id = ec2.create_security_group(GroupName=f"{name}-web", Description="web", VpcId=vpc)["GroupId"]
    template = ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={
            "ImageId": "ami-12c6146b",
            "InstanceType": "t3.micro",
            "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": [group_id]}],
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
    return {"subnets": subnets, "group_id": group_id, "instances": instances}


def test_instances_take_the_templates_network_interface_groups(server):
    made = make_group(server, "groups", min_size=2)
    for instance in made["instances"]:
        attached = {group["GroupId"] for group in instance["SecurityGroups"]}
        attached |= {group["GroupId"] for interface in instance["NetworkInterfaces"] for group in interface["Groups"]}
        assert attached == {made["group_id"]}, instance["InstanceId"]


def test_instances_spread_evenly_over_the_groups_subnets(server):
    made = make_group(server, "spread", min_size=3)
    placed = sorted(instance["SubnetId"] for instance in made["instances"])
    first, second = made["subnets"]
    assert placed == sorted([first, first, second]), "two in the first subnet, one in the second: evenly, in order"
    assert {instance["Placement"]["AvailabilityZone"] for instance in made["instances"]} == {"us-east-1a", "us-east-1b"}


def test_one_subnet_is_moto_own_path(server):
    made = make_group(server, "single", min_size=2, zones=("us-east-1c",))
    assert {instance["SubnetId"] for instance in made["instances"]} == set(made["subnets"])
