"""The web server: AL2023 from SSM, t3.micro, public subnet, IMDSv2, encrypted root, HTTP open, SSH only if asked."""

import pytest

from constructs_lib.validation import ConfigError
from constructs_lib.web_server import WebServerConfig


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"instance_type": "huge"}, "instance_type"),
        ({"ssh_cidr": "0.0.0.0"}, "ssh_cidr"),
        ({"ssh_cidr": "my office"}, "ssh_cidr"),
        ({"user_data": "x" * 20000}, "user_data"),
    ],
)
def test_bad_web_settings_are_refused(settings, key):
    with pytest.raises(ConfigError) as raised:
        WebServerConfig(**settings)
    assert [problem.key for problem in raised.value.problems] == [key]


def test_web_server_alone_in_a_bare_stack():
    from constructs_lib.web_server import WebServer, WebServerConfig
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, BareStack

    bare = BareStack(
        lambda stack: WebServer(
            stack, "web", WebServerConfig(name="solo"), vpc_id=VPC_ID, subnet_id=SUBNET_IDS[0], key_name="solo-key"
        )
    )
    bare.has("aws_instance", {"subnet_id": SUBNET_IDS[0], "key_name": "solo-key", "user_data": None})
    bare.has("aws_security_group", {"name": "solo-web", "vpc_id": VPC_ID})
    assert "aws_iam_instance_profile" in bare.types()


@pytest.mark.parametrize(
    "kind", ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
)
def test_every_group_and_rule_of_the_web_server_has_a_description(kind):
    from constructs_lib.web_server import WebServer
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, BareStack

    config = WebServerConfig(name="solo", ssh_cidr="203.0.113.7/32")
    bare = BareStack(
        lambda stack: WebServer(stack, "web", config, vpc_id=VPC_ID, subnet_id=SUBNET_IDS[0], key_name="solo-key")
    )
    items = bare.resources(kind)
    assert items, f"the web server makes no {kind}"
    for name, item in items.items():
        assert item.get("description", "").strip(), f"{kind}.{name} has no description"
