"""The Review page in headless Chromium: a comment's entry in the list and its marker on the timeline seek
the video to the comment's moment; a fault's evidence button on the Scorecard opens the review at its moment.

The app runs as in ``test_browser.py`` (``streamlit run app.py`` in local mode on a free localhost port,
its own analysis worker with the real pose model, Debian's Chromium through Playwright). The fixture clip
is uploaded, its Review page opens by itself once analysed, a comment is added at a moment of the clip; then the
player is moved elsewhere and brought back by the comment's "Play at" button and by a click on its marker;
last, back on the Scorecard, a fault's first evidence button opens the Review page at that rep and moment.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import math
import re

import pytest

from tests.browser.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    GOOD_CLIP,
    _assert_no_traceback,
    _goto,
    _on_review_of,
    _shot,
    _upload,
    _why_no_engine,
)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(_why_no_engine() is not None, reason=str(_why_no_engine()))]

from playwright.sync_api import Page, expect  # noqa: E402

COMMENT = "Brace here: the bell drifts forward."


def _moment(page: Page) -> float:
    """The moment picked (the "Moment (s)" slider's value; Streamlit's slider is a range input)."""
    return float(page.get_by_role("slider", name="Moment (s)").first.input_value())


def _moment_at(page: Page, t_s: float, timeout_ms: int = 30_000) -> None:
    """Wait until the moment picked is ``t_s`` (a rerun briefly keeps the old slider beside the new one)."""
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('input[type=range][aria-label=\"Moment (s)\"]')].some("
        "i => Math.abs(parseFloat(i.value) - t) < 0.01)",
        arg=t_s,
        timeout=timeout_ms,
    )


def _player_at(page: Page, t_s: float, timeout_ms: int = 120_000) -> None:
    """Wait until the player shows the whole second at or before ``t_s`` (the player seeks whole seconds)."""
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('video')].some("
        "v => v.readyState >= 1 && Math.abs(v.currentTime - t) < 0.25)",
        arg=math.floor(t_s),
        timeout=timeout_ms,
    )


def _rep_1(page: Page) -> None:
    """Move the player to rep 1 (its button in the rep strip)."""
    button = page.locator(".st-key-rv_rep_1 button:visible")  # (a button with help keeps a hidden twin)
    expect(button).to_have_count(1, timeout=60_000)
    button.click()


def _near(page: Page, t_s: float, timeout_ms: int = 120_000) -> None:
    """Wait until the moment picked is within a label's rounding (0.05 s) of ``t_s``, and the player at the
    whole second at or before it."""
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('input[type=range][aria-label=\"Moment (s)\"]')].some("
        "i => Math.abs(parseFloat(i.value) - t) < 0.06)",
        arg=t_s,
        timeout=timeout_ms,
    )
    page.wait_for_function(
        "(ss) => [...document.querySelectorAll('video')].some("
        "v => v.readyState >= 1 && ss.some(s => Math.abs(v.currentTime - s) < 0.25))",
        arg=[math.floor(t_s - 0.05), math.floor(t_s + 0.05)],
        timeout=timeout_ms,
    )


def _add_comment(page: Page, text: str) -> None:
    """Type ``text`` and press Add comment once the page has finished its run. What is typed must stay
    through the runs that land meanwhile: the notice above the review (the duplicate upload's) going away
    once moved the form and the browser rebuilt the box, empty (``ui.show_notice`` keeps its place now)."""
    comment = page.get_by_role("textbox", name="Comment")
    expect(page.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=60_000)
    comment.fill(text)
    comment.press("Control+Enter")
    page.wait_for_timeout(3_000)  # any run under way lands: the box must keep the text through it
    expect(comment).to_have_value(text, timeout=10_000)
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added.")).to_be_visible(timeout=30_000)


def test_a_comments_list_entry_and_timeline_marker_seek_the_video_to_its_moment(page: Page) -> None:
    # given the fixture clip uploaded: its review opens once analysed (at once, when an earlier test analysed it)
    _upload(page, GOOD_CLIP)
    _on_review_of(page, GOOD_CLIP)
    expect(page.get_by_role("heading", name="Coach's decision")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stVideo"]')).to_have_count(1, timeout=ANALYSIS_TIMEOUT_MS)
    slider = page.get_by_role("slider", name="Moment (s)")
    expect(slider).to_be_visible(timeout=60_000)
    rep_1_s = _moment(page)  # the review opens at rep 1's bottom
    duration = float(slider.get_attribute("max") or "0")
    at_s = round(0.6 * duration, 1)
    if math.floor(at_s) == math.floor(rep_1_s):
        at_s = round(at_s + 1.0, 1)
    assert 1.0 <= at_s < duration
    # and a comment pinned to a moment away from rep 1's bottom
    time_box = page.get_by_role("spinbutton", name="Time in the clip (s)")
    time_box.fill(f"{at_s:.1f}")
    time_box.press("Enter")
    expect(time_box).to_have_value(f"{at_s:.1f}", timeout=30_000)
    _add_comment(page, COMMENT)
    play = page.get_by_role("button", name=f"Play at {at_s:.1f} s")
    expect(play).to_be_visible(timeout=30_000)
    _player_at(page, 0.0)  # the player has not moved yet
    _shot(page, "review_01_comment_added.png")

    # when the comment's entry in the list is pressed, then the video and the moment go to the comment's time
    play.click()
    _moment_at(page, at_s)
    _player_at(page, at_s)
    _shot(page, "review_02_list_entry_seeks.png")
    _assert_no_traceback(page)

    # when the player is moved to rep 1, and then the comment's marker on the timeline is clicked
    _rep_1(page)
    _moment_at(page, rep_1_s)
    _player_at(page, rep_1_s)
    timeline = page.locator(".st-key-rv_timeline")
    expect(timeline).to_have_count(1, timeout=30_000)  # the rerun's chart alone
    marker = timeline.locator(".scatterlayer .trace").first.locator(".points path").first
    expect(marker).to_be_visible(timeout=30_000)
    box = marker.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # then the video and the moment go to the comment's time again
    _moment_at(page, at_s)
    _player_at(page, at_s)
    _shot(page, "review_03_marker_seeks.png")
    _assert_no_traceback(page)

    # when, on the Scorecard, the first fault's first evidence button ("Rep N · T s") is pressed
    _goto(page, "Scorecard")
    evidence = page.locator('[class*="st-key-evidence_"] button:visible').first
    expect(evidence).to_be_visible(timeout=60_000)
    found = re.search(r"Rep (\d+) · (\d+\.\d) s", evidence.inner_text())
    assert found, evidence.inner_text()
    rep, t_s = int(found[1]), float(found[2])
    evidence.click()
    # then the Review page opens on that rep at that moment, its key frames beside the video
    expect(page.get_by_role("heading", name=f"Key frames · Rep {rep}")).to_be_visible(timeout=60_000)
    _near(page, t_s)
    _shot(page, "review_04_fault_evidence_opens_review.png")
    _assert_no_traceback(page)
