"""Compare and report in headless Chromium: two real sets, two reps in step, the PDF download.

Uses the session's running app and browser (``tests/browser/running_app.py``: Streamlit
on a free port, Debian's Chromium driven by Playwright), so the clean set may already be
saved by ``test_browser.py`` and open at once; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest

from tests.browser.test_browser import (
    ARTIFACTS,
    FIXTURES,
    _assert_no_traceback,
    _choose,
    _goto,
    _on_review_of,
    _shot,
    _upload,
    _why_no_engine,
)

pytestmark = pytest.mark.browser

from playwright.sync_api import Frame, Page, expect  # noqa: E402

CORRECT = FIXTURES / "clips" / "tby66_kb-deadlift_correct_side.mp4"
ROUNDED = FIXTURES / "clips" / "tby66_kb-deadlift_roundedback_side.mp4"


def _analyse(page: Page, clip) -> None:
    _goto(page, "Analyse")
    expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=30_000)
    _upload(page, clip)
    _on_review_of(page, clip)


def _choose_rep(page: Page, side: int, option: str) -> None:
    """Open the ``side``-th (0 = A, 1 = B) "Rep" picker and choose ``option``."""
    pickers = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Rep", exact=True)
    )
    _choose(page, pickers.nth(side), page.get_by_role("option", name=re.compile(option)))


def _player(page: Page) -> Frame:
    handle = page.locator('iframe[srcdoc*="hrPlayer"]').first
    expect(handle).to_be_attached(timeout=300_000)
    frame = handle.element_handle().content_frame()
    frame.wait_for_function(
        "() => window.hrPlayer && [...document.querySelectorAll('video')].every(v => v.readyState >= 2)", timeout=60_000
    )
    return frame


@pytest.mark.skipif(
    _why_no_engine() is not None or not ROUNDED.is_file(),
    reason=str(_why_no_engine() or f"fixture clip missing: {ROUNDED}"),
)
def test_compare_two_real_sets_in_step_and_download_the_report(page: Page):
    # given the clean set and the rounded-back set, analysed in this session
    _upload(page, CORRECT)
    _on_review_of(page, CORRECT)
    _analyse(page, ROUNDED)
    _assert_no_traceback(page)

    # when the rounded-back set's report is downloaded from its scorecard (a link on its Review page)
    page.get_by_role("link", name="Scorecard and report").click()
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name="Download report (PDF)").click()
    pdf = download.value
    assert pdf.suggested_filename == "tby66_kb-deadlift_roundedback_side_report.pdf"
    data = open(pdf.path(), "rb").read()
    (ARTIFACTS / "browser_report.pdf").write_bytes(data)
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    # then it is this set's report
    assert "Form report:" in text and ROUNDED.name in text and "Rounded back" in text and "Next step" in text

    # when two reps are compared: A is the rounded-back set's rep 1, B the clean set's rep 2
    _goto(page, "Compare")
    expect(page.get_by_role("heading", name="Compare two reps")).to_be_visible(timeout=60_000)
    _choose_rep(page, 1, r"^Rep 2\b")
    expect(page.get_by_text("B · tby66_kb-deadlift_correct_side.mp4 · rep 2").first).to_be_attached(timeout=60_000)
    frame = _player(page)
    _assert_no_traceback(page)

    # then both videos advance together, at the same point of their reps
    start = frame.evaluate("() => window.hrPlayer.state()")
    frame.get_by_role("button", name="▶ Play in step").click()
    samples = []
    for _ in range(10):
        page.wait_for_timeout(300)
        samples.append(frame.evaluate("() => window.hrPlayer.state()"))
    frame.get_by_role("button", name="❚❚ Pause").click()
    assert samples[-1]["playing"] and any(s["tA"] > start["tA"] + 0.3 for s in samples)
    assert any(s["tB"] > start["tB"] + 0.2 for s in samples)
    gaps = [min(abs(s["pctA"] - s["pctB"]), 100 - abs(s["pctA"] - s["pctB"])) for s in samples]
    (ARTIFACTS / "browser_compare_sync.json").write_text(json.dumps({"start": start, "samples": samples}, indent=1))
    assert max(gaps) < 10, gaps  # per cent of the rep apart at most (the loop wraps 100 -> 0)
    # a slider position puts both at the same phase: the bottom
    frame.locator("#phase").fill("50")
    page.wait_for_timeout(400)
    at_bottom = frame.evaluate("() => window.hrPlayer.state()")
    assert at_bottom["pctA"] == pytest.approx(50, abs=1) and at_bottom["pctB"] == pytest.approx(50, abs=1)

    # and the chart shows two curves (rep A and rep B) over the 0-100 % phase axis
    plot = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    expect(plot).to_be_visible(timeout=60_000)
    curves = plot.evaluate(
        "p => (p._fullData || p.data).filter(t => t.name !== 'Difference').map(t => [t.name, t.x.length])"
    )
    names = {n for n, _ in curves}
    assert names == {
        "A · tby66_kb-deadlift_roundedback_side.mp4 · rep 1",
        "B · tby66_kb-deadlift_correct_side.mp4 · rep 2",
    }
    assert all(n == 101 for _, n in curves)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()  # the measures table (a canvas)
    time.sleep(0.5)
    _shot(page, "browser_compare.png")
    frame.locator("body").screenshot(path=ARTIFACTS / "browser_compare_player.png")
    _assert_no_traceback(page)
