"""A throwaway MariaDB server with TLS for the web app's tests: own datadir, free port, generated CA.

Needs mariadb-server installed. The fixtures `mariadb` (one server per session) and `server` (no EMPLOYEES table)
are offered to every test through conftest.py.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pymysql
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from employee_directory import ConnectionSettings

DATABASE = "sample"
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/libexec"])


# --- A throwaway MariaDB server with TLS ------------------------------------------------------------


@dataclass
class Server:
    """How to reach the test server: the app user over TCP + TLS, root over the unix socket."""

    port: int
    socket: str
    ca_file: str
    wrong_ca_file: str
    user: str
    password: str

    def settings(self, **changes) -> ConnectionSettings:
        values = {
            "writer_host": "localhost",
            "reader_host": "localhost",
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "ca_file": self.ca_file,
        }
        values.update(changes)
        return ConnectionSettings(**values)

    def root(self):
        return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, extensions):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _key_usage(**enabled):
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{name: enabled.get(name, False) for name in names})


def _make_ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(
        _name(common_name),
        _name(common_name),
        key.public_key(),
        key,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), True),
        ],
    )
    return key, cert


def write_tls_files(directory):
    """A CA, a server certificate for localhost signed by it, and an unrelated CA; returns their paths."""
    ca_key, ca_cert = _make_ca("employee-directory test CA")
    _, wrong_ca_cert = _make_ca("some other CA")
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _certificate(
        _name("localhost"),
        ca_cert.subject,
        server_key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
        ],
    )
    pem = serialization.Encoding.PEM
    paths = {name: str(directory / f"{name}.pem") for name in ("ca", "wrong-ca", "server-cert", "server-key")}
    for name, data in [
        ("ca", ca_cert.public_bytes(pem)),
        ("wrong-ca", wrong_ca_cert.public_bytes(pem)),
        ("server-cert", server_cert.public_bytes(pem)),
        ("server-key", server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
    ]:
        with open(paths[name], "wb") as handle:
            handle.write(data)
    os.chmod(paths["server-key"], 0o600)
    return paths


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _find(*names):
    return next((found for found in (shutil.which(name, path=SBIN_PATH) for name in names) if found), None)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """A MariaDB server on 127.0.0.1 requiring TLS, with database `sample` and user `app`; stopped afterwards."""
    server_bin, install_db = _find("mariadbd", "mysqld"), _find("mariadb-install-db", "mysql_install_db")
    if not server_bin or not install_db:
        pytest.skip(
            "MariaDB server not installed: mariadbd/mysqld and mariadb-install-db/mysql_install_db "
            "not found (apt-get install mariadb-server mariadb-client)"
        )
    base = tmp_path_factory.mktemp("mariadb")
    datadir, sock, log = base / "data", str(base / "mysqld.sock"), base / "error.log"
    tls = write_tls_files(base)
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            install_db,
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_root,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            server_bin,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-networking=0",
            "--skip-name-resolve",
            f"--log-error={log}",
            f"--pid-file={base / 'mysqld.pid'}",
            f"--tmpdir={base}",
            "--innodb-buffer-pool-size=32M",
            f"--ssl-ca={tls['ca']}",
            f"--ssl-cert={tls['server-cert']}",
            f"--ssl-key={tls['server-key']}",
            "--require-secure-transport=ON",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(
        port=port,
        socket=sock,
        ca_file=tls["ca"],
        wrong_ca_file=tls["wrong-ca"],
        user="app",
        password=secrets.token_urlsafe(16),
    )
    try:
        _wait_until_up(process, server, log)
        with server.root() as root, root.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
            cursor.execute("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY %s REQUIRE SSL", (server.password,))
            cursor.execute(f"GRANT ALL PRIVILEGES ON {DATABASE}.* TO 'app'@'127.0.0.1'")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process, server, log, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"mariadbd exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.socket(socket.AF_UNIX) as probe:  # PyMySQL leaks the socket of a refused unix connect
                probe.connect(server.socket)
            server.root().close()
            return
        except (OSError, pymysql.err.OperationalError):
            if time.monotonic() > deadline:
                pytest.fail(f"mariadbd did not come up in {timeout}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)


def root_query(server, sql, args=None):
    with server.root() as root, root.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


@pytest.fixture
def server(mariadb):
    """The shared server with no EMPLOYEES table, so each test starts from first use."""
    root_query(mariadb, f"DROP TABLE IF EXISTS {DATABASE}.EMPLOYEES")
    return mariadb
