"""The load balancer's settings: a frozen, validated config, kept apart from the construct so that reading them
never loads the provider classes the load balancer needs (a stack without one never imports them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .limits import ACCESS_LOG_RETENTION_DAYS, IDLE_TIMEOUT_SECONDS, TCP_PORT
from .validation import YEAR_OR_MORE_RETENTION_DAYS, ProblemList, is_int, partition_of

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# TLS 1.3 policies with TLS 1.2 or 1.3 as the floor (no TLS 1.0/1.1, no CBC-only suites), FIPS variants included.
MODERN_SSL_POLICY = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-[A-Za-z0-9-]+$")
# ACM certificate ids are UUIDs; the partition part covers aws, aws-cn, aws-us-gov, aws-iso*.
CERTIFICATE_ARN = re.compile(
    r"^arn:(?P<partition>aws(-[a-z]+)*):acm:(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d):\d{12}:"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# <name>-alb and <name>-web stay within the 32 characters ELB allows for load balancer and target group names.
LB_NAME = re.compile(r"^(?!internal-)[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$")
HEALTH_CHECK_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$")
# The service principal ELB log delivery writes as; region-agnostic (see LoadBalancer._access_log_bucket).
ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
# S3 server access logs of the stack's other buckets (the app archive's) go into the log bucket under this prefix,
# delivered by this principal (S3 User Guide, "Enabling Amazon S3 server access logging": a bucket policy, since the
# log bucket has ACLs disabled).
SERVER_ACCESS_LOG_PREFIX = "s3-access-logs/"
S3_LOG_DELIVERY_PRINCIPAL = "logging.s3.amazonaws.com"
# WAF's logging API accepts only log groups whose names start with this.
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
MANAGED_RULE_GROUPS = (
    # OWASP-style protections: bad bots, XSS, size limits, path traversal, ...
    "AWSManagedRulesCommonRuleSet",
    # Request patterns known to be malicious, including the Log4j (CVE-2021-44228) lookups.
    "AWSManagedRulesKnownBadInputsRuleSet",
    # Sources that hide who is calling: Tor exits, anonymizing proxies, hosting providers' address ranges.
    "AWSManagedRulesAnonymousIpList",
)


def is_domain_name(value: object) -> bool:
    """A lowercase DNS name of 2+ labels, at most 253 characters, not a wildcard, with a non-numeric top label."""
    if not isinstance(value, str) or not value or len(value) > 253 or value.endswith("."):
        return False
    labels = value.split(".")
    return (
        len(labels) >= 2
        and all(DOMAIN_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
        and not labels[-1][0].isdigit()
    )


def certificate_region(arn: str) -> str | None:
    """The region of an ACM certificate ARN; None when it is not one, or its partition does not hold that region
    (arn:aws-cn:acm:us-east-1:... names no certificate AWS could have issued)."""
    match = CERTIFICATE_ARN.match(arn)
    if match is None or partition_of(match.group("region")) != match.group("partition"):
        return None
    return match.group("region")


# The target group's name_prefix (AWS: at most 6 characters); Terraform appends a unique suffix.
TARGET_GROUP_NAME_PREFIX = "web-"


@dataclass(frozen=True)
class LoadBalancerConfig:
    """Settings of the load balancer. A certificate source is required: exactly one of certificate_arn, or
    domain_name together with hosted_zone_id.

    name: prefix of the load balancer (<name>-alb), its group, target group (<name>-web), log bucket and web ACL;
        1 to 28 lowercase letters, digits and hyphens. Default "aurora-web".
    certificate_arn: an existing ACM certificate in the stack's region for the HTTPS listener. Default: none.
    domain_name: the site's name (e.g. "www.example.com"): the stack requests a DNS-validated ACM certificate for it
        and points an alias A record at the load balancer. Default: none.
    hosted_zone_id: the Route 53 public hosted zone holding domain_name ("Z" + letters and digits). Default: none.
    ssl_policy: the HTTPS listener's TLS policy, a TLS 1.3 policy with a TLS 1.2 or 1.3 floor.
        Default "ELBSecurityPolicy-TLS13-1-2-2021-06".
    health_check_path: what the target group requests on the instance. Default "/health" (the web app serves it).
    target_port: the instance's HTTP port, the only port the load balancer's group may reach. Default 80.
    deletion_protection: refuse to delete the load balancer. Default True (the settings' dev profile turns it off).
    waf: an AWS WAF web ACL (REGIONAL) with AWS's managed rule groups (common rule set, known bad inputs including
        Log4j lookups, anonymous IP list), its requests logged to a CloudWatch log group named aws-waf-logs-<name>
        (encrypted with the stack's key when there is one). Default True.
    access_log_retention_days: days the S3 access logs (and their old versions) are kept, 1 to 3650. Default 365.
    waf_log_retention_days: CloudWatch retention of the WAF log group, a year or more. Default 365.
    force_destroy_access_logs: let a destroy delete a log bucket that still holds logs. Default False.
    idle_timeout_seconds: how long a connection may sit idle before the load balancer closes it, 1 to 4000 seconds;
        raise it for slow uploads or long polls. Default None: not written, so AWS's own 60 seconds apply.

    Always on, not configurable: internet-facing, in the public subnets given (2+ AZs); HTTPS 443 and HTTP 80 in
    from anywhere, out only to the web server's group on target_port; HTTP answers only with a 301 to HTTPS;
    invalid header fields dropped; access logs to a bucket of its own (SSE-S3, versioned, public access blocked,
    ACLs disabled, TLS-only policy, lifecycle expiry, new objects announced to EventBridge).
    """

    name: str = "aurora-web"
    certificate_arn: str | None = None
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    ssl_policy: str = DEFAULT_SSL_POLICY
    health_check_path: str = "/health"
    target_port: int = 80
    deletion_protection: bool = True
    waf: bool = True
    access_log_retention_days: int = 365
    waf_log_retention_days: int = 365
    force_destroy_access_logs: bool = False
    idle_timeout_seconds: int | None = None

    def __post_init__(self) -> None:
        problems = ProblemList()
        problems.check(
            isinstance(self.name, str) and bool(LB_NAME.match(self.name)),
            "name",
            self.name,
            "must be 1 to 28 lowercase letters, digits and hyphens, not starting or ending with a hyphen, "
            'not starting with "internal-" (ELB reserves it)',
        )
        self._check_certificate_source(problems)
        problems.check(
            isinstance(self.ssl_policy, str) and bool(MODERN_SSL_POLICY.match(self.ssl_policy)),
            "ssl_policy",
            self.ssl_policy,
            f'must be a TLS 1.3 ELB security policy with a TLS 1.2 or 1.3 floor, like "{DEFAULT_SSL_POLICY}"',
        )
        problems.check(
            isinstance(self.health_check_path, str) and bool(HEALTH_CHECK_PATH.match(self.health_check_path)),
            "health_check_path",
            self.health_check_path,
            'must be a URL path starting with "/", like "/health"',
        )
        problems.check(
            is_int(self.target_port) and TCP_PORT.holds(self.target_port),
            "target_port",
            self.target_port,
            f"must be a TCP port {TCP_PORT.text}",
        )
        problems.check(
            is_int(self.access_log_retention_days) and ACCESS_LOG_RETENTION_DAYS.holds(self.access_log_retention_days),
            "access_log_retention_days",
            self.access_log_retention_days,
            f"must be an integer {ACCESS_LOG_RETENTION_DAYS.text}",
        )
        problems.check(
            self.idle_timeout_seconds is None
            or (is_int(self.idle_timeout_seconds) and IDLE_TIMEOUT_SECONDS.holds(self.idle_timeout_seconds)),
            "idle_timeout_seconds",
            self.idle_timeout_seconds,
            f"must be an integer {IDLE_TIMEOUT_SECONDS.text} (seconds)",
        )
        problems.check(
            self.waf_log_retention_days in YEAR_OR_MORE_RETENTION_DAYS and is_int(self.waf_log_retention_days),
            "waf_log_retention_days",
            self.waf_log_retention_days,
            f"must be one of {', '.join(map(str, YEAR_OR_MORE_RETENTION_DAYS))}",
        )
        problems.check_booleans(self, "deletion_protection", "waf", "force_destroy_access_logs")
        problems.raise_if_any()

    def _check_certificate_source(self, problems: ProblemList) -> None:
        has_arn = self.certificate_arn is not None
        has_domain = self.domain_name is not None or self.hosted_zone_id is not None
        if has_arn and has_domain:
            problems.add(
                "certificate_arn",
                self.certificate_arn,
                "give either certificate_arn or domain_name + hosted_zone_id, not both",
            )
            return
        if not has_arn and not has_domain:
            problems.add(
                "certificate_arn",
                None,
                "the HTTPS listener needs a certificate: set certificate_arn (an ACM certificate in the stack's "
                "region), or domain_name and hosted_zone_id (a Route 53 zone) to have one issued",
            )
            return
        if has_arn:
            problems.check(
                isinstance(self.certificate_arn, str) and certificate_region(self.certificate_arn) is not None,
                "certificate_arn",
                self.certificate_arn,
                'must be an ACM certificate ARN like "arn:aws:acm:us-east-1:123456789012:certificate/<uuid>", '
                "its partition the one of its region",
            )
            return
        if self.domain_name is None:
            problems.add("domain_name", None, "must be set with hosted_zone_id: the name the certificate is for")
        else:
            problems.check(
                is_domain_name(self.domain_name),
                "domain_name",
                self.domain_name,
                'must be a lowercase DNS name like "www.example.com" (labels of letters, digits and hyphens, '
                "no wildcard, no trailing dot)",
            )
        if self.hosted_zone_id is None:
            problems.add("hosted_zone_id", None, "must be set with domain_name: the Route 53 zone that holds it")
        else:
            problems.check(
                isinstance(self.hosted_zone_id, str) and bool(HOSTED_ZONE_ID.match(self.hosted_zone_id)),
                "hosted_zone_id",
                self.hosted_zone_id,
                'must be a Route 53 hosted zone id like "Z0123456789ABCDEFGHIJ"',
            )
