"""The front door (issue 13): the LoadBalancer construct alone, in the whole prod stack, validated and scanned."""

from __future__ import annotations

import json

import pytest

from constructs_lib.load_balancer_config import DEFAULT_SSL_POLICY, LoadBalancerConfig
from constructs_lib.validation import ConfigError
from tests.support.references import reference
from tests.support.samples import CERTIFICATE_ARN, DOMAIN, ZONE


# -- config ------------------------------------------------------------------------------------------------------
def problems_of(**values) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        LoadBalancerConfig(**values)
    return {problem.key: problem.allowed for problem in raised.value.problems}


def test_defaults_are_the_secure_ones():
    config = LoadBalancerConfig(certificate_arn=CERTIFICATE_ARN)
    assert config.ssl_policy == DEFAULT_SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert config.deletion_protection and config.waf and not config.force_destroy_access_logs
    assert config.health_check_path == "/health" and config.target_port == 80
    assert config.access_log_retention_days == 365 and config.waf_log_retention_days == 365


def test_a_certificate_source_is_required_and_says_what_to_set():
    (message,) = problems_of().values()
    assert "certificate_arn" in message and "domain_name and hosted_zone_id" in message


def test_exactly_one_certificate_source():
    assert (
        "not both"
        in problems_of(certificate_arn=CERTIFICATE_ARN, domain_name=DOMAIN, hosted_zone_id=ZONE)["certificate_arn"]
    )
    assert set(problems_of(domain_name=DOMAIN)) == {"hosted_zone_id"}
    assert set(problems_of(hosted_zone_id=ZONE)) == {"domain_name"}
    LoadBalancerConfig(domain_name=DOMAIN, hosted_zone_id=ZONE)
    LoadBalancerConfig(certificate_arn=CERTIFICATE_ARN)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:acm:us-east-1:123456789012:certificate/not-a-uuid",
        "arn:aws:iam::123456789012:server-certificate/site",
        "arn:aws:acm:us-east-1:1234:certificate/12345678-1234-1234-1234-123456789012",
        "",
    ],
)
def test_certificate_arn_format(arn):
    assert "ACM certificate ARN" in problems_of(certificate_arn=arn)["certificate_arn"]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
        "arn:aws-cn:acm:cn-north-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
    ],
)
def test_certificate_arns_of_other_partitions(arn):
    LoadBalancerConfig(certificate_arn=arn)


@pytest.mark.parametrize(
    "domain",
    ["example", "*.example.com", "Www.Example.com", "www.example.com.", "-a.example.com", "a..b.com", "1.2.3.4"],
)
def test_domain_name_rules(domain):
    assert "DNS name" in problems_of(domain_name=domain, hosted_zone_id=ZONE)["domain_name"]


@pytest.mark.parametrize("zone", ["z0123", "0123ABC", "Z", "Zabc", "Z0123-45"])
def test_hosted_zone_id_format(zone):
    assert "hosted zone id" in problems_of(domain_name=DOMAIN, hosted_zone_id=zone)["hosted_zone_id"]


@pytest.mark.parametrize("name", ["internal-site", "-site", "site-", "Site", "a" * 29])
def test_load_balancer_name_rules(name):
    assert "1 to 28 lowercase" in problems_of(certificate_arn=CERTIFICATE_ARN, name=name)["name"]


def test_other_values_are_checked_all_at_once():
    problems = problems_of(
        certificate_arn=CERTIFICATE_ARN,
        name="a-name-that-is-much-too-long-for-an-alb",
        ssl_policy="ELBSecurityPolicy-2016-08",
        health_check_path="health",
        target_port=0,
        access_log_retention_days=0,
        waf_log_retention_days=30,
        waf="yes",
    )
    assert set(problems) == {
        "name",
        "ssl_policy",
        "health_check_path",
        "target_port",
        "access_log_retention_days",
        "waf_log_retention_days",
        "waf",
    }


# -- the construct alone -------------------------------------------------------------------------------------------
def build_alone(load_balancer: LoadBalancerConfig, access_log_sources: tuple[str, ...] = ()):
    from constructs_lib.load_balancer import LoadBalancer
    from constructs_lib.web_server import WebServer, WebServerConfig
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, BareStack

    def build(stack):
        web = WebServer(
            stack,
            "web",
            WebServerConfig(name="solo", http_cidrs=()),
            vpc_id=VPC_ID,
            subnet_id=SUBNET_IDS[0],
            key_name="k",
        )
        return LoadBalancer(
            stack,
            "front-door",
            load_balancer,
            vpc_id=VPC_ID,
            subnet_ids=SUBNET_IDS,
            target=web,
            access_log_sources=access_log_sources,
        )

    return BareStack(build)


def bare_address(bare, resource_type: str, name_part: str) -> str:
    (name,) = [name for name in bare.resources(resource_type) if name.startswith(name_part)]
    return f"{resource_type}.{name}"


def test_load_balancer_alone_in_a_bare_stack():
    from tests.support.bare_stack import SUBNET_IDS

    bare = build_alone(LoadBalancerConfig(name="solo", certificate_arn=CERTIFICATE_ARN, deletion_protection=False))
    bare.has(
        "aws_lb",
        {
            "name": "solo-alb",
            "internal": False,
            "load_balancer_type": "application",
            "subnets": SUBNET_IDS,
            "drop_invalid_header_fields": True,
            "xff_header_processing_mode": "append",
            "enable_deletion_protection": False,
        },
    )
    bare.has("aws_lb_listener", {"port": 443, "protocol": "HTTPS", "certificate_arn": CERTIFICATE_ARN})
    bare.has("aws_lb_listener", {"port": 80, "protocol": "HTTP"})
    # name_prefix and create_before_destroy: a replaced target group never collides with the old one's name.
    bare.has(
        "aws_lb_target_group",
        {"name_prefix": "web-", "port": 80, "protocol": "HTTP", "lifecycle": {"create_before_destroy": True}},
    )
    (group,) = bare.resources("aws_lb_target_group").values()
    assert "name" not in group and group["tags"] == {"Name": "solo-web"}
    bare.has("aws_wafv2_web_acl", {"name": "solo-web-acl", "scope": "REGIONAL"})
    bare.has("aws_cloudwatch_log_group", {"name": "aws-waf-logs-solo", "retention_in_days": 365})
    # Without a stack key the WAF log group uses CloudWatch's own encryption.
    assert all("kms_key_id" not in group for group in bare.resources("aws_cloudwatch_log_group").values())
    bare.has("aws_s3_bucket", {"bucket_prefix": "solo-lb-logs-", "force_destroy": False})
    assert not bare.resources("aws_acm_certificate") and not bare.resources("aws_route53_record")
    # Both sides of the one path in, from the one call: egress of the LB group, ingress of the web group.
    lb_group = reference(bare_address(bare, "aws_security_group", "front-door_security-group"))
    web_group = reference(bare_address(bare, "aws_security_group", "web_security-group"))
    bare.has(
        "aws_vpc_security_group_egress_rule",
        {"security_group_id": lb_group, "from_port": 80, "to_port": 80, "referenced_security_group_id": web_group},
    )
    (web_in,) = [
        rule
        for rule in bare.resources("aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == web_group and rule["from_port"] == 80
    ]
    assert web_in["referenced_security_group_id"] == lb_group
    assert "cidr_ipv4" not in web_in


def test_without_waf_there_is_no_web_acl():
    bare = build_alone(LoadBalancerConfig(name="solo", certificate_arn=CERTIFICATE_ARN, waf=False))
    assert not {"aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration"} & (
        bare.types()
    )
    assert not bare.resources("aws_cloudwatch_log_group")


def test_an_alb_needs_two_subnets():
    from constructs_lib.load_balancer import LoadBalancer
    from constructs_lib.web_server import WebServer, WebServerConfig
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, BareStack

    def build(stack):
        web = WebServer(stack, "web", WebServerConfig(), vpc_id=VPC_ID, subnet_id=SUBNET_IDS[0], key_name="k")
        LoadBalancer(
            stack,
            "lb",
            LoadBalancerConfig(certificate_arn=CERTIFICATE_ARN),
            vpc_id=VPC_ID,
            subnet_ids=SUBNET_IDS[:1],
            target=web,
        )

    with pytest.raises(ValueError, match="2 or more availability zones"):
        BareStack(build)


def test_idle_timeout_is_written_only_when_set():
    unset = build_alone(LoadBalancerConfig(name="solo", certificate_arn=CERTIFICATE_ARN))
    (lb,) = unset.resources("aws_lb").values()
    assert "idle_timeout" not in lb  # unset: AWS's own 60 s, and the JSON stays as it was
    set_ = build_alone(LoadBalancerConfig(name="solo", certificate_arn=CERTIFICATE_ARN, idle_timeout_seconds=900))
    set_.has("aws_lb", {"idle_timeout": 900})
    for bad in (0, 4001, 1.5, True):
        assert problems_of(certificate_arn=CERTIFICATE_ARN, idle_timeout_seconds=bad) == {
            "idle_timeout_seconds": "must be an integer from 1 to 4000 (seconds)"
        }


SOURCE_BUCKET_ARN = "arn:aws:s3:::solo-app-111122223333-us-east-1"


def log_bucket_statements(bare) -> dict[str, dict]:
    (policy,) = bare.resources("aws_s3_bucket_policy").values()
    return {statement["Sid"]: statement for statement in json.loads(policy["policy"])["Statement"]}


def test_the_log_bucket_takes_s3_access_logs_only_from_the_named_buckets_of_this_account():
    from constructs_lib.load_balancer_config import S3_LOG_DELIVERY_PRINCIPAL, SERVER_ACCESS_LOG_PREFIX

    config = LoadBalancerConfig(name="solo", certificate_arn=CERTIFICATE_ARN)
    statements = log_bucket_statements(build_alone(config, access_log_sources=(SOURCE_BUCKET_ARN,)))
    delivery = statements["S3ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": S3_LOG_DELIVERY_PRINCIPAL}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"].endswith(f"/{SERVER_ACCESS_LOG_PREFIX}*")
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": [SOURCE_BUCKET_ARN]}
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"].startswith("${data.aws_caller_identity.")
    assert list(statements) == ["ElbLogDelivery", "S3ServerAccessLogDelivery", "TlsOnly"]
    # Without sources, no one but ELB may write.
    assert "S3ServerAccessLogDelivery" not in log_bucket_statements(build_alone(config))
