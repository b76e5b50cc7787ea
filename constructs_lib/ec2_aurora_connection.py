"""The code form of the RDS console's "Connect to an EC2 compute resource"."""

from __future__ import annotations

from typing import Protocol

from cdktf import TerraformResource
from constructs import Construct

from .aurora_cluster import AuroraCluster
from .ec2_aurora_connection_config import (
    SUFFIX,
    Ec2AuroraConnectionConfig,
)
from .security_groups import allow_tcp_in, allow_tcp_out, new_security_group
from .validation import is_int

# The construct, and its config module's names re-exported: code that imported them from here still works.
__all__ = [
    "SUFFIX",
    "Ec2AuroraConnection",
    "Ec2AuroraConnectionConfig",
]


class WebTier(Protocol):
    """What the database connects to: one web server (WebServer) or a group of them (WebGroup).

    resource: what the cluster waits for (the instance, or the group once its min_size instances are InService)."""

    @property
    def resource(self) -> TerraformResource: ...

    def add_security_group(self, security_group_id: str) -> None: ...


class Ec2AuroraConnection(Construct):
    """Two groups that only talk to each other on the DB port, and the EC2-before-Aurora order.

    Attributes: ec2_security_group (on the instance), database_security_group (on the cluster).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        config: Ec2AuroraConnectionConfig,
        *,
        vpc_id: str,
        web_server: WebTier,
        cluster: AuroraCluster,
    ) -> None:
        super().__init__(scope, id)
        port = cluster.port
        if not (is_int(port) and 0 < port < 65536):
            raise ValueError(f"cluster port {port!r} is not a TCP port")
        ec2_name, rds_name = f"ec2-rds-{config.suffix}", f"rds-ec2-{config.suffix}"
        self.ec2_security_group = new_security_group(
            self,
            "ec2-security-group",
            name=ec2_name,
            vpc_id=vpc_id,
            description=f"Attached to the web server: lets it reach the database ({rds_name}) on port {port} only",
        )
        self.database_security_group = new_security_group(
            self,
            "database-security-group",
            name=rds_name,
            vpc_id=vpc_id,
            description=f"Attached to the Aurora cluster: admits the web server ({ec2_name}) on port {port} only",
        )
        allow_tcp_out(
            self,
            "ec2-to-database",
            group=self.ec2_security_group,
            port=port,
            to_group_id=self.database_security_group.id,
            description=f"MySQL to the Aurora cluster ({rds_name})",
        )
        allow_tcp_in(
            self,
            "database-from-ec2",
            group=self.database_security_group,
            port=port,
            from_group_id=self.ec2_security_group.id,
            description=f"MySQL from the web server ({ec2_name})",
        )
        web_server.add_security_group(self.ec2_security_group.id)
        cluster.add_security_group(self.database_security_group.id)
        # As in the console: the database is connected to a web tier that already exists.
        cluster.create_after(web_server.resource)
