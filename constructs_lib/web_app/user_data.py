"""Cloud-init user data for the web server: installs httpd + mod_wsgi and the employee directory app.

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
APP_DIR = "/var/www/employee-directory"
CA_FILE = "/etc/pki/rds/global-bundle.pem"
CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
DNF_PACKAGES = ("httpd", "python3-mod_wsgi", "python3-PyMySQL", "python3-boto3")
EC2_USER_DATA_LIMIT = 16384

# What the instance role must allow: DescribeDBClusters on the cluster ARN, GetSecretValue on the
# cluster's MasterUserSecret ARN (plus kms:Decrypt on its key only if that key is customer managed).
APP_IAM_ACTIONS = {
    "rds": ["rds:DescribeDBClusters"],
    "secret": ["secretsmanager:GetSecretValue"],
}

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
_CLUSTER_ID = re.compile(r"^(?=.{1,63}$)[A-Za-z](-?[A-Za-z0-9])*$")
_DATABASE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

_SCRIPT = """\
#!/bin/bash
# Employee directory web server for Amazon Linux 2023, rendered by constructs_lib/web_app/user_data.py.
# It holds no database endpoint or secret: the app finds both at run time through the instance profile.
set -euo pipefail
umask 022

dnf install -y {packages}

# The RDS CA bundle: the app verifies the Aurora server certificate against it.
install -d -m 0755 {ca_dir}
curl --fail --silent --show-error --location --retry 5 --retry-connrefused \\
  --output {ca_file}.tmp {ca_url}
grep -q 'BEGIN CERTIFICATE' {ca_file}.tmp
mv {ca_file}.tmp {ca_file}
chmod 0644 {ca_file}

# The app module: {app_bytes} bytes of Python as bzip2 + base64, to stay well under the 16 KB limit.
install -d -m 0755 {app_dir}
python3 -c 'import base64, bz2, sys; sys.stdout.buffer.write(bz2.decompress(base64.b64decode(sys.stdin.read())))' \\
  > {app_dir}/employee_directory.py <<'EMPLOYEE_DIRECTORY_PY'
{app_blob}
EMPLOYEE_DIRECTORY_PY
echo '{app_sha256}  {app_dir}/employee_directory.py' | sha256sum --check --quiet -

cat > {app_dir}/app.wsgi <<'EMPLOYEE_DIRECTORY_WSGI'
{wsgi_entry}EMPLOYEE_DIRECTORY_WSGI

cat > /etc/httpd/conf.d/employee-directory.conf <<'EMPLOYEE_DIRECTORY_CONF'
{httpd_conf}EMPLOYEE_DIRECTORY_CONF

# With SELinux enforcing, httpd may not otherwise reach the AWS APIs and Aurora.
if command -v getenforce >/dev/null && [ "$(getenforce)" = Enforcing ]; then
  setsebool -P httpd_can_network_connect on
fi

apachectl configtest
systemctl enable httpd
systemctl restart httpd
"""

_WSGI_ENTRY = '''\
"""mod_wsgi entry point: the employee directory for this instance's Aurora cluster."""
import employee_directory as app

application = app.create_app(
    app.AwsSettingsSource(region={region!r}, cluster_identifier={cluster!r}, ca_file={ca_file!r}),
    database={database!r},
)
'''

_HTTPD_CONF = """\
WSGISocketPrefix run/wsgi
WSGIDaemonProcess employee-directory user=apache group=apache processes=2 threads=8 python-path={app_dir}
WSGIProcessGroup employee-directory
WSGIApplicationGroup %{{GLOBAL}}
WSGIScriptAlias / {app_dir}/app.wsgi
<Directory {app_dir}>
    Require all granted
</Directory>
"""


def _checked(label: str, value: str, pattern: re.Pattern) -> str:
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


def render_user_data(*, region: str, cluster_identifier: str, database_name: str) -> str:
    """The cloud-init bash script installing and starting the app on port 80 (deterministic for a stable plan)."""
    source = app_source()
    # bzip2 has one implementation, so every machine renders the same bytes (zlib builds differ).
    blob = base64.b64encode(bz2.compress(source, 9)).decode("ascii")
    return _SCRIPT.format(
        packages=" ".join(DNF_PACKAGES),
        ca_dir=str(Path(CA_FILE).parent),
        ca_file=CA_FILE,
        ca_url=CA_BUNDLE_URL,
        app_dir=APP_DIR,
        app_bytes=len(source),
        app_blob="\n".join(blob[i : i + 76] for i in range(0, len(blob), 76)),
        app_sha256=hashlib.sha256(source).hexdigest(),
        wsgi_entry=_WSGI_ENTRY.format(
            region=_checked("region", region, _REGION),
            cluster=_checked("cluster identifier", cluster_identifier, _CLUSTER_ID),
            database=_checked("database name", database_name, _DATABASE),
            ca_file=CA_FILE,
        ),
        httpd_conf=_HTTPD_CONF.format(app_dir=APP_DIR),
    )
