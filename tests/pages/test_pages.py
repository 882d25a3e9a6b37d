"""Every page under ``streamlit.testing.v1.AppTest``.

Stored results are injected into the session's ``ResultStore`` the way a
review opened from the workspace leaves them. Uploads (analysed as jobs) are
tested in ``tests/pages/test_workspace_pages.py``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.document import serialize
from pipeline.measure.glossary import measure
from pipeline.types import AnalysisResult
from tests.support import factories
from tests.support.paths import CLIPS_DIR, REPO
from workspace import session

APP = str(REPO / "app.py")
GOOD_CLIP = CLIPS_DIR / "tby66_kb-deadlift_correct_side.mp4"
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
    store = session.ResultStore()
    store.put(session.StoredAnalysis(key="k1", filename=name, result=result, video_path=video_path, workdir=None))
    at.session_state[session.STORE_KEY] = store
    at.session_state[session.CURRENT_KEY] = "k1"
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(
        str(e.value)
        for kind in ("markdown", "info", "warning", "error", "success", "caption")
        for e in getattr(at, kind)
    )


def _no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in _texts(at)


# --- without an analysis ---------------------------------------------------------


def test_analyse_page_offers_tips_and_uploader():
    at = _app()
    _no_traceback(at)
    assert at.title[0].value.startswith("Analyse")
    assert at.get("file_uploader") and "hip height" in _texts(at).lower()
    assert any("svg" in str(im.proto) or im.proto for im in at.image)


@pytest.mark.parametrize("page", [session.SCORECARD_PAGE, session.FRAMES_PAGE, session.CHARTS_PAGE])
def test_result_pages_point_to_analyse_when_nothing_is_analysed(page):
    at = _app()
    at.switch_page(page).run()
    _no_traceback(at)
    assert "Upload one on the Analyse page" in at.info[0].value


# --- with a stored analysis -------------------------------------------------------


def test_scorecard_says_a_borderline_verdict_is_worth_a_coachs_look(result, clip):
    # given a set whose verdict rests on readings inside the measurement error
    borderline = dataclasses.replace(result, scorecard=dataclasses.replace(result.scorecard, verdict="borderline"))
    # when its scorecard is opened
    at = _with(borderline, str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
    # then the page says so in words, and a clean verdict would not
    _no_traceback(at)
    assert "Borderline: worth a coach's look" in _texts(at)
    at = _with(dataclasses.replace(result, scorecard=dataclasses.replace(result.scorecard, verdict="clean")), str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
    assert "Borderline" not in _texts(at)


def test_scorecard_shows_grade_reps_table_faults_next_step_and_downloads(result, clip):
    at = _with(result, str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
    _no_traceback(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overall grade"] == "B" and metrics["Reps"] == "3"
    table = at.dataframe[0].value
    assert list(table["Grade"]) == ["A", "B", "C"]
    text = _texts(at)
    assert (
        "**Flat back** — fault on reps 2 (watch), 3" in text
        and "*Drill:* Standing dowel hinge" in text
        and "Stay with **Kettlebell deadlift**" in text
    )
    expected = [f"Rep {r.index} · {r.bottom_s:.1f} s" for r in result.reps[1:]]
    assert [b.label for b in at.button if b.label.startswith("Rep ")] == expected
    assert len(at.get("download_button")) == 4  # JSON, CSV, report PDF, report HTML
    # each check says how it did on labelled clips: beside its fault, and all together in an expander
    assert "caught 4 of 5 labelled clips" in text and "false alarm on 2 of 19 clean lifts" in text
    assert [e.label for e in at.expander] == ["How the grade is made", "How far to trust each check"]
    # and how the set's score and grade came from its reps is said from its own numbers
    assert "- Set score 82: the middle of 3 rep scores (68–95), minus 0 for whole-set checks." in text
    assert "**Squatting the hinge** — Not yet measured on labelled clips." in text


def test_evidence_button_opens_frames_at_that_time(result, clip):
    at = _with(result, str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
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
    at.switch_page(session.FRAMES_PAGE).run()
    _no_traceback(at)
    assert len(at.get("video")) == 1
    captions = [im.proto.imgs[0].caption for im in at.image]  # the "any moment" frame, then key frames
    assert len(captions) == 4 and captions[0] == "2.17 s · Rep 1 · bottom"
    assert [c.split(" · ")[:2] for c in captions[1:]] == [["Rep 1", m] for m in ("start", "bottom", "lockout")]
    assert "hip 90°" in captions[2]
    # the annotated video was made once and kept in the store
    entry = at.session_state[session.STORE_KEY].get("k1")
    assert entry.annotated is not None and entry.annotated.path.is_file() and entry.annotated.codec == "libx264"
    made = entry.annotated.path.stat().st_mtime_ns
    # when jumping to rep 2, then the video starts at rep 2 and the key frames are rep 2's
    at.get("button_group")[0].set_value("Rep 2").run()
    _no_traceback(at)
    assert at.get("video")[0].proto.start_time == int(result.reps[1].start_s)
    assert at.image[1].proto.imgs[0].caption.startswith("Rep 2 · start")
    assert at.session_state[session.STORE_KEY].get("k1").annotated.path.stat().st_mtime_ns == made
    # when the slider moves, the single frame follows
    at.slider[0].set_value(1.5).run()
    assert at.image[0].proto.imgs[0].caption.startswith("1.50 s")


def test_frames_without_the_clip_draw_on_a_blank_canvas(result):
    at = _with(result, None)
    at.switch_page(session.FRAMES_PAGE).run()
    _no_traceback(at)
    assert not at.get("video") and "not available" in at.info[0].value
    assert len(at.image) == 4


def test_charts_show_three_plotly_figures_with_data(result, clip):
    at = _with(result, str(clip))
    at.switch_page(session.CHARTS_PAGE).run()
    _no_traceback(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    assert '"Hip flexion"' in charts[0].proto.spec and '"Rep 1"' in charts[1].proto.spec
    at.selectbox[-1].set_value("rep_duration_s").run()
    assert "Rep time" in at.get("plotly_chart")[2].proto.spec


def test_charts_open_on_the_measure_behind_the_main_fault_from_the_scorecards_fault(result, clip):
    # given a set whose main fault is a rounded back, failed on the head-back line
    head_back = measure("back_line_deviation_deg")
    at = _with(result, str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
    _no_traceback(at)
    # then its fault links to that measure on Charts, by the glossary's one name
    (link,) = [p.proto for p in at.get("page_link") if p.proto.label.endswith("on Charts")]
    assert link.label == f"{head_back.name} on Charts" and link.query_string == "measure=back_line_deviation_deg"
    # when Charts is opened, then the per-rep measure is the head-back line, named as the glossary names it
    at.switch_page(session.CHARTS_PAGE).run()
    _no_traceback(at)
    picked = at.selectbox[-1]
    assert picked.value == "back_line_deviation_deg" and picked.format_func(picked.value) == head_back.heading
    assert json.loads(at.get("plotly_chart")[2].proto.spec)["layout"]["title"]["text"] == f"{head_back.heading} per rep"
    # and a link that names another measure opens on that one
    at.query_params["measure"] = "knee_flexion_bottom_deg"
    at.run()
    assert at.selectbox[-1].value == "knee_flexion_bottom_deg"


def test_not_gradable_result_explains_why_and_how_to_refilm(clip):
    at = _with(factories.synthetic_result(clip, gradable=False), str(clip))
    at.switch_page(session.SCORECARD_PAGE).run()
    _no_traceback(at)
    text = _texts(at)
    assert "camera was in front" in text and "Film side-on" in text
    assert {m.label: m.value for m in at.metric}["Overall grade"] == "–"


@pytest.mark.skipif(not STORED.is_file(), reason=f"no stored real analysis at {STORED}")
@pytest.mark.parametrize("page", [session.SCORECARD_PAGE, session.FRAMES_PAGE, session.CHARTS_PAGE])
def test_pages_render_the_stored_real_analysis(page):
    result = serialize.load(AnalysisResult, STORED)
    at = _with(result, str(GOOD_CLIP) if GOOD_CLIP.is_file() else None, GOOD_CLIP.name)
    at.switch_page(page).run(timeout=120)
    _no_traceback(at)
    if page == session.SCORECARD_PAGE:
        assert {m.label: m.value for m in at.metric}["Reps"] == str(result.rep_count)
