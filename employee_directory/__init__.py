"""Employee directory: the tutorial's web tier, a WSGI app keeping names and addresses in Aurora MySQL.

Runs under waitress behind httpd on Amazon Linux 2023 (system Python 3.9, so no newer syntax here); needs only the
standard library, PyMySQL and botocore. One page: a form that adds an employee (CSRF-protected) and the list, newest
first, a page at a time. Writes go to the writer; the list comes from the reader, or from the writer right after an
add (read-your-write) and whenever the reader is down.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import ssl
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pymysql

DEFAULT_CA_FILE = "/etc/pki/rds/global-bundle.pem"
NAME_MAX, ADDRESS_MAX = 45, 90
MAX_FORM_BYTES = 4096
MAX_FIELDS = 10  # fields in a query string or a form: the page reads one or three
PAGE_SIZE = 50
ER_ACCESS_DENIED = 1045
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
CSRF_COOKIE, CSRF_FIELD = "csrf", "csrf_token"
ADDED_COOKIE = "added"  # the id just added: read from the writer while it is set (replicas may lag)
READ_YOUR_WRITE_SECONDS = 15
# C0 and C1 controls (NUL, BEL, ESC, tab, line breaks, DEL, ...) and the bidirectional overrides and isolates.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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

    def __init__(
        self,
        *,
        region,
        cluster_identifier,
        ca_file=DEFAULT_CA_FILE,
        ttl_seconds=300.0,
        clock=time.monotonic,
        client_factory=None,
    ):
        self.region, self.cluster_identifier, self.ca_file = region, cluster_identifier, ca_file
        self.ttl_seconds, self._clock = ttl_seconds, clock
        self._client_factory = client_factory or self._botocore_client
        self._clients = {}
        self._lock = threading.Lock()
        self._cached, self._fetched_at = None, 0.0

    def get(self, refresh: bool = False) -> ConnectionSettings:
        """Cached for ttl_seconds; refresh=True after a refused login, as the managed secret rotates."""
        with self._lock:
            if refresh or self._cached is None or self._clock() - self._fetched_at >= self.ttl_seconds:
                self._cached, self._fetched_at = self._fetch(), self._clock()
            return self._cached

    def _botocore_client(self, service):
        import botocore.session  # boto3 would add only a layer over it: two plain API calls here

        return botocore.session.get_session().create_client(service, region_name=self.region)

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
                writer_host=cluster["Endpoint"],
                reader_host=cluster.get("ReaderEndpoint") or cluster["Endpoint"],
                port=int(cluster["Port"]),
                user=login["username"],
                password=login["password"],
                ca_file=self.ca_file,
            )
        except (BotoCoreError, ClientError, LookupError, ValueError) as exc:
            raise DatabaseUnavailable(
                f"cannot look up cluster {self.cluster_identifier}: {type(exc).__name__}: {exc}"
            ) from exc


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
        return StaticSettingsSource(
            ConnectionSettings(
                writer_host=host,
                reader_host=env.get("EMPLOYEE_DB_READER_HOST") or host,
                port=int(env.get("EMPLOYEE_DB_PORT") or 3306),
                user=required("EMPLOYEE_DB_USER"),
                password=required("EMPLOYEE_DB_PASSWORD"),
                ca_file=ca_file,
            )
        )
    region = env.get("EMPLOYEE_DB_REGION") or required("AWS_REGION")
    return AwsSettingsSource(region=region, cluster_identifier=required("EMPLOYEE_DB_CLUSTER_ID"), ca_file=ca_file)


@dataclass(frozen=True)
class Page:
    """One page of the list, newest first."""

    rows: tuple
    total: int
    number: int
    size: int

    @property
    def count(self) -> int:
        """How many pages there are (at least one, which may be empty)."""
        return max(1, -(-self.total // self.size))


class EmployeeStore:
    """The EMPLOYEES table: writes go to the writer endpoint; reads to whichever endpoint the caller names."""

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
                    host=host,
                    port=settings.port,
                    user=settings.user,
                    password=settings.password,
                    database=self.database if use_database else None,
                    charset="utf8mb4",
                    ssl=tls,
                    connect_timeout=self.timeout,
                    read_timeout=self.timeout,
                    write_timeout=self.timeout,
                    autocommit=True,
                )
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
        raise AssertionError("unreachable")

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
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS `{self.database}`.EMPLOYEES ("
                "ID int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                "NAME varchar(45), ADDRESS varchar(90)) DEFAULT CHARSET=utf8mb4"
            )
        self._schema_ready = True

    def add(self, name, address):
        """Insert one row on the writer; returns its ID."""
        self.ensure_schema()
        with self._cursor("writer") as cursor:
            cursor.execute("INSERT INTO EMPLOYEES (NAME, ADDRESS) VALUES (%s, %s)", (name, address))
            return cursor.lastrowid

    def page(self, number, size=PAGE_SIZE, role="reader"):
        """Rows of page `number` (1 = newest) and the total, read from `role`'s endpoint."""
        try:
            self.ensure_schema()
        except DatabaseUnavailable:
            if role == "writer":
                raise
            # the reader may still serve the existing table
        with self._cursor(role) as cursor:
            cursor.execute("SELECT COUNT(*) FROM EMPLOYEES")
            total = cursor.fetchone()[0]
            cursor.execute(
                "SELECT ID, NAME, ADDRESS FROM EMPLOYEES ORDER BY ID DESC LIMIT %s OFFSET %s",
                (size, (number - 1) * size),
            )
            return Page(tuple(cursor.fetchall()), total, number, size)

    def ping(self, role):
        """Raise DatabaseUnavailable unless SELECT 1 works on the role's endpoint."""
        with self._cursor(role, use_database=False) as cursor:
            cursor.execute("SELECT 1")


# --- HTML ------------------------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.4;max-width:60rem;margin:0 auto;padding:1rem}"
    "form{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:1rem 0}"
    "label{display:flex;flex-direction:column;flex:1 1 12rem}"
    "input,button{font:inherit;padding:.4rem .6rem}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}"
    "th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
    "th:first-child{width:3.5em}th:nth-child(2){width:30%}"
    "nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;margin:1rem 0}"
    ".error{color:#b00}.notice{color:#060}tr.new td{background:#e6f4e6}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")
_SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on the form's own POST.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]


def _response(status, content_type, body, extra=()):
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return status, headers + _SECURITY_HEADERS + list(extra), body


def _page(status, title, body_html, extra=()):
    doc = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>"
    )
    return _response(status, "text/html; charset=utf-8", doc.encode("utf-8"), extra)


def _json(status, data):
    return _response(status, "application/json", json.dumps(data).encode("utf-8"))


def _form(token, name="", address=""):
    """The add form; typed values are kept, without control characters."""
    name, address = CONTROL_CHARACTERS.sub("", name), CONTROL_CHARACTERS.sub("", address)
    return (
        '<form method=post action="/">'
        f'<input type=hidden name={CSRF_FIELD} value="{html.escape(token)}">'
        f'<label>Name <input name=name maxlength={NAME_MAX} required autocomplete=off value="{html.escape(name)}">'
        f"</label><label>Address <input name=address maxlength={ADDRESS_MAX} required autocomplete=off "
        f'value="{html.escape(address)}"></label><button>Add employee</button></form>'
    )


def _page_link(number):
    return "/" if number == 1 else f"/?page={number}"


def _table(page, added):
    if not page.rows:
        return "<p>No employees yet.</p>"
    rows = "".join(
        f"<tr{' class=new' if row[0] == added else ''}><td>{row[0]}</td>"
        f"<td>{html.escape(row[1] or '')}</td><td>{html.escape(row[2] or '')}</td></tr>"
        for row in page.rows
    )
    newer = f'<a href="{_page_link(page.number - 1)}" rel=prev>&larr; Newer</a>' if page.number > 1 else "<span></span>"
    older = f'<a href="{_page_link(page.number + 1)}" rel=next>Older &rarr;</a>' if page.number < page.count else ""
    where = f"<span>Page {page.number} of {page.count} &middot; {page.total:,} employees</span>"
    nav = f"<nav aria-label=Pages>{newer}{where}{older or '<span></span>'}</nav>"
    return f"<table><tr><th>ID</th><th>Name</th><th>Address</th></tr>{rows}</table>{nav}"


# --- Requests ----------------------------------------------------------------------------------------------


def _cookies(environ):
    cookies = {}
    for part in (environ.get("HTTP_COOKIE") or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name not in cookies:
            cookies[name] = value
    return cookies


def _cookie(environ, name, value, max_age=None):
    """A Set-Cookie header: never readable by scripts, never sent on another site's requests."""
    attributes = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        attributes.append(f"Max-Age={max_age}")
    if environ.get("wsgi.url_scheme") == "https":
        attributes.append("Secure")
    return ("Set-Cookie", "; ".join(attributes))


def _origin(scheme, host):
    """scheme://host[:port], lower case, without the scheme's default port."""
    host = host.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}"


def _own_origin(environ):
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return _origin(scheme, host)


def cross_site_reason(environ):
    """Why a POST is refused as cross-site, or None: Fetch Metadata first, else the Origin header.

    Requests from neither kind of browser (no Sec-Fetch-Site, no Origin) still need the CSRF token.
    """
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return None if fetch_site in ("same-origin", "none") else f"Sec-Fetch-Site: {fetch_site}"
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if origin == "null" or not parts.scheme or _origin(parts.scheme, parts.netloc) != _own_origin(environ):
        return f"Origin: {origin}"
    return None


def read_form(environ):
    """Return (name, address, token) from a url-encoded POST, or raise InvalidInput saying what is wrong."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidInput("The request has an invalid Content-Length.") from None
    if length > MAX_FORM_BYTES:
        raise InvalidInput("The form is too large.")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        text = body.decode("utf-8")
    except ValueError:
        raise InvalidInput("The form must be URL-encoded UTF-8.") from None
    fields = parse_fields(text, keep_blank_values=True, errors="strict")
    return tuple((fields.get(key) or [""])[0] for key in ("name", "address", CSRF_FIELD))


def parse_fields(text, **options):
    """parse_qs with MAX_FIELDS, or InvalidInput saying which rule the text breaks (never a bare ValueError)."""
    if text.count("&") >= MAX_FIELDS:  # parse_qs counts fields as separators + 1
        raise InvalidInput(f"At most {MAX_FIELDS} fields are accepted.")
    try:
        return parse_qs(text, max_num_fields=MAX_FIELDS, **options)
    except ValueError:
        raise InvalidInput("The form must be URL-encoded UTF-8.") from None


def check_values(name, address):
    """The trimmed (name, address), or raise InvalidInput naming every problem."""
    problems, values = [], []
    for label, value, limit in (("Name", name, NAME_MAX), ("Address", address, ADDRESS_MAX)):
        found, trimmed = CONTROL_CHARACTERS.search(value), value.strip()
        if found:
            problems.append(f"{label} must not contain control characters (found U+{ord(found.group()):04X}).")
        elif not trimmed:
            problems.append(f"{label} is required.")
        elif len(trimmed) > limit:
            problems.append(f"{label} must be at most {limit} characters (got {len(trimmed)}).")
        values.append(trimmed)
    if problems:
        raise InvalidInput(" ".join(problems))
    return values[0], values[1]


class EmployeeDirectoryApp:
    """WSGI routes / (list, add) and /health; failures become plain pages, never tracebacks."""

    def __init__(self, store: EmployeeStore, csrf_secret: bytes | None = None, page_size: int = PAGE_SIZE):
        self.store, self.page_size = store, page_size
        self._csrf_secret = csrf_secret or secrets.token_bytes(32)

    def __call__(self, environ, start_response):
        cookies = _cookies(environ)
        nonce, new_cookies = cookies.get(CSRF_COOKIE, ""), []
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", nonce):
            nonce = secrets.token_urlsafe(32)
            new_cookies.append(_cookie(environ, CSRF_COOKIE, nonce))
        token = self._token(nonce)
        try:
            status, headers, body = self._dispatch(environ, cookies, nonce, token)
        except DatabaseUnavailable as exc:
            _log(environ, f"database unavailable: {exc}")
            status, headers, body = _unavailable("The employee list cannot be shown right now.", _form(token))
        except Exception:
            _log(environ, traceback.format_exc())
            status, headers, body = _page(
                "500 Internal Server Error", "Something went wrong", "<p>The error has been logged.</p>"
            )
        start_response(status, headers + new_cookies)
        return [body]

    def _token(self, nonce):
        return hmac.new(self._csrf_secret, nonce.encode("ascii"), hashlib.sha256).hexdigest()

    def _dispatch(self, environ, cookies, nonce, token):
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD", "GET")
        allowed = {"/": "GET, HEAD, POST", "/health": "GET, HEAD", "/health/database": "GET, HEAD"}.get(path)
        if allowed is None:
            return _page("404 Not Found", "Not found", '<p><a href="/">Back to the directory</a></p>')
        if method not in allowed.split(", "):
            return _page("405 Method Not Allowed", "Method not allowed", "", [("Allow", allowed)])
        if path == "/health":
            return _json("200 OK", {"server": "up"})
        if path == "/health/database":
            return self._health(environ)
        if method == "POST":
            return self._add(environ, nonce, token)
        return self._list(environ, cookies, token)

    def _list(self, environ, cookies, token):
        try:
            query = parse_fields(environ.get("QUERY_STRING") or "")
        except InvalidInput as exc:
            return _page("400 Bad Request", "Bad request", f"<p class=error>{html.escape(str(exc))}</p>")
        page_text = (query.get("page") or ["1"])[0]
        if not re.fullmatch(r"[1-9][0-9]{0,6}", page_text):
            return _page(
                "400 Bad Request",
                "No such page",
                '<p>The page must be a whole number from 1. <a href="/">Newest</a></p>',
            )
        number = int(page_text)
        added_text = cookies.get(ADDED_COOKIE, "")
        added = int(added_text) if re.fullmatch(r"[0-9]{1,10}", added_text) else None
        # Just added something: the writer first, as a replica may lag. Otherwise the reader, the writer if it is down.
        first, second = ("writer", "reader") if added is not None else ("reader", "writer")
        try:
            page = self.store.page(number, self.page_size, role=first)
        except DatabaseUnavailable as exc:
            _log(environ, f"{first} unavailable, the list comes from the {second}: {exc}")
            page = self.store.page(number, self.page_size, role=second)
        if number > page.count:
            return _page("404 Not Found", "No such page", '<p><a href="/">Back to the newest employees</a></p>')
        notice = f"<p class=notice role=status>Employee {added} added.</p>" if added is not None else ""
        return _page("200 OK", "Employee directory", notice + _form(token) + _table(page, added))

    def _add(self, environ, nonce, token):
        reason = cross_site_reason(environ)
        if reason is not None:
            _log(environ, f"cross-site POST refused ({reason})")
            return _page(
                "403 Forbidden", "Not allowed", "<p>Employees can only be added from this site's own form.</p>"
            )
        try:
            name, address, sent_token = read_form(environ)
        except InvalidInput as exc:
            return _page("400 Bad Request", "Employee not added", f"<p class=error>{html.escape(str(exc))}</p>")
        if not hmac.compare_digest(sent_token.encode("utf-8"), token.encode("ascii")):
            message = "The form had expired. Your values are kept below: please submit them again."
            return _page(
                "403 Forbidden", "Employee not added", f"<p class=error>{message}</p>{_form(token, name, address)}"
            )
        try:
            name, address = check_values(name, address)
        except InvalidInput as exc:
            body = f"<p class=error>{html.escape(str(exc))}</p>{_form(token, name, address)}"
            return _page("400 Bad Request", "Employee not added", body)
        try:
            new_id = self.store.add(name, address)
        except DatabaseUnavailable as exc:
            _log(environ, f"database unavailable: {exc}")
            return _unavailable(
                "Your employee was not saved. Your values are kept below: please try again in a minute.",
                _form(token, name, address),
            )
        added = _cookie(environ, ADDED_COOKIE, str(new_id), max_age=READ_YOUR_WRITE_SECONDS)
        return _response("303 See Other", "text/plain; charset=utf-8", b"", [("Location", "/"), added])

    def _health(self, environ):
        """200 while the writer answers (the reader is reported, and the list falls back to the writer)."""
        state = {}
        for role in ("writer", "reader"):
            try:
                self.store.ping(role)
                state[role] = "reachable"
            except DatabaseUnavailable as exc:
                _log(environ, f"health check: {exc}")
                state[role] = "unreachable"
        return _json("200 OK" if state["writer"] == "reachable" else "503 Service Unavailable", state)


def _unavailable(message, form_html):
    return _page(
        "503 Service Unavailable",
        "Database unavailable",
        f"<p class=error>The employee database cannot be reached right now. {html.escape(message)}</p>{form_html}",
        [("Retry-After", "30")],
    )


def _log(environ, message):
    errors = environ.get("wsgi.errors")
    if errors is not None:
        errors.write(f"employee-directory: {message}\n")
        errors.flush()


def create_app(source, database="sample", **options):
    """The WSGI app for one settings source (StaticSettingsSource or AwsSettingsSource)."""
    return EmployeeDirectoryApp(EmployeeStore(source, database), **options)


_default: dict = {}  # the app configured from os.environ, made on first request
_default_lock = threading.Lock()


def application(environ, start_response):
    """Default entry point, configured from os.environ on first request (see settings_source_from_env)."""
    with _default_lock:
        if "app" not in _default:
            _default["app"] = create_app(settings_source_from_env(), os.environ.get("EMPLOYEE_DB_NAME") or "sample")
    return _default["app"](environ, start_response)
