"""Cloud-init user data for the web server: httpd on port 80 proxying to the employee directory app.

Amazon Linux 2023 has no mod_wsgi (removed at launch) and no PyMySQL package, so the app runs under waitress
(a pure-Python WSGI server) on 127.0.0.1:8080 as a sandboxed systemd service, in its own virtual environment
filled from a requirements file pinned with hashes; httpd, which AL2023 carries with mod_proxy, is the front
end. Only AL2023 package names listed in al2023_packages.json go to dnf.

The app itself is not in the script: it is an archive in the stack's bucket (constructs_lib/app_artifact.py), named
by its sha256. The script downloads it with the AWS CLI, checks that sha256 and installs nothing on a mismatch. The
key and hash are written into the script, so a new app version is a new user data: the instance is replaced
(user_data_replace_on_change), or a launch template gets a new version. The script stays a few KB.

Only the region, cluster identifier and database name go in (Terraform creates the instance before the
cluster); the app finds the endpoints and the secret at run time, so the script holds no secret.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app_artifact_config import AppArtifactConfig

APP_PACKAGE = "employee_directory"  # one module: shipped to the instance as employee_directory.py
APP_DIR = "/var/www/employee-directory"  # outside httpd's DocumentRoot: httpd only proxies, never serves these
ENTRY_MODULE = "wsgi_entry"
VENV_PARENT = "/opt/employee-directory"
VENV_DIR = f"{VENV_PARENT}/venv"
REQUIREMENTS_FILE = f"{VENV_PARENT}/requirements.txt"
SERVICE_NAME = "employee-directory"
UNIT_NAME = f"{SERVICE_NAME}.service"
UNIT_FILE = f"/etc/systemd/system/{UNIT_NAME}"
HTTPD_CONF_NAME = "employee-directory.conf"
HTTPD_CONF = f"/etc/httpd/conf.d/{HTTPD_CONF_NAME}"
APP_LISTEN = "127.0.0.1:8080"
CA_FILE = "/etc/pki/rds/global-bundle.pem"
CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
DNF_PACKAGES = ("httpd", "python3", "python3-pip", "awscli-2", "tar")
EC2_USER_DATA_LIMIT = 16384
# Ours, well under EC2's: the script carries no app, so it has room for the settings of later features.
USER_DATA_BUDGET = 4096
ACCOUNT_VARIABLE = "$account"  # the boot script's shell variable holding its account id (from STS)
DOWNLOAD_ATTEMPTS = 30  # 10 s apart: the instance role's new grant may take a few minutes to be seen (IAM)
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

# The app: {artifact_key} in the bucket {bucket} of this instance's own account
# (asking STS who we are needs no permission), checked against its sha256 before anything is installed.
staging=$(mktemp -d)
tries=1
until account=$(aws sts get-caller-identity --region {region} --query Account --output text) &&
  aws s3api get-object --region {region} --bucket "{bucket}" --key '{artifact_key}' \\
    --expected-bucket-owner "$account" "$staging/app.tar" >/dev/null; do
  [ "$tries" -lt {attempts} ] || exit 1
  tries=$((tries + 1))
  sleep 10
done
echo "{artifact_sha256}  $staging/app.tar" | sha256sum --check --quiet -
tar --extract --file "$staging/app.tar" --directory "$staging" --no-same-owner --no-same-permissions

# The RDS CA bundle: the app verifies the Aurora server certificate against it.
install -d -m 0755 {ca_dir}
curl --fail --silent --show-error --location --retry 5 --retry-connrefused \\
  --output {ca_file}.tmp {ca_url}
grep -q 'BEGIN CERTIFICATE' {ca_file}.tmp
mv {ca_file}.tmp {ca_file}
chmod 0644 {ca_file}

# Python dependencies: wheels pinned by version and sha256, into the app's own virtual environment.
install -d -m 0755 {venv_parent} {app_dir}
install -m 0644 "$staging/{requirements_name}" {requirements_file}
python3 -m venv {venv_dir}
{venv_dir}/bin/pip install --disable-pip-version-check --no-cache-dir --no-input \\
  --require-hashes --no-deps --only-binary :all: -r {requirements_file}

# The app, its entry point, its sandboxed service and httpd's proxy config: all from the checked archive.
install -m 0644 "$staging/{module_name}" "$staging/{entry_module}.py" {app_dir}/
install -m 0644 "$staging/{unit_name}" {unit_file}
install -m 0644 "$staging/{httpd_conf_name}" {httpd_conf_file}
rm -rf "$staging"

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


def instance_files(
    *, region: str, cluster_identifier: str, database_name: str, behind_load_balancer: bool = False
) -> tuple[tuple[str, str], ...]:
    """The files this stack's instance needs beside the app, as (archive member name, text): the WSGI entry naming
    the cluster, the systemd unit and httpd's site config. They travel in the checked archive with the app.

    behind_load_balancer: the instance is reached only through the HTTPS load balancer, so the ALB's
    X-Forwarded-Proto and its hop in X-Forwarded-For are trusted. Default False (the instance answers HTTP itself),
    the safe side: a client's X-Forwarded-Proto is overwritten with "http".
    """
    if not isinstance(behind_load_balancer, bool):
        raise TypeError(f"behind_load_balancer must be True or False, not {behind_load_balancer!r}")
    paths = {"app_dir": APP_DIR, "venv_dir": VENV_DIR, "entry_module": ENTRY_MODULE, "listen": APP_LISTEN}
    entry = _WSGI_ENTRY.format(
        region=_checked("region", region, _REGION),
        cluster=_checked("cluster identifier", cluster_identifier, _CLUSTER_ID),
        database=_checked("database name", database_name, _DATABASE),
        ca_file=CA_FILE,
    )
    unit = _UNIT.format(
        proxy_count=f" --trusted-proxy-count={LOAD_BALANCER_HOPS}" if behind_load_balancer else "",
        proxy_headers=TRUSTED_PROXY_HEADERS,
        **paths,
    )
    conf = _HTTPD_CONF.format(listen=APP_LISTEN, forwarded_proto="" if behind_load_balancer else NO_LOAD_BALANCER_PROTO)
    return ((f"{ENTRY_MODULE}.py", entry), (UNIT_NAME, unit), (HTTPD_CONF_NAME, conf))


def render_user_data(*, artifact: AppArtifactConfig) -> str:
    """The cloud-init bash script that fetches and checks the app archive, then installs and starts the app on port
    80 (deterministic for a stable plan). The archive must hold instance_files(); the region is the artifact's."""
    from .bundle import APP_MODULE_NAME, REQUIREMENTS_NAME

    names = {name for name, _ in artifact.instance_files}
    missing = {f"{ENTRY_MODULE}.py", UNIT_NAME, HTTPD_CONF_NAME} - names
    if missing:
        raise ValueError(f"the artifact lacks the instance's files {sorted(missing)}: build it with instance_files()")
    return _SCRIPT.format(
        packages=" ".join(DNF_PACKAGES),
        region=_checked("region", artifact.region, _REGION),
        bucket=artifact.bucket_name(ACCOUNT_VARIABLE),
        artifact_key=artifact.object_key,
        artifact_sha256=artifact.sha256,
        attempts=DOWNLOAD_ATTEMPTS,
        ca_dir=str(Path(CA_FILE).parent),
        ca_file=CA_FILE,
        ca_url=CA_BUNDLE_URL,
        venv_parent=VENV_PARENT,
        venv_dir=VENV_DIR,
        app_dir=APP_DIR,
        requirements_file=REQUIREMENTS_FILE,
        requirements_name=REQUIREMENTS_NAME,
        module_name=APP_MODULE_NAME,
        entry_module=ENTRY_MODULE,
        unit_name=UNIT_NAME,
        unit_file=UNIT_FILE,
        httpd_conf_name=HTTPD_CONF_NAME,
        httpd_conf_file=HTTPD_CONF,
        listen=APP_LISTEN,
        service=SERVICE_NAME,
    )
