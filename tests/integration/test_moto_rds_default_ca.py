"""The tests' moto gives a new DB instance RDS's current default CA, and keeps a CA the request names
(tests/support/moto_rds_default_ca.py)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from tests.support import moto_rds_default_ca


@pytest.fixture(scope="module", autouse=True)
def installed():
    moto_rds_default_ca.install()


def new_instance_ca(**options) -> str:
    with mock_aws():
        rds = boto3.client("rds", region_name="us-east-1")
        rds.create_db_cluster(
            DBClusterIdentifier="c1",
            Engine="aurora-mysql",
            MasterUsername="admin",
            MasterUserPassword="Passw0rdPassw0rd",
        )
        created = rds.create_db_instance(
            DBInstanceIdentifier="c1-w",
            DBClusterIdentifier="c1",
            Engine="aurora-mysql",
            DBInstanceClass="db.r6g.large",
            **options,
        )["DBInstance"]
        described = rds.describe_db_instances(DBInstanceIdentifier="c1-w")["DBInstances"][0]
        assert created["CACertificateIdentifier"] == described["CACertificateIdentifier"]
        return described["CACertificateIdentifier"]


def test_an_instance_created_without_a_ca_gets_rds_ca_rsa2048_g1():
    assert new_instance_ca() == "rds-ca-rsa2048-g1"


def test_a_ca_named_in_the_request_is_kept():
    assert new_instance_ca(CACertificateIdentifier="rds-ca-ecc384-g1") == "rds-ca-ecc384-g1"
