"""Every page under ``streamlit.testing.v1.AppTest``.

Stored results are injected into the session's ``ResultStore`` the way the
Analyse page leaves them; uploads go through the real ``st.file_uploader``
widget (AppTest supports it), with the engine faked where the test is about
the page and real where the fixture clip and weights exist.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages import shared
from pipeline import serialize
from pipeline.errors import NoPersonError
from pipeline.types import AnalysisResult
from tests import factories

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
FIXTURES = REPO.parent / "shared" / "fixtures" / "clips"
GOOD_CLIP = FIXTURES / "tby66_kb-deadlift_correct_side.mp4"
STORED = REPO / "tests" / "data" / "analysis_kb_deadlift.json"


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("pages") / "lifter.mp4", duration_s=10.0)


@pytest.fixture()
def result(clip) -> AnalysisResult:
    return factories.synthetic_result(clip)


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def _with(result: AnalysisResult, video_path: str | None, name: str = "set.mp4") -> AppTest:
    at = _app()
    store = shared.ResultStore()
    store.put(shared.StoredAnalysis(key="k1", filename=name, result=result, video_path=video_path, workdir=None))
    at.session_state[shared.STORE_KEY] = store
    at.session_state[shared.CURRENT_KEY] = "k1"
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "info", "warning", "error", "success", "caption")
                     for e in getattr(at, kind))


def _no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in _texts(at)


# --- without an analysis ---------------------------------------------------------

def test_analyse_page_offers_lift_choice_tips_and_uploader():
    at = _app()
    _no_traceback(at)
    assert at.title[0].value.startswith("Analyse")
    lift = at.selectbox[0]
    assert lift.value == "auto" and "Kettlebell deadlift" in lift.options
    assert at.get("file_uploader") and "hip height" in _texts(at).lower()
    assert any("svg" in str(im.proto) or im.proto for im in at.image)


@pytest.mark.parametrize("page", [shared.SCORECARD_PAGE, shared.FRAMES_PAGE, shared.CHARTS_PAGE])
def test_result_pages_point_to_analyse_when_nothing_is_analysed(page):
    at = _app()
    at.switch_page(page).run()
    _no_traceback(at)
    assert "Upload one on the Analyse page" in at.info[0].value


# --- with a stored analysis -------------------------------------------------------

def test_scorecard_shows_grade_reps_table_faults_next_step_and_downloads(result, clip):
    at = _with(result, str(clip))
    at.switch_page(shared.SCORECARD_PAGE).run()
    _no_traceback(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overall grade"] == "B" and metrics["Reps"] == "3"
    table = at.dataframe[0].value
    assert list(table["Grade"]) == ["A", "B", "C"]
    text = _texts(at)
    assert "**Flat back** — fault on reps 2 (warn), 3" in text and "*Drill:* Standing dowel hinge" in text and "Stay with **Kettlebell deadlift**" in text
    expected = [f"Rep {r.index} · {r.bottom_s:.1f} s" for r in result.reps[1:]]
    assert [b.label for b in at.button if b.label.startswith("Rep ")] == expected
    assert len(at.get("download_button")) == 4  # JSON, CSV, report PDF, report HTML
    # each check says how it did on labelled clips: beside its fault, and all together in an expander
    assert "caught 4 of 5 labelled clips" in text and "false alarm on 2 of 19 clean lifts" in text
    assert [e.label for e in at.expander] == ["How far to trust each check"]
    assert "**Squatting the hinge** — Not yet measured on labelled clips." in text


def test_evidence_button_opens_frames_at_that_time(result, clip):
    at = _with(result, str(clip))
    at.switch_page(shared.SCORECARD_PAGE).run()
    # when the rep 3 evidence button is pressed
    t = result.reps[2].bottom_s
    next(b for b in at.button if b.label == f"Rep 3 · {t:.1f} s").click().run()
    # then the Frames page is shown at that moment, with rep 3 chosen and the video starting there
    _no_traceback(at)
    assert at.title[0].value == "Frames"
    assert at.slider[0].value == pytest.approx(t, abs=0.01)
    assert at.get("button_group")[0].value == "Rep 3"
    video = at.get("video")[0].proto
    assert video.start_time == int(t) and video.url.endswith(".mp4")
    assert "Rep 3 · bottom" in at.image[0].proto.imgs[0].caption  # the "any moment" frame


def test_frames_shows_video_key_frames_and_slider(result, clip):
    at = _with(result, str(clip))
    at.switch_page(shared.FRAMES_PAGE).run()
    _no_traceback(at)
    assert len(at.get("video")) == 1
    captions = [im.proto.imgs[0].caption for im in at.image]  # the "any moment" frame, then key frames
    assert len(captions) == 4 and captions[0] == "2.17 s · Rep 1 · bottom"
    assert [c.split(" · ")[:2] for c in captions[1:]] == [["Rep 1", m] for m in ("start", "bottom", "lockout")]
    assert "hip 90°" in captions[2]
    # the annotated video was made once and kept in the store
    entry = at.session_state[shared.STORE_KEY].get("k1")
    assert entry.annotated is not None and entry.annotated.path.is_file() and entry.annotated.codec == "libx264"
    made = entry.annotated.path.stat().st_mtime_ns
    # when jumping to rep 2, then the video starts at rep 2 and the key frames are rep 2's
    at.get("button_group")[0].set_value("Rep 2").run()
    _no_traceback(at)
    assert at.get("video")[0].proto.start_time == int(result.reps[1].start_s)
    assert at.image[1].proto.imgs[0].caption.startswith("Rep 2 · start")
    assert at.session_state[shared.STORE_KEY].get("k1").annotated.path.stat().st_mtime_ns == made
    # when the slider moves, the single frame follows
    at.slider[0].set_value(1.5).run()
    assert at.image[0].proto.imgs[0].caption.startswith("1.50 s")


def test_frames_without_the_clip_draw_on_a_blank_canvas(result):
    at = _with(result, None)
    at.switch_page(shared.FRAMES_PAGE).run()
    _no_traceback(at)
    assert not at.get("video") and "not available" in at.info[0].value
    assert len(at.image) == 4


def test_charts_show_three_plotly_figures_with_data(result, clip):
    at = _with(result, str(clip))
    at.switch_page(shared.CHARTS_PAGE).run()
    _no_traceback(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    assert '"Hip flexion"' in charts[0].proto.spec and '"Rep 1"' in charts[1].proto.spec
    at.selectbox[-1].set_value("rep_duration_s").run()
    assert "Rep duration" in at.get("plotly_chart")[2].proto.spec


def test_not_gradable_result_explains_why_and_how_to_refilm(clip):
    at = _with(factories.synthetic_result(clip, gradable=False), str(clip))
    at.switch_page(shared.SCORECARD_PAGE).run()
    _no_traceback(at)
    text = _texts(at)
    assert "camera was in front" in text and "Film side-on" in text
    assert {m.label: m.value for m in at.metric}["Overall grade"] == "–"


@pytest.mark.skipif(not STORED.is_file(), reason=f"no stored real analysis at {STORED}")
@pytest.mark.parametrize("page", [shared.SCORECARD_PAGE, shared.FRAMES_PAGE, shared.CHARTS_PAGE])
def test_pages_render_the_stored_real_analysis(page):
    result = serialize.load(AnalysisResult, STORED)
    at = _with(result, str(GOOD_CLIP) if GOOD_CLIP.is_file() else None, GOOD_CLIP.name)
    at.switch_page(page).run(timeout=120)
    _no_traceback(at)
    if page == shared.SCORECARD_PAGE:
        assert {m.label: m.value for m in at.metric}["Reps"] == str(result.rep_count)


# --- uploads through st.file_uploader -----------------------------------------------

@pytest.fixture()
def fake_engine(monkeypatch, clip):
    """Replace pipeline.run.analyze (and the estimator) with a recorder."""
    calls: list[tuple[Path, object]] = []
    behaviour: dict[str, object] = {"raise": None}

    def analyze(path, config=None, on_progress=None, estimator=None):
        calls.append((Path(path), config))
        if on_progress:
            on_progress(types.SimpleNamespace(stage="pose", label="Finding the lifter", fraction=0.5, eta_s=3.0))
        if behaviour["raise"] is not None:
            raise behaviour["raise"]
        return factories.synthetic_result(path)

    module = types.ModuleType("pipeline.run")
    module.analyze = analyze
    monkeypatch.setitem(sys.modules, "pipeline.run", module)
    monkeypatch.setattr(shared, "estimator", lambda *a: object())
    return types.SimpleNamespace(calls=calls, behaviour=behaviour, clip_bytes=clip.read_bytes())


def _upload(at: AppTest, name: str, data: bytes, mime: str = "video/mp4", timeout: float = 60) -> AppTest:
    at.file_uploader[0].set_value((name, data, mime))
    return at.run(timeout=timeout)


def test_upload_analyses_once_per_content_and_settings_then_shows_the_scorecard(fake_engine):
    at = _upload(_app(), "set.mp4", fake_engine.clip_bytes)
    _no_traceback(at)
    assert at.title[0].value == "Scorecard"
    assert {m.label: m.value for m in at.metric}["Overall grade"] == "B"
    # each upload went to its own temporary file, kept in the store under sha256 + settings
    (path, config), = fake_engine.calls
    store = at.session_state[shared.STORE_KEY]
    entry = store.get(at.session_state[shared.CURRENT_KEY])
    assert entry.video_path == str(path) and path.read_bytes() == fake_engine.clip_bytes
    assert entry.key == shared.analysis_key(shared.content_hash(fake_engine.clip_bytes), config)
    assert Path(entry.workdir).name.startswith("hinge-review-")
    # switching pages recomputes nothing; the same bytes again are not analysed again
    for page in (shared.FRAMES_PAGE, shared.CHARTS_PAGE, shared.SCORECARD_PAGE, shared.ANALYSE_PAGE):
        at.switch_page(page).run()
        _no_traceback(at)
    _upload(at, "copy.mp4", fake_engine.clip_bytes)
    assert len(fake_engine.calls) == 1
    assert at.title[0].value.startswith("Analyse") and "copy.mp4" not in _texts(at)
    # another lift choice for the file still in the uploader is another analysis
    at.selectbox[0].set_value("kettlebell_deadlift").run()
    _no_traceback(at)
    assert len(fake_engine.calls) == 2 and fake_engine.calls[1][1].exercise == "kettlebell_deadlift"
    assert at.title[0].value == "Scorecard" and len(at.session_state[shared.STORE_KEY]) == 2


def test_input_error_shows_the_message_and_what_to_do_then_the_next_upload_works(fake_engine):
    fake_engine.behaviour["raise"] = NoPersonError("Nobody was found doing a lift in this video.")
    at = _upload(_app(), "empty.mp4", fake_engine.clip_bytes)
    _no_traceback(at)
    assert at.error[0].value == "Nobody was found doing a lift in this video."
    assert "What to do" in _texts(at) and len(at.session_state[shared.STORE_KEY]) == 0
    assert not fake_engine.calls[0][0].parent.exists()  # temporary folder removed
    # a rerun does not analyse the same failing bytes again
    at.run()
    assert len(fake_engine.calls) == 1
    # the next upload works
    fake_engine.behaviour["raise"] = None
    _upload(at, "good.mp4", fake_engine.clip_bytes + b"\0")
    _no_traceback(at)
    assert at.title[0].value == "Scorecard"


def test_unexpected_error_shows_a_friendly_message_not_a_traceback(fake_engine):
    fake_engine.behaviour["raise"] = RuntimeError("CUDA exploded at 0xdeadbeef")
    at = _upload(_app(), "set.mp4", fake_engine.clip_bytes)
    _no_traceback(at)
    assert at.error[0].value == shared.GENERIC_FAILURE
    assert "0xdeadbeef" not in _texts(at)
    # "Try again" clears the failure and runs once more
    fake_engine.behaviour["raise"] = None
    next(b for b in at.button if b.label == "Try this file again").click().run()
    _no_traceback(at)
    assert len(fake_engine.calls) == 2 and at.title[0].value == "Scorecard"


@pytest.mark.parametrize("name, data", [
    ("notes.mp4", b"these are not the frames you are looking for\n" * 20),
    ("cut.mp4", None),  # first 20 kB of a real clip
])
def test_bad_files_get_a_plain_message_from_the_real_video_reader(fake_engine, name, data):
    # given the real probe (the fake analyze is never reached)
    data = data if data is not None else fake_engine.clip_bytes[: 20_000]
    at = _upload(_app(), name, data)
    _no_traceback(at)
    assert at.error, "no message shown"
    message = at.error[0].value
    assert name in message and any(w in message for w in ("damaged", "not a video", "cut short", "incomplete"))
    assert not fake_engine.calls


def test_a_clip_over_the_length_limit_is_refused_with_a_way_forward(fake_engine, tmp_path):
    # given an 11-minute clip (1 frame per second, tiny) and the real video probe
    long_clip = factories.write_synthetic_clip(tmp_path / "whole_session.mp4", duration_s=660, fps=1)
    at = _upload(_app(), long_clip.name, long_clip.read_bytes())
    _no_traceback(at)
    assert "whole_session.mp4" in at.error[0].value and "Trim it" in at.error[0].value
    assert not fake_engine.calls


def _engine_ready() -> str | None:
    try:
        import pipeline.run  # noqa: F401
    except ImportError:
        return "pipeline.run is not there yet"
    if not GOOD_CLIP.is_file():
        return f"fixture clip missing: {GOOD_CLIP}"
    import models

    if models.find_local() is None:
        return "no pose weights: run `python -m models fetch`"
    return None


@pytest.mark.e2e
@pytest.mark.skipif(_engine_ready() is not None, reason=str(_engine_ready()))
def test_real_upload_of_the_fixture_clip_reaches_the_scorecard():
    at = _upload(_app(), GOOD_CLIP.name, GOOD_CLIP.read_bytes(), timeout=600)
    _no_traceback(at)
    assert at.title[0].value == "Scorecard"
    entry = at.session_state[shared.STORE_KEY].get(at.session_state[shared.CURRENT_KEY])
    assert {m.label: m.value for m in at.metric}["Reps"] == str(entry.result.rep_count)
    assert entry.result.rep_count > 0
    at.switch_page(shared.FRAMES_PAGE).run(timeout=600)
    _no_traceback(at)
    assert at.get("video") and entry.key in at.session_state[shared.STORE_KEY]


@pytest.mark.e2e
@pytest.mark.skipif(_engine_ready() is not None, reason=str(_engine_ready()))
@pytest.mark.parametrize("clip_name", ["neg_formfit_back-squat_side.mp4", "neg_sports2d_walk-and-jump.mp4"])
def test_real_clips_that_are_not_a_hinge_get_a_plain_answer(clip_name):
    # given a squat, or two people walking and jumping: either a plain error or an ungraded scorecard
    clip = FIXTURES / clip_name
    at = _upload(_app(), clip.name, clip.read_bytes(), timeout=600)
    _no_traceback(at)
    if at.error:
        assert "Something went wrong" not in at.error[0].value
    else:
        assert at.title[0].value == "Scorecard"
        assert {m.label: m.value for m in at.metric}["Overall grade"] == "–"
        assert at.warning, "an ungraded clip must say why"
