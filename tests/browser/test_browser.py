"""The running app in headless Chromium: upload, review, scorecard, frames, charts, bad files.

Runs against ``streamlit run app.py`` on a free localhost port and drives Debian's
``/usr/bin/chromium`` with Playwright's sync API (both started once per session and
shared by the browser tests: ``running_app.py``). Screenshots go to
``test-artifacts/``. Skips with a reason when Chromium, Playwright, the
fixture clips or the engine/weights are missing.
"""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import pytest

from tests.browser.running_app import ARTIFACTS, CHROMIUM
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.browser

GOOD_CLIP = FIXTURES / "clips" / "tby66_kb-deadlift_correct_side.mp4"
ANALYSIS_TIMEOUT_MS = 600_000


def _why_no_browser() -> str | None:
    if not CHROMIUM.is_file():
        return f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def _why_no_engine() -> str | None:
    if not GOOD_CLIP.is_file():
        return f"fixture clip missing: {GOOD_CLIP}"
    try:
        import pipeline.run  # noqa: F401
    except ImportError:
        return "the analysis engine (pipeline.run) is not there yet"
    import models

    if models.find_local() is None:
        return "no pose weights: run `python -m models fetch`"
    return None


if _why_no_browser():
    pytest.skip(_why_no_browser(), allow_module_level=True)

from playwright.sync_api import Locator, Page, expect  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402


def _choose(page: Page, box: Locator, wanted: Locator, tries: int = 4) -> None:
    """Open a select box and click an option; a rerun that lands while the list is open closes it, so retry."""
    for _ in range(tries - 1):
        expect(page.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=60_000)
        box.click()
        try:
            wanted.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    box.click()
    wanted.click()


def _expected_reps(name: str) -> int:
    with open(FIXTURES / "labels.csv", newline="") as fh:
        return int(next(r for r in csv.DictReader(fh) if r["file"] == name)["reps"])


def _upload(page: Page, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def _metric(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _on_review_of(page: Page, clip: Path, timeout_ms: int = ANALYSIS_TIMEOUT_MS) -> None:
    """Wait until the Review page of ``clip``'s saved set is on screen, at its token's address (``?review=``)."""
    expect(page.get_by_role("heading", name=f"Review · {clip.name}")).to_be_visible(timeout=timeout_ms)
    expect(page).to_have_url(re.compile(r"/review\?(.*&)?review=[\w-]+"), timeout=30_000)


def _goto(page: Page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()


def _shot(page: Page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside stMain, so grow the viewport to fit."""
    size = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); "
        "return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 6000))})
    page.wait_for_timeout(700)
    page.screenshot(path=ARTIFACTS / name)
    page.set_viewport_size(size)


def _assert_no_traceback(page: Page) -> None:
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and 'File "' not in body
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.skipif(_why_no_engine() is not None, reason=str(_why_no_engine()))
def test_upload_to_review_scorecard_frames_and_charts(page: Page):
    _shot(page, "browser_analyse.png")
    # when the fixture clip is uploaded
    start = time.perf_counter()
    _upload(page, GOOD_CLIP)
    # then its Review page opens once analysed, with the rep count and a grade
    _on_review_of(page, GOOD_CLIP)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    seconds = time.perf_counter() - start
    reps, grade = _metric(page, "Reps"), _metric(page, "Overall grade")
    (ARTIFACTS / "browser_timing.json").write_text(
        json.dumps({"clip": GOOD_CLIP.name, "upload_to_review_s": round(seconds, 1), "reps": reps, "grade": grade})
    )
    _shot(page, "browser_review.png")
    _assert_no_traceback(page)
    assert int(reps) == _expected_reps(GOOD_CLIP.name)
    assert grade[:1] in "ABCDF" or grade == "–"

    # its Scorecard is one click away, on the same set
    page.get_by_role("link", name="Scorecard and report").click()
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=60_000)
    assert _metric(page, "Reps") == reps
    _shot(page, "browser_scorecard.png")
    _assert_no_traceback(page)

    # the lift corrected in place: graded again at once, on the same reps
    again = page.locator('[data-testid="stExpander"]').filter(has_text="Grade it as another lift")
    if not again.get_by_role("button", name="Grade as this lift").is_visible():
        again.get_by_text("Grade it as another lift").click()
    _choose(
        page,
        again.locator('[data-testid="stSelectbox"]'),
        page.get_by_role("option", name="Romanian deadlifts · Barbell Romanian deadlift", exact=True),
    )
    again.get_by_role("button", name="Grade as this lift").click()
    expect(page.get_by_role("heading", name="Barbell Romanian deadlift")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Graded again as Barbell Romanian deadlift")).to_be_visible()
    assert _metric(page, "Reps") == reps
    _shot(page, "browser_regraded.png")
    _assert_no_traceback(page)

    # Frames: the annotated H.264 video loads and plays
    _goto(page, "Frames")
    video = page.locator("video").first
    expect(video).to_be_attached(timeout=300_000)
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2; }", timeout=60_000
    )
    before = video.evaluate("v => { v.muted = true; return v.currentTime; }")
    video.evaluate("v => v.play()")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {before} + 0.5", timeout=20_000)
    assert video.evaluate("v => v.videoWidth") > 0
    expect(page.locator('[data-testid="stImage"]').first).to_be_visible()
    video.evaluate("v => v.pause()")
    _shot(page, "browser_frames.png")
    _assert_no_traceback(page)

    # Charts: Plotly traces carry the data
    _goto(page, "Charts")
    plot = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    expect(plot).to_be_visible(timeout=60_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot'); return p && p.data && p.data.length; }",
        timeout=30_000,
    )
    names = plot.evaluate("p => p.data.map(t => t.name)")
    # plotly.js keeps NumPy data base64-packed in p.data; the decoded arrays live in _fullData
    points = plot.evaluate("p => (p._fullData || p.data)[0].x.length")
    assert "Hip flexion" in names and points > 10
    _shot(page, "browser_charts.png")
    _assert_no_traceback(page)


def test_bad_file_gets_a_plain_message_and_the_app_keeps_working(page: Page, tmp_path: Path):
    # given the upload box, whose label says the limits (Streamlit's own line would say "1GB per file": it
    # rounds 600 MB up; hidden)
    expect(page.get_by_text("up to 10 minutes and 600 MB")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("1GB per file")).to_be_hidden()
    # and a text file renamed .mp4
    fake = tmp_path / "not_a_video.mp4"
    fake.write_text("this is a shopping list, not a video\n" * 50)
    # when it is uploaded
    _upload(page, fake)
    # then a plain message names the file, says what it is and which file to choose instead, with no
    # traceback, and offers no filming tips (they would not help with a shopping list)
    error = page.locator('[data-testid="stAlertContentError"]').first
    expect(error).to_be_visible(timeout=60_000)
    said = error.inner_text()
    assert "not_a_video.mp4" in said and "is a text file, not a video" in said and "Choose the video" in said
    expect(page.get_by_text("What to do")).to_have_count(0)
    _shot(page, "browser_bad_file.png")
    _assert_no_traceback(page)
    # and the app keeps working: the other pages answer, and the next upload is handled
    _goto(page, "Scorecard")  # (the latest saved set when an earlier test saved one; else a pointer to Analyse)
    nothing_yet = page.get_by_text("No video analysed yet")
    expect(nothing_yet.or_(page.get_by_text("Overall grade")).first).to_be_visible(timeout=30_000)
    _assert_no_traceback(page)
    _goto(page, "Analyse")
    expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=30_000)
    if _why_no_engine() is None:
        _upload(page, GOOD_CLIP)
        # a new clip opens its review when analysed; one uploaded before opens its earlier analysis at once
        _on_review_of(page, GOOD_CLIP)
        assert int(_metric(page, "Reps")) > 0
    else:
        cut = tmp_path / "cut_short.mp4"
        cut.write_bytes(GOOD_CLIP.read_bytes()[:30_000] if GOOD_CLIP.is_file() else b"\0" * 30_000)
        _upload(page, cut)
        expect(page.locator('[data-testid="stAlertContentError"]').filter(has_text="cut_short.mp4")).to_be_visible(
            timeout=60_000
        )
    _assert_no_traceback(page)
    _shot(page, "browser_after_bad_file.png")
