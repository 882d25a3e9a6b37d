"""A tab follows every upload it made, however many are in flight and however many the same account uploaded
elsewhere since: each one's card shows its progress, then its grade. ``AppTest`` on the real app in local mode,
a real SQLite database and blob folder; the worker's jobs run in the test (``jobs.runner.run_job``) with the
pose model's work replaced by the three-rep synthetic result after the real probe of the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import store
from jobs import queue
from jobs.runner import LazyEstimator, run_job
from store.models import Analysis
from tests.support import factories
from tests.support.markdown import shown
from tests.support.paths import REPO
from workspace import session

APP = str(REPO / "app.py")
TAB_UPLOADS = 5  # more than the newest uploads every page lists (3 on Analyse)
ELSEWHERE = 3  # uploads of the same account from another tab or device, after these


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Path]:
    """Different real clips (different files, so none is taken for another uploaded before)."""
    folder = tmp_path_factory.mktemp("in-flight")
    return [
        factories.write_synthetic_clip(folder / f"set-{i}.mp4", duration_s=3.0 + 0.5 * i)
        for i in range(TAB_UPLOADS + ELSEWHERE)
    ]


@pytest.fixture()
def data(app_data):
    db = store.open_database(data_dir=app_data)
    yield db, store.LocalBlobStore(app_data / "blobs")
    db.dispose()


@pytest.fixture(autouse=True)
def engine(synthetic_engine) -> None:
    """The worker's analysis without the pose model (``synthetic_engine``)."""


def cards(at: AppTest) -> dict[str, str]:
    """Each upload card on the page: its file name and what it says of the analysis (progress or result)."""
    out: dict[str, str] = {}
    for block in at.main.children.values():
        _cards_in(block, out)
    return out


def _cards_in(node, out: dict[str, str]) -> None:
    children = list(getattr(node, "children", {}).values())
    heads = [c for c in children if c.type == "markdown" and " · uploaded " in shown(str(c.value))]
    if heads:
        name = shown(str(heads[0].value)).split(" · uploaded ")[0].strip("*")
        said = [c for c in _leaves(node) if c.type in ("progress", "success", "error")]
        out[name] = said[0].proto.text if said[0].type == "progress" else shown(str(said[0].value))
        return
    for child in children:
        _cards_in(child, out)


def _leaves(node):
    children = list(getattr(node, "children", {}).values())
    if not children:
        yield node
    for child in children:
        yield from _leaves(child)


def token_of(db, upload_id: int) -> str:
    """The token of ``upload_id``'s saved analysis, as review links carry it (``?review=TOKEN``)."""
    with db.session() as s:
        return s.query(Analysis.token).filter(Analysis.upload_id == upload_id).scalar()


def graded(db, upload_id: int) -> str:
    with db.session() as s:
        return s.query(Analysis.grade).filter(Analysis.upload_id == upload_id).scalar()


def test_a_tab_shows_the_progress_then_the_grade_of_every_upload_it_made_however_many(data, clips):
    db, blobs = data
    me = store.local_user(db)
    # given one tab that uploaded five clips, one after another, none analysed yet
    at = AppTest.from_file(APP, default_timeout=60).run()
    for clip in clips[:TAB_UPLOADS]:
        at.file_uploader[0].set_value((clip.name, clip.read_bytes(), "video/mp4"))
        at.run()
    # and three newer uploads of the same account from elsewhere
    for clip in clips[TAB_UPLOADS:]:
        store.save_upload(db, blobs, me, clip, clip.name)
    # when the page polls
    at.run()
    # then every upload this tab made has its card, waiting for the analysis
    mine = [c.name for c in clips[:TAB_UPLOADS]]
    shown_now = cards(at)
    assert set(mine) <= set(shown_now), shown_now
    assert all(shown_now[name].startswith("Waiting for the analysis") for name in mine)
    # when the worker finishes the oldest one and the page polls again
    job = queue.claim_next(db, "worker-1")
    assert run_job(db, blobs, job, LazyEstimator()) == "done"
    at.run()
    # then that card shows its grade while the others still wait
    ids = {u.original_name: u.upload_id for u in store.list_uploads(db, me)}
    first = cards(at)
    assert first[mine[0]] == f"Analysed: grade {graded(db, ids[mine[0]])}"
    assert all(first[name].startswith("Waiting for the analysis") for name in mine[1:])
    # when every job is done
    while (job := queue.claim_next(db, "worker-1")) is not None:
        run_job(db, blobs, job, LazyEstimator())
    at.run()
    # then the Review page of the last upload (the one the tab waits for) opens at its token's address
    last_up = next(u for u in store.list_uploads(db, me) if u.original_name == mine[-1])
    assert shown(at.title[0].value) == f"Review · {mine[-1]}"
    assert at.query_params["review"] == token_of(db, last_up.upload_id)
    # and back on Analyse (the sidebar leaves the review's address behind)
    at.query_params.clear()
    at.switch_page(session.ANALYSE_PAGE).run()
    # then each of the tab's five uploads shows its own grade
    last = cards(at)
    assert {name: last[name] for name in mine} == {name: f"Analysed: grade {graded(db, ids[name])}" for name in mine}
    assert not at.exception
