"""A real moto server on 127.0.0.1, started and stopped by the tests, and what it holds, read back with boto3.

The server is moto's own, run through moto_server.py beside this file, which first adds what moto_additions.py names
(Application Auto Scaling's tagging operations, missing from moto 5.2.5) and moto_tls_only_policy.py's reading of a
TLS-only bucket policy (moto ignores policy conditions), and moto_rds_default_ca.py (RDS's current default CA for a
new instance). Terraform, the cdktf CLI and boto3 reach it
through environment variables only (emulator_env).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from tests.support.paths import PROJECT_ROOT

REGION = "us-east-1"
# moto leaves AWS managed policies out unless asked; the stack attaches two of them (SSM core, RDS monitoring).
MOTO_SETTINGS = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
READY_TIMEOUT_SECONDS = 60

# moto.server plus moto_additions.py; `-m tests.…` resolves from the project root, the child's working directory.
SERVER_MODULE = "tests.support.moto_server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def emulator_env(endpoint: str, region: str = REGION) -> dict[str, str]:
    """The only settings that point the AWS provider, boto3 and the cdktf CLI at the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # An operation moto lacks answers HTTP 500; fail in seconds instead of retrying for minutes.
        "AWS_MAX_ATTEMPTS": "3",
    }


def without_aws_settings(env: dict[str, str]) -> dict[str, str]:
    """The caller's environment minus every AWS_* variable, so no real profile or credential can leak in."""
    return {key: value for key, value in env.items() if not key.startswith("AWS_")}


class MotoServer:
    """One `python -m tests.support.moto_server` process (moto's server and our additions); its log is kept."""

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**without_aws_settings(os.environ), **MOTO_SETTINGS}
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, "-H", "127.0.0.1", "-p", str(self.port)],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"moto server not ready on {self.endpoint} after {READY_TIMEOUT_SECONDS}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def env(self) -> dict[str, str]:
        return emulator_env(self.endpoint)

    def session(self) -> boto3.session.Session:
        return boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=REGION,
        )

    def client(self, service: str):
        return self.session().client(service, endpoint_url=self.endpoint)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no moto log)"
        return "\n".join(text[-lines:])

    def log_errors(self, limit: int = 20) -> str:
        """The emulator's own complaints (unimplemented operations, tracebacks' last lines), for failure messages."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        markers = ("NotImplementedError", "Error:", "Exception:", '" 500 ')
        found = [line.strip() for line in lines if any(marker in line for marker in markers)]
        unique = list(dict.fromkeys(found))
        return "\n".join(unique[-limit:])

    def describe(self) -> str:
        errors = self.log_errors()
        return f"moto log: {self.log_path}" + (f"\nmoto errors:\n{errors}" if errors else "")


# --- what the emulator holds, read with boto3 -----------------------------------------------------------------------


def describe_cluster(emulator: MotoServer, identifier: str) -> dict | None:
    try:
        return emulator.client("rds").describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "DBClusterNotFoundFault":
            return None
        raise


def web_group(emulator: MotoServer, name: str) -> dict:
    """The web tier's Auto Scaling group: the one whose name has the launch template's prefix <name>-web-."""
    autoscaling = emulator.client("autoscaling")
    groups = [
        group
        for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate()
        for group in page["AutoScalingGroups"]
        if group["AutoScalingGroupName"].startswith(f"{name}-web-")
    ]
    if len(groups) != 1:
        raise LookupError(f"expected one Auto Scaling group named {name}-web-*, found {groups}")
    return groups[0]


def observe(emulator: MotoServer, config) -> dict:
    """Everything the design checks need, read with boto3 right after the apply."""
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    tagged = [{"Name": "tag:Project", "Values": [config.name_prefix]}]
    vpcs = ec2.describe_vpcs(Filters=tagged)["Vpcs"]
    if len(vpcs) != 1:
        raise LookupError(f"expected one VPC tagged Project={config.name_prefix}, found {vpcs}")
    vpc_id = vpcs[0]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    group = web_group(emulator, config.web_server.name) if config.web_group is not None else None
    if group is None:
        instances = [
            instance
            for reservation in ec2.describe_instances(
                Filters=[*tagged, {"Name": "instance-state-name", "Values": ["pending", "running"]}]
            )["Reservations"]
            for instance in reservation["Instances"]
        ]
        if len(instances) != 1:
            raise LookupError(f"expected one running instance tagged Project={config.name_prefix}, found {instances}")
    else:
        ids = [member["InstanceId"] for member in group["Instances"]]
        if not ids:
            raise LookupError(f"the web group {group['AutoScalingGroupName']} has no instances")
        instances = [
            instance
            for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]
            for instance in reservation["Instances"]
        ]
    instance = instances[0]
    volume_ids = [
        mapping["Ebs"]["VolumeId"]
        for mapping in instance.get("BlockDeviceMappings", [])
        if mapping.get("DeviceName") == instance.get("RootDeviceName")
    ]
    groups = ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    cluster = describe_cluster(emulator, config.database.identifier)
    if cluster is None:
        raise LookupError(f"no cluster {config.database.identifier}")
    return {
        "vpc": vpcs[0],
        "vpc_dns": {
            attribute: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
            for attribute in ("enableDnsSupport", "enableDnsHostnames")
        },
        "subnets": ec2.describe_subnets(Filters=in_vpc)["Subnets"],
        "route_tables": ec2.describe_route_tables(Filters=in_vpc)["RouteTables"],
        "internet_gateways": ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        )["InternetGateways"],
        "nat_gateways": [
            gateway
            for gateway in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]
            if gateway["State"] in ("pending", "available")
        ],
        "instance": instance,  # the one web server, or the group's first
        "instances": instances,
        "web_group": group,
        "user_data": ec2.describe_instance_attribute(InstanceId=instance["InstanceId"], Attribute="userData")
        .get("UserData", {})
        .get("Value"),
        "root_volumes": ec2.describe_volumes(VolumeIds=volume_ids)["Volumes"] if volume_ids else [],
        "key_pairs": [pair["KeyName"] for pair in ec2.describe_key_pairs()["KeyPairs"]],
        "security_groups": {group["GroupName"]: group for group in groups},
        "security_group_rules": ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group["GroupId"] for group in groups]}]
        )["SecurityGroupRules"],
        "cluster": cluster,
        "cluster_parameters": {
            parameter["ParameterName"]: parameter.get("ParameterValue")
            for parameter in rds.describe_db_cluster_parameters(
                DBClusterParameterGroupName=cluster["DBClusterParameterGroup"]
            )["Parameters"]
        },
        "db_subnet_group": rds.describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])["DBSubnetGroups"][
            0
        ],
        "db_instances": rds.describe_db_instances(
            Filters=[{"Name": "db-cluster-id", "Values": [config.database.identifier]}]
        )["DBInstances"],
        "master_secret": emulator.client("secretsmanager").describe_secret(
            SecretId=cluster["MasterUserSecret"]["SecretArn"]
        ),
        "flow_logs": ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"],
        "stack_log_groups": emulator.client("logs").describe_log_groups(logGroupNamePrefix=f"/{config.name_prefix}/")[
            "logGroups"
        ],
        "stack_key": (
            emulator.client("kms").describe_key(KeyId=f"alias/{config.name_prefix}")["KeyMetadata"]
            if config.customer_managed_key
            else None
        ),
    }


def inventory(emulator: MotoServer, config, master_secret: dict) -> tuple[dict[str, list[str]], list[str]]:
    """Ours and still alive, by kind (for the clean-destroy check); and the final snapshots taken on the way out."""
    ec2, rds, iam = emulator.client("ec2"), emulator.client("rds"), emulator.client("iam")
    scaling = emulator.client("application-autoscaling")
    prefix, cluster_id = config.name_prefix, config.database.identifier
    tagged = [{"Name": "tag:Project", "Values": [prefix]}]
    snapshots = rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]
    final = re.compile(rf"^{re.escape(cluster_id)}-final-\d{{14}}$")  # FINAL_SNAPSHOT: the creation time
    found = {
        "EC2 instances": [
            instance["InstanceId"]
            for reservation in ec2.describe_instances(Filters=tagged)["Reservations"]
            for instance in reservation["Instances"]
            if instance["State"]["Name"] not in ("terminated", "shutting-down")
        ],
        "Auto Scaling groups": [
            group["AutoScalingGroupName"]
            for group in emulator.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
            if group["AutoScalingGroupName"].startswith(f"{config.web_server.name}-web-")
        ],
        "launch templates": [
            template["LaunchTemplateName"]
            for template in ec2.describe_launch_templates()["LaunchTemplates"]
            if template["LaunchTemplateName"].startswith(f"{config.web_server.name}-web-")
        ],
        "VPCs": [vpc["VpcId"] for vpc in ec2.describe_vpcs(Filters=tagged)["Vpcs"]],
        "subnets": [subnet["SubnetId"] for subnet in ec2.describe_subnets(Filters=tagged)["Subnets"]],
        "security groups": [
            group["GroupId"] for group in ec2.describe_security_groups(Filters=tagged)["SecurityGroups"]
        ],
        "internet gateways": [
            gateway["InternetGatewayId"]
            for gateway in ec2.describe_internet_gateways(Filters=tagged)["InternetGateways"]
        ],
        "route tables": [table["RouteTableId"] for table in ec2.describe_route_tables(Filters=tagged)["RouteTables"]],
        # moto ignores tag filters on DescribeNatGateways (it returns every stack's), so the tag is checked here too.
        "NAT gateways": [
            gateway["NatGatewayId"]
            for gateway in ec2.describe_nat_gateways(Filters=tagged)["NatGateways"]
            if gateway["State"] not in ("deleted", "deleting")
            and {"Key": "Project", "Value": prefix} in gateway.get("Tags", [])
        ],
        "elastic IPs": [
            address.get("AllocationId", "?") for address in ec2.describe_addresses(Filters=tagged)["Addresses"]
        ],
        "key pairs": [
            pair["KeyName"] for pair in ec2.describe_key_pairs()["KeyPairs"] if pair["KeyName"] == config.key_pair.name
        ],
        "RDS clusters": [
            cluster["DBClusterIdentifier"]
            for cluster in rds.describe_db_clusters()["DBClusters"]
            if cluster["DBClusterIdentifier"] == cluster_id
        ],
        "RDS instances": [
            instance["DBInstanceIdentifier"]
            for instance in rds.describe_db_instances()["DBInstances"]
            if instance["DBInstanceIdentifier"].startswith(f"{cluster_id}-")
        ],
        "DB subnet groups": [
            group["DBSubnetGroupName"]
            for group in rds.describe_db_subnet_groups()["DBSubnetGroups"]
            if group["DBSubnetGroupName"].startswith(cluster_id)
        ],
        "cluster parameter groups": [
            group["DBClusterParameterGroupName"]
            for group in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
            if group["DBClusterParameterGroupName"].startswith(f"{cluster_id}-")
        ],
        # Automated snapshots are moto's: AWS deletes a cluster's automated backups with it by default.
        "manual cluster snapshots": [
            snapshot["DBClusterSnapshotIdentifier"]
            for snapshot in snapshots
            if snapshot["DBClusterIdentifier"] == cluster_id
            and snapshot.get("SnapshotType") != "automated"
            and not final.match(snapshot["DBClusterSnapshotIdentifier"])
        ],
        "IAM roles": [role["RoleName"] for role in iam.list_roles()["Roles"] if role["RoleName"].startswith(prefix)],
        "instance profiles": [
            profile["InstanceProfileName"]
            for profile in iam.list_instance_profiles()["InstanceProfiles"]
            if profile["InstanceProfileName"].startswith(prefix)
        ],
        "log groups": [
            group["logGroupName"]
            for group in emulator.client("logs").describe_log_groups(logGroupNamePrefix=f"/{prefix}/")["logGroups"]
        ],
        "RDS log groups": [
            group["logGroupName"]
            for group in emulator.client("logs").describe_log_groups(
                logGroupNamePrefix=f"/aws/rds/cluster/{cluster_id}/"
            )["logGroups"]
        ],
        "DB parameter groups": [
            group["DBParameterGroupName"]
            for group in rds.describe_db_parameter_groups()["DBParameterGroups"]
            if group["DBParameterGroupName"].startswith(f"{cluster_id}-")
        ],
        "alarms": [
            alarm["AlarmName"]
            for alarm in emulator.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{cluster_id}-")["MetricAlarms"]
        ],
        "SNS topics": [
            topic["TopicArn"]
            for topic in emulator.client("sns").list_topics()["Topics"]
            if topic["TopicArn"].endswith(f":{cluster_id}-alarms")
        ],
        "scalable targets": [
            target["ScalableTargetARN"]
            for target in scaling.describe_scalable_targets(
                ServiceNamespace="rds", ResourceIds=[f"cluster:{cluster_id}"]
            )["ScalableTargets"]
        ],
        "scaling policies": [
            policy["PolicyName"]
            for policy in scaling.describe_scaling_policies(ServiceNamespace="rds", ResourceId=f"cluster:{cluster_id}")[
                "ScalingPolicies"
            ]
        ],
        "KMS aliases": [
            alias["AliasName"]
            for alias in emulator.client("kms").list_aliases()["Aliases"]
            if alias["AliasName"] == f"alias/{prefix}"
        ],
        "KMS keys not scheduled for deletion": live_tagged_keys(emulator, prefix),
        "master secret": live_secret(emulator, master_secret.get("SecretArn")),
    }
    finals = [
        snapshot["DBClusterSnapshotIdentifier"]
        for snapshot in snapshots
        if final.match(snapshot["DBClusterSnapshotIdentifier"])
    ]
    return found, finals


def live_tagged_keys(emulator: MotoServer, prefix: str) -> list[str]:
    kms, live = emulator.client("kms"), []
    for key in kms.list_keys()["Keys"]:
        tags = {tag["TagKey"]: tag["TagValue"] for tag in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])}
        if (
            tags.get("Project") == prefix
            and kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ):
            live.append(key["KeyId"])
    return live


def days_until_key_deletion(emulator: MotoServer, prefix: str) -> list[float]:
    """For each key tagged Project=<prefix> that is pending deletion: days from now until KMS deletes it."""
    kms, now, days = emulator.client("kms"), datetime.now(UTC), []
    for key in kms.list_keys()["Keys"]:
        tags = {tag["TagKey"]: tag["TagValue"] for tag in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])}
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if tags.get("Project") == prefix and metadata["KeyState"] == "PendingDeletion":
            days.append((metadata["DeletionDate"] - now).total_seconds() / 86400)
    return days


def live_secret(emulator: MotoServer, arn: str | None) -> list[str]:
    if not arn:
        return []
    try:
        secret = emulator.client("secretsmanager").describe_secret(SecretId=arn)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return []
        raise
    return [] if secret.get("DeletedDate") else [arn]
