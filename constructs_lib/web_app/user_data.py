"""Cloud-init user data for the web server: httpd on port 80 proxying to the employee directory app.

Amazon Linux 2023 has no mod_wsgi (removed at launch) and no PyMySQL package, so the app runs under waitress
(a pure-Python WSGI server) on 127.0.0.1:8080 as a sandboxed systemd service, in its own virtual environment
filled from a requirements file pinned with hashes; httpd, which AL2023 carries with mod_proxy, is the front
end. Only AL2023 package names listed in al2023_packages.json go to dnf.

Only the region, cluster identifier and database name go in (Terraform creates the instance before the
cluster); the app finds the endpoints and the secret at run time, so the script holds no secret.
"""

from __future__ import annotations

import base64
import bz2
import hashlib
import importlib.util
import re
from pathlib import Path

APP_PACKAGE = "employee_directory"  # one module: shipped to the instance as employee_directory.py
APP_DIR = "/var/www/employee-directory"  # outside httpd's DocumentRoot: httpd only proxies, never serves these
ENTRY_MODULE = "wsgi_entry"
VENV_PARENT = "/opt/employee-directory"
VENV_DIR = f"{VENV_PARENT}/venv"
REQUIREMENTS_FILE = f"{VENV_PARENT}/requirements.txt"
SERVICE_NAME = "employee-directory"
UNIT_FILE = f"/etc/systemd/system/{SERVICE_NAME}.service"
HTTPD_CONF = "/etc/httpd/conf.d/employee-directory.conf"
APP_LISTEN = "127.0.0.1:8080"
CA_FILE = "/etc/pki/rds/global-bundle.pem"
CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
DNF_PACKAGES = ("httpd", "python3", "python3-pip")
EC2_USER_DATA_LIMIT = 16384
PACKAGES_EVIDENCE = Path(__file__).with_name("al2023_packages.json")

# What the instance role must allow: DescribeDBClusters on the cluster ARN, GetSecretValue on the
# cluster's MasterUserSecret ARN (plus kms:Decrypt on its key only if that key is customer managed).
APP_IAM_ACTIONS = {
    "rds": ["rds:DescribeDBClusters"],
    "secret": ["secretsmanager:GetSecretValue"],
}

# Who the app sees, passed on by httpd (the only trusted proxy, 127.0.0.1) and read by waitress. X-Forwarded-For:
# httpd appends the peer it sees; behind the load balancer the ALB has already appended the client ("append" mode),
# so the client is the second entry from the right (trusted_proxy_count 2), else the last (waitress's default 1).
# X-Forwarded-Proto: behind the load balancer httpd passes on the ALB's (which overwrites the client's); without one
# httpd overwrites whatever the client sent with "http", so a client cannot claim HTTPS (Secure cookies, https URLs).
TRUSTED_PROXY_HEADERS = "x-forwarded-for x-forwarded-proto"
LOAD_BALANCER_HOPS = 2
NO_LOAD_BALANCER_PROTO = "RequestHeader set X-Forwarded-Proto http early\n"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
_CLUSTER_ID = re.compile(r"^(?=.{1,63}$)[A-Za-z](-?[A-Za-z0-9])*$")
_DATABASE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

_SCRIPT = """\
#!/bin/bash
# Employee directory web server for Amazon Linux 2023, rendered by constructs_lib/web_app/user_data.py.
# httpd on port 80 proxies to the app (waitress on {listen}, systemd service {service}).
# It holds no database endpoint or secret: the app finds both at run time through the instance profile.
set -euo pipefail
umask 022

# Only packages the AL2023 repositories carry (constructs_lib/web_app/al2023_packages.json).
dnf install -y {packages}

# The RDS CA bundle: the app verifies the Aurora server certificate against it.
install -d -m 0755 {ca_dir}
curl --fail --silent --show-error --location --retry 5 --retry-connrefused \\
  --output {ca_file}.tmp {ca_url}
grep -q 'BEGIN CERTIFICATE' {ca_file}.tmp
mv {ca_file}.tmp {ca_file}
chmod 0644 {ca_file}

# Python dependencies: wheels pinned by version and sha256, into the app's own virtual environment.
install -d -m 0755 {venv_parent}
cat > {requirements_file} <<'EMPLOYEE_DIRECTORY_REQUIREMENTS'
{requirements}EMPLOYEE_DIRECTORY_REQUIREMENTS
python3 -m venv {venv_dir}
{venv_dir}/bin/pip install --disable-pip-version-check --no-cache-dir --no-input \\
  --require-hashes --no-deps --only-binary :all: -r {requirements_file}

# The app module: {app_bytes} bytes of Python as bzip2 + Ascii85, to stay under the 16 KB limit.
install -d -m 0755 {app_dir}
python3 -c 'import base64, bz2, sys; sys.stdout.buffer.write(bz2.decompress(base64.a85decode(sys.stdin.read())))' \\
  > {app_dir}/employee_directory.py <<'EMPLOYEE_DIRECTORY_PY'
{app_blob}
EMPLOYEE_DIRECTORY_PY
echo '{app_sha256}  {app_dir}/employee_directory.py' | sha256sum --check --quiet -

cat > {app_dir}/{entry_module}.py <<'EMPLOYEE_DIRECTORY_WSGI'
{wsgi_entry}EMPLOYEE_DIRECTORY_WSGI

cat > {unit_file} <<'EMPLOYEE_DIRECTORY_UNIT'
{unit}EMPLOYEE_DIRECTORY_UNIT

cat > {httpd_conf_file} <<'EMPLOYEE_DIRECTORY_CONF'
{httpd_conf}EMPLOYEE_DIRECTORY_CONF

# With SELinux enforcing, httpd may not otherwise connect to the app's port (http_cache_port_t).
if command -v getenforce >/dev/null && [ "$(getenforce)" = Enforcing ]; then
  setsebool -P httpd_can_network_relay on
fi

apachectl configtest
systemctl daemon-reload
systemctl enable --now {service}.service
systemctl enable httpd
systemctl restart httpd
"""

_WSGI_ENTRY = '''\
"""waitress entry point: the employee directory for this instance's Aurora cluster."""
import employee_directory as app

application = app.create_app(
    app.AwsSettingsSource(region={region!r}, cluster_identifier={cluster!r}, ca_file={ca_file!r}),
    database={database!r},
)
'''

# DynamicUser: a throwaway unprivileged user, no useradd; the app and its venv are root-owned, read-only to it.
_UNIT = """\
[Unit]
Description=Employee directory web app (waitress on {listen}, proxied by httpd)
Wants=network-online.target
After=network-online.target

[Service]
DynamicUser=yes
WorkingDirectory={app_dir}
Environment=PYTHONDONTWRITEBYTECODE=1
ExecStart={venv_dir}/bin/waitress-serve --listen={listen} --threads=8 --trusted-proxy=127.0.0.1 \\
  "--trusted-proxy-headers={proxy_headers}"{proxy_count} {entry_module}:application
Restart=on-failure
RestartSec=2
UMask=0077
CapabilityBoundingSet=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources

[Install]
WantedBy=multi-user.target
"""

_HTTPD_CONF = """\
# Employee directory: every request goes to the app (waitress on {listen}).
ServerTokens Prod
TraceEnable off
LimitRequestBody 65536
ProxyRequests Off
ProxyPreserveHost On
ProxyTimeout 30
RequestHeader unset Proxy early
{forwarded_proto}ProxyPass / http://{listen}/ connectiontimeout=5 retry=1
ProxyPassReverse / http://{listen}/
"""


def _checked(label: str, value: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{label} {value!r} is not a plain {label} (Terraform tokens are not accepted here)")
    return value


def app_source_path() -> Path:
    """The app package's one module, found without importing it (it needs PyMySQL, which synth does not)."""
    spec = importlib.util.find_spec(APP_PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"the {APP_PACKAGE} package is not importable; it ships beside constructs_lib")
    return Path(spec.origin)


def app_source() -> bytes:
    """The app module exactly as it ships in its package."""
    return app_source_path().read_bytes()


def requirements_path() -> Path:
    """The app's pinned requirements (wheels with sha256 hashes for AL2023's Python 3.9), beside its module."""
    return app_source_path().with_name("requirements.txt")


def render_user_data(
    *, region: str, cluster_identifier: str, database_name: str, behind_load_balancer: bool = False
) -> str:
    """The cloud-init bash script installing and starting the app on port 80 (deterministic for a stable plan).

    behind_load_balancer: the instance is reached only through the HTTPS load balancer, so the ALB's
    X-Forwarded-Proto and its hop in X-Forwarded-For are trusted. Default False (the instance answers HTTP itself),
    the safe side: a client's X-Forwarded-Proto is overwritten with "http".
    """
    if not isinstance(behind_load_balancer, bool):
        raise TypeError(f"behind_load_balancer must be True or False, not {behind_load_balancer!r}")
    source = app_source()
    requirements = requirements_path().read_text(encoding="utf-8")
    if "EMPLOYEE_DIRECTORY_REQUIREMENTS" in requirements or not requirements.endswith("\n"):
        raise ValueError(f"{requirements_path()} must end with a newline and not hold the heredoc marker")
    # bzip2 has one implementation, so every machine renders the same bytes (zlib builds differ). Ascii85 is 7%
    # smaller than base64, and its alphabet (! to u) has no "{", so no "${" or "%{" that Terraform would read.
    blob = base64.a85encode(bz2.compress(source, 9)).decode("ascii")
    paths = {
        "app_dir": APP_DIR,
        "venv_dir": VENV_DIR,
        "entry_module": ENTRY_MODULE,
        "listen": APP_LISTEN,
        "service": SERVICE_NAME,
    }
    return _SCRIPT.format(
        packages=" ".join(DNF_PACKAGES),
        ca_dir=str(Path(CA_FILE).parent),
        ca_file=CA_FILE,
        ca_url=CA_BUNDLE_URL,
        venv_parent=VENV_PARENT,
        requirements_file=REQUIREMENTS_FILE,
        requirements=requirements,
        app_bytes=len(source),
        app_blob="\n".join(blob[i : i + 76] for i in range(0, len(blob), 76)),
        app_sha256=hashlib.sha256(source).hexdigest(),
        wsgi_entry=_WSGI_ENTRY.format(
            region=_checked("region", region, _REGION),
            cluster=_checked("cluster identifier", cluster_identifier, _CLUSTER_ID),
            database=_checked("database name", database_name, _DATABASE),
            ca_file=CA_FILE,
        ),
        unit_file=UNIT_FILE,
        unit=_UNIT.format(
            proxy_count=f" --trusted-proxy-count={LOAD_BALANCER_HOPS}" if behind_load_balancer else "",
            proxy_headers=TRUSTED_PROXY_HEADERS,
            **paths,
        ),
        httpd_conf_file=HTTPD_CONF,
        httpd_conf=_HTTPD_CONF.format(
            listen=APP_LISTEN, forwarded_proto="" if behind_load_balancer else NO_LOAD_BALANCER_PROTO
        ),
        **paths,
    )
