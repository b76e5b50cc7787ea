"""load_balancer in the settings profiles: moved from tests/constructs, which builds it alone."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cdktf import Testing as CdktfTesting

from constructs_lib.aurora_web_stack import AuroraWebStackConfig
from constructs_lib.load_balancer_config import ELB_LOG_DELIVERY_PRINCIPAL, LoadBalancerConfig
from constructs_lib.validation import ConfigError
from tests.support.samples import CERTIFICATE_ARN, DOMAIN, ZONE
from tests.support.synthesized import Synthesized, make_config, reference, require_program

MANAGED_RULE_GROUPS = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAnonymousIpList",
]


def with_load_balancer(key_directory: str, load_balancer: LoadBalancerConfig) -> AuroraWebStackConfig:
    # One instance behind it (web.fleet = "instance"): the group's own target wiring is test_profiles_web_group.py's.
    document = {
        "profile": "prod",
        "web": {"ssh_cidr": "203.0.113.7/32", "fleet": "instance"},
        "load_balancer": {"enabled": False},
    }
    config = make_config(key_directory, document)
    return replace(config, load_balancer=load_balancer, web_server=replace(config.web_server, http_cidrs=()))


@pytest.fixture(scope="module")
def with_arn(key_directory) -> Synthesized:
    return Synthesized(
        with_load_balancer(key_directory, LoadBalancerConfig(name="aurora-web", certificate_arn=CERTIFICATE_ARN))
    )


@pytest.fixture(scope="module")
def with_domain(key_directory) -> Synthesized:
    return Synthesized(
        with_load_balancer(
            key_directory, LoadBalancerConfig(name="aurora-web", domain_name=DOMAIN, hosted_zone_id=ZONE)
        )
    )


def test_the_certificate_must_be_of_the_stack_region(key_directory):
    config = make_config(key_directory)
    with pytest.raises(ConfigError, match="stack's region us-east-1"):
        replace(
            config,
            load_balancer=LoadBalancerConfig(certificate_arn=CERTIFICATE_ARN.replace("us-east-1", "eu-west-1")),
        )


# -- in the whole stack ----------------------------------------------------------------------------------------------
def test_alb_in_the_public_subnets_while_the_server_is_private(with_arn):
    public = [reference(with_arn.address("aws_subnet", f"public-subnet-{index}")) for index in range(2)]
    with_arn.has(
        "aws_lb",
        {
            "name": "aurora-web-alb",
            "internal": False,
            "load_balancer_type": "application",
            "subnets": public,
            "security_groups": [reference(with_arn.address("aws_security_group", "load-balancer_security-group"))],
            "drop_invalid_header_fields": True,
            "xff_header_processing_mode": "append",
            "enable_deletion_protection": True,
            "access_logs": {
                "bucket": reference(with_arn.address("aws_s3_bucket", "access-logs"), "bucket"),
                "enabled": True,
            },
        },
    )
    lb = with_arn.only("aws_lb")
    assert lb["depends_on"] == [with_arn.address("aws_s3_bucket_policy", "access-logs-policy")]
    instance = with_arn.only("aws_instance")
    assert instance["subnet_id"] == reference(with_arn.address("aws_subnet", "private-subnet-0"))


def test_https_listener_forwards_with_a_modern_policy_and_the_certificate(with_arn):
    with_arn.has(
        "aws_lb_listener",
        {
            "load_balancer_arn": reference(with_arn.address("aws_lb", "load-balancer"), "arn"),
            "port": 443,
            "protocol": "HTTPS",
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificate_arn": CERTIFICATE_ARN,
            "default_action": [
                {
                    "type": "forward",
                    "target_group_arn": reference(with_arn.address("aws_lb_target_group", "target"), "arn"),
                }
            ],
        },
    )


def test_http_listener_only_redirects_to_https(with_arn):
    with_arn.has(
        "aws_lb_listener",
        {
            "port": 80,
            "protocol": "HTTP",
            "default_action": [
                {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
            ],
        },
    )
    (http,) = [listener for listener in with_arn.resources("aws_lb_listener").values() if listener["port"] == 80]
    assert len(http["default_action"]) == 1 and "target_group_arn" not in http["default_action"][0]


def test_target_group_checks_health_and_holds_the_instance(with_arn):
    with_arn.has(
        "aws_lb_target_group",
        {
            "name_prefix": "web-",
            "port": 80,
            "protocol": "HTTP",
            "target_type": "instance",
            "vpc_id": reference(with_arn.address("aws_vpc", "vpc")),
            "health_check": {"enabled": True, "path": "/health", "protocol": "HTTP", "port": "traffic-port"},
        },
    )
    with_arn.has(
        "aws_lb_target_group_attachment",
        {
            "target_group_arn": reference(with_arn.address("aws_lb_target_group", "target"), "arn"),
            "target_id": reference(with_arn.address("aws_instance", "instance")),
            "port": 80,
        },
    )


def test_security_group_chain_internet_to_alb_to_web_only(with_arn):
    lb_group = reference(with_arn.address("aws_security_group", "load-balancer_security-group"))
    web_group = reference(with_arn.address("aws_security_group", "web-server_security-group"))
    ingress = with_arn.resources("aws_vpc_security_group_ingress_rule").values()
    egress = with_arn.resources("aws_vpc_security_group_egress_rule").values()
    lb_in = sorted(
        (rule["from_port"], rule.get("cidr_ipv4")) for rule in ingress if rule["security_group_id"] == lb_group
    )
    assert lb_in == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    lb_out = [rule for rule in egress if rule["security_group_id"] == lb_group]
    assert lb_out == [
        {
            "security_group_id": lb_group,
            "description": "HTTP to the web server (requests and health checks), port 80",
            "ip_protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "referenced_security_group_id": web_group,
        }
    ]
    web_http = [rule for rule in ingress if rule["security_group_id"] == web_group and rule["from_port"] == 80]
    assert web_http == [
        {
            "security_group_id": web_group,
            "description": "HTTP from the load balancer only (requests and health checks)",
            "ip_protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "referenced_security_group_id": lb_group,
        }
    ]
    assert not any(
        "cidr_ipv4" in rule for rule in ingress if rule["security_group_id"] == web_group and rule["from_port"] != 22
    )


def test_http_cidrs_are_ignored_when_the_load_balancer_is_on(key_directory):
    config = make_config(
        key_directory, {"profile": "prod", "web": {"fleet": "instance"}, "load_balancer": {"enabled": False}}
    )
    assert config.web_server.http_cidrs == ("10.0.0.0/16",)
    stack = Synthesized(replace(config, load_balancer=LoadBalancerConfig(certificate_arn=CERTIFICATE_ARN)))
    web_group = reference(stack.web_security_group())
    web_http = [
        rule
        for rule in stack.resources("aws_vpc_security_group_ingress_rule").values()
        if rule["security_group_id"] == web_group and rule["from_port"] == 80
    ]
    assert len(web_http) == 1 and "referenced_security_group_id" in web_http[0]


def test_access_log_bucket_is_encrypted_private_versioned_expiring(with_arn):
    bucket = with_arn.address("aws_s3_bucket", "access-logs")
    with_arn.has("aws_s3_bucket", {"bucket_prefix": "aurora-web-lb-logs-", "force_destroy": False})
    with_arn.has(
        "aws_s3_bucket_server_side_encryption_configuration",
        {
            "bucket": reference(bucket),
            "rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        },
    )
    with_arn.has(
        "aws_s3_bucket_public_access_block",
        {
            "bucket": reference(bucket),
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
    )
    with_arn.has(
        "aws_s3_bucket_ownership_controls",
        {"bucket": reference(bucket), "rule": {"object_ownership": "BucketOwnerEnforced"}},
    )
    with_arn.has(
        "aws_s3_bucket_versioning", {"bucket": reference(bucket), "versioning_configuration": {"status": "Enabled"}}
    )
    with_arn.has(
        "aws_s3_bucket_lifecycle_configuration",
        {
            "bucket": reference(bucket),
            "rule": [
                {
                    "status": "Enabled",
                    "expiration": [{"days": 365}],
                    "noncurrent_version_expiration": [{"noncurrent_days": 365}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                }
            ],
        },
    )
    with_arn.has("aws_s3_bucket_notification", {"bucket": reference(bucket), "eventbridge": True})


def test_access_log_bucket_policy_admits_elb_log_delivery_and_tls_only(with_arn):
    bucket = with_arn.address("aws_s3_bucket", "access-logs")
    (policy,) = [
        json.loads(item["policy"])
        for name, item in with_arn.resources("aws_s3_bucket_policy").items()
        if name.startswith("load-balancer_")
    ]
    delivery, _s3_access_logs, tls_only = policy["Statement"]  # the middle one: the test below
    account = next(
        "${data.aws_caller_identity." + name + ".account_id}"
        for name in with_arn.data("aws_caller_identity")
        if "load-balancer" in name
    )
    assert delivery == {
        "Sid": "ElbLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": ELB_LOG_DELIVERY_PRINCIPAL},
        "Action": "s3:PutObject",
        "Resource": reference(bucket, "arn") + f"/AWSLogs/{account}/*",
    }
    assert tls_only["Effect"] == "Deny" and tls_only["Principal"] == "*" and tls_only["Action"] == "s3:*"
    assert tls_only["Resource"] == [reference(bucket, "arn"), reference(bucket, "arn") + "/*"]
    assert tls_only["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_waf_with_managed_rules_is_associated_and_logged(with_arn):
    acl = with_arn.only("aws_wafv2_web_acl")
    assert acl["scope"] == "REGIONAL" and acl["default_action"] == {"allow": {}}
    assert [rule["statement"]["managed_rule_group_statement"] for rule in acl["rule"]] == [
        {"name": name, "vendor_name": "AWS"} for name in MANAGED_RULE_GROUPS
    ]
    assert all(rule["override_action"] == {"none": {}} for rule in acl["rule"])
    acl_address = with_arn.address("aws_wafv2_web_acl", "web-acl")
    with_arn.has(
        "aws_wafv2_web_acl_association",
        {
            "resource_arn": reference(with_arn.address("aws_lb", "load-balancer"), "arn"),
            "web_acl_arn": reference(acl_address, "arn"),
        },
    )
    log_group = with_arn.address("aws_cloudwatch_log_group", "web-acl-log-group")
    with_arn.has(
        "aws_cloudwatch_log_group",
        {
            "name": "aws-waf-logs-aurora-web",
            "retention_in_days": 365,
            "kms_key_id": reference(with_arn.address("aws_kms_key", "encryption-key"), "arn"),
        },
    )
    with_arn.has(
        "aws_wafv2_web_acl_logging_configuration",
        {"resource_arn": reference(acl_address, "arn"), "log_destination_configs": [reference(log_group, "arn")]},
    )


def test_outputs_site_url_and_dns_name(with_arn, with_domain):
    lb = with_arn.address("aws_lb", "load-balancer")
    outputs = with_arn.json["output"]
    assert outputs["site_url"]["value"] == "https://" + reference(lb, "dns_name")
    assert outputs["load_balancer_dns_name"]["value"] == reference(lb, "dns_name")
    assert with_domain.json["output"]["site_url"]["value"] == f"https://{DOMAIN}"


def test_ec2_before_aurora_is_intact(with_arn):
    instance = with_arn.address("aws_instance", "instance")
    assert instance in with_arn.only("aws_rds_cluster")["depends_on"]


def test_domain_gets_a_dns_validated_certificate_and_an_alias(with_domain):
    certificate = with_domain.address("aws_acm_certificate", "certificate")
    with_domain.has(
        "aws_acm_certificate",
        {"domain_name": DOMAIN, "validation_method": "DNS", "lifecycle": {"create_before_destroy": True}},
    )
    option = "${tolist(" + certificate + ".domain_validation_options).0"
    record = with_domain.address("aws_route53_record", "certificate-validation-record")
    with_domain.has(
        "aws_route53_record",
        {
            "zone_id": ZONE,
            "name": option + ".resource_record_name}",
            "type": option + ".resource_record_type}",
            "records": [option + ".resource_record_value}"],
        },
    )
    validation = with_domain.address("aws_acm_certificate_validation", "certificate-validation")
    with_domain.has(
        "aws_acm_certificate_validation",
        {"certificate_arn": reference(certificate, "arn"), "validation_record_fqdns": [reference(record, "fqdn")]},
    )
    # The listener waits for the certificate to be issued.
    with_domain.has("aws_lb_listener", {"port": 443, "certificate_arn": reference(validation, "certificate_arn")})
    lb = with_domain.address("aws_lb", "load-balancer")
    with_domain.has(
        "aws_route53_record",
        {
            "zone_id": ZONE,
            "name": DOMAIN,
            "type": "A",
            "alias": {
                "name": reference(lb, "dns_name"),
                "zone_id": reference(lb, "zone_id"),
                "evaluate_target_health": True,
            },
        },
    )


def test_dev_has_no_load_balancer_and_prod_has_it_by_default(dev, prod):
    assert not {"aws_lb", "aws_wafv2_web_acl"} & set(dev.json["resource"])
    # dev's one bucket is the app artifact's; the access log bucket comes with the load balancer.
    assert [name for name in dev.resources("aws_s3_bucket") if "access-logs" in name] == []
    assert "site_url" not in dev.json["output"]
    assert {"aws_lb", "aws_s3_bucket", "aws_wafv2_web_acl"} <= set(prod.json["resource"])
    assert prod.json["output"]["site_url"]["value"].startswith("https://")


# -- settings ([load_balancer]) ---------------------------------------------------------------------------------
def settings_problems(document: dict) -> list[str]:
    from aurora_web.settings.stacks import stack_config_from_document

    with pytest.raises(ConfigError) as raised:
        stack_config_from_document(document)
    return [problem.render() for problem in raised.value.problems]


def test_prod_refuses_to_synthesize_without_a_certificate_and_says_what_to_set(key_directory):
    (line,) = settings_problems({"profile": "prod", "web": {"key_directory": key_directory}})
    assert line == (
        "load_balancer.certificate_arn = None: the HTTPS load balancer (the prod profile turns it on) needs a "
        "certificate: set load_balancer.certificate_arn to an ACM certificate ARN of us-east-1, or "
        "load_balancer.domain_name and load_balancer.hosted_zone_id (a Route 53 zone) to have one issued; or set "
        "load_balancer.enabled = false for no load balancer"
    )


def test_profiles_set_the_load_balancer_defaults(key_directory):
    prod = make_config(key_directory, {"profile": "prod", "load_balancer": {"certificate_arn": CERTIFICATE_ARN}})
    assert prod.load_balancer == LoadBalancerConfig(
        name="aurora-web", certificate_arn=CERTIFICATE_ARN, waf=True, deletion_protection=True
    )
    assert make_config(key_directory).load_balancer is None
    dev = make_config(
        key_directory, {"load_balancer": {"enabled": True, "domain_name": DOMAIN, "hosted_zone_id": ZONE}}
    )
    assert dev.load_balancer == LoadBalancerConfig(
        name="aurora-web",
        domain_name=DOMAIN,
        hosted_zone_id=ZONE,
        waf=False,
        deletion_protection=False,
        force_destroy_access_logs=True,  # an unprotected (dev) stack tears down with one destroy, logs and all
    )


def test_settings_keys_reach_the_construct(key_directory):
    config = make_config(
        key_directory,
        {
            "name_prefix": "shop",
            "load_balancer": {
                "enabled": True,
                "certificate_arn": CERTIFICATE_ARN,
                "waf": True,
                "deletion_protection": True,
                "access_log_retention_days": 90,
            },
        },
    )
    assert config.load_balancer == LoadBalancerConfig(
        name="shop", certificate_arn=CERTIFICATE_ARN, waf=True, deletion_protection=True, access_log_retention_days=90
    )


def test_settings_problems_name_the_file_keys(key_directory):
    lines = settings_problems(
        {
            "web": {"key_directory": key_directory},
            "load_balancer": {"enabled": True, "domain_name": "Shop.Example.com", "hosted_zone_id": "zone-1"},
        }
    )
    assert [line.split(" = ")[0] for line in lines] == ["load_balancer.domain_name", "load_balancer.hosted_zone_id"]
    (line,) = settings_problems({"web": {"key_directory": key_directory}, "load_balancer": {"enabeld": True}})
    assert "did you mean load_balancer.enabled?" in line
    (line,) = settings_problems(
        {"web": {"key_directory": key_directory}, "load_balancer": {"access_log_retention_days": 0}}
    )
    assert line == "load_balancer.access_log_retention_days = 0: must be an integer from 1 to 3650"


def test_a_certificate_of_another_region_is_refused_by_settings(key_directory):
    (line,) = settings_problems(
        {
            "profile": "prod",
            "region": "eu-west-1",
            "web": {"key_directory": key_directory},
            "load_balancer": {"certificate_arn": CERTIFICATE_ARN},
        }
    )
    assert line.startswith("load_balancer.certificate_arn = ") and "stack's region eu-west-1" in line


@pytest.mark.integration
def test_full_synth_is_valid_terraform_offline(with_domain):
    require_program("terraform")
    assert CdktfTesting.to_be_valid_terraform(CdktfTesting.full_synth(with_domain.stack))


def test_the_app_archives_access_logs_go_into_the_log_bucket_after_its_policy(with_arn):
    """Named through the ALB's access_logs, the logging waits for the ALB, which waits for the log bucket's policy
    (S3 checks that policy when logging is turned on); and the log bucket itself is never named, so checkov does not
    count it as logged (it still is not)."""
    (logging,) = with_arn.resources("aws_s3_bucket_logging").values()
    load_balancer = with_arn.address("aws_lb", "load-balancer")
    assert logging["bucket"] == reference(with_arn.address("aws_s3_bucket", "app-artifact_bucket"))
    assert logging["target_bucket"] == reference(load_balancer, "access_logs[0].bucket")
    assert logging["target_prefix"] == "s3-access-logs/"
    (lb,) = with_arn.resources("aws_lb").values()
    assert lb["depends_on"] == [with_arn.address("aws_s3_bucket_policy", "load-balancer_access-logs-policy")]
    (policy,) = [
        json.loads(p["policy"])
        for name, p in with_arn.resources("aws_s3_bucket_policy").items()
        if name.startswith("load-balancer_access-logs-policy")
    ]
    (delivery,) = [s for s in policy["Statement"] if s["Sid"] == "S3ServerAccessLogDelivery"]
    app_bucket_arn = reference(with_arn.address("aws_s3_bucket", "app-artifact_bucket"), "arn")
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": [app_bucket_arn]}
