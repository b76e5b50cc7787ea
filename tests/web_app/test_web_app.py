"""The employee directory WSGI app against a real MariaDB server with TLS, plus its AWS settings lookup on moto.

The server is started by tests/support/mariadb_server.py (own datadir, free port, generated CA): needs mariadb-server.
"""

from __future__ import annotations

import io
import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import boto3
import pymysql
import pytest
from moto import mock_aws

import employee_directory
from employee_directory import (
    MAX_FIELDS,
    AwsSettingsSource,
    ConnectionSettings,
    DatabaseUnavailable,
    EmployeeStore,
    StaticSettingsSource,
    create_app,
    settings_source_from_env,
)
from tests.support.mariadb_server import DATABASE, free_port, root_query, write_tls_files

ORIGIN = "http://127.0.0.1"  # wsgiref's testing defaults: Host 127.0.0.1, plain HTTP
SAME_ORIGIN = {"HTTP_ORIGIN": ORIGIN, "HTTP_SEC_FETCH_SITE": "same-origin"}


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
    set_cookies: list = field(default_factory=list)

    @property
    def token(self):
        found = re.search(r'name=csrf_token value="([^"]*)"', self.text)
        return found.group(1) if found else None


def call(app, method="GET", path="/", *, form=None, body=None, query="", cookies=None, headers=None):
    """Run one request through wsgiref's validator, which also checks WSGI compliance."""
    environ = {}
    setup_testing_defaults(environ)
    data = urlencode(form).encode() if form is not None else (body or b"")
    errors = io.StringIO()
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": errors,
        }
    )
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    environ.update(headers or {})
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=headers)

    result = validator(app)(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return Response(
        int(started["status"][:3]),
        dict(started["headers"]),
        content.decode("utf-8"),
        errors.getvalue(),
        [value for name, value in started["headers"] if name == "Set-Cookie"],
    )


class Browser:
    """Keeps cookies like a browser and submits the page's own form from the page's own origin."""

    def __init__(self, app):
        self.app, self.cookies = app, {}

    def request(self, method="GET", **options):
        response = call(self.app, method, cookies=self.cookies, **options)
        for header in response.set_cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, **options):
        return self.request("GET", **options)

    def add(self, name, address, headers=SAME_ORIGIN, token=None):
        """Load the page for its form token, then submit the form."""
        token = self.get().token if token is None else token
        form = {"name": name, "address": address, "csrf_token": token}
        return self.request("POST", form=form, headers=headers)


@pytest.fixture
def browser(app):
    return Browser(app)


def table_exists(server):
    return bool(
        root_query(
            server,
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'EMPLOYEES'",
            (DATABASE,),
        )
    )


def stored_rows(server):
    if not table_exists(server):
        return ()
    return root_query(server, f"SELECT NAME, ADDRESS FROM {DATABASE}.EMPLOYEES ORDER BY ID")


def dead_settings(server):
    return server.settings(writer_host="localhost", reader_host="localhost", port=free_port())


def listed_names(response):
    return re.findall(r"<tr(?: class=new)?><td>\d+</td><td>([^<]*)</td>", response.text)


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
def test_added_employee_is_listed_after_redirect(browser, server):
    response = browser.add("Ada Lovelace", "12 St James's Square, London")
    assert (response.status, response.headers["Location"]) == (303, "/")
    page = browser.get()
    assert page.status == 200
    assert "Ada Lovelace" in page.text and "12 St James&#x27;s Square, London" in page.text
    assert "Employee 1 added." in page.text and "<tr class=new><td>1</td>" in page.text
    assert stored_rows(server) == (("Ada Lovelace", "12 St James's Square, London"),)


@pytest.mark.integration
def test_script_in_name_is_shown_escaped(browser):
    browser.add("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>')
    page = browser.get()
    assert "<script>alert" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


@pytest.mark.integration
def test_sql_injection_attempt_is_stored_literally(browser, server):
    attack = "x'); DROP TABLE EMPLOYEES; --"
    assert browser.add(attack, "1' OR '1'='1").status == 303
    assert stored_rows(server) == ((attack, "1' OR '1'='1"),)
    assert table_exists(server)


@pytest.mark.integration
@pytest.mark.parametrize(
    "name, address, message",
    [
        ("n" * 46, "a", "Name must be at most 45 characters (got 46)."),
        ("n", "a" * 91, "Address must be at most 90 characters (got 91)."),
        ("", "a", "Name is required."),
        ("n", "   ", "Address is required."),
        ("Ada\x00", "a", "Name must not contain control characters (found U+0000)."),
        ("Ada", "\x1b[31mred", "Address must not contain control characters (found U+001B)."),
        ("Ada\x07", "a", "Name must not contain control characters (found U+0007)."),
        ("Ada", "line\nbreak", "Address must not contain control characters (found U+000A)."),
        ("\u202egnp.exe", "a", "Name must not contain control characters (found U+202E)."),
    ],
)
def test_bad_input_is_refused_with_400_that_says_why(browser, server, name, address, message):
    response = browser.add(name, address)
    assert response.status == 400
    assert message in response.text
    assert "\x00" not in response.text and "\x1b" not in response.text and "\x07" not in response.text
    assert 'name=name maxlength=45 required autocomplete=off value="' in response.text, "the form is kept"
    assert response.token, "with a token to submit it again"
    assert stored_rows(server) == ()


@pytest.mark.integration
def test_missing_field_is_refused(browser, server):
    token = browser.get().token
    response = browser.request("POST", form={"address": "a", "csrf_token": token}, headers=SAME_ORIGIN)
    assert response.status == 400 and "Name is required." in response.text


@pytest.mark.integration
def test_limits_count_characters_not_bytes(browser, server):
    name, address = "é" * 45, "ü" * 90
    assert browser.add(name, address).status == 303
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
    response = call(app, path="/health/database")
    assert (response.status, json.loads(response.text)) == (200, {"writer": "reachable", "reader": "reachable"})
    response = call(app, path="/health")
    assert (response.status, json.loads(response.text)) == (200, {"server": "up"})


# --- Security headers and CSRF -------------------------------------------------------------------------------


@pytest.mark.integration
def test_security_headers_and_cookie_attributes(app):
    response = call(app)
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "unsafe-inline" not in csp and "style-src 'sha256-" in csp
    (cookie,) = response.set_cookies
    assert cookie.startswith("csrf=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie, "the site is plain HTTP behind httpd"
    assert '<meta name=viewport content="width=device-width, initial-scale=1">' in response.text
    assert "overflow-wrap:anywhere" in response.text and "table-layout:fixed" in response.text
    https = call(app, headers={"wsgi.url_scheme": "https"})
    assert "Secure" in https.set_cookies[0]


@pytest.mark.integration
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "http://127.0.0.1.evil.example"},
    ],
)
def test_cross_origin_post_is_refused(browser, server, headers):
    """Even with a valid token (an attacker cannot read it, but the check must not depend on that)."""
    response = browser.add("Mallory", "1 Evil Street", headers=headers)
    assert response.status == 403
    assert "Mallory" not in response.text
    assert "cross-site POST refused" in response.log
    assert stored_rows(server) == ()


@pytest.mark.integration
def test_same_origin_post_with_token_is_accepted(browser, server):
    assert browser.add("Ada", "London", headers=SAME_ORIGIN).status == 303
    assert browser.add("Grace", "Arlington", headers={"HTTP_ORIGIN": "http://127.0.0.1:80"}).status == 303
    assert browser.add("Edsger", "Nuenen", headers={}).status == 303, "no browser headers: the token suffices"
    assert stored_rows(server) == (("Ada", "London"), ("Grace", "Arlington"), ("Edsger", "Nuenen"))


@pytest.mark.integration
@pytest.mark.parametrize("token", ["", "0" * 64, "forged"])
def test_post_without_a_valid_token_is_refused_and_keeps_the_values(browser, server, token):
    response = browser.add("Ada", "London", token=token)
    assert response.status == 403
    assert "The form had expired" in response.text
    assert 'value="Ada"' in response.text and 'value="London"' in response.text
    assert stored_rows(server) == ()
    assert browser.add("Ada", "London").status == 303, "the fresh token in that page works"


@pytest.mark.integration
def test_token_belongs_to_its_cookie_and_its_server(app, server):
    first, second = Browser(app), Browser(app)
    token = first.get().token
    second.get()
    assert second.add("Ada", "London", token=token).status == 403, "another browser's token"
    other_server = Browser(create_app(StaticSettingsSource(server.settings()), DATABASE))
    other_server.cookies = dict(first.cookies)
    assert other_server.add("Ada", "London", token=token).status == 403, "a token made with another secret"
    assert first.add("Ada", "London", token=token).status == 303


# --- Paging -------------------------------------------------------------------------------------------------


def insert_rows(server, count):
    rows = [(f"Person {number}", f"{number} Long Street") for number in range(1, count + 1)]
    with server.root() as root, root.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {DATABASE}.EMPLOYEES (NAME, ADDRESS) VALUES (%s, %s)", rows)


@pytest.mark.integration
def test_list_is_paged_newest_first(app, server):
    call(app)  # creates the table
    insert_rows(server, 120)
    first = call(app)
    assert listed_names(first) == [f"Person {number}" for number in range(120, 70, -1)]
    assert "Page 1 of 3 &middot; 120 employees" in first.text
    assert 'href="/?page=2" rel=next' in first.text and "rel=prev" not in first.text
    second = call(app, query="page=2")
    assert listed_names(second) == [f"Person {number}" for number in range(70, 20, -1)]
    assert 'href="/" rel=prev' in second.text and 'href="/?page=3" rel=next' in second.text
    last = call(app, query="page=3")
    assert listed_names(last) == [f"Person {number}" for number in range(20, 0, -1)]
    assert 'href="/?page=2" rel=prev' in last.text and "rel=next" not in last.text
    assert len(first.text.encode()) < 20_000
    assert call(app, query="page=4").status == 404
    for bad in ("page=0", "page=-1", "page=two", "page=1e3"):
        assert call(app, query=bad).status == 400, bad


@pytest.mark.integration
def test_five_thousand_rows_give_a_small_page(app, server):
    call(app)
    insert_rows(server, 5000)
    page = call(app)
    assert len(page.text.encode()) < 20_000
    assert listed_names(page)[0] == "Person 5000"
    assert "Page 1 of 100 &middot; 5,000 employees" in page.text


# --- Endpoints: read-your-write, reader down, database down -------------------------------------------------


class StaleReaderStore(EmployeeStore):
    """A store whose reader is a replica that lags: reads from the reader see the table as it was."""

    def __init__(self, source, database, frozen_rows):
        super().__init__(source, database)
        self.frozen_rows, self.reads = frozen_rows, []

    def page(self, number, size=50, role="reader"):
        self.reads.append(role)
        if role == "reader":
            rows = tuple(reversed(self.frozen_rows))
            return employee_directory.Page(rows, len(rows), number, size)
        return super().page(number, size, role)


@pytest.mark.integration
def test_read_your_write_reads_the_writer_after_an_add(server):
    store = StaleReaderStore(StaticSettingsSource(server.settings()), DATABASE, frozen_rows=())
    browser = Browser(employee_directory.EmployeeDirectoryApp(store))
    assert "No employees yet" in browser.get().text, "the lagging replica"
    response = browser.add("Ada", "London")
    assert response.status == 303
    (added,) = [cookie for cookie in response.set_cookies if cookie.startswith("added=")]
    assert "Max-Age=15" in added and "HttpOnly" in added and "SameSite=Strict" in added
    store.reads.clear()
    page = browser.get()
    assert store.reads == ["writer"] and listed_names(page) == ["Ada"]
    browser.cookies.pop("added")  # 15 seconds later
    store.reads.clear()
    browser.get()
    assert store.reads == ["reader"]


@pytest.mark.integration
def test_list_comes_from_the_writer_when_the_reader_is_down(server):
    # 127.0.0.1 is not in the server certificate, so only connections to the reader fail.
    app = create_app(StaticSettingsSource(server.settings(reader_host="127.0.0.1")), DATABASE)
    browser = Browser(app)
    assert browser.add("w", "a").status == 303
    browser.cookies.pop("added")
    page = browser.get()
    assert page.status == 200 and listed_names(page) == ["w"]
    assert "reader unavailable, the list comes from the writer" in page.log
    health = call(app, path="/health/database")
    assert (health.status, json.loads(health.text)) == (200, {"writer": "reachable", "reader": "unreachable"})


@pytest.mark.integration
def test_list_comes_from_the_reader_when_the_writer_is_down(server):
    app = create_app(StaticSettingsSource(server.settings()), DATABASE)
    Browser(app).add("r", "a")
    down = create_app(StaticSettingsSource(server.settings(writer_host="127.0.0.1")), DATABASE)
    page = call(down)
    assert page.status == 200 and listed_names(page) == ["r"]
    assert call(down, path="/health/database").status == 503


@pytest.mark.integration
def test_database_down_gives_clear_503_that_keeps_the_form(server):
    app = create_app(StaticSettingsSource(dead_settings(server)), DATABASE)
    browser = Browser(app)
    page = browser.get()
    assert page.status == 503 and page.token, "the page still offers the form"
    response = browser.add("Ada <Lovelace>", "12 St James's Square")
    assert response.status == 503
    assert "Database unavailable" in response.text and "try again" in response.text
    assert "Your employee was not saved" in response.text
    assert 'value="Ada &lt;Lovelace&gt;"' in response.text and 'value="12 St James&#x27;s Square"' in response.text
    assert "Traceback" not in response.text and "pymysql" not in response.text.lower()
    assert response.headers["Retry-After"] == "30"
    assert "database unavailable" in response.log
    health = call(app, path="/health/database")
    assert (health.status, json.loads(health.text)) == (503, {"writer": "unreachable", "reader": "unreachable"})
    # The load balancer's check stays green: the group must not replace web servers for a database outage.
    health = call(app, path="/health")
    assert (health.status, json.loads(health.text)) == (200, {"server": "up"})


@pytest.mark.integration
def test_connection_uses_tls(server):
    store = EmployeeStore(StaticSettingsSource(server.settings()), DATABASE)
    with store.connect("reader") as conn, conn.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
        assert cursor.fetchone()[1].startswith("TLSv1")


@pytest.mark.integration
def test_wrong_ca_is_refused_cleanly(server):
    source = StaticSettingsSource(server.settings(ca_file=server.wrong_ca_file))
    with pytest.raises(DatabaseUnavailable, match=r"(?i)certificate verify failed"):
        EmployeeStore(source, DATABASE).connect()
    response = call(create_app(source, DATABASE))
    assert response.status == 503 and "Traceback" not in response.text


@pytest.mark.integration
def test_host_name_not_in_certificate_is_refused(server):
    source = StaticSettingsSource(server.settings(writer_host="127.0.0.1"))
    with pytest.raises(DatabaseUnavailable, match=r"(?i)certificate verify failed.*(hostname|IP address mismatch)"):
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
    with pytest.raises(DatabaseUnavailable, match=r"(?i)ssl|tls"):
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
    monkeypatch.setattr(employee_directory, "_default", {})
    for name, value in {
        "EMPLOYEE_DB_HOST": "localhost",
        "EMPLOYEE_DB_PORT": str(server.port),
        "EMPLOYEE_DB_USER": server.user,
        "EMPLOYEE_DB_PASSWORD": server.password,
        "EMPLOYEE_DB_CA_FILE": server.ca_file,
        "EMPLOYEE_DB_NAME": DATABASE,
    }.items():
        monkeypatch.setenv(name, value)
    assert Browser(employee_directory.application).add("env", "a").status == 303
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
    with pytest.raises(DatabaseUnavailable, match=r"aurora-web-db.*DBClusterNotFound"):
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


# --- Too many fields: a 400 that names the limit, and nothing in the log (issue 22) ------------------------------
# parse_qs raises a bare ValueError past max_num_fields: a GET reached the catch-all (500 and a logged traceback),
# and a POST said "must be URL-encoded UTF-8".


def test_a_get_with_too_many_query_fields_is_a_400_naming_the_limit(app):
    response = call(app, query="&".join(f"f{i}=1" for i in range(MAX_FIELDS + 1)))
    assert response.status == 400, response.text
    assert f"At most {MAX_FIELDS} fields are accepted." in response.text
    assert response.log == ""


def test_a_get_at_the_limit_is_served(app):
    response = call(app, query="&".join(["page=1"] + [f"f{i}=1" for i in range(MAX_FIELDS - 1)]))
    assert response.status == 200, response.text


def test_a_post_with_too_many_fields_is_a_400_naming_the_limit(app):
    form = {f"f{i}": "x" for i in range(MAX_FIELDS + 1)}
    response = call(app, "POST", form=form, headers=SAME_ORIGIN)
    assert response.status == 400, response.text
    assert f"At most {MAX_FIELDS} fields are accepted." in response.text
    assert "URL-encoded" not in response.text
    assert response.log == ""


def test_an_undecodable_form_still_says_so(app):
    response = call(app, "POST", body=b"name=%ff&address=x", headers=SAME_ORIGIN)
    assert response.status == 400 and "must be URL-encoded UTF-8" in response.text
