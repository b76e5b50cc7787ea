"""The tests' moto server gives a new DB instance the CA that RDS gives it today: rds-ca-rsa2048-g1.

Why: moto 5.2.5 defaults a new instance's CACertificateIdentifier to "rds-ca-default", a name RDS no longer uses.
RDS has given new instances rds-ca-rsa2048-g1 in most Regions since 2024 (Aurora User Guide, "Using SSL/TLS to
encrypt a connection to a DB cluster", Certificate authorities). hashicorp/aws 5.100.0 does not send
`ca_cert_identifier` with CreateDBInstance for a cluster instance: when the answer names another CA, it calls
ModifyDBInstance and RebootDBInstance and waits twice for "available" (at least 80 s each). So prod, which pins
rds-ca-rsa2048-g1, paid about 3 minutes per instance in moto, a cost it does not pay on AWS, where the answer
already names that CA.

`install()` wraps moto's RDSBackend.create_db_instance: a request without CACertificateIdentifier gets
rds-ca-rsa2048-g1; one with it keeps it (moto's own handling). Modify, describe and every other call are moto's own.
Run by tests/support/moto_server.py.
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import RDSBackend

from tests.support.moto_patching import wrap_once

RDS_DEFAULT_CA = "rds-ca-rsa2048-g1"
CA_KEYWORD = "ca_certificate_identifier"  # moto's name for the request's CACertificateIdentifier


def _with_default_ca(create_db_instance: Any) -> Any:
    def create_db_instance_with_default_ca(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        if not db_kwargs.get(CA_KEYWORD):
            db_kwargs = {**db_kwargs, CA_KEYWORD: RDS_DEFAULT_CA}
        return create_db_instance(self, db_kwargs)

    return create_db_instance_with_default_ca


def install() -> None:
    """Wrap RDSBackend.create_db_instance (once)."""
    wrap_once(RDSBackend, "create_db_instance", _with_default_ca)
