"""The workspace pages under ``streamlit.testing.v1.AppTest``: upload as a job, inbox, review, my space, sign-in.

Each test gets its own data folder (``HINGE_REVIEW_DATA``) with a real SQLite
database and blob folder; the app starts no worker (``HINGE_REVIEW_WORKER=off``)
and the test runs the queued jobs in-process with ``jobs.run_pending_once``.
Only the pose model's work is replaced (``jobs.runner.analyze`` probes the real
file with the real video reader, then returns the three-rep synthetic result).
Signed-in tests set ``at.secrets`` (an ``[auth]`` section) and ``at.user``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

import store
from jobs import queue, run_pending_once, runner
from jobs.runner import LazyEstimator
from pipeline.types import AnalysisConfig
from tests.support import factories, real_clips
from tests.support.markdown import shown
from tests.support.paths import REPO
from workspace import present, review_desk, session, ui

APP = str(REPO / "app.py")
NOT_YOURS = "There is no review here that you can open: it may have been deleted, or it is not yours."
ISSUER = "https://id.example.test"
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "s" * 32,
        "client_id": "hinge",
        "client_secret": "secret",
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
    },
    "hinge_review": {"coach_emails": ["cora@example.test"]},
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("ws") / "lifter.mp4", duration_s=10.0)


@pytest.fixture()
def data(app_data, monkeypatch) -> SimpleNamespace:
    """The test's data folder (``app_data`` in conftest: no worker process), shared by the app and the test."""
    folder = app_data
    monkeypatch.delenv("HINGE_REVIEW_COACH_EMAILS", raising=False)
    db = store.open_database(data_dir=folder)
    yield SimpleNamespace(db=db, blobs=store.LocalBlobStore(folder / "blobs"), folder=folder)
    db.dispose()


@pytest.fixture()
def engine(monkeypatch) -> SimpleNamespace:
    """The worker's analysis without the pose model: the real probe, then the synthetic three-rep result
    (or ``engine.raises``)."""
    from pipeline.capture.video import VideoLimits, probe
    from pipeline.run import Progress

    fake = SimpleNamespace(calls=[], configs=[], raises=None)

    def analyze(path, config=AnalysisConfig(), on_progress=None, estimator=None):
        probe(Path(path), VideoLimits.of(config))
        fake.calls.append(Path(path))
        fake.configs.append(config)
        if on_progress:
            on_progress(Progress("pose", "Finding the lifter", 0.5, 3.0))
        if fake.raises is not None:
            raise fake.raises
        return factories.synthetic_result(path)

    monkeypatch.setattr(runner, "analyze", analyze)
    return fake


def run_jobs(data) -> dict[int, str]:
    return run_pending_once(data.db, data.blobs, LazyEstimator())


def _app(*, user: dict | None = None, secrets: dict | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _texts(at: AppTest) -> str:
    """Every text on screen as it reads (Markdown escapes read)."""
    return "\n".join(
        shown(str(e.value))
        for kind in ("markdown", "info", "warning", "error", "success", "caption", "text")
        for e in getattr(at, kind)
    )


def _review_after_upload(data, clip) -> AppTest:
    """The app after ``clip`` was uploaded as set.mp4 and its job run: its Review page on screen."""
    at = _app()
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    run_jobs(data)
    return at.run()


def _go(at: AppTest, page: str) -> AppTest:
    """Go to ``page`` as the sidebar or a page link does: the address's ``?review=`` is left behind."""
    at.query_params.clear()
    return at.switch_page(page).run()


def _scorecard_after_upload(data, clip) -> AppTest:
    """The app after ``clip`` was uploaded and its job run, its Review page's "Scorecard and report" followed."""
    at = _review_after_upload(data, clip)
    assert [p.proto.label for p in at.get("page_link") if p.proto.label == "Scorecard and report"]
    return _go(at, session.SCORECARD_PAGE)


def _on_review_of(at: AppTest, data, up: store.UploadView) -> None:
    """The app is on the Review page of ``up``'s saved set, at its token's address (``?review=TOKEN``)."""
    _ok(at)
    assert up.analysis_id is not None
    assert shown(at_title(at)) == f"Review · {up.original_name}"
    assert at.query_params["review"] == _link(data, up.analysis_id)


def _link(data, analysis_id: int) -> str:
    """A review's token, as the app's links carry it (``?review=TOKEN``)."""
    from store.models import Analysis

    with data.db.session() as s:
        return s.get(Analysis, analysis_id).token


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in _texts(at)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _person(email: str, name: str) -> dict:
    return {
        "is_logged_in": True,
        "iss": ISSUER,
        "sub": f"sub-{email}",
        "email": email,
        "name": name,
        "email_verified": True,
    }


def _analysed(data, owner: store.Account, clip: Path, name: str = "set.mp4") -> store.UploadView:
    """Given: ``owner`` uploaded ``clip`` and the worker analysed it."""
    up = store.save_upload(data.db, data.blobs, owner, clip, name)
    run_jobs(data)
    return store.get_upload(data.db, owner, up.upload_id)


# --- upload as a job (local mode) -------------------------------------------------------


def test_an_upload_is_queued_then_its_review_opens_once_the_worker_has_analysed_it(data, engine, clip):
    # given the Analyse page in local mode
    at = _app()
    _ok(at)
    assert at.title[0].value == "Analyse a hip-hinge set" and "Local mode" in _texts(at)
    # when a clip is uploaded
    at.file_uploader[0].set_value(("my set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    # then it is stored under a generated name with a queued job, and the page says it waits
    _ok(at)
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    assert up.original_name == "my set.mp4" and up.job.status == "queued"
    assert "Waiting for the analysis to start" in at.get("progress")[0].proto.text
    assert not list(data.folder.rglob("my set.mp4"))  # blobs never carry the user's file name
    # when the worker has analysed it and the page polls again
    assert run_jobs(data) == {up.job.job_id: "done"}
    at.run()
    # then the Review page of the stored analysis opens at its token's address (the Scorecard did before),
    # with the clip for the player and the Scorecard a link away
    _on_review_of(at, data, store.get_upload(data.db, store.local_user(data.db), up.upload_id))
    assert {m.label: m.value for m in at.metric}["Reps"] == "3"
    assert "Scorecard and report" in [p.proto.label for p in at.get("page_link")]
    entry = at.session_state[session.STORE_KEY].get(at.session_state[session.CURRENT_KEY])
    assert entry.filename == "my set.mp4" and Path(entry.video_path).read_bytes() == clip.read_bytes()
    assert len(engine.calls) == 1 and engine.configs[0].exercise == "auto"


def test_the_lift_chosen_on_analyse_is_the_lift_the_worker_grades(data, engine, clip):
    at = _app()
    lift = at.selectbox[0]
    assert lift.label == "Lift" and lift.value == "auto" and "Deadlifts · Kettlebell deadlift" in lift.options
    # the lifts come grouped by family, the drills last
    assert lift.options[-1].startswith("Drills · ") and lift.options.index("Deadlifts · Kettlebell deadlift") < min(
        i for i, o in enumerate(lift.options) if o.startswith("Drills · ")
    )
    lift.set_value("kettlebell_deadlift").run()
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    run_jobs(data)
    assert [c.exercise for c in engine.configs] == ["kettlebell_deadlift"]
    at.run()
    assert shown(at_title(at)) == "Review · set.mp4"
    # when the same clip is uploaded again as another lift, then it is not analysed again and the page says
    # how to grade it as another lift
    _go(at, session.ANALYSE_PAGE)
    at.selectbox[0].set_value("auto").run()
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    _ok(at)
    assert run_jobs(data) == {} and len(engine.configs) == 1
    assert "choose the lift on its Scorecard" in at.success[0].value


def test_a_wrong_lift_is_corrected_on_the_scorecard_without_analysing_again(data, engine, clip):
    # given a set analysed with the lift recognised automatically, its scorecard on screen
    at = _scorecard_after_upload(data, clip)
    _ok(at)
    assert at.title[0].value == "Scorecard"
    lift = next(b for b in at.selectbox if b.label == "Lift")
    assert lift.value == "auto" and "Grade as this lift" in [b.label for b in at.button]
    # when the client picks the barbell RDL and grades it as that
    lift.set_value("barbell_rdl").run()
    _button(at, "Grade as this lift").click().run()
    _ok(at)
    # then the scorecard is that lift's, a notice says so, nothing was analysed again and the saved review follows
    assert at.subheader[0].value == "Barbell Romanian deadlift"
    assert "Graded again as Barbell Romanian deadlift" in at.success[0].value
    assert len(engine.calls) == 1 and run_jobs(data) == {}
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    assert store.open_analysis(data.db, store.local_user(data.db), up.analysis_id).row.lift_id == "barbell_rdl"


def test_a_running_job_shows_its_stage_and_progress(data, engine, clip):
    me = store.local_user(data.db)
    store.save_upload(data.db, data.blobs, me, clip, "set.mp4")
    job = queue.claim_next(data.db, "worker-1")
    queue.report(data.db, job, stage="pose", progress=0.42)
    at = _app()
    _ok(at)
    assert at.get("progress")[0].proto.text == "Finding the lifter and tracking joints — 42%"


def test_a_new_session_finds_the_finished_upload_and_opens_its_review(data, engine, clip):
    # given an upload made in one browser tab, which was then closed
    first = _app()
    first.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    first.run()
    run_jobs(data)
    # when the app is opened again in a new session
    at = _app()
    _ok(at)
    # then the upload is listed as analysed, with a button to its review (none to the Scorecard)
    assert [s.value for s in at.success if s.value.startswith("Analysed")] == ["Analysed: grade B"]
    assert "Open the scorecard" not in [b.label for b in at.button]
    # when that button is pressed
    _button(at, "Open the review").click().run()
    # then the set's Review page opens at its token's address
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    _on_review_of(at, data, up)
    assert {m.label: m.value for m in at.metric}["Reps"] == "3"


def test_a_clip_the_reader_cannot_finish_names_the_users_file_and_offers_no_retry_of_a_deleted_clip(data, engine, clip):
    # given the first 20 kB of a real clip: a video the reader cannot finish
    at = _app()
    at.file_uploader[0].set_value(("cut.mp4", clip.read_bytes()[:20_000], "video/mp4"))
    at.run()
    run_jobs(data)
    at.run()
    _ok(at)
    message = shown(at.error[0].value)
    assert "“cut.mp4”" in message and "What to do" in _texts(at)
    # trying the same file again cannot help: its clip was deleted, and no "Try again" is offered
    assert not [b for b in at.button if b.label == "Try again"]
    assert not store.list_uploads(data.db, store.local_user(data.db))[0].clip_kept


def test_a_job_that_failed_on_the_server_can_be_tried_again(data, engine, clip):
    engine.raises = RuntimeError("the model crashed")
    at = _app()
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    run_jobs(data)
    at.run()
    _ok(at)
    assert "not something you did" in shown(at.error[0].value)
    # when trying again, then the job is queued again
    _button(at, "Try again").click().run()
    _ok(at)
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    assert up.job.status == "queued" and "Waiting for the analysis to start" in at.get("progress")[0].proto.text


@pytest.mark.parametrize(
    "name, payload, kind",
    [
        ("notes.mp4", b"my shopping list, not a video\n" * 40, "a text file"),
        ("holiday.mov", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000), "a JPEG photo"),
        ("plan.mp4", b"%PDF-1.7\n" + bytes(2000), "a PDF document"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_saying_what_it_is_with_no_retry_or_tips(
    data, engine, name, payload, kind
):
    # given a file that is plainly not a video, named like one
    at = _app()
    # when it is uploaded
    at.file_uploader[0].set_value((name, payload, "video/mp4"))
    at.run()
    # then it is refused at once, saying what it is; nothing is stored or queued, and neither a retry nor
    # filming tips are offered (neither would help)
    _ok(at)
    assert at.error[0].value.startswith(f"“{name}” is {kind}, not a video.")
    assert store.list_uploads(data.db, store.local_user(data.db)) == [] and run_jobs(data) == {}
    assert "Try again" not in [b.label for b in at.button] and "What to do" not in _texts(at)


def test_the_same_clip_again_is_not_analysed_twice_and_the_earlier_analysis_is_offered(data, engine, clip):
    # given a clip uploaded as set.mp4 and analysed
    at = _review_after_upload(data, clip)
    # when the same bytes are uploaded again under another name
    _go(at, session.ANALYSE_PAGE)
    at.file_uploader[0].set_value(("copy.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    # then no second upload or job is made, and the earlier analysis opens at once on its Review page,
    # saying why
    _ok(at)
    assert run_jobs(data) == {} and len(engine.calls) == 1
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    _on_review_of(at, data, up)
    assert up.original_name == "set.mp4" and {m.label: m.value for m in at.metric}["Reps"] == "3"
    assert "You uploaded this clip before" in at.success[0].value and "another lift" not in at.success[0].value


def _place_of(at: AppTest, label: str) -> tuple[int, ...]:
    """Where the widget labelled ``label`` sits in the page: the index of each block down to it (the browser
    keeps an element, and what was typed in it, only while a rerun sends it to the same place)."""

    def find(node, path: tuple[int, ...]) -> tuple[int, ...] | None:
        if getattr(node, "label", None) == label:
            return path
        for i, child in getattr(node, "children", {}).items():
            found = find(child, (*path, i))
            if found is not None:
                return found
        return None

    place = find(at.main, ())
    assert place is not None, f"no {label!r} on the page"
    return place


def test_a_notice_keeps_its_place_so_the_comment_box_is_not_rebuilt_when_it_goes(data, engine, clip):
    up = _analysed(data, store.local_user(data.db), clip)
    # given a review with a comment just sent: "Comment added." shows above the form
    at = _app(query={"review": _link(data, up.analysis_id)})
    at.text_area(key=review_desk.TEXT_KEY).input("Brace before the pull.")
    _button(at, "Add comment").click().run()
    assert [s.value for s in at.success] == ["Comment added."]
    before = _place_of(at, "Comment")
    # when the page runs again (the next comment's time typed in), the notice gone
    at.number_input(key=review_desk.TIME_KEY).set_value(3.0).run()
    # then the comment box is where it was: the browser keeps it, and what is being typed in it
    _ok(at)
    assert not at.success and _place_of(at, "Comment") == before


def test_an_unexpected_failure_says_so_plainly_without_a_traceback(data, engine, clip):
    engine.raises = RuntimeError("CUDA exploded at 0xdeadbeef")
    at = _app()
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    run_jobs(data)
    at.run()
    _ok(at)
    assert shown(at.error[0].value) == runner.UNEXPECTED and "0xdeadbeef" not in _texts(at)
    # when the cause is gone and it is tried again
    engine.raises = None
    _button(at, "Try again").click().run()
    run_jobs(data)
    at.run()
    # then the set's Review page opens
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    _on_review_of(at, data, up)


@pytest.mark.parametrize("name, cut", [("junk.mp4", False), ("cut.mp4", True), ("whole_session.mp4", None)])
def test_bad_files_get_the_real_video_readers_plain_message(data, engine, clip, tmp_path, name, cut):
    # given bytes of no known kind, the first 20 kB of a real clip, or an 11-minute clip
    if cut is None:
        payload = factories.write_synthetic_clip(tmp_path / name, duration_s=660, fps=1).read_bytes()
    else:
        payload = clip.read_bytes()[:20_000] if cut else bytes(range(256)) * 20
    at = _app()
    at.file_uploader[0].set_value((name, payload, "video/mp4"))
    at.run()
    run_jobs(data)
    at.run()
    _ok(at)
    message = shown(at.error[0].value)
    assert f"“{name}”" in message and not engine.calls
    assert any(w in message for w in ("damaged", "not a video", "cut short", "incomplete", "Trim it"))


# --- inbox and review (local mode: the local user is a coach) ------------------------------


def test_the_inbox_lists_reviews_and_filters_them(data, engine, clip):
    _analysed(data, store.local_user(data.db), clip)
    at = _app()
    at.switch_page(ui.INBOX_PAGE).run()
    _ok(at)
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "id",
        "Worst rep",
        "Client",
        "Status",  # beside who, where a coach scanning the list looks first
        "File",
        "Lift",
        "Grade",
        "Score",
        "Main fault",
        "Verdict",
        "Uploaded",
    ]
    assert table.iloc[0][["Client", "File", "Grade", "Status"]].tolist() == ["Me", "set.mp4", "B", "New"]
    assert table.iloc[0]["Worst rep"].startswith("data:image/jpeg;base64,")  # made by the worker
    # when filtering on reviewed ones, then none match
    next(s for s in at.selectbox if s.label == "Status").set_value("reviewed").run()
    _ok(at)
    assert "No reviews match these filters." in _texts(at)


def test_the_coach_comments_on_rep_3_at_its_time_marks_reviewed_and_overrides_the_grade(data, engine, clip):
    up = _analysed(data, store.local_user(data.db), clip)
    result = factories.synthetic_result()
    # given the review opened by its URL
    at = _app(query={"review": _link(data, up.analysis_id)})
    _ok(at)
    assert shown(at.title[0].value) == "Review · set.mp4"
    # when rep 3 is picked, then the time is rep 3's bottom
    at.selectbox(key="ws_c_rep").set_value("Rep 3").run()
    assert at.number_input(key="ws_c_time").value == pytest.approx(result.reps[2].bottom_s, abs=0.01)
    # when a comment is written and sent
    at.text_area(key="ws_c_text").input("Brace before the pull; the back rounds here.")
    _button(at, "Add comment").click().run()
    _ok(at)
    view = store.open_analysis(data.db, store.local_user(data.db), up.analysis_id)
    (c,) = view.comments
    assert (c.rep_index, c.time_s, c.text) == (
        3,
        pytest.approx(result.reps[2].bottom_s, abs=0.01),
        "Brace before the pull; the back rounds here.",
    )
    assert f"Rep 3 · {c.time_s:.1f} s" in _texts(at) and at.text_area(key="ws_c_text").value == ""
    # when marked reviewed and the grade overridden with a reason
    _button(at, "Mark reviewed").click().run()
    next(s for s in at.selectbox if s.label == "Grade").set_value("C").run()
    next(t for t in at.text_input if t.label == "Why").input("Rep 3 rounds more than the camera shows.").run()
    _button(at, "Save the grade").click().run()
    _ok(at)
    row = store.open_analysis(data.db, store.local_user(data.db), up.analysis_id).row
    assert row.reviewed and (row.grade_override, row.auto_grade) == ("C", "B")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Grade from your coach"], metrics["Measured grade"], metrics["Status"]) == ("C", "B", "Reviewed")
    assert "C from your coach · B measured" in _texts(at) and "Rep 3 rounds more than the camera shows." in _texts(at)
    # and the comment's button plays the video from that moment, on the Review page itself
    _button(at, f"Play at {c.time_s:.1f} s").click().run()
    _ok(at)
    assert shown(at.title[0].value) == "Review · set.mp4" and at.slider(key="rv_t").value == pytest.approx(
        c.time_s, abs=0.01
    )
    assert at.get("video")[0].proto.start_time == int(c.time_s)


def test_an_override_without_a_reason_is_refused_plainly(data, engine, clip):
    up = _analysed(data, store.local_user(data.db), clip)
    at = _app(query={"review": _link(data, up.analysis_id)})
    next(s for s in at.selectbox if s.label == "Grade").set_value("A").run()
    _button(at, "Save the grade").click().run()
    _ok(at)
    assert "Say why you changed the grade" in at.error[0].value
    assert store.open_analysis(data.db, store.local_user(data.db), up.analysis_id).row.grade_override is None


def test_a_review_link_that_names_nothing_gets_a_plain_message(data):
    for link in ("999", "abc", "A" * 22):
        at = _app(query={"review": link})
        _ok(at)
        assert shown(at.error[0].value) == NOT_YOURS


def test_an_old_numeric_review_link_opens_for_its_owner_at_the_token_address_and_for_nobody_else(data, engine, clip):
    cora = store.user_from_claims(
        data.db, _person("cora@example.test", "Cora") | {"email_verified": True}, role_if_new="coach"
    )
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    # when the owner opens the old link, then the review opens and the address carries its token
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"), query={"review": str(up.analysis_id)})
    _ok(ann_at)
    assert shown(ann_at.title[0].value) == "Review · set.mp4"
    assert ann_at.query_params["review"] == _link(data, up.analysis_id)
    # when her coach opens it, then it is refused as a number with no review behind it is
    cora_at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"review": str(up.analysis_id)})
    _ok(cora_at)
    assert shown(cora_at.error[0].value) == NOT_YOURS and not cora_at.metric


def test_on_a_server_database_too_an_upload_is_analysed_listed_and_commented(
    db_url, app_data, monkeypatch, engine, clip
):
    # given the app on the database at db_url (SQLite, and a real PostgreSQL server)
    monkeypatch.setenv("HINGE_REVIEW_DATABASE_URL", db_url)
    db, blobs = store.open_database(db_url), store.LocalBlobStore(app_data / "blobs")
    try:
        at = _app()
        at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
        at.run()
        run_pending_once(db, blobs, LazyEstimator())
        at.run()
        assert shown(at_title(at)) == "Review · set.mp4" and "review" in at.query_params
        _go(at, ui.INBOX_PAGE)
        _ok(at)
        row = at.dataframe[0].value.iloc[0]
        assert (row["Client"], row["File"], row["Status"]) == ("Me", "set.mp4", "New")
        (analysis_id,) = [r.analysis_id for r in store.inbox(db, store.local_user(db))]
        at = _app(query={"review": str(analysis_id)})
        at.selectbox(key="ws_c_rep").set_value("Rep 2").run()
        at.text_area(key="ws_c_text").input("Slower down.")
        _button(at, "Add comment").click().run()
        _ok(at)
        assert [c.rep_index for c in store.open_analysis(db, store.local_user(db), analysis_id).comments] == [2]
    finally:
        db.dispose()


def test_with_a_bucket_in_the_secrets_clips_live_in_the_bucket_and_the_frames_still_play(
    data, engine, clip, moto_endpoint
):
    # given a bucket named in the app's secrets ([storage])
    import boto3

    bucket = f"clips-{uuid.uuid4().hex[:8]}"
    storage = {
        "bucket": bucket,
        "endpoint_url": moto_endpoint,
        "region": "us-east-1",
        "access_key_id": "testing",
        "secret_access_key": "testing",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=bucket)
    at = _app(secrets={"storage": storage})
    # when a clip is uploaded and analysed
    at.file_uploader[0].set_value(("set.mp4", clip.read_bytes(), "video/mp4"))
    at.run()
    (obj,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert obj["Key"].startswith("uploads/") and not list(data.folder.rglob("*.mp4"))
    run_pending_once(data.db, store.open_blob_store(storage), LazyEstimator())
    at.run()
    # then the review opens, and the Frames page plays the clip fetched from the bucket
    assert shown(at_title(at)) == "Review · set.mp4"
    _go(at, session.FRAMES_PAGE)
    _ok(at)
    assert at.get("video") and at.title[0].value == "Frames"


# --- my space ---------------------------------------------------------------------------


def test_my_space_lists_uploads_and_deletes_one_after_confirmation(data, engine, clip):
    me = store.local_user(data.db)
    up = _analysed(data, me, clip, "monday.mp4")
    at = _app(query={"review": _link(data, up.analysis_id)})  # given its review was opened in this session
    at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(at)
    assert "**monday.mp4**" in _texts(at) and "Kettlebell deadlift · 3 reps · grade B" in _texts(at)
    # when Delete is pressed, then it asks first and nothing is gone yet
    next(b for b in at.button if b.key == f"ws_mine_delete_{up.upload_id}").click().run()
    _ok(at)
    assert "cannot be undone" in at.warning[0].value and store.list_uploads(data.db, me)
    # when confirmed, then the upload, its analysis and its clip are gone
    _button(at, "Yes, delete").click().run()
    _ok(at)
    assert store.list_uploads(data.db, me) == [] and not list((data.folder / "blobs").rglob("*.mp4"))
    assert "Deleted monday.mp4." in [shown(s.value) for s in at.success] and "Nothing uploaded yet." in _texts(at)
    # and the session forgot it: the scorecard has nothing to show
    at.switch_page(session.SCORECARD_PAGE).run()
    assert "No video analysed yet" in at.info[0].value


def test_my_space_shows_history_trends_and_the_progression_signal(data, engine, clip):
    me = store.local_user(data.db)
    _analysed(data, me, clip, "one.mp4")
    _analysed(data, me, factories.write_synthetic_clip(data.folder / "two.mp4", duration_s=9.0), "two.mp4")
    at = _app()
    at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2 and '"Score"' in charts[0].proto.spec and "Hip bend at the bottom" in charts[1].proto.spec
    signal = store.progression(data.db, me, me.id, "kettlebell_deadlift")
    assert signal.kind != "no_data" and signal.reason in _texts(at)


# --- setup -------------------------------------------------------------------------------


@pytest.fixture
def public_server(monkeypatch) -> None:
    """The app as deployed: no local mode chosen, the server listening on every interface."""
    from streamlit import config

    before = config.get_option("server.address")
    monkeypatch.delenv("HINGE_REVIEW_LOCAL", raising=False)
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_a_public_server_without_sign_in_shows_only_the_setup_page(data, public_server):
    # when someone opens the app, even with a review or an invite in the address
    for query in ({}, {"review": "1"}, {"invite": "Q1w2E3r4T5y6"}):
        at = _app(query=query)
        _ok(at)
        # then the setup page says what is missing, where secrets go, with an example and the docs
        assert at.title[0].value == "Hinge Review: set up sign-in"
        assert "`[auth]` section" in at.warning[0].value and "0.0.0.0" in at.warning[0].value
        assert ".streamlit/secrets.toml" in _texts(at) and "docs/deploy.md" in _texts(at)
        assert at.code[0].language == "toml" and "[auth]" in at.code[0].value
        # and nothing else: no page, no sidebar, no upload, no account or analysis in the session
        assert not at.get("file_uploader") and not at.button and not at.sidebar.children
        assert ui.ACCOUNT_KEY not in at.session_state and session.STORE_KEY not in at.session_state
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(session.ANALYSE_PAGE)


def test_a_public_server_with_sign_in_shows_the_sign_in_screen(data, public_server):
    at = _app(secrets=AUTH, user={"is_logged_in": False})
    _ok(at)
    assert [b.label for b in at.button] == ["Sign in"]


def test_local_mode_chosen_serves_the_app_on_a_public_server(data, public_server, monkeypatch):
    monkeypatch.setenv("HINGE_REVIEW_LOCAL", "1")
    at = _app()
    _ok(at)
    assert at.get("file_uploader") and "Local mode" in _texts(at)


# --- signed in ----------------------------------------------------------------------------


def test_with_sign_in_configured_nobody_gets_in_without_signing_in(data):
    at = _app(secrets=AUTH, user={"is_logged_in": False})
    _ok(at)
    assert at.title[0].value == "Hinge Review" and [b.label for b in at.button] == ["Sign in"]
    assert not at.get("file_uploader")
    # an invite link opened signed out keeps its code in view for after the sign-in
    at = _app(secrets=AUTH, user={"is_logged_in": False}, query={"invite": "C0DE"})
    assert "sign in and you will be asked whether to join" in at.info[0].value and at.code[0].value == "C0DE"


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        ("Q1w2E3r4T5y6-_zZ", "Q1w2E3r4T5y6-_zZ"),  # what create_invite makes: kept for after the sign-in
        ('abcdefgh";alert(1);//', ""),  # anything else never reaches the page's script
    ],
)
def test_an_invite_opened_signed_out_is_kept_in_a_cookie_through_the_sign_in(data, code, kept):
    # given the invite link opened signed out
    at = _app(secrets=AUTH, user={"is_logged_in": False}, query={"invite": code})
    _ok(at)
    # then the page stores the code (and only a well-formed one) in a cookie for 15 minutes, SameSite=Lax
    (script,) = [h.proto.body for h in at.get("html")]
    cookie = f"{ui.INVITE_COOKIE}={kept}; path=/; max-age={900 if kept else 0}; samesite=lax"
    assert f'document.cookie = "{cookie}' in script
    assert "alert" not in script


def test_coaches_come_from_the_settings_and_everyone_else_is_a_client(data):
    coach = _app(secrets=AUTH, user=_person("Cora@Example.test", "Cora"))
    _ok(coach)
    assert "Signed in as **Cora**" in _texts(coach) and "Role: **coach**" in _texts(coach)
    client = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    _ok(client)
    assert "Role: **client**" in _texts(client)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        client.switch_page(ui.INBOX_PAGE)  # the inbox is not in a client's navigation


def test_a_client_joins_a_coach_by_link_and_the_coach_sees_their_review(data, engine, clip):
    coach_at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"))
    coach_at.switch_page(ui.INBOX_PAGE).run()
    _button(coach_at, "Make an invite").click().run()
    _ok(coach_at)
    code = coach_at.session_state["ws_invite"]
    assert any(f"/?invite={code}" in c.value for c in coach_at.code)
    # when the client opens the invite link signed in, then they are asked first, and join
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"), query={"invite": code})
    _ok(ann_at)
    assert at_title(ann_at) == "My space" and not ann_at.success
    assert "Join Cora's coaching?" in _texts(ann_at) and "see your uploads and history" in _texts(ann_at)
    _button(ann_at, "Join").click().run()
    _ok(ann_at)
    assert "linked with your coach **Cora**" in ann_at.success[0].value
    # then the client's analysed upload is in the coach's inbox
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    up = _analysed(data, ann, clip)
    coach_at.run()
    assert coach_at.dataframe[0].value.iloc[0][["Client", "Status"]].tolist() == ["Ann", "New"]
    # and on the review, the client's history on that lift with the progression signal
    review_at = _app(
        secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"review": _link(data, up.analysis_id)}
    )
    _ok(review_at)
    assert "Ann's history on Kettlebell deadlift" in [h.value for h in review_at.subheader]
    assert review_at.get("plotly_chart")
    assert "Keep going:" in _texts(review_at)
    # and a comment from the coach shows on the client's space with a button to that moment
    coach = store.user_from_claims(data.db, _person("cora@example.test", "Cora"))
    store.add_comment(data.db, coach, up.analysis_id, "Hips back first.", rep_index=2, time_s=5.2)
    ann_at.run()
    _ok(ann_at)
    assert "Hips back first." in _texts(ann_at) and "Rep 2 · 5.2 s" in _texts(ann_at)
    # when she opens it, then the Review page shows the set at that moment: the moment picked, the video there
    _button(ann_at, "Open at 5.2 s").click().run()
    _ok(ann_at)
    assert shown(at_title(ann_at)) == "Review · set.mp4"
    assert ann_at.slider(key="rv_t").value == pytest.approx(5.2, abs=0.01) and _video_start(ann_at) == 5
    assert ann_at.query_params["review"] == _link(data, up.analysis_id)  # the review's own address


def test_a_client_replies_to_the_coach_from_my_space_and_the_coach_sees_it_waiting(data, engine, clip):
    # given Ann, linked to coach Cora, with an analysed set that Cora commented on and marked reviewed
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    store.add_comment(data.db, cora, up.analysis_id, "Hips back first.", rep_index=2, time_s=5.2)
    store.mark_reviewed(data.db, cora, up.analysis_id)
    # when Ann presses Reply under the note on My space and sends a question about rep 2
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    ann_at.switch_page(ui.MY_SPACE_PAGE).run()
    _button(ann_at, "Reply").click().run()
    _ok(ann_at)
    assert "Reply to your coach" in [h.value for h in ann_at.subheader]
    assert "Coach's decision" not in [h.value for h in ann_at.subheader]  # the coach's actions stay the coach's
    # then the reply starts at the note's rep and moment (not the whole set)
    assert (ann_at.selectbox(key="ws_c_rep").value, ann_at.number_input(key="ws_c_time").value) == ("Rep 2", 5.2)
    assert "Replying to Cora · Rep 2 · 5.2 s" in _texts(ann_at)
    ann_at.text_area(key="ws_c_text").input("Should I go lighter?")
    _button(ann_at, "Send reply").click().run()  # (AppTest's next run is My space again, where at.switch_page left it)
    _ok(ann_at)
    assert "Reply sent to your coach." in _texts(ann_at)
    # then Cora's inbox shows the set as new again, with the client's reply waiting
    cora_at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"))
    cora_at.switch_page(ui.INBOX_PAGE).run()
    _ok(cora_at)
    first = cora_at.dataframe[0].value.iloc[0]
    assert first[["Client", "Status"]].tolist() == ["Ann", "Client replied"]
    (reply,) = [c for c in store.open_analysis(data.db, cora, up.analysis_id).comments if c.author_name == "Ann"]
    assert (reply.rep_index, reply.time_s) == (2, 5.2)


def test_after_the_coach_overrides_the_grade_the_client_sees_the_coachs_grade_everywhere(data, engine, clip):
    # given Ann, linked to coach Cora, with an analysed set (measured B) that Cora graded D with a reason and a note
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    store.override_grade(data.db, cora, up.analysis_id, "D", "Rep 3 rounds more than the camera shows.")
    store.add_comment(data.db, cora, up.analysis_id, "Brace before the pull.", rep_index=3)
    # when Ann opens her space
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    ann_at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(ann_at)
    # then her upload names the coach's grade first, the measured one beside it
    assert "Kettlebell deadlift · 3 reps · D from your coach · B measured" in _texts(ann_at)
    # when she opens it (its Review page) and goes to its Scorecard
    next(b for b in ann_at.button if b.key == f"ws_mine_open_{up.upload_id}").click().run()
    _ok(ann_at)
    assert shown(at_title(ann_at)) == "Review · set.mp4"
    ann_at.query_params.clear()
    ann_at.switch_page(session.SCORECARD_PAGE).run()
    _ok(ann_at)
    assert at_title(ann_at) == "Scorecard"
    # then the headline is the coach's grade, labelled, with the measured grade beside it, and who, why and when
    metrics = {m.label: m.value for m in ann_at.metric}
    assert (metrics["Grade from your coach"], metrics["Measured grade"], metrics["Score"]) == ("D", "B", "82/100")
    assert "Overall grade" not in metrics
    (note,) = [i.value for i in ann_at.info if "from your coach" in i.value]
    assert note.startswith("**D from your coach · B measured**")
    assert "Your coach Cora graded this set D on " in shown(
        note
    ) and "Rep 3 rounds more than the camera shows." in shown(note)
    # and the sidebar's line says the same (AppTest keeps the sidebar of a session's first run only: the
    # same browser session's analyses are handed to a fresh run)
    again = AppTest.from_file(APP, default_timeout=60)
    again.secrets.update(AUTH)
    again.user = _person("ann@example.test", "Ann")
    for key in (session.STORE_KEY, session.CURRENT_KEY):
        again.session_state[key] = ann_at.session_state[key]
    again.run()
    _ok(again)
    assert "3 reps · D (coach) · B measured" in [c.value for c in again.sidebar.caption]
    # and how the grade is made is there to read, from this set's own numbers
    assert "How the grade is made" in [e.label for e in ann_at.expander]
    assert any("Set score 82: the middle of 3 rep scores (68–95)" in m.value for m in ann_at.markdown)
    # and the report she downloads carries the coach's grade and note
    entry = ann_at.session_state[session.STORE_KEY].get(ann_at.session_state[session.CURRENT_KEY])
    assert entry.coach.grade == "D" and [c.text for c in entry.coach.comments] == ["Brace before the pull."]


def test_what_people_typed_is_shown_as_typed_never_as_markdown(data, engine, clip):
    # given a coach whose name, and a client whose file name, carry Markdown, and a comment that is a link
    name, file_name, text = (
        "Cora ![me](http://evil.test/p.png)",
        "**big** [x](evil.test).mp4",
        "[click](http://evil.test)",
    )
    cora = store.user_from_claims(data.db, _person("cora@example.test", name), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann <b>A</b>"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip, file_name)
    store.add_comment(data.db, cora, up.analysis_id, text, rep_index=2, time_s=5.2)
    # when each opens the pages that show them
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann <b>A</b>"))
    ann_at.switch_page(ui.MY_SPACE_PAGE).run()
    cora_at = _app(secrets=AUTH, user=_person("cora@example.test", name), query={"review": _link(data, up.analysis_id)})
    for at in (ann_at, cora_at):
        _ok(at)
        # then the comment is plain text, and every Markdown element escapes what was typed in it
        assert text in [t.value for t in at.text]
        sources = [str(e.value) for kind in ("markdown", "caption", "title", "subheader") for e in getattr(at, kind)]
        typed = [(s, t) for s in sources for t in (name, file_name, "Ann <b>A</b>") if t in shown(s)]
        assert typed and all(present.plain(t) in s for s, t in typed)
        assert not any("](http" in s or "<b>" in s for s in sources)
    assert shown(cora_at.title[0].value) == f"Review · {file_name}"


def test_a_client_cannot_open_another_clients_review_by_url(data, engine, clip):
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    up = _analysed(data, ann, clip)
    bob_at = _app(secrets=AUTH, user=_person("bob@example.test", "Bob"), query={"review": _link(data, up.analysis_id)})
    _ok(bob_at)
    assert bob_at.error[0].value == NOT_YOURS  # the same words as for a review that does not exist
    assert not bob_at.session_state[session.STORE_KEY].entries()
    assert not bob_at.metric and [b.label for b in bob_at.button] == ["Sign out"]  # nothing of the review
    bob_at.switch_page(session.SCORECARD_PAGE).run()
    assert "No video analysed yet" in bob_at.info[0].value


def test_a_coach_cannot_accept_an_invite_and_a_used_code_is_refused(data):
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    code = store.create_invite(data.db, cora).code
    at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"invite": code})
    _ok(at)
    assert "your own invite" in at.error[0].value
    _button(_app(secrets=AUTH, user=_person("ann@example.test", "Ann"), query={"invite": code}), "Join").click().run()
    bob = _app(secrets=AUTH, user=_person("bob@example.test", "Bob"))
    bob.switch_page(ui.MY_SPACE_PAGE).run()
    bob.text_input[0].input(code)
    next(b for b in bob.button if b.label == "Join my coach").click().run()
    _ok(bob)
    assert "already been used" in bob.error[0].value


def test_an_invite_answered_no_links_nothing(data):
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    code = store.create_invite(data.db, cora).code
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"), query={"invite": code})
    _button(ann_at, "No").click().run()
    _ok(ann_at)
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    assert store.coaches_of(data.db, ann) == [] and "Not joined" in ann_at.success[0].value
    assert "Join Cora's coaching?" not in _texts(ann_at.run())  # asked once


def test_a_client_leaves_a_coach_and_a_coach_removes_a_client_after_confirming(data, engine, clip):
    # given Ann and Bob, both Cora's clients, Ann with an analysed set
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    bob = store.user_from_claims(data.db, _person("bob@example.test", "Bob"))
    for client in (ann, bob):
        store.redeem_invite(data.db, client, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    # when Ann presses Leave beside Cora on My space, then she is asked, and leaves once she confirms
    ann_at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    ann_at.switch_page(ui.MY_SPACE_PAGE).run()
    _button(ann_at, "Leave").click().run()
    assert "Leave **Cora**'s coaching?" in ann_at.warning[0].value and store.coaches_of(data.db, ann)
    _button(ann_at, "Yes, leave").click().run()
    _ok(ann_at)
    assert store.coaches_of(data.db, ann) == [] and "You left Cora's coaching." in _texts(ann_at)
    # then Cora's inbox no longer has Ann's set, and its review link is refused
    cora_at = _app(
        secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"review": _link(data, up.analysis_id)}
    )
    assert shown(cora_at.error[0].value) == store.access.NOT_YOURS
    assert [r.client_name for r in store.inbox(data.db, cora)] == []
    # when Cora removes Bob from the client list on her Inbox (after confirming)
    cora_at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"))
    cora_at.switch_page(ui.INBOX_PAGE).run()
    _button(cora_at, "Remove").click().run()
    assert "Remove **Bob** from your clients?" in cora_at.warning[0].value
    _button(cora_at, "Yes, remove").click().run()
    _ok(cora_at)
    assert store.clients_of(data.db, cora) == [] and "Removed Bob from your clients." in _texts(cora_at)


def at_title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


# --- the real model --------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("clip_name", ["tby66_kb-deadlift_correct_side.mp4", "neg_formfit_back-squat_side.mp4"])
def test_real_clips_analysed_by_the_worker_code_reach_a_plain_answer(
    data, estimator, clips_dir, clip_name, monkeypatch
):
    # given a real clip uploaded on Analyse and analysed with the real pose model (each clip's analysis runs
    # the model once per session: another test's analysis of the same bytes and config is reused)
    path = clips_dir / clip_name
    if not path.is_file():
        pytest.skip(f"{clip_name} not in {clips_dir}")
    monkeypatch.setattr(runner, "analyze", real_clips.analyze_once)
    at = _app()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "video/mp4"))
    at.run()
    assert set(run_pending_once(data.db, data.blobs, estimator).values()) <= {"done", "failed"}
    at.run(timeout=300)
    _ok(at)
    # then its review (graded, or ungraded with a reason) or a plain error
    if at.error:
        assert runner.UNEXPECTED not in shown(at.error[0].value)
        return
    assert shown(at_title(at)) == f"Review · {clip_name}"
    reps = int({m.label: m.value for m in at.metric}["Reps"])
    if clip_name.startswith("tby66"):
        assert 8 <= reps <= 12
    else:
        assert {m.label: m.value for m in at.metric}["Overall grade"] == "–" and at.warning


# --- compare and share ------------------------------------------------------------------


def test_compare_brings_in_a_saved_review_and_lines_up_its_reps(data, engine, clip):
    # given the local user's set, saved and analysed by the worker
    _analysed(data, store.local_user(data.db), clip, "monday.mp4")
    # when the Compare page opens in a fresh session and the review is brought in
    at = _app()
    at.switch_page(session.COMPARE_PAGE).run()
    _ok(at)
    picker = at.selectbox(key="compare_saved")
    assert any("monday.mp4" in o for o in picker.options)  # AppTest lists the formatted labels
    _button(at, "Add to the comparison").click().run()
    # then its reps can be picked on both sides (rep 1 against rep 2 of the same set)
    _ok(at)
    rep_pickers = [s for s in at.selectbox if s.label == "Rep"]
    assert len(rep_pickers) == 2 and [s.value for s in rep_pickers] == [1, 2]


def test_a_coach_gets_a_share_link_that_only_the_client_can_open(data, engine, clip):
    # given Ann, Cora's client, with an analysed set
    cora = store.user_from_claims(
        data.db, _person("cora@example.test", "Cora Coach") | {"email_verified": True}, role_if_new="coach"
    )
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann Client"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    # when Cora opens the review
    at = _app(
        user=_person("cora@example.test", "Cora Coach"), secrets=AUTH, query={"review": _link(data, up.analysis_id)}
    )
    at.switch_page("pages/review.py").run()
    _ok(at)
    # then a share link to that review is offered, naming Ann as the one who can open it
    link = next(c.value for c in at.code if "review=" in c.value)
    assert link.endswith(f"/review?review={_link(data, up.analysis_id)}")
    assert "opens the review for Ann Client once signed in" in _texts(at)


# --- the Review page: the lift, comments at a moment, for coach and client --------------------------------


def _video_start(at: AppTest) -> int:
    (video,) = at.get("video")
    return video.proto.start_time


def _subheaders(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def test_the_coach_sees_the_lift_on_the_review_and_comments_at_the_moment_picked(data, engine, clip):
    up = _analysed(data, store.local_user(data.db), clip)
    result = factories.synthetic_result()
    # given the review opened by its URL
    at = _app(query={"review": str(up.analysis_id)})
    _ok(at)
    # then the lift is there: the annotated video, one button per rep, the timeline, rep 1's key frames
    assert _video_start(at) == 0 and at.get("video")[0].proto.url.endswith(".mp4")
    assert [b.label for b in at.button if b.key and b.key.startswith("rv_rep_")] == [
        "Rep 1 · A",
        "Rep 2 · B",
        "Rep 3 · C",
    ]
    (timeline,) = at.get("plotly_chart")  # the coach's own set: no client history under it
    assert '"text":"Rep 3"' in timeline.proto.spec and "rv_timeline" in timeline.proto.id
    assert {"Key frames · Rep 1", "What the video shows", "Coach's decision", "Add a comment"} <= set(_subheaders(at))
    # and its Charts link opens on the measure behind the set's main fault (a rounded back on the head-back line)
    (charts,) = [p.proto for p in at.get("page_link") if p.proto.label == "Charts"]
    assert charts.query_string == "measure=back_line_deviation_deg"
    assert [im.proto.imgs[0].caption.split(" · ")[:2] for im in at.image] == [
        ["Rep 1", m] for m in ("start", "bottom", "lockout")
    ]
    # when rep 2's button is pressed, then the player starts just before rep 2's bottom, which is the moment picked
    nonce = at.session_state["rv_nonce"]
    _button(at, "Rep 2 · B").click().run()
    _ok(at)
    assert _video_start(at) == 5 and at.slider(key="rv_t").value == pytest.approx(result.reps[1].bottom_s, abs=0.01)
    assert at.session_state["rv_nonce"] == nonce + 1  # a fresh player, so pressing it again seeks again
    assert "Key frames · Rep 2" in _subheaders(at)
    # when the coach moves to 5.5 s and comments at this moment, then the form has that time and its rep
    at.slider(key="rv_t").set_value(5.5).run()
    assert _video_start(at) == 5
    _button(at, "Comment at this moment").click().run()
    assert (at.selectbox(key="ws_c_rep").value, at.number_input(key="ws_c_time").value) == ("Rep 2", 5.5)
    at.text_area(key="ws_c_text").input("Hips back before the knees bend.")
    _button(at, "Add comment").click().run()
    _ok(at)
    (c,) = store.open_analysis(data.db, store.local_user(data.db), up.analysis_id).comments
    assert (c.rep_index, c.time_s) == (2, 5.5)
    # and it is a marker on the timeline and an entry of the list that plays its moment
    (chart,) = [p for p in at.get("plotly_chart") if "Hips back before the knees bend." in p.proto.spec]
    assert '"x":[5.5]' in chart.proto.spec.replace(" ", "")
    assert "Rep 2 · 5.5 s" in _texts(at)
    # when a moment between reps is picked, then the comment is for that time and no rep
    at.slider(key="rv_t").set_value(3.7).run()
    _button(at, "Comment at this moment").click().run()
    assert (at.selectbox(key="ws_c_rep").value, at.number_input(key="ws_c_time").value) == ("Whole set", 3.7)
    # when a fault's evidence button is pressed, then the player goes to that rep's moment
    t = result.reps[2].bottom_s
    _button(at, f"Rep 3 · {t:.1f} s").click().run()
    _ok(at)
    assert shown(at.title[0].value) == "Review · set.mp4" and _video_start(at) == 8
    assert at.slider(key="rv_t").value == pytest.approx(t, abs=0.01) and "Key frames · Rep 3" in _subheaders(at)


def test_the_client_sees_the_same_review_read_only_and_replies_at_the_coachs_moment(data, engine, clip):
    # given Ann, linked to coach Cora, whose note is pinned to rep 1 at 2.2 s
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    note = store.add_comment(data.db, cora, up.analysis_id, "Hips back first.", rep_index=1, time_s=2.2)
    # when Ann opens the review
    at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"), query={"review": str(up.analysis_id)})
    _ok(at)
    # then she sees the same lift: video, rep strip, timeline with the note, key frames and faults
    assert len(at.get("video")) == 1 and _button(at, "Rep 1 · A") and _button(at, "Play at 2.2 s")
    assert any("Hips back first." in p.proto.spec for p in at.get("plotly_chart"))
    assert {"Key frames · Rep 1", "What the video shows", "Reply to your coach", "Comments"} <= set(_subheaders(at))
    # but none of the coach's actions
    assert "Coach's decision" not in _subheaders(at)
    assert not [b for b in at.button if b.label in ("Mark reviewed", "Save the grade", "Add comment")]
    assert not [s for s in at.selectbox if s.label == "Grade"] and not at.text_input
    # when she presses Reply under the note, then her reply is at the note's rep and moment, and the video there
    next(b for b in at.button if b.key == f"rv_reply_{note.comment_id}").click().run()
    _ok(at)
    assert (at.selectbox(key="ws_c_rep").value, at.number_input(key="ws_c_time").value) == ("Rep 1", 2.2)
    assert _video_start(at) == 2 and "Replying to Cora · Rep 1 · 2.2 s" in _texts(at)
    at.text_area(key="ws_c_text").input("Like this?")
    _button(at, "Send reply").click().run()
    _ok(at)
    assert "Reply sent to your coach." in _texts(at) and "Like this?" in _texts(at)
    reply = store.open_analysis(data.db, ann, up.analysis_id).comments[-1]
    assert (reply.author_name, reply.rep_index, reply.time_s) == ("Ann", 1, 2.2)
    # and her reply is a marker of its own on the timeline
    (chart,) = [p for p in at.get("plotly_chart") if "Like this?" in p.proto.spec]
    assert "Client's replies" in chart.proto.spec
    # when she replies to a note pinned to rep 3 alone, then her reply is rep 3's too and the video at its bottom
    rep_only = store.add_comment(data.db, cora, up.analysis_id, "Rep 3 rounds.", rep_index=3)
    at.run()
    next(b for b in at.button if b.key == f"rv_reply_{rep_only.comment_id}").click().run()
    _ok(at)
    assert (at.selectbox(key="ws_c_rep").value, at.number_input(key="ws_c_time").value) == ("Rep 3", None)
    assert _video_start(at) == 8


def test_the_scorecard_and_frames_of_a_saved_set_link_to_its_review(data, engine, clip):
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    up = _analysed(data, ann, clip)
    at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    at.switch_page(ui.MY_SPACE_PAGE).run()
    next(b for b in at.button if b.key == f"ws_mine_open_{up.upload_id}").click().run()
    _ok(at)
    for page in (session.SCORECARD_PAGE, session.FRAMES_PAGE):
        at.switch_page(page).run()
        _ok(at)
        links = [p.proto for p in at.get("page_link") if p.proto.label == "Review with your coach"]
        assert len(links) == 1 and links[0].query_string == f"review={_link(data, up.analysis_id)}", page


def test_a_coach_on_a_clients_scorecard_links_to_its_review_by_its_token(data, engine, clip):
    # given Ann, linked to coach Cora, with an analysed set that Cora has opened for review
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    token = _link(data, up.analysis_id)
    at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"review": token})
    _ok(at)
    # when Cora goes to its Scorecard (the navigation leaves the review's address behind)
    at.query_params.clear()
    at.switch_page(session.SCORECARD_PAGE).run()
    _ok(at)
    # then its link back to the review carries the review's token (a bare id opens for its owner only)
    (link,) = [p.proto for p in at.get("page_link") if p.proto.label == "Review and comment"]
    assert link.query_string == f"review={token}"
    with pytest.raises(store.WorkspaceError):
        store.review_from_link(data.db, cora, str(up.analysis_id))


# --- a saved set opens on its Review page: from My space's list, and at a fault's evidence -------------------


def _evidence_button(at: AppTest, rep: int, t_s: float) -> Button:
    """A fault's evidence button on the Scorecard (``panels.faults``: ``evidence_<fault>_<rep>``)."""
    return next(
        b for b in at.button if b.key and b.key.startswith("evidence_") and b.label == f"Rep {rep} · {t_s:.1f} s"
    )


def test_my_spaces_open_opens_the_review_of_that_set_not_its_scorecard(
    data: SimpleNamespace, engine: SimpleNamespace, clip: Path, tmp_path: Path
) -> None:
    # given Ann, signed in, with two analysed sets (two different clips)
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    _analysed(data, ann, clip, "first.mp4")
    other = factories.write_synthetic_clip(tmp_path / "other.mp4", duration_s=10.0, fps=25)
    second = _analysed(data, ann, other, "second.mp4")
    assert second.analysis_id is not None
    at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(at)
    # when she presses Open on the second set
    next(b for b in at.button if b.key == f"ws_mine_open_{second.upload_id}").click().run()
    _ok(at)
    # then that set's Review page opens (the Scorecard did before), at its token's address, on rep 1's bottom
    assert shown(at_title(at)) == "Review · second.mp4"
    assert at.query_params["review"] == _link(data, second.analysis_id)
    rep_1 = factories.synthetic_result().reps[0].bottom_s
    assert at.slider(key="rv_t").value == pytest.approx(rep_1, abs=0.01) and "Key frames · Rep 1" in _subheaders(at)
    # and, her own set, she may reply there but not grade it
    assert "Reply to your coach" in _subheaders(at) and "Coach's decision" not in _subheaders(at)


def test_a_review_opened_again_after_its_page_was_left_opens_fresh_on_rep_1(
    data: SimpleNamespace, engine: SimpleNamespace, clip: Path
) -> None:
    # given Ann, signed in, who opened her set's review from My space, moved to rep 3 and left for My space
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    up = _analysed(data, ann, clip)
    at = _app(secrets=AUTH, user=_person("ann@example.test", "Ann"))
    _go(at, ui.MY_SPACE_PAGE)
    next(b for b in at.button if b.key == f"ws_mine_open_{up.upload_id}").click().run()
    _on_review_of(at, data, up)
    next(b for b in at.button if b.key == "rv_rep_3").click().run()
    _go(at, ui.MY_SPACE_PAGE)
    # when she opens the same set again
    next(b for b in at.button if b.key == f"ws_mine_open_{up.upload_id}").click().run()
    # then its Review page opens again (Streamlit dropped the moment's widget state with the page: this
    # crashed with a KeyError), on rep 1's bottom as a first opening is
    _on_review_of(at, data, up)
    rep_1 = factories.synthetic_result().reps[0].bottom_s
    assert at.slider(key="rv_t").value == pytest.approx(rep_1, abs=0.01) and "Key frames · Rep 1" in _subheaders(at)


def test_a_faults_evidence_on_a_saved_sets_scorecard_opens_its_review_at_that_rep_and_moment(
    data: SimpleNamespace, engine: SimpleNamespace, clip: Path
) -> None:
    # given a set uploaded in local mode and analysed, its Scorecard on screen
    at = _scorecard_after_upload(data, clip)
    _ok(at)
    assert at_title(at) == "Scorecard"
    (up,) = store.list_uploads(data.db, store.local_user(data.db))
    assert up.analysis_id is not None
    # when rep 3's evidence button (its bottom) is pressed
    t = factories.synthetic_result().reps[2].bottom_s
    button = _evidence_button(at, 3, t)
    assert button.help == "Play this moment on the Review page, beside the comments"
    button.click().run()
    _ok(at)
    # then the set's Review page opens (Frames did before) with the moment on rep 3's bottom, the video from
    # there and rep 3's key frames beside it
    assert shown(at_title(at)) == "Review · set.mp4"
    assert at.query_params["review"] == _link(data, up.analysis_id)
    assert at.slider(key="rv_t").value == pytest.approx(t, abs=0.01) and _video_start(at) == 8
    assert "Key frames · Rep 3" in _subheaders(at)


def test_a_coachs_evidence_click_on_a_clients_scorecard_opens_the_review_at_that_moment_to_grade(
    data: SimpleNamespace, engine: SimpleNamespace, clip: Path
) -> None:
    # given Ann, Cora's client, with an analysed set whose Scorecard Cora has open
    cora = store.user_from_claims(data.db, _person("cora@example.test", "Cora"), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person("ann@example.test", "Ann"))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    up = _analysed(data, ann, clip)
    assert up.analysis_id is not None
    token = _link(data, up.analysis_id)
    at = _app(secrets=AUTH, user=_person("cora@example.test", "Cora"), query={"review": token})
    at.query_params.clear()
    at.switch_page(session.SCORECARD_PAGE).run()
    _ok(at)
    # when she presses rep 2's evidence button
    t = factories.synthetic_result().reps[1].bottom_s
    _evidence_button(at, 2, t).click().run()
    _ok(at)
    # then Ann's set opens on the Review page at rep 2's bottom, with the coach's decision beside it
    assert shown(at_title(at)) == "Review · set.mp4" and at.query_params["review"] == token
    assert at.slider(key="rv_t").value == pytest.approx(t, abs=0.01) and _video_start(at) == 5
    assert {"Key frames · Rep 2", "Coach's decision"} <= set(_subheaders(at))
