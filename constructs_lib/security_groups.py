"""Security groups with one resource per rule, so a rule can be added or removed without replacing the group.

A group made here starts with no rules at all: AWS's default allow-all egress is not recreated by
`aws_security_group` when no egress block is given, so every path out is an explicit rule below.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct


def new_security_group(scope: Construct, id: str, *, name: str, description: str, vpc_id: str) -> SecurityGroup:
    # Replacements create the new group first so instances are never left without one.
    return SecurityGroup(
        scope,
        id,
        name=name,
        description=description,
        vpc_id=vpc_id,
        tags={"Name": name},
        lifecycle={"create_before_destroy": True},
    )


def allow_tcp_in(
    scope: Construct,
    id: str,
    *,
    group: SecurityGroup,
    port: int,
    description: str,
    from_cidr: str | None = None,
    from_group_id: str | None = None,
) -> VpcSecurityGroupIngressRule:
    return VpcSecurityGroupIngressRule(
        scope,
        id,
        security_group_id=group.id,
        description=description,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_ipv4=from_cidr,
        referenced_security_group_id=from_group_id,
    )


def allow_tcp_out(
    scope: Construct,
    id: str,
    *,
    group: SecurityGroup,
    port: int,
    description: str,
    to_cidr: str | None = None,
    to_group_id: str | None = None,
) -> VpcSecurityGroupEgressRule:
    return VpcSecurityGroupEgressRule(
        scope,
        id,
        security_group_id=group.id,
        description=description,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_ipv4=to_cidr,
        referenced_security_group_id=to_group_id,
    )
