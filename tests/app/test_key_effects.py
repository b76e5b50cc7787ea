"""The comparison of two synthesized configurations: force-new attributes, references to replaced resources,
removed data, and the one-off `expected_effect` the change scenarios call."""

from __future__ import annotations

import pytest

from aurora_web.tools.key_effects import (
    DATA_LOSS,
    DOWNTIME,
    IN_PLACE,
    NO_CHANGE,
    REMOVES,
    REPLACES,
    compare,
    expected_effect,
)


def stack(**resources: dict) -> dict:
    document: dict = {"resource": {}}
    for address, body in resources.items():
        resource_type, name = address.split("__")
        document["resource"].setdefault(resource_type, {})[name] = body
    return document


def test_same_configuration_is_no_change() -> None:
    before = stack(aws_vpc__main={"cidr_block": "10.0.0.0/16", "//": {"metadata": "a"}})
    after = stack(aws_vpc__main={"cidr_block": "10.0.0.0/16", "//": {"metadata": "b"}})
    assert compare("k", "dev", 1, before, after).kind == NO_CHANGE


def test_an_ordinary_attribute_is_in_place() -> None:
    before = stack(aws_instance__web={"instance_type": "t3.micro"})
    after = stack(aws_instance__web={"instance_type": "t3.small"})
    found = compare("k", "dev", 1, before, after)
    assert (found.kind, found.updated, found.replaced) == (IN_PLACE, ("aws_instance.web",), ())


def test_a_force_new_attribute_replaces_and_spreads_through_references() -> None:
    before = stack(
        aws_security_group__db={"name": "a", "vpc_id": "vpc-1"},
        aws_vpc_security_group_ingress_rule__in={"security_group_id": "${aws_security_group.db.id}"},
        aws_vpc_security_group_ingress_rule__name={"description": "${aws_security_group.db.name}"},
    )
    after = stack(
        aws_security_group__db={"name": "b", "vpc_id": "vpc-1"},
        aws_vpc_security_group_ingress_rule__in={"security_group_id": "${aws_security_group.db.id}"},
        aws_vpc_security_group_ingress_rule__name={"description": "${aws_security_group.db.name}"},
    )
    found = compare("k", "dev", 1, before, after)
    assert found.kind == REPLACES
    assert found.replaced == ("aws_security_group.db", "aws_vpc_security_group_ingress_rule.in")
    assert found.forced_by["aws_security_group.db"] == ("name",)
    assert found.updated == ("aws_vpc_security_group_ingress_rule.name",)  # the new name is known, not forced


def test_removing_a_log_group_is_data_loss_and_an_instance_is_downtime() -> None:
    before = stack(aws_cloudwatch_log_group__logs={"name": "x"}, aws_iam_role__r={"name": "r"})
    assert compare("k", "dev", 1, before, stack(aws_iam_role__r={"name": "r"})).kind == DATA_LOSS
    assert compare("k", "dev", 1, stack(aws_iam_role__r={"name": "r"}), stack()).kind == REMOVES
    before = stack(aws_instance__web={"subnet_id": "subnet-1"})
    after = stack(aws_instance__web={"subnet_id": "subnet-2"})
    assert compare("k", "dev", 1, before, after).kind == DOWNTIME


def test_user_data_replaces_only_when_the_instance_says_so() -> None:
    before = stack(aws_instance__web={"user_data": "a"})
    after = stack(aws_instance__web={"user_data": "b"})
    assert compare("k", "dev", 1, before, after).kind == IN_PLACE
    before = stack(aws_instance__web={"user_data": "a", "user_data_replace_on_change": True})
    after = stack(aws_instance__web={"user_data": "b", "user_data_replace_on_change": True})
    assert compare("k", "dev", 1, before, after).kind == DOWNTIME


def test_expected_effect_of_a_chosen_value() -> None:
    """The scenarios' reader_count -1: from a stack with two readers, one instance goes (downtime, not data)."""
    found = expected_effect("database.reader_count", value=1, base={"database": {"reader_count": 2}})
    assert found.kind == DOWNTIME
    assert [address.split(".")[0] for address in found.removed] == ["aws_rds_cluster_instance"]
    assert not found.data_loss


def test_a_rule_replaces_only_when_its_source_type_switches() -> None:
    """The provider's ModifyPlan (provider_replacements.HAND_READ): a new CIDR is in place, a CIDR becoming a group is
    a new rule."""
    before = stack(aws_vpc_security_group_ingress_rule__http={"security_group_id": "sg-1", "cidr_ipv4": "0.0.0.0/0"})
    in_place = stack(aws_vpc_security_group_ingress_rule__http={"security_group_id": "sg-1", "cidr_ipv4": "10.0.0.0/8"})
    switched = stack(
        aws_vpc_security_group_ingress_rule__http={"security_group_id": "sg-1", "referenced_security_group_id": "sg-2"}
    )
    assert compare("k", "dev", 1, before, in_place).kind == IN_PLACE
    assert compare("k", "dev", 1, before, switched).kind == REPLACES


def test_expected_effect_of_a_key_is_its_table_row() -> None:
    """The scenarios' web instance_type change, alone: dev's one server updated in place; prod's group gets a new
    launch template version (in place; the group then follows it with a rolling refresh), nothing else."""
    for profile, updated in (("dev", "aws_instance"), ("prod", "aws_launch_template")):
        found = expected_effect("web.instance_type", profile)
        assert (found.kind, found.value) == (IN_PLACE, "t3.small")
        assert [address.split(".")[0] for address in found.updated] == [updated]


def test_a_refused_change_names_its_key() -> None:
    with pytest.raises(ValueError, match=r"database.alarm_period_seconds = 61 \(dev\) is refused"):
        expected_effect("database.alarm_period_seconds", value=61)
