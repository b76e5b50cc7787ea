"""Baseline for `python -m aurora_web bench`: the default stack written as a plain cdktf app, without constructs_lib.

Plain `from cdktf_cdktf_provider_aws.x import Y` imports (so the provider package loads the usual way: all of
its submodules in Python, its whole assembly in Node), constructs inline, and the resources and main properties
of `python main.py`'s default dev stack. Run it from an empty directory: it writes cdktf.out/ and .keys/ there.
"""

from __future__ import annotations

import json
from pathlib import Path

from cdktf import App, LocalBackend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.instance import Instance, InstanceMetadataOptions, InstanceRootBlockDevice
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.key_pair import KeyPair
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

PREFIX = "aurora-web"
REGION = "us-east-1"
AZS = ("us-east-1a", "us-east-1b")


def public_key() -> str:
    """An ed25519 key kept in .keys/, generated on the first run, as the real app does."""
    private = Path(".keys") / f"{PREFIX}-key.pem"
    if not private.exists():
        private.parent.mkdir(mode=0o700, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
    key = serialization.load_ssh_private_key(private.read_bytes(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def assume_role(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def tcp_rule(rule_class, scope, name, group, port, *, description, **peer):
    rule_class(
        scope,
        name,
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        **peer,
    )


class NaiveStack(TerraformStack):
    def __init__(self, scope, name: str) -> None:
        super().__init__(scope, name)
        AwsProvider(
            self,
            "aws",
            region=REGION,
            default_tags=[AwsProviderDefaultTags(tags={"ManagedBy": "terraform", "Profile": "dev", "Project": PREFIX})],
        )
        LocalBackend(self, path=f"../../../terraform.{name}.tfstate")

        # Network: VPC, two public and two private subnets, internet gateway, routes, closed default group.
        vpc = Vpc(
            self,
            "vpc",
            cidr_block="10.0.0.0/16",
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{PREFIX}-vpc"},
        )
        DefaultSecurityGroup(self, "default-security-group", vpc_id=vpc.id, tags={"Name": f"{PREFIX}-default-deny-all"})
        igw = InternetGateway(self, "internet-gateway", vpc_id=vpc.id, tags={"Name": f"{PREFIX}-igw"})
        public_rt = RouteTable(self, "public-route-table", vpc_id=vpc.id, tags={"Name": f"{PREFIX}-public"})
        private_rt = RouteTable(self, "private-route-table", vpc_id=vpc.id, tags={"Name": f"{PREFIX}-private"})
        Route(
            self,
            "public-default-route",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
        )
        public, private = [], []
        for tier, cidrs, table, subnets in (
            ("public", ("10.0.0.0/20", "10.0.16.0/20"), public_rt, public),
            ("private", ("10.0.128.0/20", "10.0.144.0/20"), private_rt, private),
        ):
            for index, (az, cidr) in enumerate(zip(AZS, cidrs, strict=True)):
                subnet = Subnet(
                    self,
                    f"{tier}-subnet-{index}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=az,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{PREFIX}-{tier}-{index}", "Tier": tier},
                )
                RouteTableAssociation(
                    self, f"{tier}-subnet-{index}-routes", subnet_id=subnet.id, route_table_id=table.id
                )
                subnets.append(subnet)

        # Encryption key for the database, its secret and logs.
        partition = DataAwsPartition(self, "partition")
        account = DataAwsCallerIdentity(self, "account")
        region = DataAwsRegion(self, "region")
        root = f"arn:{partition.partition}:iam::{account.account_id}:root"
        kms = KmsKey(
            self,
            "encryption-key",
            description=f"{PREFIX}: Aurora storage, master secret, backups, logs",
            deletion_window_in_days=30,
            enable_key_rotation=True,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersThroughIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": root},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "CloudWatchLogsOfThisAccount",
                            "Effect": "Allow",
                            "Principal": {"Service": f"logs.{region.name}.amazonaws.com"},
                            "Action": [
                                "kms:Encrypt*",
                                "kms:Decrypt*",
                                "kms:ReEncrypt*",
                                "kms:GenerateDataKey*",
                                "kms:Describe*",
                            ],
                            "Resource": "*",
                        },
                    ],
                }
            ),
        )
        KmsAlias(self, "encryption-key-alias", name=f"alias/{PREFIX}", target_key_id=kms.key_id)

        # Security groups: web server, and the EC2 <-> RDS pair, one resource per rule.
        groups = {}
        for key, description in (
            ("web", "Web server: HTTP in, HTTPS out"),
            ("ec2-rds", "Attached to the web server: reaches the database on 3306"),
            ("rds-ec2", "Attached to the Aurora cluster: admits the web server on 3306"),
        ):
            group_name = f"{PREFIX}-web" if key == "web" else f"{key}-{PREFIX}"
            groups[key] = SecurityGroup(
                self,
                f"{key}-security-group",
                name=group_name,
                description=description,
                vpc_id=vpc.id,
                tags={"Name": group_name},
                lifecycle={"create_before_destroy": True},
            )
        tcp_rule(
            VpcSecurityGroupIngressRule,
            self,
            "http-in",
            groups["web"],
            80,
            description="HTTP from anywhere",
            cidr_ipv4="0.0.0.0/0",
        )
        tcp_rule(
            VpcSecurityGroupEgressRule,
            self,
            "https-out",
            groups["web"],
            443,
            description="HTTPS out",
            cidr_ipv4="0.0.0.0/0",
        )
        tcp_rule(
            VpcSecurityGroupEgressRule,
            self,
            "ec2-to-database",
            groups["ec2-rds"],
            3306,
            description="MySQL to Aurora",
            referenced_security_group_id=groups["rds-ec2"].id,
        )
        tcp_rule(
            VpcSecurityGroupIngressRule,
            self,
            "database-from-ec2",
            groups["rds-ec2"],
            3306,
            description="MySQL from EC2",
            referenced_security_group_id=groups["ec2-rds"].id,
        )

        # Web server: key pair, instance role with Session Manager, AL2023 from SSM, IMDSv2, encrypted root volume.
        key_pair = KeyPair(self, "key-pair", key_name=f"{PREFIX}-key", public_key=public_key())
        role = IamRole(
            self,
            "web-role",
            name_prefix=f"{PREFIX}-web-",
            assume_role_policy=assume_role("ec2.amazonaws.com"),
            description="Web server instance role",
        )
        IamRolePolicyAttachment(
            self,
            "ssm-managed-instance",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        )
        profile = IamInstanceProfile(self, "instance-profile", name_prefix=f"{PREFIX}-web-", role=role.name)
        ami = DataAwsSsmParameter(
            self, "ami", name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
        )
        instance = Instance(
            self,
            "web-instance",
            ami=ami.insecure_value,
            instance_type="t3.micro",
            subnet_id=public[0].id,
            associate_public_ip_address=True,
            key_name=key_pair.key_name,
            iam_instance_profile=profile.name,
            vpc_security_group_ids=[groups["web"].id, groups["ec2-rds"].id],
            monitoring=True,
            ebs_optimized=True,
            metadata_options=InstanceMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            root_block_device=InstanceRootBlockDevice(encrypted=True, volume_type="gp3"),
            tags={"Name": f"{PREFIX}-web"},
            lifecycle={"ignore_changes": ["ami"]},
        )

        # Aurora MySQL: subnet group, TLS-only parameter group, cluster after the instance, writer + reader.
        cluster_id = f"{PREFIX}-db-cluster"
        subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=f"{cluster_id}-subnets",
            description=f"Private subnets of {cluster_id}",
            subnet_ids=[s.id for s in private],
        )
        parameters = RdsClusterParameterGroup(
            self,
            "cluster-parameters",
            name_prefix=f"{cluster_id}-",
            family="aurora-mysql8.0",
            description=f"{cluster_id}: TLS required",
            lifecycle={"create_before_destroy": True},
            parameter=[
                RdsClusterParameterGroupParameter(name="require_secure_transport", value="ON"),
                RdsClusterParameterGroupParameter(name="server_audit_logging", value="1"),
                RdsClusterParameterGroupParameter(name="server_audit_events", value="CONNECT,QUERY_DCL,QUERY_DDL"),
            ],
        )
        monitoring = IamRole(
            self,
            "monitoring-role",
            name_prefix=f"{cluster_id[:20]}-monitoring-",
            assume_role_policy=assume_role("monitoring.rds.amazonaws.com"),
            description="RDS enhanced monitoring",
        )
        IamRolePolicyAttachment(
            self,
            "monitoring-policy",
            role=monitoring.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        cluster = RdsCluster(
            self,
            "cluster",
            cluster_identifier=cluster_id,
            engine="aurora-mysql",
            engine_mode="provisioned",
            engine_version="8.0.mysql_aurora.3.10.0",
            database_name="sample",
            master_username="admin",
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms.arn,
            port=3306,
            db_subnet_group_name=subnet_group.name,
            db_cluster_parameter_group_name=parameters.name,
            vpc_security_group_ids=[groups["rds-ec2"].id],
            storage_encrypted=True,
            kms_key_id=kms.arn,
            backup_retention_period=7,
            backtrack_window=86400,
            copy_tags_to_snapshot=True,
            iam_database_authentication_enabled=True,
            deletion_protection=False,
            skip_final_snapshot=True,
            enabled_cloudwatch_logs_exports=["audit", "error", "general", "slowquery"],
            depends_on=[instance],
        )
        writer = None
        for tier, az in enumerate(AZS):
            role_name = "writer" if tier == 0 else f"reader-{tier}"
            writer = RdsClusterInstance(
                self,
                role_name,
                identifier=f"{cluster_id}-{role_name}",
                cluster_identifier=cluster.id,
                engine="aurora-mysql",
                engine_version=cluster.engine_version,
                instance_class="db.t3.medium",
                availability_zone=az,
                promotion_tier=tier,
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True,
                monitoring_interval=60,
                monitoring_role_arn=monitoring.arn,
                performance_insights_enabled=False,
                depends_on=[writer] if writer is not None else None,
            )

        outputs = {
            "web_public_dns": instance.public_dns,
            "web_public_ip": instance.public_ip,
            "web_url": f"http://{instance.public_dns}",
            "key_pair_name": key_pair.key_name,
            "ssh_command": f"aws ssm start-session --region {REGION} --target {instance.id}",
            "writer_endpoint": cluster.endpoint,
            "reader_endpoint": cluster.reader_endpoint,
            "database_port": 3306,
            "database_name": "sample",
            "master_secret_arn": cluster.master_user_secret.get(0).secret_arn,
        }
        for output_name, value in outputs.items():
            TerraformOutput(self, output_name, value=value)


if __name__ == "__main__":
    app = App()
    NaiveStack(app, PREFIX)
    app.synth()
    print(f"naive app: synthesized stack '{PREFIX}' into cdktf.out/stacks/{PREFIX}")
