"""The front door in the emulator: read back with boto3 after an apply, judged by pure functions returning problems.

observe_load_balancer() reads; load_balancer_problems() judges (test_load_balancer_deploy_checks.py proves it
notices deliberately broken facts); load_balancer_leftovers() lists what a destroy left behind.
"""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from tests.support.app_artifacts import archive_bucket

# moto 5.2.5 makes Route 53 zone ids of 22 random letters and digits; AWS's (and our validation's) start with Z.
ZONE_ATTEMPTS = 400


def hosted_zone_for(emulator, domain_name: str) -> str:
    """A public hosted zone for the domain's parent, with an AWS-shaped id (Z...), as a user would already have."""
    route53 = emulator.client("route53")
    parent = domain_name.split(".", 1)[1]
    for _ in range(ZONE_ATTEMPTS):
        zone_id = route53.create_hosted_zone(Name=parent, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]
        zone_id = zone_id.rsplit("/", 1)[-1]
        if zone_id.startswith("Z"):
            return zone_id
        route53.delete_hosted_zone(Id=zone_id)
    raise LookupError(f"moto gave no zone id starting with Z in {ZONE_ATTEMPTS} attempts")


def delete_hosted_zone(emulator, zone_id: str) -> None:
    emulator.client("route53").delete_hosted_zone(Id=zone_id)


def tagged_target_groups(elb, name_tag: str) -> list[dict]:
    """Target groups whose Name tag is name_tag: the group's own name is Terraform's name_prefix plus a suffix."""
    groups = elb.describe_target_groups()["TargetGroups"]
    found = []
    for group in groups:
        descriptions = elb.describe_tags(ResourceArns=[group["TargetGroupArn"]])["TagDescriptions"]
        tags = {tag["Key"]: tag["Value"] for description in descriptions for tag in description["Tags"]}
        if tags.get("Name") == name_tag:
            found.append(group)
    return found


def observe_load_balancer(emulator, name: str, zone_id: str | None = None) -> dict:
    """Everything the front-door checks need, read with boto3 right after the apply."""
    elb, ec2 = emulator.client("elbv2"), emulator.client("ec2")
    balancer = elb.describe_load_balancers(Names=[f"{name}-alb"])["LoadBalancers"][0]
    arn = balancer["LoadBalancerArn"]
    target_groups = tagged_target_groups(elb, f"{name}-web")
    if len(target_groups) != 1:
        raise LookupError(f"{len(target_groups)} target groups tagged Name={name}-web, expected 1")
    target_group = target_groups[0]
    web_acl = emulator.client("wafv2").get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
    groups = ec2.describe_security_groups(GroupNames=[f"{name}-alb", f"{name}-web"])["SecurityGroups"]
    group_ids = {group["GroupName"]: group["GroupId"] for group in groups}
    facts = {
        "load_balancer": balancer,
        "attributes": {
            item["Key"]: item["Value"]
            for item in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
        },
        "listeners": elb.describe_listeners(LoadBalancerArn=arn)["Listeners"],
        "target_group": target_group,
        "targets": elb.describe_target_health(TargetGroupArn=target_group["TargetGroupArn"])[
            "TargetHealthDescriptions"
        ],
        "web_acl": web_acl,
        "group_ids": group_ids,
        "rules": ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": list(group_ids.values())}])[
            "SecurityGroupRules"
        ],
        "certificates": {
            summary["CertificateArn"]: summary
            for summary in emulator.client("acm").list_certificates()["CertificateSummaryList"]
        },
        "records": [],
    }
    if zone_id is not None:
        facts["records"] = emulator.client("route53").list_resource_record_sets(HostedZoneId=zone_id)[
            "ResourceRecordSets"
        ]
    return facts


def rule_set(facts: dict, group_name: str) -> set[tuple[str, int, str]]:
    """(direction, port, peer) of one group's rules; the peer is a CIDR or the name of a group of this stack."""
    names = {group_id: name for name, group_id in facts["group_ids"].items()}
    group_id = facts["group_ids"][group_name]
    found = set()
    for rule in facts["rules"]:
        if rule["GroupId"] != group_id:
            continue
        referenced = rule.get("ReferencedGroupInfo", {}).get("GroupId")
        peer = rule.get("CidrIpv4") or names.get(referenced, referenced)
        found.add(("out" if rule["IsEgress"] else "in", rule["FromPort"], peer))
    return found


def load_balancer_problems(
    facts: dict,
    *,
    name: str,
    instance_ids: list[str],
    ssl_policy: str,
    public_subnet_ids: set[str],
    domain_name: str | None = None,
    web_extra_rules: frozenset[tuple[str, int, str]] = frozenset(),
) -> list[str]:
    """What differs from the design: listeners, redirect, target registration, the group chain, logs, WAF, DNS."""
    problems = []
    balancer, attributes = facts["load_balancer"], facts["attributes"]
    if balancer.get("Type") != "application":
        problems.append(f"load balancer type {balancer.get('Type')!r}, expected application")
    subnets = {zone["SubnetId"] for zone in balancer.get("AvailabilityZones", [])}
    if subnets != public_subnet_ids:
        problems.append(
            f"load balancer in subnets {sorted(subnets)}, expected the public ones {sorted(public_subnet_ids)}"
        )
    if balancer.get("SecurityGroups") != [facts["group_ids"].get(f"{name}-alb")]:
        problems.append(f"load balancer groups {balancer.get('SecurityGroups')}, expected only {name}-alb")
    for key, value in {
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": "true",
    }.items():
        if attributes.get(key) != value:
            problems.append(f"attribute {key} = {attributes.get(key)!r}, expected {value!r}")
    if not attributes.get("access_logs.s3.bucket", "").startswith(f"{name}-lb-logs-"):
        problems.append(f"access logs go to {attributes.get('access_logs.s3.bucket')!r}, not the stack's log bucket")

    listeners = {listener["Port"]: listener for listener in facts["listeners"]}
    if sorted(listeners) != [80, 443]:
        problems.append(f"listeners on ports {sorted(listeners)}, expected exactly 80 and 443")
    https, http = listeners.get(443), listeners.get(80)
    target_group_arn = facts["target_group"]["TargetGroupArn"]
    if https is not None:
        if (https.get("Protocol"), https.get("SslPolicy")) != ("HTTPS", ssl_policy):
            problems.append(f"443: {https.get('Protocol')} with {https.get('SslPolicy')}, expected HTTPS, {ssl_policy}")
        certificates = [certificate["CertificateArn"] for certificate in https.get("Certificates") or []]
        if len(certificates) != 1:
            problems.append(f"443 has certificates {certificates}, expected one")
        elif domain_name is not None:
            summary = facts["certificates"].get(certificates[0], {})
            if (summary.get("DomainName"), summary.get("Status", "ISSUED")) != (domain_name, "ISSUED"):
                problems.append(f"443's certificate is {summary}, expected an issued one for {domain_name}")
        actions = [(action["Type"], action.get("TargetGroupArn")) for action in https.get("DefaultActions", [])]
        if actions != [("forward", target_group_arn)]:
            problems.append(f"443 default actions {actions}, expected only a forward to the target group")
    if http is not None:
        actions = http.get("DefaultActions", [])
        redirect = actions[0].get("RedirectConfig", {}) if len(actions) == 1 else {}
        if (
            http.get("Protocol") != "HTTP"
            or len(actions) != 1
            or actions[0]["Type"] != "redirect"
            or (redirect.get("Protocol"), redirect.get("Port"), redirect.get("StatusCode"))
            != ("HTTPS", "443", "HTTP_301")
        ):
            problems.append(f"80 must only redirect (301) to HTTPS:443; it has {http.get('Protocol')} {actions}")

    group = facts["target_group"]
    if (group.get("Protocol"), group.get("Port"), group.get("HealthCheckPath")) != ("HTTP", 80, "/health"):
        problems.append(
            f"target group {group.get('Protocol')}:{group.get('Port')} checking {group.get('HealthCheckPath')!r}, "
            "expected HTTP:80 checking /health"
        )
    targets = sorted((target["Target"]["Id"], target["Target"].get("Port")) for target in facts["targets"])
    if targets != sorted((instance_id, 80) for instance_id in instance_ids):
        problems.append(f"registered targets {targets}, expected only the web servers {instance_ids} on port 80")

    alb, web = f"{name}-alb", f"{name}-web"
    expected = {alb: {("in", 443, "0.0.0.0/0"), ("in", 80, "0.0.0.0/0"), ("out", 80, web)}}
    expected[web] = {("in", 80, alb), ("out", 443, "0.0.0.0/0"), *web_extra_rules}
    for group_name, rules in expected.items():
        if group_name not in facts["group_ids"]:
            problems.append(f"no security group {group_name}")
            continue
        found = rule_set(facts, group_name)
        if found != rules:
            problems.append(
                f"{group_name} rules {sorted(found, key=str)}, expected {sorted(rules, key=str)} "
                f"(missing {sorted(rules - found, key=str)}, extra {sorted(found - rules, key=str)})"
            )

    if facts["web_acl"] is None:
        problems.append("no WAF web ACL is associated with the load balancer")
    if domain_name is not None:
        aliases = [
            record
            for record in facts["records"]
            if record["Name"].rstrip(".") == domain_name and record["Type"] == "A" and "AliasTarget" in record
        ]
        if len(aliases) != 1 or aliases[0]["AliasTarget"]["DNSName"].rstrip(".") != balancer.get("DNSName"):
            problems.append(f"{domain_name}: alias A records {aliases}, expected one to {balancer.get('DNSName')}")
    return problems


def load_balancer_leftovers(emulator, name: str, domain_name: str | None = None) -> dict[str, list[str]]:
    """Ours and still alive after a destroy (by kind)."""
    elb = emulator.client("elbv2")

    def named(call, key: str, field: str, wanted: str) -> list[str]:
        try:
            return [item[field] for item in call()[key] if item[field] == wanted]
        except ClientError:
            return []

    return {
        "load balancers": named(elb.describe_load_balancers, "LoadBalancers", "LoadBalancerName", f"{name}-alb"),
        "target groups": [group["TargetGroupName"] for group in tagged_target_groups(elb, f"{name}-web")],
        "log buckets": [
            bucket["Name"]
            for bucket in emulator.client("s3").list_buckets()["Buckets"]
            if bucket["Name"].startswith(f"{name}-lb-logs-")
        ],
        "web ACLs": [
            acl["Name"]
            for acl in emulator.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
            if acl["Name"] == f"{name}-web-acl"
        ],
        "WAF log groups": [
            group["logGroupName"]
            for group in emulator.client("logs").describe_log_groups(logGroupNamePrefix=f"aws-waf-logs-{name}")[
                "logGroups"
            ]
            if group["logGroupName"] == f"aws-waf-logs-{name}"
        ],
        "certificates": [
            summary["CertificateArn"]
            for summary in emulator.client("acm").list_certificates()["CertificateSummaryList"]
            if domain_name is not None and summary["DomainName"] == domain_name
        ],
    }


def archive_bucket_logging(emulator, config) -> dict:
    """GetBucketLogging of the app archive's bucket (prod logs it into the load balancer's log bucket)."""
    return dict(emulator.client("s3").get_bucket_logging(Bucket=archive_bucket(emulator, config)))
