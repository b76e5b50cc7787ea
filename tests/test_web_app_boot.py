"""The rendered boot script, run end to end in an isolated root, and the AL2023 packages it asks for.

The script runs under bash in a throwaway root (a mount namespace of its own, the host's /usr bind-mounted read-only,
everything else a temporary directory) with `dnf`, `curl`, `systemctl`, `apachectl`, SELinux tools and the
virtual environment's `pip` replaced by stubs that record their arguments. The host's /etc, /var and systemd are
never touched. The httpd config it writes is then checked by a real Apache httpd (Debian's apache2).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
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

ARGS = {"region": "eu-west-1", "cluster_identifier": "aurora-web-db-7f3a", "database_name": "sample_db"}
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


def make_root(base: Path) -> Path:
    """An empty root: /usr (and merged-/usr symlinks) to be bind-mounted, empty /etc, /var, /opt, /tmp, stubs."""
    root = base / "root"
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
def script() -> str:
    return render_user_data(**ARGS)


@pytest.fixture(scope="module")
def booted(script, tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("boot"))
    result = run_in_root(root, script)
    assert result.returncode == 0, f"boot script failed ({result.returncode}):\n{result.stderr[-3000:]}"
    return root


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
    assert names == list(DNF_PACKAGES) == ["httpd", "python3", "python3-pip"]
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
    for package in evidence()["not_in_al2023"]:
        assert package["name"] not in script


# --- The requirements ------------------------------------------------------------------------------------


def requirement_lines() -> list[str]:
    return [line for line in requirements_path().read_text().splitlines() if line and not line.startswith("#")]


def test_requirements_are_pinned_with_hashes_and_embedded(script):
    lines = requirement_lines()
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.]+ --hash=sha256:[0-9a-f]{64}", line), line
    assert requirements_path().read_text() in script
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


def test_script_reaches_its_last_line(booted, script):
    calls = stub_calls(booted)
    assert calls[0] == ["dnf", "install", "-y", *DNF_PACKAGES]
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


def test_a_wrong_checksum_stops_the_script(script, tmp_path):
    digest = re.search(r"echo '([0-9a-f]{64})  ", script).group(1)
    root = make_root(tmp_path)
    result = run_in_root(root, script.replace(digest, "0" * 64))
    assert result.returncode != 0
    assert "did NOT match" in result.stderr
    assert not [call for call in stub_calls(root) if call[0] in ("systemctl", "apachectl")]


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
    unit = (root / UNIT_FILE.lstrip("/")).read_text()
    return re.search(r"(?m)^ExecStart=((?:.*\\\n)*.*)$", unit).group(1).replace("\\\n", " ").split()


@pytest.mark.integration
def test_the_units_command_line_serves_the_entry_module(booted):
    """waitress-serve with the unit's exact arguments, from its WorkingDirectory: the app answers over HTTP."""
    import socket
    import time
    import urllib.error
    import urllib.request

    waitress_serve = Path(sys.executable).parent / "waitress-serve"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    arguments = [
        f"--listen=127.0.0.1:{port}" if arg == f"--listen={APP_LISTEN}" else arg for arg in unit_exec_start(booted)
    ]
    assert arguments[1:] != unit_exec_start(booted)[1:], "the listen address was swapped"
    process = subprocess.Popen(
        [str(waitress_serve), *arguments[1:]],
        cwd=booted / APP_DIR.lstrip("/"),
        env={"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, whatever the environment says
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                direct.open(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
            except urllib.error.HTTPError as answer:  # a page that needs no database
                assert answer.code == 404 and answer.headers["X-Frame-Options"] == "DENY"
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "waitress did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
