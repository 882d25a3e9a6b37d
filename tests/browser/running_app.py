"""The running app and the browser, shared by every browser test of the session (``tests/browser/conftest.py``).

``app_url`` starts ``streamlit run app.py`` in local mode on a free localhost port, with its own data
folder and analysis worker, once per session; ``browser`` launches Debian's ``/usr/bin/chromium``
through Playwright once; ``page`` is a fresh browser context (a new app session) on the Analyse page
for each test. A clip one test analysed is therefore already saved when a later test uploads it again,
which is how the app behaves for a returning user (its earlier analysis opens at once).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.servers import free_port, stop_process, streamlit_command, wait_for_http

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    data = tmp_path_factory.mktemp("browser-data")  # the app's database, clips and worker (local mode)
    port = free_port()
    log = open(ARTIFACTS / "streamlit_server.log", "w")
    proc = subprocess.Popen(
        streamlit_command(port),
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "HINGE_REVIEW_DATA": str(data), "HINGE_REVIEW_WORKER": "on"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/_stcore/health", proc, "streamlit", ARTIFACTS / "streamlit_server.log", body=b"ok")
        yield url
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, app_url):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(app_url)
    expect(pg.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=60_000)
    yield pg
    context.close()
