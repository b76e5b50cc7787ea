"""The rendered boot script, run end to end in an isolated root, and the AL2023 packages it asks for.

The script runs under bash in a throwaway root (a mount namespace of its own, the host's /usr bind-mounted read-only,
everything else a temporary directory) with `dnf`, `curl`, `aws`, `systemctl`, `apachectl`, SELinux tools and the
virtual environment's `pip` replaced by stubs that record their arguments. The `aws` stub answers STS with a fixed
account and "downloads" the app archive by copying it from /artifacts/<key> in the root. The host's /etc, /var and
systemd are never touched. The httpd config it writes is then checked by a real Apache httpd (Debian's apache2).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from constructs_lib.web_app.user_data import (
    APP_DIR,
    APP_LISTEN,
    CA_FILE,
    DNF_PACKAGES,
    ENTRY_MODULE,
    HTTPD_CONF,
    PACKAGES_EVIDENCE,
    REQUIREMENTS_FILE,
    UNIT_FILE,
    VENV_DIR,
    app_source,
    render_user_data,
    requirements_path,
)
from tests.support.app_artifacts import ACCOUNT, archive_members, artifact_for
from tests.support.instance_http import exec_start, httpd, waitress_options, waitress_serve

APACHE_MODULES = Path("/usr/lib/apache2/modules")
STUB_LOG = "/var/log/boot-stubs.log"

# Each stub appends its name and arguments (shell-quoted) to STUB_LOG inside the isolated root.
_LOG = f'{{ printf "%s" "$(basename "$0")"; printf " %q" "$@"; echo; }} >> {STUB_LOG}\n'
STUBS = {
    # As `dnf install httpd` would: the directories the httpd package owns.
    "dnf": _LOG + "mkdir -p /etc/httpd/conf /etc/httpd/conf.d /etc/httpd/conf.modules.d /var/www/html\n",
    "curl": _LOG
    + 'while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done\n'
    + 'printf -- "-----BEGIN CERTIFICATE-----\\nstub\\n-----END CERTIFICATE-----\\n" > "$out"\n',
    # The AWS CLI: who am I (STS), and the object's download (the last argument is the output file).
    "aws": _LOG
    + 'case "$1 $2" in\n'
    + f'  "sts get-caller-identity") echo {ACCOUNT} ;;\n'
    + '  "s3api get-object") for out; do :; done\n'
    + '    while [ $# -gt 0 ]; do [ "$1" = --key ] && key=$2; shift; done\n'
    + '    cp "/artifacts/$key" "$out" ;;\n'
    + "  *) exit 2 ;;\nesac\n",
    "systemctl": _LOG,
    "apachectl": _LOG,
    "setsebool": _LOG,
    "getenforce": _LOG + "echo Enforcing\n",
    # python3 is real, except `python3 -m venv DIR`, which makes a venv of stubs (pip would need the network).
    "python3": 'if [ "$1 $2" = "-m venv" ]; then\n'
    + _LOG
    + '  mkdir -p "$3/bin"\n'
    + '  for tool in pip waitress-serve; do cp /stubs/venv-tool "$3/bin/$tool"; done\n'
    + '  exit 0\nfi\nexec /usr/bin/python3 "$@"\n',
    "venv-tool": _LOG,
}


def _write_stubs(stub_dir: Path) -> None:
    stub_dir.mkdir(parents=True)
    for name, body in STUBS.items():
        (stub_dir / name).write_text("#!/bin/bash\n" + body)
        (stub_dir / name).chmod(0o755)


def make_root(base: Path, artifact, archive: bytes | None = None) -> Path:
    """An empty root: /usr (and merged-/usr symlinks) to be bind-mounted, empty /etc, /var, /opt, /tmp, stubs, and
    the artifact's archive (or other bytes in its place) where the stub `aws` finds its key."""
    root = base / "root"
    stored = root / "artifacts" / artifact.object_key
    stored.parent.mkdir(parents=True)
    stored.write_bytes(artifact.archive if archive is None else archive)
    for directory in ("usr", "dev", "etc/systemd/system", "var/log", "var/lib/cloud", "opt", "tmp", "run", "root"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "dev" / "null").touch()
    for name in ("bin", "sbin", "lib", "lib64"):
        host = Path("/") / name
        if host.is_symlink():
            (root / name).symlink_to(os.readlink(host))
        elif host.is_dir():
            pytest.skip(f"/{name} is not a symlink into /usr (merged /usr needed for the isolated root)")
    _write_stubs(root / "stubs")
    return root


def run_in_root(root: Path, script: str) -> subprocess.CompletedProcess:
    """Run the script as root of its own mount namespace, chrooted into `root`; never the host's /etc."""
    if shutil.which("unshare") is None or shutil.which("chroot") is None:
        pytest.skip("unshare and chroot (util-linux, coreutils) are needed to isolate the boot script")
    (root / "var/lib/cloud/user-data.sh").write_text(script)
    inside = (
        'R="$1"; mount --bind /usr "$R/usr"; mount -o remount,bind,ro "$R/usr"; '
        'mount --bind /dev/null "$R/dev/null"; '
        'exec chroot "$R" /usr/bin/env -i PATH=/stubs:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin '
        "HOME=/root LANG=C.UTF-8 /bin/bash /var/lib/cloud/user-data.sh"
    )
    # A user namespace makes this work unprivileged; as root, a mount namespace alone will do where those are barred.
    for namespaces in (["--mount", "--map-root-user"], ["--mount"]):
        command = ["unshare", *namespaces, "--fork", "--", "/bin/sh", "-ec", inside, "sh", str(root)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode == 0 or "unshare failed" not in result.stderr or os.geteuid() != 0:
            break
    if result.returncode != 0 and "unshare failed" in result.stderr:
        pytest.skip(f"cannot create a mount namespace here (unshare needs user namespaces or root): {result.stderr}")
    return result


def stub_calls(root: Path) -> list[list[str]]:
    log = root / STUB_LOG.lstrip("/")
    return [shlex.split(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture(scope="module")
def artifact():
    return artifact_for()


@pytest.fixture(scope="module")
def script(artifact) -> str:
    return render_user_data(artifact=artifact)


def boot(artifact, base: Path) -> Path:
    root = make_root(base, artifact)
    result = run_in_root(root, render_user_data(artifact=artifact))
    assert result.returncode == 0, f"boot script failed ({result.returncode}):\n{result.stderr[-3000:]}"
    return root


@pytest.fixture(scope="module")
def booted(artifact, tmp_path_factory):
    """The instance answering HTTP itself (no load balancer)."""
    return boot(artifact, tmp_path_factory.mktemp("boot"))


@pytest.fixture(scope="module")
def booted_behind_load_balancer(tmp_path_factory):
    return boot(artifact_for(behind_load_balancer=True), tmp_path_factory.mktemp("boot-lb"))


def last_command(script: str) -> list[str]:
    return shlex.split(script.rstrip().splitlines()[-1])


# --- Packages ------------------------------------------------------------------------------------------


def evidence() -> dict:
    return json.loads(PACKAGES_EVIDENCE.read_text())


def dnf_install_names(script: str) -> list[str]:
    names = []
    for line in re.findall(r"(?m)^\s*dnf install (.*)$", script):
        names += [word for word in line.split() if not word.startswith("-")]
    return names


def test_every_dnf_package_is_an_al2023_package_with_its_source(script):
    data = evidence()
    listed = {package["name"]: package for package in data["packages"]}
    names = dnf_install_names(script)
    assert names == list(DNF_PACKAGES) == ["httpd", "python3", "python3-pip", "awscli-2", "tar"]
    for name in names:
        assert name in listed, f"{name} is not in {PACKAGES_EVIDENCE.name}"
        assert listed[name]["installed_by"] == "dnf"
    assert {name for name, package in listed.items() if package["installed_by"] == "dnf"} == set(names)
    for package in data["packages"]:
        for source in ("support_info", "release_notes_2023.1.20230809"):
            assert re.match(r"line \d+: .*" + re.escape(package["name"]), package[source]), (package["name"], source)
    for source in data["sources"].values():
        assert source["repository"] == "amazonlinux/amazon-linux-2023"
        assert source["url"].endswith(f"/blob/{source['commit']}/{source['path']}")


def test_never_asks_for_packages_al2023_lacks(script):
    lacking = [package["name"] for package in evidence()["not_in_al2023"]]
    assert lacking == ["python3-mod_wsgi", "python3-PyMySQL", "python3-boto3"]
    for name in lacking:
        assert name not in script


# --- The requirements ------------------------------------------------------------------------------------


def requirement_lines() -> list[str]:
    return [line for line in requirements_path().read_text().splitlines() if line and not line.startswith("#")]


def test_requirements_are_pinned_with_hashes_and_shipped(artifact):
    lines = requirement_lines()
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.]+ --hash=sha256:[0-9a-f]{64}", line), line
    assert archive_members(artifact.archive)["requirements.txt"] == requirements_path().read_bytes()
    assert {line.split("==")[0].lower() for line in lines} >= {"pymysql", "waitress", "botocore"}


@pytest.mark.integration
def test_requirements_resolve_on_al2023_python_3_9(tmp_path):
    """Every pinned wheel exists for Python 3.9 with that hash, and together they satisfy each other's needs."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    download = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps"]
    download += ["--require-hashes", "--only-binary", ":all:", "--python-version", "3.9", "-d", str(tmp_path)]
    result = subprocess.run([*download, "-r", str(requirements_path())], capture_output=True, text=True, check=False)
    if result.returncode != 0 and re.search(r"(?i)(connection|network|resolve|unreachable)", result.stderr):
        pytest.skip(f"the package index is unreachable: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stderr
    pinned = {canonicalize_name(line.split("==")[0]): line.split("==")[1].split()[0] for line in requirement_lines()}
    environment = {"python_version": "3.9", "python_full_version": "3.9.16", "extra": ""}
    import zipfile

    wheels = sorted(tmp_path.glob("*.whl"))
    assert len(wheels) == len(pinned)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
            text = archive.read(metadata).decode()
        for value in re.findall(r"(?m)^Requires-Dist: (.*)$", text):
            requirement = Requirement(value)
            if requirement.marker is not None and not Marker(str(requirement.marker)).evaluate(environment):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{wheel.name} needs {value}, which is not pinned"
            assert requirement.specifier.contains(pinned[name], prereleases=True), f"{wheel.name} needs {value}"


# --- The script, run ---------------------------------------------------------------------------------------


def test_script_reaches_its_last_line(booted, script, artifact):
    calls = stub_calls(booted)
    assert calls[0] == ["dnf", "install", "-y", *DNF_PACKAGES]
    sts = ["--region", "eu-west-1", "--query", "Account", "--output", "text"]
    assert calls[1] == ["aws", "sts", "get-caller-identity", *sts]
    bucket = f"aurora-web-app-{ACCOUNT}-eu-west-1"
    assert calls[2][:3] == ["aws", "s3api", "get-object"] and calls[2][-1].endswith("/app.tar")
    where = ["--region", "eu-west-1", "--bucket", bucket, "--key", artifact.object_key]
    assert calls[2][3:-1] == [*where, "--expected-bucket-owner", ACCOUNT]
    assert calls[-1] == last_command(script) == ["systemctl", "restart", "httpd"]
    assert ["systemctl", "enable", "--now", "employee-directory.service"] in calls
    assert ["setsebool", "-P", "httpd_can_network_relay", "on"] in calls, "the stub getenforce says Enforcing"
    assert calls.index(["apachectl", "configtest"]) < calls.index(["systemctl", "restart", "httpd"])


def test_files_land_where_httpd_and_the_service_expect_them(booted):
    app_dir = booted / APP_DIR.lstrip("/")
    assert (app_dir / "employee_directory.py").read_bytes() == app_source(), "checksum-checked copy of the app"
    assert (booted / REQUIREMENTS_FILE.lstrip("/")).read_text() == requirements_path().read_text()
    assert (booted / CA_FILE.lstrip("/")).read_text().startswith("-----BEGIN CERTIFICATE-----")
    unit = (booted / UNIT_FILE.lstrip("/")).read_text()
    assert f"WorkingDirectory={APP_DIR}\n" in unit and "DynamicUser=yes\n" in unit
    exec_start = unit_exec_start(booted)
    assert exec_start[0] == f"{VENV_DIR}/bin/waitress-serve" and (booted / exec_start[0].lstrip("/")).exists()
    assert f"--listen={APP_LISTEN}" in exec_start and exec_start[-1] == f"{ENTRY_MODULE}:application"
    assert (app_dir / f"{ENTRY_MODULE}.py").exists()
    conf = (booted / HTTPD_CONF.lstrip("/")).read_text()
    assert f"ProxyPass / http://{APP_LISTEN}/" in conf
    pip_call = [call for call in stub_calls(booted) if call[0] == "pip"]
    assert pip_call == [
        [
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-input",
            "--require-hashes",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-r",
            REQUIREMENTS_FILE,
        ]
    ]
    assert ["python3", "-m", "venv", VENV_DIR] in stub_calls(booted)


def test_entry_point_serves_this_cluster(booted):
    """The entry module the service names, imported as waitress would (from its working directory)."""
    probe = (
        f"import {ENTRY_MODULE} as e; s = e.application.store.source; "
        "print(type(s).__name__, s.region, s.cluster_identifier, s.ca_file, e.application.store.database)"
    )
    app_dir = booted / APP_DIR.lstrip("/")
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=app_dir,
        env={"PYTHONPATH": str(app_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["AwsSettingsSource", "eu-west-1", "aurora-web-db-7f3a", CA_FILE, "sample_db"]


def test_a_tampered_archive_is_refused_and_nothing_is_installed(artifact, script, tmp_path):
    """The bucket serves other bytes under the app's key (one byte of the app changed): the script stops at the
    check, before any file of the app, the CA bundle, the venv or a service exists."""
    members = archive_members(artifact.archive)
    tampered = artifact.archive.replace(members["employee_directory.py"][:64], b"#" * 64, 1)
    assert tampered != artifact.archive and len(tampered) == len(artifact.archive)
    root = make_root(tmp_path, artifact, tampered)
    result = run_in_root(root, script)
    assert result.returncode != 0
    assert "did NOT match" in result.stderr
    assert [call[:3] for call in stub_calls(root)] == [
        ["dnf", "install", "-y"],
        ["aws", "sts", "get-caller-identity"],
        ["aws", "s3api", "get-object"],
    ]
    for path in (APP_DIR, VENV_DIR, REQUIREMENTS_FILE, UNIT_FILE, HTTPD_CONF, CA_FILE):
        assert not (root / path.lstrip("/")).exists(), path


@pytest.mark.integration
def test_httpd_config_passes_a_real_httpd_syntax_check(booted, tmp_path):
    apache = shutil.which("apache2", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if apache is None or not APACHE_MODULES.is_dir():
        pytest.skip("Apache httpd not installed: apache2 and /usr/lib/apache2/modules (apt-get install apache2)")
    modules = {"mpm_event": "mod_mpm_event", "authz_core": "mod_authz_core"}
    # -t binds nothing. Modules: what AL2023's httpd loads by default (conf.modules.d/00-base, 00-proxy)
    modules |= {"proxy": "mod_proxy", "proxy_http": "mod_proxy_http", "headers": "mod_headers"}
    main = [f"ServerRoot {tmp_path}", "ServerName localhost", "Listen 127.0.0.1:80", f"PidFile {tmp_path}/httpd.pid"]
    main += [f"ErrorLog {tmp_path}/error.log"]
    main += [f"LoadModule {name}_module {APACHE_MODULES}/{file}.so" for name, file in modules.items()]
    site = booted / HTTPD_CONF.lstrip("/")
    (tmp_path / "httpd.conf").write_text("\n".join([*main, f"Include {site}", ""]))
    result = subprocess.run(
        [apache, "-t", "-f", str(tmp_path / "httpd.conf")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Syntax OK" in result.stderr, result.stderr
    # The check is real: a misspelt directive in the same place fails it.
    (tmp_path / "bad.conf").write_text(site.read_text() + "ProxyPas / http://127.0.0.1:1/\n")
    (tmp_path / "httpd.conf").write_text("\n".join([*main, f"Include {tmp_path}/bad.conf", ""]))
    bad = subprocess.run(
        [apache, "-t", "-f", str(tmp_path / "httpd.conf")], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0 and "ProxyPas" in bad.stderr


@pytest.mark.integration
def test_unit_file_passes_systemd_analyze_verify(booted):
    """systemd's own parser (Debian 12 and AL2023 both have systemd 252) on the unit the script wrote."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    verify = [analyze, "verify", "--man=no", "--generators=no", "--recursive-errors=no", f"--root={booted}"]
    result = subprocess.run([*verify, UNIT_FILE], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    # The check is real: a misspelt setting in the same unit is reported.
    unit = booted / UNIT_FILE.lstrip("/")
    good = unit.read_text()
    try:
        unit.write_text(good.replace("ProtectHome=yes", "ProtectHome=maybe"))
        bad = subprocess.run([*verify, UNIT_FILE], capture_output=True, text=True, check=False)
    finally:
        unit.write_text(good)
    assert "ProtectHome" in bad.stderr or "protect home" in bad.stderr


def unit_exec_start(root: Path) -> list[str]:
    return exec_start((root / UNIT_FILE.lstrip("/")).read_text())


@pytest.mark.integration
def test_the_units_command_line_serves_the_entry_module(booted):
    """waitress-serve with the unit's exact arguments, from its WorkingDirectory: the app answers over HTTP."""
    with waitress_serve(unit_exec_start(booted)[1:], booted / APP_DIR.lstrip("/")) as app:
        answer = get(app, "/no-such-page")  # a page that needs no database
    assert answer.status == 404 and answer.getheader("X-Frame-Options") == "DENY"


# --- The instance's port 80 path: apache2 -> waitress -> app, each with the files the script wrote ----------------

CLIENT, FORGED = "203.0.113.7", "198.51.100.9"
# What the ALB sends on after ending TLS: its own X-Forwarded-Proto and -Port (whatever the client sent), and the
# client appended to the client's X-Forwarded-For ("append" mode). httpd then appends the ALB (here 127.0.0.1).
FROM_THE_LOAD_BALANCER = {
    "Host": "directory.example.com",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "443",
    "X-Forwarded-For": f"{FORGED}, {CLIENT}",
}
# A client talking plain HTTP to the instance itself (no load balancer), claiming HTTPS and another address.
CLAIMING_HTTPS = {"Host": "directory.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": FORGED}
NO_LB_PROTO_LINE = "RequestHeader set X-Forwarded-Proto http early\n"

# Stands in for the app where the test must see what waitress made of the proxy headers.
PROBE = """\
import json


def application(environ, start_response):
    keys = ("wsgi.url_scheme", "REMOTE_ADDR", "SERVER_PORT", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO")
    body = json.dumps({key: environ.get(key) for key in keys}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
"""


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status, self.body = response.status, response.read()
        self.set_cookies = response.headers.get_all("Set-Cookie") or []
        self.getheader = response.getheader


def get(address: str, path: str, headers: dict | None = None) -> Answer:
    """One GET straight to host:port (no proxy from the environment)."""
    connection = http.client.HTTPConnection(address.removeprefix("http://"), timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


@contextmanager
def port_80(root: Path, directory: Path, *, site_conf: str | None = None, probe: bool = False) -> Iterator[str]:
    """httpd with the script's site config (or `site_conf`) in front of waitress-serve with the unit's arguments,
    from the unit's WorkingDirectory; with probe=True the probe module takes the entry point's place."""
    arguments = unit_exec_start(root)[1:]
    working_directory = root / APP_DIR.lstrip("/")
    if probe:
        (directory / "forwarded_probe.py").write_text(PROBE)
        assert arguments[-1] == f"{ENTRY_MODULE}:application"
        arguments, working_directory = [*arguments[:-1], "forwarded_probe:application"], directory
    conf = site_conf if site_conf is not None else (root / HTTPD_CONF.lstrip("/")).read_text()
    with waitress_serve(arguments, working_directory) as app, httpd(conf, app, directory) as site:
        yield site


def secure(set_cookie: str) -> bool:
    return "secure" in [attribute.strip().lower() for attribute in set_cookie.split(";")[1:]]


def test_waitress_trusts_the_proto_from_httpd_and_counts_the_albs_hop(booted, booted_behind_load_balancer):
    """The unit's command line as waitress itself parses it (the same arguments the integration tests run)."""
    from waitress.adjustments import Adjustments

    for root, count in ((booted, 1), (booted_behind_load_balancer, 2)):
        adjustments = Adjustments(**waitress_options(unit_exec_start(root)))
        assert adjustments.trusted_proxy == "127.0.0.1"
        assert adjustments.trusted_proxy_headers == {"x-forwarded-for", "x-forwarded-proto"}
        assert adjustments.trusted_proxy_count == count
    lb_conf = (booted_behind_load_balancer / HTTPD_CONF.lstrip("/")).read_text()
    assert "X-Forwarded-Proto" not in lb_conf, "behind the ALB, httpd passes its X-Forwarded-Proto on untouched"
    assert NO_LB_PROTO_LINE in (booted / HTTPD_CONF.lstrip("/")).read_text()


@pytest.mark.integration
def test_behind_the_load_balancer_the_apps_cookies_are_secure(booted_behind_load_balancer, tmp_path, capsys):
    """TLS ends at the ALB: its X-Forwarded-Proto: https goes through httpd and waitress, and the app sets Secure."""
    with port_80(booted_behind_load_balancer, tmp_path) as site:
        answer = get(site, "/no-such-page", FROM_THE_LOAD_BALANCER)
        plain = get(site, "/no-such-page", {**FROM_THE_LOAD_BALANCER, "X-Forwarded-Proto": "http"})
    with capsys.disabled():
        print(f"\nbehind the ALB, X-Forwarded-Proto: https -> Set-Cookie: {answer.set_cookies}")
    assert answer.status == 404 and len(answer.set_cookies) == 1, answer.set_cookies
    (cookie,) = answer.set_cookies
    assert cookie.startswith("csrf=") and secure(cookie), cookie
    # The ALB's http (its port 80 listener only redirects, but were it to forward): no Secure.
    assert plain.set_cookies and not any(secure(cookie) for cookie in plain.set_cookies), plain.set_cookies


@pytest.mark.integration
def test_without_a_load_balancer_a_client_cannot_claim_https(booted, tmp_path, capsys):
    """The instance answers HTTP itself: httpd overwrites the client's X-Forwarded-Proto, so no Secure cookie."""
    with port_80(booted, tmp_path) as site:
        answer = get(site, "/no-such-page", CLAIMING_HTTPS)
    with capsys.disabled():
        print(f"\nno ALB, client's X-Forwarded-Proto: https -> Set-Cookie: {answer.set_cookies}")
    assert answer.status == 404 and len(answer.set_cookies) == 1, answer.set_cookies
    (cookie,) = answer.set_cookies
    assert cookie.startswith("csrf=") and not secure(cookie), cookie
    # The check is real: it is httpd's line that stops it (waitress trusts X-Forwarded-Proto from httpd).
    conf = (booted / HTTPD_CONF.lstrip("/")).read_text()
    assert NO_LB_PROTO_LINE in conf
    (tmp_path / "without").mkdir()
    with port_80(booted, tmp_path / "without", site_conf=conf.replace(NO_LB_PROTO_LINE, "")) as site:
        unguarded = get(site, "/no-such-page", CLAIMING_HTTPS)
    assert [secure(cookie) for cookie in unguarded.set_cookies] == [True], unguarded.set_cookies


@pytest.mark.integration
@pytest.mark.parametrize(
    "behind, sent, seen",
    [
        # ALB appended the client, httpd appended the ALB: the client is the second from the right, not the forgery.
        (True, FROM_THE_LOAD_BALANCER, {"wsgi.url_scheme": "https", "REMOTE_ADDR": CLIENT, "SERVER_PORT": "443"}),
        # No ALB: httpd appended the real peer, the client's own entry is ignored, and its proto overwritten.
        (False, CLAIMING_HTTPS, {"wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "SERVER_PORT": "80"}),
    ],
    ids=["behind-the-load-balancer", "no-load-balancer"],
)
def test_waitress_sees_the_real_client_and_scheme(behind, sent, seen, request, tmp_path):
    root = request.getfixturevalue("booted_behind_load_balancer" if behind else "booted")
    with port_80(root, tmp_path, probe=True) as site:
        answer = get(site, "/", sent)
    assert answer.status == 200
    found = json.loads(answer.body)
    assert {key: found[key] for key in seen} == seen, found
    assert found["HTTP_HOST"] == sent["Host"], "ProxyPreserveHost: the app sees the name the client asked for"
