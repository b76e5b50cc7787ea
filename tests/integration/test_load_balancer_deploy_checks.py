"""The front door's deploy judgements notice each deliberately broken fact (and pass the design as built)."""

from __future__ import annotations

import copy

import pytest

from tests.support.load_balancer_deploy import load_balancer_problems

NAME, INSTANCE, POLICY, DOMAIN = "site", "i-0123456789abcdef0", "ELBSecurityPolicy-TLS13-1-2-2021-06", "www.example.com"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/site-web/1"
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
SUBNETS = {"subnet-a", "subnet-b"}
GROUPS = {"site-alb": "sg-alb", "site-web": "sg-web"}


def rule(group: str, egress: bool, port: int, cidr: str | None = None, peer: str | None = None) -> dict:
    found = {"GroupId": GROUPS[group], "IsEgress": egress, "FromPort": port, "ToPort": port, "IpProtocol": "tcp"}
    if cidr:
        found["CidrIpv4"] = cidr
    if peer:
        found["ReferencedGroupInfo"] = {"GroupId": GROUPS[peer], "UserId": "123456789012"}
    return found


DESIGN = {
    "load_balancer": {
        "Type": "application",
        "DNSName": "site-alb-1.us-east-1.elb.amazonaws.com",
        "SecurityGroups": ["sg-alb"],
        "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": "subnet-a"}, {"SubnetId": "subnet-b"}],
    },
    "attributes": {
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": "site-lb-logs-2026",
    },
    "listeners": [
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "SslPolicy": POLICY,
            "Certificates": [{"CertificateArn": CERT_ARN}],
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG_ARN}],
        },
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
            ],
        },
    ],
    "target_group": {"TargetGroupArn": TG_ARN, "Protocol": "HTTP", "Port": 80, "HealthCheckPath": "/health"},
    "targets": [{"Target": {"Id": INSTANCE, "Port": 80}}],
    "web_acl": {"Name": "site-web-acl"},
    "group_ids": GROUPS,
    "rules": [
        rule("site-alb", False, 443, cidr="0.0.0.0/0"),
        rule("site-alb", False, 80, cidr="0.0.0.0/0"),
        rule("site-alb", True, 80, peer="site-web"),
        rule("site-web", False, 80, peer="site-alb"),
        rule("site-web", True, 443, cidr="0.0.0.0/0"),
    ],
    "certificates": {CERT_ARN: {"DomainName": DOMAIN, "Status": "ISSUED"}},
    "records": [
        {"Name": f"{DOMAIN}.", "Type": "A", "AliasTarget": {"DNSName": "site-alb-1.us-east-1.elb.amazonaws.com"}}
    ],
}


def judge(facts: dict) -> list[str]:
    return load_balancer_problems(
        facts, name=NAME, instance_ids=[INSTANCE], ssl_policy=POLICY, public_subnet_ids=SUBNETS, domain_name=DOMAIN
    )


def test_the_design_has_no_problem():
    assert judge(DESIGN) == []


def broken(change) -> dict:
    facts = copy.deepcopy(DESIGN)
    change(facts)
    return facts


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (
            lambda f: f["listeners"][1]["DefaultActions"].__setitem__(0, {"Type": "forward", "TargetGroupArn": TG_ARN}),
            "80 must only redirect",
        ),
        (
            lambda f: f["listeners"][1]["DefaultActions"][0]["RedirectConfig"].update(StatusCode="HTTP_302"),
            "80 must only redirect",
        ),
        (lambda f: f["listeners"][0].update(SslPolicy="ELBSecurityPolicy-2016-08"), "443: HTTPS with"),
        (lambda f: f["listeners"].pop(1), "expected exactly 80 and 443"),
        (lambda f: f["targets"].clear(), "registered targets"),
        (lambda f: f["targets"][0]["Target"].update(Port=8080), "registered targets"),
        (lambda f: f["rules"].append(rule("site-web", False, 80, cidr="0.0.0.0/0")), "site-web rules"),
        (lambda f: f["rules"].pop(2), "site-alb rules"),
        (lambda f: f["rules"].append(rule("site-alb", True, 443, cidr="0.0.0.0/0")), "site-alb rules"),
        (
            lambda f: f["attributes"].update({"routing.http.drop_invalid_header_fields.enabled": "false"}),
            "drop_invalid_header_fields",
        ),
        (lambda f: f["attributes"].update({"access_logs.s3.enabled": "false"}), "access_logs.s3.enabled"),
        (lambda f: f.update(web_acl=None), "WAF"),
        (lambda f: f["load_balancer"]["AvailabilityZones"].pop(), "public ones"),
        (lambda f: f["target_group"].update(HealthCheckPath="/"), "checking '/'"),
        (lambda f: f["certificates"][CERT_ARN].update(Status="PENDING_VALIDATION"), "expected an issued one"),
        (lambda f: f["records"].clear(), "alias A records"),
    ],
)
def test_each_broken_fact_is_noticed(change, phrase):
    problems = judge(broken(change))
    assert any(phrase in problem for problem in problems), problems


def test_the_log_bucket_notification_artifact_is_the_only_one_direction():
    from tests.support.deploy_checks import drift_problems

    def plan(before: bool, after: bool) -> dict:
        change = {"actions": ["update"], "before": {"eventbridge": before}, "after": {"eventbridge": after}}
        return {
            "resource_changes": [
                {"address": "aws_s3_bucket_notification.n", "type": "aws_s3_bucket_notification", "change": change}
            ]
        }

    assert drift_problems(plan(False, True)) == []
    assert len(drift_problems(plan(True, False))) == 1
