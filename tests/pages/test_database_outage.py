"""The database server is down when the app runs (a restart, a fail-over): the page says so in plain words and
runs again by itself; nothing on screen is a traceback, and once the server is back the page is there. A real
PostgreSQL server, stopped and started again; the app runs in ``AppTest``. (The same restart while eight
browser tabs poll their uploads: ``bench/load_browser.py``.)"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import store
from tests.support.paths import REPO

APP = str(REPO / "app.py")


@pytest.fixture()
def server_db(postgres_server, monkeypatch):
    """The app (local mode) on a fresh database of the real PostgreSQL server."""
    monkeypatch.setenv("HINGE_REVIEW_DATABASE_URL", postgres_server.create_database())
    return postgres_server


def _texts(at: AppTest) -> str:
    kinds = ("markdown", "warning", "error", "info", "caption")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def test_given_the_database_server_down_when_the_app_opens_then_it_says_so_and_comes_back_with_the_server(server_db):
    # given the database server down
    server_db.stop()
    try:
        # when the app is opened
        at = AppTest.from_file(APP, default_timeout=60).run()
        # then it says the database can't be reached and that it will try again, with no traceback
        assert not at.exception, [e.value for e in at.exception]
        assert [w.value for w in at.warning] == [store.DATABASE_OUTAGE]
        assert "Traceback" not in _texts(at)
    finally:
        server_db.start()
    # and once the server is back, the next run (the page's timer) shows the page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.DATABASE_OUTAGE not in [w.value for w in at.warning]
    assert "Analyse a hip-hinge set" in [h.value for h in at.header] + [t.value for t in at.title]
