"""The coach and client workspace in headless Chromium, with real sign-in.

Starts a real OpenID Connect provider (``python -m oidc_provider_mock``, whose
login form takes the subject; the users' e-mails and names are predefined) and
``streamlit run app.py`` with an ``[auth]`` section in a secrets file of its own
(``--secrets.files``), a fresh data folder, and its own analysis worker process
(started by the app with ``jobs.ensure_worker``, running the real pose model).
Then, as people would: a coach invites a client; the client signs in, joins,
uploads the fixture clip, closes the tab mid-analysis, comes back and opens its
review from its upload; the coach finds it in the inbox (its badge: 1), watches it on the review, comments at rep 3's
moment and grades it D with a reason while the client uploads a second set, marks it reviewed and is taken to that
one; the client sees the coach's grade, reason and comment on her review, sidebar and reports, and replies on rep 1,
where the reply stays; a second client cannot open the review by URL or by any widget. Screenshots of each step go to ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import store
from tests.browser.test_browser import (
    ARTIFACTS,
    FIXTURES,
    GOOD_CLIP,
    _assert_no_traceback,
    _choose,
    _metric,
    _on_review_of,
    _shot,
    _upload,
    _why_no_browser,
    _why_no_engine,
)
from tests.pages.test_workspace_pages import data, engine, run_jobs  # noqa: F401  (fixtures)
from tests.support import factories
from tests.support.paths import REPO
from tests.support.servers import free_port, stop_process, streamlit_command, wait_for_http

pytestmark = [pytest.mark.browser, pytest.mark.skipif(_why_no_engine() is not None, reason=str(_why_no_engine()))]

if _why_no_browser():
    pytest.skip(_why_no_browser(), allow_module_level=True)

from playwright.sync_api import BrowserContext, Page, expect  # noqa: E402

PEOPLE = {
    "cora": {"email": "cora@example.test", "name": "Cora Coach", "email_verified": True},
    "ann": {"email": "ann@example.test", "name": "Ann Client"},
    "bob": {"email": "bob@example.test", "name": "Bob Client"},
}
ANALYSIS_TIMEOUT_MS = 240_000
SHORT_CLIP = FIXTURES / "clips" / "bichraix_good016_side.mp4"  # one rep: her second set
NOT_YOURS = "There is no review here that you can open: it may have been deleted, or it is not yours."
REASON = "The back rounds on rep 3; lighter bell until the brace holds."
REPLY = "Should I go lighter until the brace feels natural on rep 1?"
COMMENT = "Rep 3: brace before the bell leaves the floor. [Watch](http://evil.test/x) ![i](http://evil.test/p.png)"


@contextlib.contextmanager
def oidc_provider(people: dict[str, dict], log_name: str) -> Iterator[str]:
    """A real OpenID Connect provider on a free port whose login form knows ``people`` (subject -> claims);
    its base URL."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    log_path = ARTIFACTS / log_name
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"]
    for sub, c in people.items():
        cmd += ["--user-claims", json.dumps({"sub": sub, **c})]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/.well-known/openid-configuration", proc, "the OpenID Connect provider", log_path)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider for Cora, Ann and Bob."""
    with oidc_provider(PEOPLE, "workspace_oidc.log") as url:
        yield url


@contextlib.contextmanager
def running_app(
    provider: str,
    home: Path,
    data: Path,
    *,
    worker: bool,
    log_name: str,
    extra: tuple[str, ...] = (),
    database_url: str | None = None,
) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` with sign-in through ``provider``, Cora as the coach, the data folder ``data``
    (and its SQLite file, or the server database at ``database_url``) and its own worker process when
    ``worker``; its URL and the server's process id."""
    port = free_port()
    secrets = home / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "hinge-review"\n'
        'client_secret = "hinge-review-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "\n[hinge_review]\n"
        f'coach_emails = ["{PEOPLE["cora"]["email"]}"]\n'
    )
    log_path = ARTIFACTS / log_name
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "HINGE_REVIEW_DATA": str(data),
        "HINGE_REVIEW_WORKER": "on" if worker else "off",
    }
    env.pop("HINGE_REVIEW_DATABASE_URL", None)
    if database_url:
        env["HINGE_REVIEW_DATABASE_URL"] = database_url
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            streamlit_command(port, "--secrets.files", str(secrets), *extra),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/_stcore/health", proc, "streamlit", log_path)
        yield url, proc.pid
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def app_url(provider, tmp_path_factory) -> Iterator[str]:
    """The app with sign-in through ``provider``, Cora as the coach, a fresh data folder and its own worker."""
    home = tmp_path_factory.mktemp("workspace-app")
    data = home / "data"
    try:
        with running_app(provider, home, data, worker=True, log_name="workspace_streamlit.log") as (url, _):
            yield url
    finally:
        worker_pid = _pid_in(data / "worker.lock")
        if worker_pid:  # the worker stops by itself once the app is gone; make sure
            deadline = time.time() + 10
            while _alive(worker_pid) and time.time() < deadline:
                time.sleep(0.2)
            if _alive(worker_pid):
                os.kill(worker_pid, signal.SIGTERM)
        (ARTIFACTS / "workspace_worker.log").write_bytes(
            (data / "worker.log").read_bytes() if (data / "worker.log").is_file() else b""
        )


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _person(browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/cdn.jsdelivr.net/**", lambda route: route.abort())  # the provider's stylesheet; offline
    return context


def _sign_in(context: BrowserContext, app_url: str, who: str, name: str = "") -> Page:
    """Open the app, press Sign in, type the subject on the provider's form; back on the app, signed in (as
    ``name``, by default the one ``PEOPLE`` gives ``who``)."""
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(who)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(f"Signed in as {name or PEOPLE[who]['name']}")).to_be_visible(timeout=60_000)
    return page


def _nav(page: Page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()


def _invite_cookie(context: BrowserContext, timeout_s: float = 30.0) -> dict:
    """The invite cookie the page's script sets (it runs a moment after the page shows)."""
    deadline = time.monotonic() + timeout_s
    while True:
        kept = [c for c in context.cookies() if c["name"] == "hinge_review_invite" and c["value"]]
        if kept or time.monotonic() > deadline:
            assert kept, "the invite was not kept in a cookie"
            return kept[0]
        time.sleep(0.2)


def _join(page: Page) -> None:
    """An invite opened signed in asks first: the client presses Join and is linked to Cora."""
    expect(page.get_by_text("Join Cora Coach's coaching?")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_text("You are now linked with your coach Cora Coach")).to_be_visible(timeout=60_000)


def _make_invite(coach: Page, previous: str = "") -> str:
    """Open "Invite a client", press Make an invite and read the new link (not ``previous``). On a loaded
    machine a click landing while the inbox is still rerunning can be dropped (the expander open, no link):
    pressed again once."""
    coach.get_by_text("Invite a client").click()
    link = coach.locator('[data-testid="stCode"]').first
    for attempt in range(2):
        coach.get_by_role("button", name="Make an invite").click()
        try:
            expect(link).to_contain_text("?invite=", timeout=30_000)
            if previous:
                expect(link).not_to_have_text(previous, timeout=30_000)
            break
        except AssertionError:
            if attempt:
                raise
    return link.inner_text().strip()


def _expected_reps() -> int:
    with open(FIXTURES / "labels.csv", newline="") as fh:
        return int(next(r for r in csv.DictReader(fh) if r["file"] == GOOD_CLIP.name)["reps"])


def test_coach_and_clients_from_sign_in_to_a_reviewed_upload(browser, app_url):
    start = time.perf_counter()
    steps: dict[str, float] = {}
    coach_ctx, ann_ctx, bob_ctx = _person(browser), _person(browser), _person(browser)

    # --- the coach signs in and makes an invite
    signed_out = coach_ctx.new_page()
    signed_out.goto(app_url)
    expect(signed_out.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    _shot(signed_out, "ws_01_sign_in_screen.png")
    signed_out.close()
    coach = _sign_in(coach_ctx, app_url, "cora")
    expect(coach.get_by_text("Role: coach")).to_be_visible()
    _nav(coach, "Inbox")
    expect(coach.get_by_role("heading", name="Inbox")).to_be_visible(timeout=30_000)
    invite = _make_invite(coach)
    assert invite.startswith(app_url + "/?invite=")
    _shot(coach, "ws_02_coach_invite.png")
    _assert_no_traceback(coach)

    # --- the client signs in, opens the invite link, uploads the clip
    ann = _sign_in(ann_ctx, app_url, "ann")
    expect(ann.get_by_text("Role: client")).to_be_visible()
    assert ann.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Inbox").count() == 0
    ann.goto(invite)
    _join(ann)
    _shot(ann, "ws_03_client_joined.png")
    _nav(ann, "Analyse")
    expect(ann.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=30_000)
    _upload(ann, GOOD_CLIP)
    # --- ... and closes the tab in the middle of the analysis
    running = ann.locator('[data-testid="stProgress"]').filter(has_text="Finding the lifter")
    expect(running).to_be_visible(timeout=ANALYSIS_TIMEOUT_MS)
    _shot(ann, "ws_04_client_analysing.png")
    ann.close()
    steps["tab_closed_s"] = time.perf_counter() - start

    # --- comes back in a new tab, finds the upload analysed and opens its review
    ann = ann_ctx.new_page()
    ann.goto(app_url)
    expect(ann.get_by_text("Signed in as Ann Client")).to_be_visible(timeout=60_000)
    _shot(ann, "ws_05_client_back.png")
    ann.get_by_role("button", name="Open the review").click(timeout=ANALYSIS_TIMEOUT_MS)
    _on_review_of(ann, GOOD_CLIP, timeout_ms=60_000)
    steps["analysed_s"] = time.perf_counter() - start
    reps = int(_metric(ann, "Reps"))
    assert reps == _expected_reps()
    # her own set: she replies there (below the player, drawn first)
    expect(ann.get_by_role("heading", name="Reply to your coach")).to_be_visible(timeout=ANALYSIS_TIMEOUT_MS)
    _shot(ann, "ws_06_client_review.png")
    _assert_no_traceback(ann)

    # --- the coach finds it in the inbox, opens it, comments on rep 3, marks it reviewed
    _nav(coach, "Inbox")
    coach.reload()
    # the navigation counts the sets waiting for her
    coach_nav = coach.locator('[data-testid="stSidebarNav"]')
    expect(coach_nav.get_by_role("link", name="Inbox (1)")).to_be_visible(timeout=60_000)
    grid = coach.locator('[data-testid="stDataFrame"]')
    expect(grid).to_be_visible(timeout=60_000)
    expect(grid).to_contain_text("Ann Client")
    expect(grid).to_contain_text("New")
    _shot(coach, "ws_07_coach_inbox.png")
    box = grid.bounding_box()
    coach.mouse.click(box["x"] + 18, box["y"] + 35 + 32)  # the first row's selection box, under the header
    expect(coach.get_by_role("heading", name="Review · tby66_kb-deadlift_correct_side.mp4")).to_be_visible(
        timeout=60_000
    )
    review_url = coach.url
    assert "review=" in review_url
    # meanwhile the client uploads a second set (her tab opens its review when it is analysed)
    _nav(ann, "Analyse")
    expect(ann.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=30_000)
    _upload(ann, SHORT_CLIP)
    # the lift is on the review: the annotated video, the rep strip and the comments' timeline
    expect(coach.locator('[data-testid="stVideo"]')).to_have_count(1, timeout=ANALYSIS_TIMEOUT_MS)
    expect(coach.locator(".st-key-rv_timeline")).to_be_visible(timeout=30_000)
    # rep 3's button sets the moment; "Comment at this moment" pins the comment there, with its rep
    rep_3 = coach.locator(".st-key-rv_rep_3 button:visible")  # (a button with help keeps a hidden twin)
    expect(rep_3).to_have_count(1, timeout=60_000)
    rep_3.click()
    expect(coach.get_by_text("Key frames · Rep 3")).to_be_visible(timeout=60_000)
    coach.get_by_role("button", name="Comment at this moment").click()
    time_box = coach.get_by_role("spinbutton", name="Time in the clip (s)")
    expect(time_box).not_to_have_value("", timeout=10_000)
    at_s = float(time_box.input_value())
    comment = coach.get_by_role("textbox", name="Comment")
    comment.fill(COMMENT)
    comment.press("Control+Enter")
    coach.get_by_role("button", name="Add comment").click()
    expect(coach.get_by_text("Comment added.")).to_be_visible(timeout=30_000)
    expect(coach.get_by_text(f"Rep 3 · {at_s:.1f} s")).to_be_visible()  # the rep the moment falls in
    expect(coach.get_by_role("button", name=f"Play at {at_s:.1f} s")).to_be_visible()
    # ... grades it D, saying why
    _choose(
        coach,
        coach.locator('[data-testid="stSelectbox"]').filter(has_text="Grade"),
        coach.get_by_role("option", name="D", exact=True),
    )
    why = coach.get_by_role("textbox", name="Why")
    why.fill(REASON)
    why.press("Enter")
    expect(why).to_have_value(REASON, timeout=10_000)
    expect(coach.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=60_000)
    coach.get_by_role("button", name="Save the grade").click()
    expect(coach.get_by_text("Grade saved.")).to_be_visible(timeout=30_000)
    expect(coach.locator('[data-testid="stSidebar"]')).to_contain_text("D (coach)", timeout=30_000)
    _shot(coach, "ws_08_coach_review.png")
    _assert_no_traceback(coach)
    # ... and marks it reviewed, which takes her to the next set waiting: the client's second upload
    _on_review_of(ann, SHORT_CLIP)  # (analysed by now)
    coach.get_by_role("button", name="Mark reviewed and open the next").click()
    expect(coach.get_by_text("Marked reviewed. This is the next set waiting for you.")).to_be_visible(timeout=60_000)
    _on_review_of(coach, SHORT_CLIP, timeout_ms=60_000)
    # all of the page is that set's once drawn: its one rep, its own empty decision and comments
    expect(coach.locator(".st-key-rv_rep_1 button:visible")).to_have_count(1, timeout=ANALYSIS_TIMEOUT_MS)
    expect(coach.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=ANALYSIS_TIMEOUT_MS)
    # (the earlier set's rep strip goes when the run that draws this one ends: a loaded machine takes seconds)
    expect(coach.locator(".st-key-rv_rep_2")).to_have_count(0, timeout=60_000)
    expect(coach.locator('[data-testid="stVideo"]')).to_have_count(1)
    expect(coach.get_by_text("No comments yet.")).to_be_visible()
    expect(coach.get_by_role("textbox", name="Why")).to_have_value("")
    expect(coach.get_by_role("combobox", name="Grade")).to_have_value("Automatic")
    # ... the sidebar's set on screen too (it was one run behind: the set marked reviewed, "10 reps · D (coach)")
    sidebar = coach.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Analysis on screen")).to_have_value(SHORT_CLIP.name)
    expect(sidebar).not_to_contain_text("D (coach)")
    expect(coach_nav.get_by_role("link", name="Inbox (1)")).to_be_visible(timeout=30_000)  # this one waits still
    _shot(coach, "ws_08b_coach_taken_to_the_next.png")
    _assert_no_traceback(coach)
    # ... marks that one reviewed too: none waits now, so the inbox, which says so
    coach.get_by_role("button", name="Mark reviewed and open the next").click()
    expect(coach.get_by_text("Marked reviewed. No other set waits for you")).to_be_visible(timeout=60_000)
    expect(coach.get_by_role("heading", name="Inbox")).to_be_visible(timeout=30_000)
    expect(coach_nav.get_by_role("link", name="Inbox", exact=True)).to_be_visible(timeout=30_000)
    expect(coach.locator('[data-testid="stDataFrame"]')).to_contain_text("Reviewed", timeout=30_000)
    expect(coach.locator('[data-testid="stDataFrame"]')).not_to_contain_text("New")
    _shot(coach, "ws_08c_coach_inbox_after_review.png")
    _assert_no_traceback(coach)

    # --- the client sees the comment, and its button opens the review at that moment
    _nav(ann, "My space")
    expect(ann.get_by_text(COMMENT)).to_be_visible(timeout=30_000)
    # (as typed: the Markdown in it made no link and no image)
    assert not ann.locator('a[href*="evil.test"], img[src*="evil.test"]').count()
    expect(ann.get_by_text(f"Rep 3 · {at_s:.1f} s")).to_be_visible()
    _shot(ann, "ws_09_client_sees_comment.png")
    ann.get_by_role("button", name=f"Open at {at_s:.1f} s").click()
    expect(ann.get_by_role("heading", name="Reply to your coach")).to_be_visible(timeout=60_000)
    ann.wait_for_function(  # the moment picked is the comment's (the slider is a range input)
        "(t) => [...document.querySelectorAll('input[type=range][aria-label=\"Moment (s)\"]')].some("
        "i => Math.abs(parseFloat(i.value) - t) < 0.06)",
        arg=at_s,
        timeout=30_000,
    )
    # the coach's grade, with her reason, on the client's Review page and in the sidebar
    grade = ann.locator('[data-testid="stMetric"]').filter(has_text="Grade from your coach")
    expect(grade).to_have_count(1, timeout=30_000)
    expect(grade).to_contain_text("D")
    expect(ann.get_by_text(REASON).first).to_be_visible(timeout=30_000)
    expect(ann.locator('[data-testid="stSidebar"]')).to_contain_text("D (coach)")
    _shot(ann, "ws_09a_client_sees_coachs_grade.png")
    _assert_no_traceback(ann)
    # ... and in her reports, with the comment
    ann.get_by_role("link", name="Scorecard and report").click()
    expect(ann.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=60_000)
    with ann.expect_download(timeout=180_000) as download:
        ann.get_by_role("button", name="Download report (PDF)").click()
    from pypdf import PdfReader

    pdf = download.value.path().read_bytes()
    (ARTIFACTS / "ws_client_report.pdf").write_bytes(pdf)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    with ann.expect_download(timeout=180_000) as download:
        ann.get_by_role("button", name="Download report (HTML)").click()
    html = download.value.path().read_text()
    (ARTIFACTS / "ws_client_report.html").write_text(html)
    for report in (text, " ".join(html.replace("&#x27;", "'").split())):
        assert "D from your coach" in report and REASON in report and "brace before the bell" in report
    _assert_no_traceback(ann)

    # --- the client replies from My space, on rep 1, and the set is back in the coach's new reviews
    _nav(ann, "My space")
    ann.get_by_role("button", name="Reply", exact=True).click(timeout=30_000)
    expect(ann.get_by_role("heading", name="Reply to your coach")).to_be_visible(timeout=60_000)
    assert ann.get_by_role("button", name="Mark reviewed", exact=True).count() == 0
    # the reply starts at the coach's rep and moment, beside the same video
    rep_box = ann.locator('[data-testid="stSelectbox"]').filter(has=ann.get_by_text("Rep", exact=True))
    time_box = ann.get_by_role("spinbutton", name="Time in the clip (s)")
    expect(time_box).to_have_value(f"{at_s:.1f}", timeout=30_000)
    rep_now = ann.get_by_role("combobox", name="Rep")
    expect(rep_now).to_have_value("Rep 3")
    expect(ann.locator('[data-testid="stVideo"]')).to_have_count(1, timeout=ANALYSIS_TIMEOUT_MS)
    # she means rep 1: choosing it moves the time to rep 1's bottom
    _choose(ann, rep_box, ann.get_by_role("option", name="Rep 1", exact=True))
    expect(time_box).not_to_have_value(f"{at_s:.1f}", timeout=30_000)
    rep_1_s = float(time_box.input_value())
    reply = ann.get_by_role("textbox", name="Comment")
    reply.fill(REPLY)
    reply.press("Control+Enter")
    expect(ann.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=60_000)
    ann.get_by_role("button", name="Send reply").click()
    expect(ann.get_by_text("Reply sent to your coach.")).to_be_visible(timeout=30_000)
    # the box is emptied for the next one (the browser may show the notice a moment before the emptied box)
    expect(reply).to_have_value("", timeout=30_000)
    # the reply stays on rep 1, in her list and in her coach's
    expect(ann.get_by_text(REPLY)).to_be_visible(timeout=30_000)
    expect(ann.get_by_text(f"Ann Client · Rep 1 · {rep_1_s:.1f} s")).to_be_visible()
    expect(rep_now).to_have_value("Rep 1")  # the form too, for a second reply
    _shot(ann, "ws_09b_client_replies_on_rep_1.png")
    _assert_no_traceback(ann)
    coach.goto(f"{app_url}/")  # a fresh load of the inbox, a coach's landing page (not a reload racing the page switch)
    grid = coach.locator('[data-testid="stDataFrame"]')
    expect(grid).to_contain_text("Client replied", timeout=60_000)
    _shot(coach, "ws_09c_coach_inbox_after_reply.png")
    coach.goto(review_url)
    expect(coach.get_by_text(REPLY)).to_be_visible(timeout=60_000)
    expect(coach.get_by_text(f"Ann Client · Rep 1 · {rep_1_s:.1f} s")).to_be_visible()
    _shot(coach, "ws_09d_coach_sees_reply_on_rep_1.png")
    _nav(coach, "Inbox")
    expect(coach.get_by_role("heading", name="Inbox")).to_be_visible(timeout=30_000)

    # --- a second client, signed out, opens a fresh invite link: signing in links him to the coach
    second_invite = _make_invite(coach, previous=invite)
    bob = bob_ctx.new_page()
    bob.goto(second_invite)
    expect(bob.get_by_text("sign in and you will be asked whether to join")).to_be_visible(timeout=60_000)
    kept = _invite_cookie(bob_ctx)
    assert kept["sameSite"] == "Lax" and 0 < kept["expires"] - time.time() <= 15 * 60
    bob.get_by_role("button", name="Sign in").click()
    bob.locator('input[name="sub"]').fill("bob")
    bob.get_by_role("button", name="Authorize").click()
    expect(bob.get_by_text(f"Signed in as {PEOPLE['bob']['name']}")).to_be_visible(timeout=60_000)
    _join(bob)
    _shot(bob, "ws_09e_invite_kept_through_sign_in.png")
    _assert_no_traceback(bob)
    again = bob_ctx.new_page()  # a new tab: the kept invite was used once and forgotten
    again.goto(app_url)
    expect(again.get_by_text(f"Signed in as {PEOPLE['bob']['name']}")).to_be_visible(timeout=60_000)
    assert "hinge_review_invite=" not in "; ".join(f"{c['name']}={c['value']}" for c in bob_ctx.cookies() if c["value"])
    assert not any(t in again.locator("body").inner_text() for t in ("You are now linked", "coaching?"))
    again.close()

    # --- ... yet he cannot open the first client's review, by URL or by any widget
    token = review_url.split("review=")[1].split("&")[0]
    for url in (f"{app_url}/?review={token}", f"{app_url}/review?review={token}"):
        bob.goto(url)
        expect(bob.get_by_text(NOT_YOURS)).to_be_visible(timeout=60_000)
        _assert_no_traceback(bob)
    assert bob.locator('[data-testid="stMetric"]').count() == 0
    assert "brace before the bell" not in bob.locator("body").inner_text()
    _shot(bob, "ws_10_other_client_refused.png")
    nav = bob.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_role("link", name="Inbox").count() == 0
    _nav(bob, "My space")
    expect(bob.get_by_text("Nothing uploaded yet.")).to_be_visible(timeout=30_000)
    assert "tby66" not in bob.locator("body").inner_text()
    _nav(bob, "Scorecard")
    expect(bob.get_by_text("No video analysed yet")).to_be_visible(timeout=30_000)
    _nav(bob, "Analyse")
    expect(bob.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=30_000)
    assert bob.get_by_role("button", name="Open the review").count() == 0
    _shot(bob, "ws_11_other_client_space.png")
    _assert_no_traceback(bob)

    # --- signing out ends the session (at the provider too) and returns to the sign-in screen
    bob.get_by_role("button", name="Sign out").click()
    end = bob.get_by_role("button", name="End session")
    sign_in = bob.get_by_role("button", name="Sign in")
    # the app may show its sign-in screen for a moment before it sends the browser to the provider's
    # end-session page: wait for that page itself (this provider has one), confirm, then come back
    expect(end).to_be_visible(timeout=60_000)
    end.click()
    bob.wait_for_url(f"{app_url}/**", timeout=60_000)
    expect(sign_in).to_be_visible(timeout=60_000)
    bob.goto(f"{app_url}/my_space")
    expect(bob.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    assert "Bob Client" not in bob.locator("body").inner_text()

    steps["total_s"] = time.perf_counter() - start
    (ARTIFACTS / "workspace_timing.json").write_text(json.dumps({k: round(v, 1) for k, v in steps.items()}))
    for ctx in (coach_ctx, ann_ctx, bob_ctx):
        ctx.close()


# --- a coach's inbox with 25 sets from 8 clients ------------------------------------------------------------------

CLIENTS = ("Ann", "Bob", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal")
REVIEWED = {1, 4, 6, 9, 12, 15, 17, 20, 23}  # sets (by upload order) Cora has marked reviewed...
REPLIED = {2, 4, 12}  # ... those the client replied on afterwards (a reply makes a set wait again)
OVERRIDES = {
    1: ("D", "Rounds at the floor; lighter until the brace holds."),
    9: ("C", "Hips shoot up on the last two reps."),
    17: ("A", "Clean all the way; ready for more weight."),
}


def _seed_inbox(data, provider: str, clips: Path) -> tuple[dict[str, int], int]:
    """Given: Cora (the account her sign-in at ``provider`` finds) and 8 linked clients with 25 analysed sets
    between them, some reviewed, replied on or graded by her. The client ids by name, and how many sets wait."""
    with urllib.request.urlopen(provider + "/.well-known/openid-configuration") as fh:
        issuer = json.load(fh)["issuer"]
    cora = store.user_from_claims(data.db, {"iss": issuer, "sub": "cora", **PEOPLE["cora"]}, role_if_new="coach")
    clients = []
    for name in CLIENTS:
        someone = {
            "iss": issuer,
            "sub": name.lower(),
            "email": f"{name.lower()}@example.test",
            "name": f"{name} Client",
        }
        clients.append(store.user_from_claims(data.db, someone))
        store.redeem_invite(data.db, clients[-1], store.create_invite(data.db, cora).code)
    uploads = []
    for k in range(25):  # oldest first; each clip differs (the same clip twice is one upload)
        clip = factories.write_synthetic_clip(clips / f"set{k}.mp4", duration_s=factories.DURATION_S + k / 10, fps=10)
        who = clients[k % len(clients)]
        uploads.append((who, store.save_upload(data.db, data.blobs, who, clip, f"{CLIENTS[k % 8].lower()}_set{k}.mp4")))
    assert set(run_jobs(data).values()) == {"done"}
    for k, (who, up) in enumerate(uploads):
        aid = store.get_upload(data.db, who, up.upload_id).analysis_id
        if k in OVERRIDES:
            store.override_grade(data.db, cora, aid, *OVERRIDES[k])
        if k in REVIEWED:
            store.mark_reviewed(data.db, cora, aid)
        if k in REPLIED:
            store.add_comment(data.db, cora, aid, "Watch the brace on rep 2.", rep_index=2)
            store.add_comment(data.db, who, aid, "It felt heavy there; lighter next time?", rep_index=2)
    return {c.name: c.id for c in clients}, 25 - len(REVIEWED - REPLIED)


def test_a_coach_scans_25_sets_from_8_clients_on_one_inbox_page(browser, provider, tmp_path, data, engine):
    ids, waiting = _seed_inbox(data, provider, tmp_path)
    with running_app(provider, tmp_path, data.folder, worker=False, log_name="inbox25_streamlit.log") as (url, _):
        context = _person(browser)
        coach = _sign_in(context, url, "cora")
        # she lands on the inbox; the navigation counts the sets waiting for her (new, or replied on)
        expect(coach.get_by_role("heading", name="Inbox")).to_be_visible(timeout=60_000)
        nav = coach.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_role("link", name=f"Inbox ({waiting})")).to_be_visible(timeout=60_000)
        grid = coach.locator('[data-testid="stDataFrame"]')
        expect(grid).to_be_visible(timeout=60_000)
        assert coach.get_by_text("Page (of").count() == 0  # all 25 on one page, each row in view
        expect(grid).to_contain_text("ann_set24.mp4")  # the newest
        expect(grid).to_contain_text("ann_set0.mp4")  # the oldest, at the bottom
        assert grid.bounding_box()["height"] >= 25 * 64
        expect(coach.locator('[data-testid="stStatusWidget"]')).to_be_hidden(timeout=60_000)
        _shot(coach, "ws_12_inbox_25_sets_8_clients.png")
        _assert_no_traceback(coach)
        # the sets a client replied on, by the address's filter: the three, each in the coach's words
        coach.goto(f"{url}/?status=replied")
        grid = coach.locator('[data-testid="stDataFrame"]')
        expect(grid).to_contain_text("Client replied", timeout=60_000)
        text = grid.text_content() or ""
        assert text.count("Client replied") == len(REPLIED) and "Reviewed" not in text and "New" not in text
        _shot(coach, "ws_12b_inbox_client_replied.png")
        # one client's sets, her coach's grade in its colour where she set one
        coach.goto(f"{url}/?client={ids['Bob Client']}")
        grid = coach.locator('[data-testid="stDataFrame"]')
        expect(grid).to_contain_text("Bob Client", timeout=60_000)
        expect(grid).to_contain_text("D (coach)")  # set 1 is Bob's
        assert "Ann Client" not in (grid.text_content() or "")
        _shot(coach, "ws_12c_inbox_one_client.png")
        _assert_no_traceback(coach)
        context.close()
