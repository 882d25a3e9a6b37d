"""The Compare page and the scorecard's report downloads under ``streamlit.testing.v1.AppTest``.

Stored analyses are put in the session's ``ResultStore`` the way the Analyse
page leaves them (the expensive analysis is never run here).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pipeline.compare import PHASE_PCT
from pipeline.types import AnalysisResult
from tests.support import factories
from tests.support.paths import REPO
from workspace import session

APP = str(REPO / "app.py")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("compare") / "lifter.mp4")


@pytest.fixture(scope="module")
def result(clip) -> AnalysisResult:
    return factories.synthetic_result(clip)


def _slower(result: AnalysisResult) -> AnalysisResult:
    """The same set filmed a month later, every rep's bottom 0.3 s later (a slower way down)."""
    reps = tuple(dataclasses.replace(r, bottom_s=r.bottom_s + 0.3) for r in result.reps)
    return dataclasses.replace(result, segmentation=dataclasses.replace(result.segmentation, reps=reps))


def _app(*entries: tuple[str, str, AnalysisResult, str | None]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    store = session.ResultStore()
    for key, name, res, video in entries:
        store.put(session.StoredAnalysis(key=key, filename=name, result=res, video_path=video, workdir=None))
    at.session_state[session.STORE_KEY] = store
    at.session_state[session.CURRENT_KEY] = entries[0][0]
    return at


def _no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _player(at: AppTest) -> str:
    frames = at.get("iframe")
    assert len(frames) == 1
    return frames[0].proto.srcdoc


def _knots(html: str) -> dict:
    return json.loads(re.search(r"const K = (\{.*?\});", html).group(1))


def _trace_names(at: AppTest) -> set[str]:
    return {t.get("name") for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}


def _table(at: AppTest):
    return at.dataframe[0].value


def test_compare_points_to_analyse_when_nothing_is_analysed():
    # given a fresh workspace with no saved review
    at = AppTest.from_file(APP, default_timeout=60).run()
    # when the Compare page opens
    at.switch_page(session.COMPARE_PAGE).run()
    # then it says how to get reps to compare
    _no_traceback(at)
    assert "upload a set on the Analyse page" in at.info[0].value


def test_one_set_compares_rep_1_with_rep_2_in_step(result, clip):
    # given one analysed set with its clip
    at = _app(("k1", "monday.mp4", result, str(clip)))
    # when the Compare page opens
    at.switch_page(session.COMPARE_PAGE).run()
    _no_traceback(at)
    assert at.title[0].value == "Compare two reps"
    # then rep 1 and rep 2 of that set are picked
    assert [(s.label, s.value) for s in at.selectbox] == [("Set", "k1"), ("Rep", 1), ("Set", "k1"), ("Rep", 2)]
    # and the player holds two videos whose phase knots are the two reps' start, bottom and lockout
    html = _player(at)
    assert html.count("<video") == 2 and html.count('src="data:video/mp4;base64,') == 2
    k = _knots(html)
    r1, r2 = result.reps[0], result.reps[1]
    assert k["pct"] == list(PHASE_PCT)
    assert k["a"] == pytest.approx([r1.start_s, r1.bottom_s, r1.lockout_s])
    assert k["b"] == pytest.approx([r2.start_s, r2.bottom_s, r2.lockout_s])
    # and the chart overlays both reps, and the table compares them with their error
    assert _trace_names(at) == {"A · monday.mp4 · rep 1", "B · monday.mp4 · rep 2", "Difference"}
    hip = _table(at).loc["Hip bend at the bottom"]
    assert (hip["A"], hip["B"], hip["Change"], hip["Error ±"], hip["Beyond error"]) == (
        "90°",
        "86°",
        "-4.0°",
        "3.5°",
        "yes",
    )
    # the annotated video was made once and kept for the Frames page
    assert at.session_state[session.STORE_KEY].get("k1").annotated is not None


def test_two_sets_compare_across_sets_and_follow_the_picks(result, clip):
    # given this week's set and last month's (slower down), both analysed in this session
    at = _app(("k1", "this_week.mp4", result, str(clip)), ("k2", "last_month.mp4", _slower(result), str(clip)))
    at.switch_page(session.COMPARE_PAGE).run()
    _no_traceback(at)
    # then B starts on the other set's rep 1
    assert [(s.label, s.value) for s in at.selectbox] == [("Set", "k1"), ("Rep", 1), ("Set", "k2"), ("Rep", 1)]
    assert _knots(_player(at))["b"][1] == pytest.approx(result.reps[0].bottom_s + 0.3)
    # when rep A becomes rep 3 (the rounded one)
    at.selectbox[1].set_value(3).run()
    _no_traceback(at)
    # then the player, chart and table follow
    assert _knots(_player(at))["a"][1] == pytest.approx(result.reps[2].bottom_s)
    assert "A · this_week.mp4 · rep 3" in _trace_names(at)
    hip = _table(at).loc["Hip bend at the bottom"]
    assert (hip["A"], hip["B"], hip["Change"]) == ("81°", "90°", "+9.0°")
    way_down = _table(at).loc["Lowering time"]
    assert way_down["Beyond error"] == "no"  # both reps' descent_s is 1.1 s in the stored measures


def test_without_the_clips_the_chart_and_table_still_compare(result):
    at = _app(("k1", "monday.mp4", result, None))
    at.switch_page(session.COMPARE_PAGE).run()
    _no_traceback(at)
    assert not at.get("iframe") and "videos are not available" in at.info[0].value
    assert len(at.get("plotly_chart")) == 1 and len(_table(at)) == 14  # one row per compared measure


@pytest.fixture()
def deferred(monkeypatch) -> dict[str, tuple]:
    """Download buttons' deferred callables by file name, as the runtime registers them."""
    seen: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = (data_callable, mimetype)
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def test_scorecard_offers_the_report_as_pdf_and_html_built_on_click(result, clip, deferred):
    at = _app(("k1", "monday.mp4", result, str(clip)))
    at.switch_page(session.SCORECARD_PAGE).run()
    _no_traceback(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Full analysis (JSON)",
        "Per-rep metrics (CSV)",
        "Download report (PDF)",
        "Download report (HTML)",
    ]
    # the reports are not built while the page draws, only when a button is pressed
    assert set(deferred) == {"monday_report.pdf", "monday_report.html"}
    make_pdf, mime = deferred["monday_report.pdf"]
    assert mime == "application/pdf"
    reader = PdfReader(io.BytesIO(make_pdf()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Form report: Kettlebell deadlift" in text and "monday.mp4" in text and "Flat back" in text
    make_html, mime = deferred["monday_report.html"]
    assert mime == "text/html" and "<h1>Form report: Kettlebell deadlift</h1>" in make_html()
