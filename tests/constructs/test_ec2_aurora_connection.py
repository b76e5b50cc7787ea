"""The console's "Connect to an EC2 compute resource" as code: two groups that only reach each other on 3306."""


def test_connection_alone_in_a_bare_stack():
    """The connection needs a web server and a cluster; with them, in a bare stack, it adds the two groups."""
    from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig
    from constructs_lib.ec2_aurora_connection import Ec2AuroraConnection, Ec2AuroraConnectionConfig
    from constructs_lib.web_server import WebServer, WebServerConfig
    from tests.support.bare_stack import SUBNET_IDS, VPC_ID, ZONES, BareStack

    def build(stack):
        web = WebServer(
            stack, "web", WebServerConfig(name="solo"), vpc_id=VPC_ID, subnet_id=SUBNET_IDS[0], key_name="k"
        )
        cluster = AuroraCluster(
            stack, "db", AuroraClusterConfig(identifier="solo-db"), subnet_ids=SUBNET_IDS, availability_zones=ZONES
        )
        return Ec2AuroraConnection(
            stack,
            "connection",
            Ec2AuroraConnectionConfig(suffix="solo"),
            vpc_id=VPC_ID,
            web_server=web,
            cluster=cluster,
        )

    bare = BareStack(build)
    bare.has("aws_security_group", {"name": "ec2-rds-solo"})
    bare.has("aws_security_group", {"name": "rds-ec2-solo"})
    (cluster,) = bare.resources("aws_rds_cluster").values()
    assert cluster["depends_on"] == [f"aws_instance.{next(iter(bare.resources('aws_instance')))}"]
