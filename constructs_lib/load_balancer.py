"""The front door: an internet-facing Application Load Balancer terminating TLS in front of the web server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import Wafv2WebAclLoggingConfiguration
from constructs import Construct

from .load_balancer_config import (
    ELB_LOG_DELIVERY_PRINCIPAL,
    MANAGED_RULE_GROUPS,
    S3_LOG_DELIVERY_PRINCIPAL,
    SERVER_ACCESS_LOG_PREFIX,
    TARGET_GROUP_NAME_PREFIX,
    WAF_LOG_GROUP_PREFIX,
    LoadBalancerConfig,
)
from .private_bucket import PrivateBucketSpec, private_bucket
from .security_groups import allow_tcp_in, allow_tcp_out, new_security_group


class HttpTarget(Protocol):
    """What the load balancer forwards to: a web tier (one instance, or a group) whose security group can admit HTTP
    from another group, and which joins the target group its own way (an attachment, or the group's target_group_arns).
    resource_label names the load balancer and target group for CloudWatch (requests-per-target scaling)."""

    @property
    def security_group_id(self) -> str: ...

    def allow_http_from_group(self, group_id: str, description: str, *, port: int = 80) -> None: ...

    def join_target_group(
        self, scope: Construct, id: str, *, target_group_arn: str, port: int, resource_label: str
    ) -> None: ...


class LoadBalancer(Construct):
    """An internet-facing ALB: HTTPS to the target, HTTP redirected, access logs kept, optionally behind AWS WAF.

    Attributes: load_balancer, security_group, target_group, https_listener, http_listener, log_bucket,
    log_bucket_policy, certificate_arn, web_acl (None without waf), dns_name, site_url.

    `access_log_sources`: ARNs of the stack's other buckets whose S3 server access logs the log bucket accepts, under
    SERVER_ACCESS_LOG_PREFIX (their `aws_s3_bucket_logging` must wait for `log_bucket_policy`: naming the target as
    `load_balancer.access_logs.bucket` does, since the ALB waits for it).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: LoadBalancerConfig,
        *,
        vpc_id: str,
        subnet_ids: list[str],
        target: HttpTarget,
        kms_key_arn: str | None = None,
        access_log_sources: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        if len(subnet_ids) < 2:
            raise ValueError("an Application Load Balancer needs public subnets in 2 or more availability zones")
        self.config = config
        name = config.name
        self.security_group = new_security_group(
            self,
            "security-group",
            name=f"{name}-alb",
            vpc_id=vpc_id,
            description="Load balancer: HTTPS and HTTP (redirected to HTTPS) from anywhere, out only to the web server",
        )
        allow_tcp_in(
            self,
            "https-in",
            group=self.security_group,
            port=443,
            from_cidr="0.0.0.0/0",
            description="HTTPS to the site from anywhere",
        )
        allow_tcp_in(
            self,
            "http-in",
            group=self.security_group,
            port=80,
            from_cidr="0.0.0.0/0",
            description="HTTP from anywhere, answered only with a redirect to HTTPS",
        )
        self.connect_to(target)

        self.log_bucket = self._access_log_bucket(tuple(access_log_sources))
        self.load_balancer = Lb(
            self,
            "load-balancer",
            name=f"{name}-alb",
            internal=False,
            load_balancer_type="application",
            security_groups=[self.security_group.id],
            subnets=subnet_ids,
            drop_invalid_header_fields=True,
            # The ALB's default, pinned: the web server's waitress takes the client from the entry before the ALB's
            # (constructs_lib/web_app/user_data.py), which only "append" puts there.
            xff_header_processing_mode="append",
            enable_deletion_protection=config.deletion_protection,
            idle_timeout=config.idle_timeout_seconds,  # None: not written, AWS's 60 s
            access_logs=LbAccessLogs(bucket=self.log_bucket.bucket, enabled=True),
            tags={"Name": f"{name}-alb"},
            # ELB checks that it may write to the bucket when access logs are turned on.
            depends_on=[self.log_bucket_policy],
        )
        self.target_group = LbTargetGroup(
            self,
            "target-group",
            # A change of port, protocol or target type replaces the group; a fixed name would collide with the
            # old one (DuplicateTargetGroupName). AWS allows a prefix of 6 characters; the Name tag says whose.
            name_prefix=TARGET_GROUP_NAME_PREFIX,
            lifecycle={"create_before_destroy": True},
            port=config.target_port,
            protocol="HTTP",
            target_type="instance",
            vpc_id=vpc_id,
            health_check=LbTargetGroupHealthCheck(
                enabled=True,
                path=config.health_check_path,
                protocol="HTTP",
                port="traffic-port",
                matcher="200",
            ),
            tags={"Name": f"{name}-web"},
        )
        target.join_target_group(
            self,
            "target",
            target_group_arn=self.target_group.arn,
            port=config.target_port,
            resource_label=f"{self.load_balancer.arn_suffix}/{self.target_group.arn_suffix}",
        )
        self.certificate_arn = self._certificate()
        self.https_listener = LbListener(
            self,
            "https-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=config.ssl_policy,
            certificate_arn=self.certificate_arn,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=self.target_group.arn)],
        )
        self.http_listener = LbListener(
            self,
            "http-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_action=[
                LbListenerDefaultAction(
                    type="redirect",
                    redirect=LbListenerDefaultActionRedirect(protocol="HTTPS", port="443", status_code="HTTP_301"),
                )
            ],
        )
        if config.domain_name is not None and config.hosted_zone_id is not None:
            Route53Record(
                self,
                "alias",
                zone_id=config.hosted_zone_id,
                name=config.domain_name,
                type="A",
                alias=Route53RecordAlias(
                    name=self.load_balancer.dns_name,
                    zone_id=self.load_balancer.zone_id,
                    evaluate_target_health=True,
                ),
            )
        self.web_acl = self._web_acl(kms_key_arn) if config.waf else None
        self.dns_name: str = self.load_balancer.dns_name
        self.site_url: str = f"https://{config.domain_name or self.load_balancer.dns_name}"

    def connect_to(self, target: HttpTarget) -> None:
        """Both sides of the one path in, made together: this group's egress to the target's group on the target
        port, and the target group's ingress from this group (no CIDR)."""
        port = self.config.target_port
        allow_tcp_out(
            self,
            "web-out",
            group=self.security_group,
            port=port,
            to_group_id=target.security_group_id,
            description=f"HTTP to the web server (requests and health checks), port {port}",
        )
        target.allow_http_from_group(
            self.security_group.id, "HTTP from the load balancer only (requests and health checks)", port=port
        )

    def _access_log_bucket(self, sources: tuple[str, ...]) -> S3Bucket:
        config = self.config
        # ELB writes as the service principal, which works across regions (those opened since August 2022 accept
        # nothing else); the regional ELB account of `aws_elb_service_account` is unknown for those regions.
        account = DataAwsCallerIdentity(self, "account").account_id

        def log_delivery(bucket_arn: str) -> list[dict[str, object]]:
            statements: list[dict[str, object]] = [
                {
                    "Sid": "ElbLogDelivery",
                    "Effect": "Allow",
                    "Principal": {"Service": ELB_LOG_DELIVERY_PRINCIPAL},
                    "Action": "s3:PutObject",
                    "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
                }
            ]
            if sources:
                statements.append(
                    {
                        "Sid": "S3ServerAccessLogDelivery",
                        "Effect": "Allow",
                        "Principal": {"Service": S3_LOG_DELIVERY_PRINCIPAL},
                        "Action": "s3:PutObject",
                        "Resource": f"{bucket_arn}/{SERVER_ACCESS_LOG_PREFIX}*",
                        # Only our own buckets, in our own account, may deliver here.
                        "Condition": {
                            "ArnLike": {"aws:SourceArn": list(sources)},
                            "StringEquals": {"aws:SourceAccount": account},
                        },
                    }
                )
            return statements

        days = config.access_log_retention_days
        made = private_bucket(
            self,
            PrivateBucketSpec(
                bucket_id="access-logs",
                part_prefix="access-logs-",
                name_tag=f"{config.name}-lb-logs",
                bucket_prefix=f"{config.name}-lb-logs-",
                force_destroy=config.force_destroy_access_logs,
                kms_key_arn=None,  # SSE-S3: ELB log delivery cannot write to a bucket whose default is SSE-KMS
                lifecycle_rule_id="expire-access-logs",
                noncurrent_version_days=days,
                expiration_days=days,
                statements=log_delivery,
            ),
        )
        self.log_bucket_policy = made.policy
        return made.bucket

    def _certificate(self) -> str:
        config = self.config
        if config.certificate_arn is not None:
            return config.certificate_arn
        assert config.domain_name is not None and config.hosted_zone_id is not None  # config checks
        certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=config.domain_name,
            validation_method="DNS",
            tags={"Name": config.domain_name},
            lifecycle={"create_before_destroy": True},
        )
        option = certificate.domain_validation_options.get(0)
        record = Route53Record(
            self,
            "certificate-validation-record",
            zone_id=config.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            allow_overwrite=True,
        )
        validation = AcmCertificateValidation(
            self,
            "certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
        )
        # The listener waits for the certificate to be issued.
        return validation.certificate_arn

    def _web_acl(self, kms_key_arn: str | None) -> Wafv2WebAcl:
        name = self.config.name
        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                visibility_config=Wafv2WebAclRuleVisibilityConfig(
                    cloudwatch_metrics_enabled=True, metric_name=f"{name}-{group}", sampled_requests_enabled=True
                ),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=f"{name}-web-acl",
            description="AWS managed rules in front of the web site",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=f"{name}-web-acl", sampled_requests_enabled=True
            ),
        )
        Wafv2WebAclAssociation(
            self, "web-acl-association", resource_arn=self.load_balancer.arn, web_acl_arn=web_acl.arn
        )
        log_group = CloudwatchLogGroup(
            self,
            "web-acl-log-group",
            name=f"{WAF_LOG_GROUP_PREFIX}{name}",
            retention_in_days=self.config.waf_log_retention_days,
            kms_key_id=kms_key_arn,
        )
        Wafv2WebAclLoggingConfiguration(
            self, "web-acl-logging", resource_arn=web_acl.arn, log_destination_configs=[log_group.arn]
        )
        return web_acl
