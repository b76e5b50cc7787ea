"""backup_plan in the settings profiles: moved from tests/constructs, which builds it alone."""

from tests.support.synthesized import reference


def test_prod_backs_up_the_cluster_daily_into_an_encrypted_vault(prod):
    vault = prod.address("aws_backup_vault", "vault")
    plan = prod.only("aws_backup_plan")
    assert plan["rule"][0]["target_vault_name"] == reference(vault, "name")
    assert plan["rule"][0]["schedule"] == "cron(0 5 * * ? *)"
    assert plan["rule"][0]["lifecycle"]["delete_after"] == 35
    prod.has(
        "aws_backup_selection",
        {
            "resources": [reference(prod.address("aws_rds_cluster", "cluster"), "arn")],
            "plan_id": reference(prod.address("aws_backup_plan", "plan")),
        },
    )


def test_backup_role_uses_the_backup_service_policies(prod):
    arns = {attachment["policy_arn"] for attachment in prod.resources("aws_iam_role_policy_attachment").values()}
    assert "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" in arns


def test_dev_has_no_backup_plan(dev):
    assert not dev.resources("aws_backup_plan") and not dev.resources("aws_backup_selection")
