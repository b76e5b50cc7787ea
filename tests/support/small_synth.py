"""A small cdktf app run in a fresh interpreter through the fast path: one VPC, so the kernel loads
constructs, cdktf and the provider and answers real requests. argv: project root, output directory."""

SMALL_SYNTH = """
import sys
from pathlib import Path
import cdktf_fastpath
cdktf_fastpath.enable(Path(sys.argv[1]))
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.vpc import Vpc
app = App(outdir=sys.argv[2])
stack = TerraformStack(app, "small")
AwsProvider(stack, "aws", region="us-east-1")
Vpc(stack, "vpc", cidr_block="10.0.0.0/16")
app.synth()
"""
STACK_JSON = ("stacks", "small", "cdk.tf.json")  # under the output directory
