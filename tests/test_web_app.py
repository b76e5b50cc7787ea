"""The employee directory WSGI app against a real MariaDB server with TLS, plus its AWS settings lookup on moto.

The server is started here (own datadir, free port, generated CA): needs mariadb-server installed.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import secrets
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import boto3
import pymysql
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from moto import mock_aws

from employee_directory import (
    AwsSettingsSource,
    ConnectionSettings,
    DatabaseUnavailable,
    EmployeeStore,
    StaticSettingsSource,
    create_app,
    settings_source_from_env,
)

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
        values = dict(
            writer_host="localhost",
            reader_host="localhost",
            port=self.port,
            user=self.user,
            password=self.password,
            ca_file=self.ca_file,
        )
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


@pytest.fixture
def app(server):
    return create_app(StaticSettingsSource(server.settings()), DATABASE)


# --- A tiny in-process WSGI client -------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    text: str
    log: str


def call(app, method="GET", path="/", form=None, body=None):
    """Run one request through wsgiref's validator, which also checks WSGI compliance."""
    environ = {}
    setup_testing_defaults(environ)
    data = urlencode(form).encode() if form is not None else (body or b"")
    errors = io.StringIO()
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": errors,
        }
    )
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=headers)

    result = validator(app)(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return Response(int(started["status"][:3]), dict(started["headers"]), content.decode("utf-8"), errors.getvalue())


def table_exists(server):
    return bool(
        root_query(
            server,
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'EMPLOYEES'",
            (DATABASE,),
        )
    )


def stored_rows(server):
    return root_query(server, f"SELECT NAME, ADDRESS FROM {DATABASE}.EMPLOYEES ORDER BY ID")


def dead_settings(server):
    return server.settings(writer_host="localhost", reader_host="localhost", port=free_port())


# --- Behaviour -----------------------------------------------------------------------------------------


@pytest.mark.integration
def test_table_is_created_on_first_request(app, server):
    assert not table_exists(server)
    response = call(app)
    assert response.status == 200
    assert "No employees yet" in response.text
    assert table_exists(server)
    columns = root_query(
        server,
        "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'EMPLOYEES' ORDER BY ORDINAL_POSITION",
        (DATABASE,),
    )
    assert columns == (("ID", "int(10) unsigned"), ("NAME", "varchar(45)"), ("ADDRESS", "varchar(90)"))


@pytest.mark.integration
def test_added_employee_is_listed_after_redirect(app, server):
    response = call(app, "POST", form={"name": "Ada Lovelace", "address": "12 St James's Square, London"})
    assert (response.status, response.headers["Location"]) == (303, "/")
    page = call(app)
    assert page.status == 200
    assert "Ada Lovelace" in page.text and "12 St James&#x27;s Square, London" in page.text
    assert stored_rows(server) == (("Ada Lovelace", "12 St James's Square, London"),)


@pytest.mark.integration
def test_script_in_name_is_shown_escaped(app):
    call(app, "POST", form={"name": "<script>alert(1)</script>", "address": '"><img src=x onerror=alert(2)>'})
    page = call(app)
    assert "<script>alert" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


@pytest.mark.integration
def test_sql_injection_attempt_is_stored_literally(app, server):
    attack = "x'); DROP TABLE EMPLOYEES; --"
    assert call(app, "POST", form={"name": attack, "address": "1' OR '1'='1"}).status == 303
    assert stored_rows(server) == ((attack, "1' OR '1'='1"),)
    assert table_exists(server)


@pytest.mark.integration
@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "n" * 46, "address": "a"}, "Name must be at most 45 characters (got 46)."),
        ({"name": "n", "address": "a" * 91}, "Address must be at most 90 characters (got 91)."),
        ({"name": "", "address": "a"}, "Name is required."),
        ({"name": "n", "address": "   "}, "Address is required."),
        ({"address": "a"}, "Name is required."),
    ],
)
def test_bad_input_is_refused_with_400(app, server, form, message):
    response = call(app, "POST", form=form)
    assert response.status == 400
    assert message in response.text
    assert call(app).text.count("<tr>") == 0


@pytest.mark.integration
def test_limits_count_characters_not_bytes(app, server):
    name, address = "é" * 45, "ü" * 90
    assert call(app, "POST", form={"name": name, "address": address}).status == 303
    assert stored_rows(server) == ((name, address),)


@pytest.mark.integration
def test_oversized_or_undecodable_form_is_refused(app, server):
    assert call(app, "POST", body=b"name=" + b"x" * 5000 + b"&address=a").status == 400
    response = call(app, "POST", body=b"name=%FF&address=a")
    assert response.status == 400 and "UTF-8" in response.text


@pytest.mark.integration
def test_unknown_path_and_method(app):
    assert call(app, path="/admin").status == 404
    response = call(app, "DELETE")
    assert response.status == 405 and response.headers["Allow"] == "GET, HEAD, POST"


@pytest.mark.integration
def test_health_reports_reachable(app):
    response = call(app, path="/health")
    assert (response.status, json.loads(response.text)) == (200, {"database": "reachable"})


@pytest.mark.integration
def test_database_down_gives_clear_503_without_traceback(server):
    app = create_app(StaticSettingsSource(dead_settings(server)), DATABASE)
    for method, form in (("GET", None), ("POST", {"name": "n", "address": "a"})):
        response = call(app, method, form=form)
        assert response.status == 503
        assert "Database unavailable" in response.text and "try again" in response.text
        assert "Traceback" not in response.text and "pymysql" not in response.text.lower()
        assert response.headers["Retry-After"] == "30"
        assert "database unavailable" in response.log
    health = call(app, path="/health")
    assert (health.status, json.loads(health.text)) == (503, {"database": "unreachable"})


@pytest.mark.integration
def test_writes_use_writer_and_list_uses_reader(server):
    # 127.0.0.1 is not in the server certificate, so only connections to the reader fail.
    reader_down = create_app(StaticSettingsSource(server.settings(reader_host="127.0.0.1")), DATABASE)
    assert call(reader_down, "POST", form={"name": "w", "address": "a"}).status == 303
    assert call(reader_down).status == 503
    assert stored_rows(server) == (("w", "a"),)


@pytest.mark.integration
def test_connection_uses_tls(server):
    store = EmployeeStore(StaticSettingsSource(server.settings()), DATABASE)
    with store.connect("reader") as conn, conn.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
        assert cursor.fetchone()[1].startswith("TLSv1")


@pytest.mark.integration
def test_wrong_ca_is_refused_cleanly(server):
    source = StaticSettingsSource(server.settings(ca_file=server.wrong_ca_file))
    with pytest.raises(DatabaseUnavailable, match="(?i)certificate verify failed"):
        EmployeeStore(source, DATABASE).connect()
    response = call(create_app(source, DATABASE))
    assert response.status == 503 and "Traceback" not in response.text


@pytest.mark.integration
def test_host_name_not_in_certificate_is_refused(server):
    source = StaticSettingsSource(server.settings(writer_host="127.0.0.1"))
    with pytest.raises(DatabaseUnavailable, match="(?i)certificate verify failed.*(hostname|IP address mismatch)"):
        EmployeeStore(source, DATABASE).connect()


@pytest.mark.integration
def test_missing_ca_file_gives_503(server, tmp_path):
    source = StaticSettingsSource(server.settings(ca_file=str(tmp_path / "absent.pem")))
    with pytest.raises(DatabaseUnavailable, match="No such file"):
        EmployeeStore(source, DATABASE).connect()


class RotatedSecret:
    """A source whose cached password is stale until refreshed, as after a managed-secret rotation."""

    def __init__(self, server):
        self.server, self.refreshes = server, 0

    def get(self, refresh=False):
        self.refreshes += refresh
        return self.server.settings(password=self.server.password if self.refreshes else "stale")


@pytest.mark.integration
def test_refused_login_rereads_the_secret_once(server):
    source = RotatedSecret(server)
    assert call(create_app(source, DATABASE)).status == 200
    assert source.refreshes == 1


def test_server_without_tls_is_refused(tmp_path):
    """A server (or attacker) not offering TLS must not get the password in plain text."""
    port, received = fake_server_without_tls()
    source = StaticSettingsSource(
        ConnectionSettings(
            writer_host="localhost",
            reader_host="localhost",
            port=port,
            user="app",
            password="hunter2-secret",
            ca_file=write_tls_files(tmp_path)["ca"],
        )
    )
    with pytest.raises(DatabaseUnavailable, match="(?i)ssl|tls"):
        EmployeeStore(source, DATABASE).connect()
    assert not any(b"hunter2" in packet for packet in received)


def test_plain_text_fallback_of_older_pymysql_is_refused(tmp_path, monkeypatch):
    """Older PyMySQL releases silently continue without TLS; the app must still refuse the connection."""
    port, _ = fake_server_without_tls()
    connect = pymysql.connect
    monkeypatch.setattr(pymysql, "connect", lambda ssl, **kwargs: connect(ssl_disabled=True, **kwargs))
    source = StaticSettingsSource(
        ConnectionSettings(
            writer_host="localhost",
            reader_host="localhost",
            port=port,
            user="app",
            password="pw",
            ca_file=write_tls_files(tmp_path)["ca"],
        )
    )
    with pytest.raises(DatabaseUnavailable, match="TLS was not negotiated"):
        EmployeeStore(source, DATABASE).connect()


def fake_server_without_tls():
    """Listen once; greet without the SSL capability and answer every packet with OK; record what arrives."""
    listener = socket.create_server(("127.0.0.1", 0))
    received = []

    def packet(seq, payload):
        return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload

    def serve():
        with listener, listener.accept()[0] as conn:
            caps = 0x1 | 0x8 | 0x200 | 0x8000 | 0x80000  # long password, db, 4.1 protocol, secure/plugin auth
            greeting = (
                b"\x0a5.7.0-fake\x00"
                + struct.pack("<I", 1)
                + b"abcdefgh\x00"
                + struct.pack("<H", caps & 0xFFFF)
                + b"\x21"
                + struct.pack("<H", 2)
                + struct.pack("<H", caps >> 16)
                + b"\x15"
                + b"\x00" * 10
                + b"ijklmnopqrst\x00"
                + b"mysql_native_password\x00"
            )
            conn.sendall(packet(0, greeting))
            conn.settimeout(5)
            try:
                while len(header := conn.recv(4)) == 4:
                    received.append(conn.recv(int.from_bytes(header[:3], "little")))
                    conn.sendall(packet(header[3] + 1, b"\x00\x00\x00\x02\x00\x00\x00"))
            except OSError:
                pass  # the client hung up

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], received


# --- Settings sources ---------------------------------------------------------------------------------


def test_env_gives_static_settings_without_aws():
    source = settings_source_from_env(
        {
            "EMPLOYEE_DB_HOST": "db.internal",
            "EMPLOYEE_DB_PORT": "3307",
            "EMPLOYEE_DB_USER": "app",
            "EMPLOYEE_DB_PASSWORD": "pw",
            "EMPLOYEE_DB_CA_FILE": "/tmp/ca.pem",
        }
    )
    assert isinstance(source, StaticSettingsSource)
    assert source.get() == ConnectionSettings("db.internal", "db.internal", 3307, "app", "pw", "/tmp/ca.pem")
    assert "pw" not in repr(source.get())


@pytest.mark.integration
def test_default_application_is_configured_from_the_environment(server, monkeypatch):
    from constructs_lib.web_app import employee_directory

    monkeypatch.setattr(employee_directory, "_default_app", None)
    for name, value in {
        "EMPLOYEE_DB_HOST": "localhost",
        "EMPLOYEE_DB_PORT": str(server.port),
        "EMPLOYEE_DB_USER": server.user,
        "EMPLOYEE_DB_PASSWORD": server.password,
        "EMPLOYEE_DB_CA_FILE": server.ca_file,
        "EMPLOYEE_DB_NAME": DATABASE,
    }.items():
        monkeypatch.setenv(name, value)
    assert call(employee_directory.application, "POST", form={"name": "env", "address": "a"}).status == 303
    assert stored_rows(server) == (("env", "a"),)


def test_env_defaults_to_the_aws_lookup():
    source = settings_source_from_env({"AWS_REGION": "eu-west-1", "EMPLOYEE_DB_CLUSTER_ID": "aurora-web-db"})
    assert isinstance(source, AwsSettingsSource)
    assert (source.region, source.cluster_identifier) == ("eu-west-1", "aurora-web-db")
    with pytest.raises(RuntimeError, match="EMPLOYEE_DB_CLUSTER_ID"):
        settings_source_from_env({"AWS_REGION": "eu-west-1"})


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("rds", region_name="eu-west-1"), boto3.client("secretsmanager", region_name="eu-west-1")


def test_aws_source_reads_endpoints_and_managed_secret(aws):
    rds, secretsmanager = aws
    rds.create_db_cluster(
        DBClusterIdentifier="aurora-web-db",
        Engine="aurora-mysql",
        MasterUsername="admin",
        ManageMasterUserPassword=True,
        DatabaseName=DATABASE,
    )
    cluster = rds.describe_db_clusters(DBClusterIdentifier="aurora-web-db")["DBClusters"][0]
    arn = cluster["MasterUserSecret"]["SecretArn"]
    password = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])["password"]
    clock = Clock()
    source = AwsSettingsSource(region="eu-west-1", cluster_identifier="aurora-web-db", ca_file="/ca.pem", clock=clock)

    settings = source.get()
    assert settings == ConnectionSettings(
        cluster["Endpoint"], cluster["ReaderEndpoint"], cluster["Port"], "admin", password, "/ca.pem"
    )
    assert settings.writer_host != settings.reader_host
    assert password not in repr(settings)

    rds.delete_db_cluster(DBClusterIdentifier="aurora-web-db", SkipFinalSnapshot=True)
    clock.now += 299
    assert source.get() is settings, "cached for five minutes"
    clock.now += 1
    with pytest.raises(DatabaseUnavailable, match="aurora-web-db.*DBClusterNotFound"):
        source.get()


def test_aws_source_refresh_rereads_the_secret(aws):
    rds, secretsmanager = aws
    rds.create_db_cluster(
        DBClusterIdentifier="aurora-web-db",
        Engine="aurora-mysql",
        MasterUsername="admin",
        ManageMasterUserPassword=True,
    )
    source = AwsSettingsSource(region="eu-west-1", cluster_identifier="aurora-web-db", clock=Clock())
    before = source.get()
    arn = rds.describe_db_clusters()["DBClusters"][0]["MasterUserSecret"]["SecretArn"]
    secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "admin", "password": "new"}))
    assert source.get() is before
    assert source.get(refresh=True).password == "new"


def test_aws_source_without_managed_secret_is_unavailable(aws):
    rds, _ = aws
    rds.create_db_cluster(
        DBClusterIdentifier="plain", Engine="aurora-mysql", MasterUsername="admin", MasterUserPassword="not-managed-1"
    )
    with pytest.raises(DatabaseUnavailable, match="MasterUserSecret"):
        AwsSettingsSource(region="eu-west-1", cluster_identifier="plain").get()
