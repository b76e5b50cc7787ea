"""The instance's port 80 path, run locally from the boot script's own files: Debian's apache2 with the script's httpd
config in front of waitress with the systemd unit's command line.

Only the addresses move (httpd's port 80 and the app's 127.0.0.1:8080 become free loopback ports); every other
directive and argument is the one the user data writes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from constructs_lib.web_app.user_data import APP_LISTEN

APACHE_MODULES = Path("/usr/lib/apache2/modules")
# What AL2023's httpd loads by default (conf.modules.d/00-base, 00-proxy) and the config needs.
APACHE_MODULE_NAMES = ("mpm_event", "authz_core", "proxy", "proxy_http", "headers")


def exec_start(unit: str) -> list[str]:
    """The unit's ExecStart as systemd splits it: continuation lines joined, whole items in double quotes kept whole."""
    line = re.search(r"(?m)^ExecStart=((?:.*\\\n)*.*)$", unit).group(1).replace("\\\n", " ")
    return shlex.split(line)


def waitress_options(arguments: list[str]) -> dict[str, str]:
    """waitress-serve's options as waitress itself parses them (the app spec and the program name left out)."""
    from waitress.adjustments import Adjustments

    options, _ = Adjustments.parse_args([argument for argument in arguments if argument.startswith("--")])
    return {name: value for name, value in options.items() if name not in ("help", "call")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, log=lambda: "") -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start: {log()}")
            time.sleep(0.1)


def apache_binary() -> str:
    apache = shutil.which("apache2", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if apache is None or not APACHE_MODULES.is_dir():
        pytest.skip("Apache httpd not installed: apache2 and /usr/lib/apache2/modules (apt-get install apache2)")
    return apache


@contextmanager
def httpd(site_conf: str, backend: str, directory: Path) -> Iterator[str]:
    """apache2 running the boot script's site config with its backend moved from APP_LISTEN to `backend`
    (host:port); yields httpd's base URL."""
    apache = apache_binary()
    assert APP_LISTEN in site_conf
    (directory / "site.conf").write_text(site_conf.replace(APP_LISTEN, backend))
    port = free_port()
    main = [f"ServerRoot {directory}", "ServerName localhost", f"Listen 127.0.0.1:{port}"]
    main += [f"PidFile {directory}/httpd.pid", f"DefaultRuntimeDir {directory}", f"ErrorLog {directory}/error.log"]
    if os.geteuid() == 0:
        main += ["User #65534", "Group #65534"]
    main += [f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so" for name in APACHE_MODULE_NAMES]
    (directory / "httpd.conf").write_text("\n".join([*main, f"Include {directory}/site.conf", ""]))
    process = subprocess.Popen([apache, "-f", str(directory / "httpd.conf"), "-DFOREGROUND"])
    log = directory / "error.log"
    try:
        wait_for_port(port, process, "apache2", lambda: log.read_text() if log.exists() else "")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def waitress_serve(arguments: list[str], working_directory: Path, python_path: str | None = None) -> Iterator[str]:
    """waitress-serve (the test environment's) with the unit's arguments but a free port for --listen; yields
    host:port."""
    import sys

    port = free_port()
    listen = f"--listen={APP_LISTEN}"
    assert listen in arguments, arguments
    moved = [f"--listen=127.0.0.1:{port}" if argument == listen else argument for argument in arguments]
    env = {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"}
    if python_path is not None:
        env["PYTHONPATH"] = python_path
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "waitress-serve"), *moved],
        cwd=working_directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process, "waitress", lambda: process.stdout.read() if process.poll() is not None else "")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
