"""The database server is down when the app runs (a restart, a fail-over): the page says so in plain words and
runs again by itself; nothing on screen is a traceback, and once the server is back the page is there. A real
PostgreSQL server, stopped and started again; the app runs in ``AppTest``. (The same restart while eight
browser tabs poll their uploads: ``bench/load_browser.py``.)"""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

import store
from tests.support.markdown import shown
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


def test_given_a_tab_waiting_for_its_upload_when_the_database_drops_as_its_review_opens_then_the_next_run_opens_it(
    server_db, synthetic_engine, app_data, monkeypatch, tmp_path
):
    from jobs import queue
    from jobs.runner import LazyEstimator, run_job
    from tests.support import factories
    from workspace import ui

    # given a tab that uploaded a clip and waits for it, and its job done by the worker
    clip = factories.write_synthetic_clip(tmp_path / "my-set.mp4", duration_s=3.0)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader[0].set_value((clip.name, clip.read_bytes(), "video/mp4"))
    at.run()
    db = store.open_database(os.environ["HINGE_REVIEW_DATABASE_URL"])
    try:
        job = queue.claim_next(db, "worker-1")
        assert run_job(db, store.LocalBlobStore(app_data / "blobs"), job, LazyEstimator()) == "done"
    finally:
        db.dispose()
    # when the database server goes down just as the tab's next run opens the review (a restart, a fail-over)
    real_load = ui.load_review

    def load_during_outage(ws, analysis_id):
        server_db.stop()
        return real_load(ws, analysis_id)

    monkeypatch.setattr(ui, "load_review", load_during_outage)
    try:
        at.run()
        # then the page says so, with no traceback
        assert store.DATABASE_OUTAGE in [w.value for w in at.warning]
        assert not at.exception, [e.value for e in at.exception]
    finally:
        monkeypatch.setattr(ui, "load_review", real_load)
        server_db.start()
    # and once the server is back, the next run opens the review the tab was waiting for
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert shown(at.title[0].value) == f"Review · {clip.name}"
