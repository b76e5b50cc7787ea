"""Employee directory: the tutorial's web tier, a WSGI app keeping names and addresses in Aurora MySQL.

Runs under httpd + mod_wsgi on Amazon Linux 2023 (system Python 3.9): stdlib, PyMySQL and boto3 only.
"""
from __future__ import annotations

import html
import json
import os
import re
import ssl
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pymysql

DEFAULT_CA_FILE = "/etc/pki/rds/global-bundle.pem"
NAME_MAX, ADDRESS_MAX = 45, 90
MAX_FORM_BYTES = 4096
ER_ACCESS_DENIED = 1045
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class DatabaseUnavailable(Exception):
    """The database or its lookup failed: users get a 503, the details go to the error log."""


class InvalidInput(ValueError):
    """The form was refused; the message is shown to the user."""


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect; the password stays out of repr() so it never reaches a log."""

    writer_host: str
    reader_host: str
    port: int
    user: str
    password: str = field(repr=False)
    ca_file: str = DEFAULT_CA_FILE


class StaticSettingsSource:
    """Fixed settings and no AWS calls: tests and local runs."""

    def __init__(self, settings: ConnectionSettings):
        self.settings = settings

    def get(self, refresh: bool = False) -> ConnectionSettings:
        return self.settings


class AwsSettingsSource:
    """Finds the cluster at run time: the instance exists before the cluster, so user data cannot name it."""

    def __init__(self, *, region, cluster_identifier, ca_file=DEFAULT_CA_FILE, ttl_seconds=300.0,
                 clock=time.monotonic, client_factory=None):
        self.region, self.cluster_identifier, self.ca_file = region, cluster_identifier, ca_file
        self.ttl_seconds, self._clock = ttl_seconds, clock
        self._client_factory = client_factory or self._boto3_client
        self._clients = {}
        self._lock = threading.Lock()
        self._cached, self._fetched_at = None, 0.0

    def get(self, refresh: bool = False) -> ConnectionSettings:
        """Cached for ttl_seconds; refresh=True after a refused login, as the managed secret rotates."""
        with self._lock:
            if refresh or self._cached is None or self._clock() - self._fetched_at >= self.ttl_seconds:
                self._cached, self._fetched_at = self._fetch(), self._clock()
            return self._cached

    def _boto3_client(self, service):
        import boto3

        return boto3.client(service, region_name=self.region)

    def _client(self, service):
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    def _fetch(self) -> ConnectionSettings:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self._client("rds").describe_db_clusters(DBClusterIdentifier=self.cluster_identifier)
            cluster = found["DBClusters"][0]
            secret_arn = cluster["MasterUserSecret"]["SecretArn"]
            secret = self._client("secretsmanager").get_secret_value(SecretId=secret_arn)
            login = json.loads(secret["SecretString"])
            return ConnectionSettings(
                writer_host=cluster["Endpoint"], reader_host=cluster.get("ReaderEndpoint") or cluster["Endpoint"],
                port=int(cluster["Port"]), user=login["username"], password=login["password"],
                ca_file=self.ca_file)
        except (BotoCoreError, ClientError, LookupError, ValueError) as exc:
            raise DatabaseUnavailable(f"cannot look up cluster {self.cluster_identifier}: "
                                      f"{type(exc).__name__}: {exc}") from exc


def settings_source_from_env(env=None):
    """EMPLOYEE_DB_HOST set: static settings; otherwise the AWS lookup of EMPLOYEE_DB_CLUSTER_ID."""
    env = os.environ if env is None else env

    def required(name):
        if not env.get(name):
            raise RuntimeError(f"employee directory: environment variable {name} is not set")
        return env[name]

    ca_file = env.get("EMPLOYEE_DB_CA_FILE") or DEFAULT_CA_FILE
    host = env.get("EMPLOYEE_DB_HOST")
    if host:
        return StaticSettingsSource(ConnectionSettings(
            writer_host=host, reader_host=env.get("EMPLOYEE_DB_READER_HOST") or host,
            port=int(env.get("EMPLOYEE_DB_PORT") or 3306), user=required("EMPLOYEE_DB_USER"),
            password=required("EMPLOYEE_DB_PASSWORD"), ca_file=ca_file))
    region = env.get("EMPLOYEE_DB_REGION") or required("AWS_REGION")
    return AwsSettingsSource(region=region, cluster_identifier=required("EMPLOYEE_DB_CLUSTER_ID"), ca_file=ca_file)


class EmployeeStore:
    """The EMPLOYEES table: writes go to the writer endpoint, the list comes from the reader endpoint."""

    def __init__(self, source, database="sample", timeout=5):
        if not DATABASE_NAME.match(database):
            raise ValueError(f"invalid database name {database!r}")
        self.source, self.database, self.timeout = source, database, timeout
        self._schema_ready = False

    def connect(self, role="writer", use_database=True):
        """TLS connection verifying the server certificate and host name; a refused login re-reads the secret once."""
        for attempt in (1, 2):
            settings = self.source.get(refresh=attempt == 2)
            host = settings.writer_host if role == "writer" else settings.reader_host
            try:
                tls = ssl.create_default_context(cafile=settings.ca_file)
                conn = pymysql.connect(
                    host=host, port=settings.port, user=settings.user, password=settings.password,
                    database=self.database if use_database else None, charset="utf8mb4", ssl=tls,
                    connect_timeout=self.timeout, read_timeout=self.timeout, write_timeout=self.timeout,
                    autocommit=True)
            except pymysql.err.OperationalError as exc:
                if attempt == 1 and exc.args and exc.args[0] == ER_ACCESS_DENIED:
                    continue
                raise DatabaseUnavailable(f"{role} {host}:{settings.port}: {exc}") from exc
            except (pymysql.MySQLError, OSError) as exc:
                raise DatabaseUnavailable(f"{role} {host}:{settings.port}: {exc!r}") from exc
            # Older PyMySQL quietly falls back to plain text when the server offers no TLS.
            if not isinstance(getattr(conn, "_sock", None), ssl.SSLSocket):
                conn.close()
                raise DatabaseUnavailable(f"{role} {host}: TLS was not negotiated")
            return conn

    @contextmanager
    def _cursor(self, role, use_database=True):
        conn = self.connect(role, use_database)
        try:
            with conn.cursor() as cursor:
                yield cursor
        except pymysql.MySQLError as exc:
            raise DatabaseUnavailable(f"{role} query failed: {exc}") from exc
        finally:
            if conn.open:  # a connection lost mid-query is closed already
                conn.close()

    def ensure_schema(self):
        """Create the database and table on first use: Terraform manages the cluster, not its schema."""
        if self._schema_ready:
            return
        with self._cursor("writer", use_database=False) as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{self.database}`")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS `{self.database}`.EMPLOYEES ("
                           "ID int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                           "NAME varchar(45), ADDRESS varchar(90)) DEFAULT CHARSET=utf8mb4")
        self._schema_ready = True

    def add(self, name, address):
        self.ensure_schema()
        with self._cursor("writer") as cursor:
            cursor.execute("INSERT INTO EMPLOYEES (NAME, ADDRESS) VALUES (%s, %s)", (name, address))

    def list(self):
        self.ensure_schema()
        with self._cursor("reader") as cursor:
            cursor.execute("SELECT ID, NAME, ADDRESS FROM EMPLOYEES ORDER BY ID")
            return cursor.fetchall()

    def ping(self):
        """Raise DatabaseUnavailable unless SELECT 1 works on both endpoints."""
        for role in ("writer", "reader"):
            with self._cursor(role, use_database=False) as cursor:
                cursor.execute("SELECT 1")


_STYLE = ("body{font-family:sans-serif;max-width:48rem;margin:2rem auto}table{border-collapse:collapse}"
          "td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}.error{color:#b00}")
_SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]


def _response(status, content_type, body, extra=()):
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return status, headers + _SECURITY_HEADERS + list(extra), body


def _page(status, title, body_html, extra=()):
    doc = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
           f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body_html}</body></html>")
    return _response(status, "text/html; charset=utf-8", doc.encode("utf-8"), extra)


def _json(status, data):
    return _response(status, "application/json", json.dumps(data).encode("utf-8"))


def _form(name="", address=""):
    return ('<form method=post action="/">'
            f'<label>Name <input name=name maxlength={NAME_MAX} required value="{html.escape(name)}"></label> '
            f'<label>Address <input name=address maxlength={ADDRESS_MAX} required '
            f'value="{html.escape(address)}"></label> <button>Add employee</button></form>')


def _table(rows):
    if not rows:
        return "<p>No employees yet.</p>"
    body = "".join(f"<tr><td>{row[0]}</td><td>{html.escape(row[1] or '')}</td><td>{html.escape(row[2] or '')}</td></tr>"
                   for row in rows)
    return f"<table><tr><th>ID</th><th>Name</th><th>Address</th></tr>{body}</table>"


def read_form(environ):
    """Return (name, address) from a url-encoded POST, or raise InvalidInput saying what is wrong."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidInput("The request has an invalid Content-Length.") from None
    if length > MAX_FORM_BYTES:
        raise InvalidInput("The form is too large.")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=10)
    except ValueError:
        raise InvalidInput("The form must be URL-encoded UTF-8.") from None
    values = [(fields.get(key) or [""])[0].strip() for key in ("name", "address")]
    problems = []
    for label, value, limit in zip(("Name", "Address"), values, (NAME_MAX, ADDRESS_MAX)):
        if not value:
            problems.append(f"{label} is required.")
        elif len(value) > limit:
            problems.append(f"{label} must be at most {limit} characters (got {len(value)}).")
    if problems:
        raise InvalidInput(" ".join(problems), *values)
    return values[0], values[1]


class EmployeeDirectoryApp:
    """WSGI routes / (list, add) and /health; failures become plain pages, never tracebacks."""

    def __init__(self, store: EmployeeStore):
        self.store = store

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self._dispatch(environ)
        except DatabaseUnavailable as exc:
            _log(environ, f"database unavailable: {exc}")
            status, headers, body = _page(
                "503 Service Unavailable", "Database unavailable",
                "<p>The employee database cannot be reached right now. Please try again in a minute.</p>",
                [("Retry-After", "30")])
        except Exception:
            _log(environ, traceback.format_exc())
            status, headers, body = _page("500 Internal Server Error", "Something went wrong",
                                          "<p>The error has been logged.</p>")
        start_response(status, headers)
        return [body]

    def _dispatch(self, environ):
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD", "GET")
        allowed = {"/": "GET, HEAD, POST", "/health": "GET, HEAD"}.get(path)
        if allowed is None:
            return _page("404 Not Found", "Not found", '<p><a href="/">Back to the directory</a></p>')
        if method not in allowed.split(", "):
            return _page("405 Method Not Allowed", "Method not allowed", "", [("Allow", allowed)])
        if path == "/health":
            return self._health(environ)
        if method == "POST":
            return self._add(environ)
        return _page("200 OK", "Employee directory", _form() + _table(self.store.list()))

    def _add(self, environ):
        try:
            name, address = read_form(environ)
        except InvalidInput as exc:
            message, submitted = exc.args[0], exc.args[1:] or ("", "")
            return _page("400 Bad Request", "Employee not added",
                         f"<p class=error>{html.escape(message)}</p>{_form(*submitted)}")
        self.store.add(name, address)
        return _response("303 See Other", "text/plain; charset=utf-8", b"", [("Location", "/")])

    def _health(self, environ):
        try:
            self.store.ping()
        except DatabaseUnavailable as exc:
            _log(environ, f"health check failed: {exc}")
            return _json("503 Service Unavailable", {"database": "unreachable"})
        return _json("200 OK", {"database": "reachable"})


def _log(environ, message):
    errors = environ.get("wsgi.errors")
    if errors is not None:
        errors.write(f"employee-directory: {message}\n")
        errors.flush()


def create_app(source, database="sample"):
    """The WSGI app for one settings source (StaticSettingsSource or AwsSettingsSource)."""
    return EmployeeDirectoryApp(EmployeeStore(source, database))


_default_app = None
_default_lock = threading.Lock()


def application(environ, start_response):
    """Default entry point, configured from os.environ on first request (see settings_source_from_env)."""
    global _default_app
    with _default_lock:
        if _default_app is None:
            _default_app = create_app(settings_source_from_env(), os.environ.get("EMPLOYEE_DB_NAME") or "sample")
    return _default_app(environ, start_response)


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    make_server("127.0.0.1", int(os.environ.get("PORT") or 8000), application).serve_forever()
