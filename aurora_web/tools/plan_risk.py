"""What a replace or destroy costs, by resource type: the plan guard's one table.

Data loss: what Terraform would delete holds data that does not come back with the new resource. Downtime: the
site or the database is unreachable while the resource is replaced, but no data is lost. Anything else is neither.
"""

from __future__ import annotations

DATA_LOSS = "data loss"
DOWNTIME = "downtime"

# type -> what is lost (shown to the reviewer)
DATA_LOSS_TYPES: dict[str, str] = {
    "aws_rds_cluster": "the database, its automated backups and its snapshots' source",
    "aws_kms_key": "every secret, snapshot and log encrypted under the key becomes unreadable",
    "aws_backup_vault": "the backup vault's recovery points",
    "aws_cloudwatch_log_group": "the log group's logs",
    "aws_s3_bucket": "the bucket's objects (access logs; the app archive and its older versions)",
}
# type -> what goes down. Not aws_launch_template: a replaced template is a new id for the group, which rolls its
# instances over by instance refresh (new ones healthy before old ones go), with the site up throughout.
DOWNTIME_TYPES: dict[str, str] = {
    "aws_instance": "the web server",
    "aws_autoscaling_group": "the web tier",
    "aws_rds_cluster_instance": "a database instance",
    "aws_lb": "the load balancer (and its DNS name)",
    "aws_secretsmanager_secret": "the master secret (clients must read the new one)",
}


def risk_of(resource_type: str) -> tuple[str, str] | None:
    """(class, what) for replacing or destroying a resource of this type, or None when it is neither."""
    if resource_type in DATA_LOSS_TYPES:
        return DATA_LOSS, DATA_LOSS_TYPES[resource_type]
    if resource_type in DOWNTIME_TYPES:
        return DOWNTIME, DOWNTIME_TYPES[resource_type]
    return None
