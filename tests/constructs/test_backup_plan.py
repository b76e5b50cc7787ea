"""AWS Backup (prod): a daily plan into an encrypted vault that selects the cluster."""


def test_backup_plan_alone_in_a_bare_stack():
    from constructs_lib.backup_plan import BackupPlan
    from constructs_lib.backup_plan_config import BackupPlanConfig
    from tests.support.bare_stack import KMS_KEY_ARN, BareStack

    cluster_arn = "arn:aws:rds:us-east-1:111122223333:cluster:solo"
    bare = BareStack(
        lambda stack: BackupPlan(
            stack, "backup", BackupPlanConfig(name="solo"), resource_arns=[cluster_arn], kms_key_arn=KMS_KEY_ARN
        )
    )
    bare.has("aws_backup_vault", {"name": "solo-backups", "kms_key_arn": KMS_KEY_ARN})
    bare.has("aws_backup_selection", {"name": "solo-database", "resources": [cluster_arn]})
