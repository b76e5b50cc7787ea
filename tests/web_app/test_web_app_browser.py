"""The employee directory in a real browser: Debian's headless Chromium driven by Playwright, against the app served
by waitress on 127.0.0.1 with a real MariaDB behind it.

Screenshots of the list at a desktop and a phone width go to test-artifacts/web-app-browser/ (ignored by git;
$AURORA_WEB_TEST_ARTIFACTS overrides the directory); their paths are printed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from constructs_lib.web_app.user_data import HTTPD_CONF_NAME, UNIT_NAME
from employee_directory import StaticSettingsSource, create_app
from tests.support.app_artifacts import artifact_for, member_text
from tests.support.instance_http import exec_start, httpd, waitress_options
from tests.support.mariadb_server import DATABASE, root_query
from tests.support.paths import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # loopback only, whatever proxy the environment names
]
ARTIFACTS = Path(os.environ.get("AURORA_WEB_TEST_ARTIFACTS") or PROJECT_ROOT / "test-artifacts")
LONG_ADDRESS = "Flat" + "9" * 86  # 90 characters without a space
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def serve(app, **options):
    """Serve a WSGI app with waitress on a free loopback port in a thread; returns (base URL, stop)."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop():
        # Closed inside the server's own loop thread: closed from here, its socket could vanish under that thread's
        # select() (EBADF in the thread, which pytest reports as a warning).
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.effective_port}", stop


@pytest.fixture
def site(server):
    base, stop = serve(create_app(StaticSettingsSource(server.settings()), DATABASE))
    yield base
    stop()


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed: {CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def names_in_table(page):
    return page.locator("table tr td:nth-child(2)").all_inner_texts()


def fits_the_viewport(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def screenshot(page, name, capsys, full_page=True):
    directory = ARTIFACTS / "web-app-browser"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with capsys.disabled():  # shown in the run's output even without -s
        print(f"\nscreenshot: {path}")
    return path


@pytest.mark.integration
def test_a_user_adds_an_employee_and_sees_it_listed(chromium, site, server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    response = page.goto(site)
    assert response.status == 200
    assert page.title() == "Employee directory"
    assert "No employees yet" in page.inner_text("main")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Address").fill("12 St James's Square, London")
    with page.expect_navigation():
        page.get_by_role("button", name="Add employee").click()
    assert page.url == f"{site}/"
    assert page.get_by_role("status").inner_text() == "Employee 1 added."
    assert names_in_table(page) == ["Ada Lovelace"]
    assert root_query(server, f"SELECT NAME, ADDRESS FROM {DATABASE}.EMPLOYEES") == (
        ("Ada Lovelace", "12 St James's Square, London"),
    )
    context.close()


@pytest.mark.integration
def test_a_value_with_a_control_character_is_refused_and_kept(chromium, site, server):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(site)
    page.get_by_label("Name").fill("Ada\u202eecalevol")
    page.get_by_label("Address").fill("London")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add employee").click()
    assert navigation.value.status == 400
    assert "must not contain control characters (found U+202E)" in page.inner_text("main")
    assert page.get_by_label("Address").input_value() == "London"
    context.close()


@pytest.mark.integration
def test_another_sites_form_cannot_add_an_employee(chromium, site, server):
    """A real cross-site POST: a page on another origin submits a form to the directory."""
    evil_page = (
        f'<!DOCTYPE html><form method=post action="{site}/"><input name=name value=Mallory>'
        '<input name=address value="1 Evil Street"><input name=csrf_token value=guess></form>'
        "<script>document.forms[0].submit()</script>"
    ).encode()

    def evil(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(evil_page)))])
        return [evil_page]

    evil_base, stop = serve(evil)
    try:
        context = chromium.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(site)  # the victim has the directory's cookies
        with page.expect_navigation(url=f"{site}/") as navigation:
            page.goto(evil_base.replace("127.0.0.1", "localhost"))  # another site, not just another port
        assert navigation.value.status == 403
        assert "Not allowed" in page.inner_text("main")
        context.close()
    finally:
        stop()
    assert root_query(server, f"SELECT COUNT(*) FROM {DATABASE}.EMPLOYEES") == ((0,),)


@pytest.mark.integration
def test_the_list_on_a_desktop_and_a_phone(chromium, site, server, capsys):
    """Paged, long values wrapped inside the table, no sideways scrolling; screenshots for a person to look at."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(site)
    rows = [(f"Employee {number}", f"{number} Queen Street, Wellington") for number in range(1, 61)]
    rows += [("Grace Hopper", LONG_ADDRESS)]
    with server.root() as root, root.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {DATABASE}.EMPLOYEES (NAME, ADDRESS) VALUES (%s, %s)", rows)
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Address").fill("12 St James's Square, London")
    with page.expect_navigation():
        page.get_by_role("button", name="Add employee").click()
    names = names_in_table(page)
    assert names[:3] == ["Ada Lovelace", "Grace Hopper", "Employee 60"] and len(names) == 50
    assert "Page 1 of 2 · 62 employees" in page.inner_text("nav")
    assert fits_the_viewport(page)
    desktop = screenshot(page, "desktop-1280", capsys)
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_viewport(page), "a 90-character address without spaces must not widen the page"
    cell = page.get_by_role("cell", name=LONG_ADDRESS)
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE["width"]
    phone = screenshot(page, "phone-390", capsys)
    screenshot(page, "phone-390-screen", capsys, full_page=False)  # what the phone shows before scrolling
    page.get_by_role("link", name="Older →").click()
    assert names_in_table(page)[-1] == "Employee 1"
    assert "Page 2 of 2" in page.inner_text("nav")
    context.close()
    assert desktop.stat().st_size > 0 and phone.stat().st_size > 0


# --- The whole stack: httpd with the boot script's own config in front of waitress ------------------------------


@pytest.fixture
def httpd_site(server, tmp_path):
    """Debian's apache2 running the httpd config the app archive installs, its backend moved from 8080 to waitress's
    port."""
    artifact = artifact_for(cluster_identifier="aurora-web-db", database_name=DATABASE)
    # waitress with the unit's proxy options (as waitress-serve parses them), the app on this test's database.
    unit = exec_start(member_text(artifact, UNIT_NAME))
    options = {name: value for name, value in waitress_options(unit).items() if name not in ("listen", "threads")}
    assert options["trusted_proxy"] == "127.0.0.1", options
    backend, stop_backend = serve(create_app(StaticSettingsSource(server.settings()), DATABASE), **options)
    try:
        with httpd(member_text(artifact, HTTPD_CONF_NAME), backend.removeprefix("http://"), tmp_path) as site:
            yield site
    finally:
        stop_backend()


@pytest.mark.integration
def test_through_httpd_with_the_boot_scripts_config(chromium, httpd_site, server):
    """Port 80's path on the instance: browser -> httpd (mod_proxy) -> waitress -> app -> database."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    response = page.goto(httpd_site)
    assert response.status == 200
    headers = response.headers
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]
    page.get_by_label("Name").fill("Via httpd")
    page.get_by_label("Address").fill("Port 80")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add employee").click()
    assert navigation.value.url == f"{httpd_site}/", "the redirect stays on httpd's address (ProxyPreserveHost)"
    assert names_in_table(page) == ["Via httpd"]
    context.close()
