"""Streamlit glue of the workspace (not a page): who is signed in, the cached store, the worker, loading reviews.

``require_workspace()`` gives each run its ``Workspace`` (database, blob store,
settings and the acting ``Account``) or, when sign-in is configured and nobody
is signed in, shows the sign-in screen and stops. The database, the blob store
and the analysis worker are made once per server process (``st.cache_resource``).
Reviews are read only through the store's checked operations; ``load_review``
puts one into the session's result store (``workspace.session``) so the Scorecard,
Frames and Charts pages show it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

import store
from service import Desk
from store import settings as store_settings
from store.views import Account, AnalysisView, CommentView, HistoryPoint, ProgressionSignal, UploadView
from workspace import present, session
from workspace.settings import SettingsError, WorkspaceSettings, read_settings, role_for

log = logging.getLogger("hinge_review.app")

INBOX_PAGE = "pages/inbox.py"
MY_SPACE_PAGE = "pages/my_space.py"
REVIEW_PAGE = "pages/review.py"
ACCOUNT_KEY = "ws_account"  # (issuer, subject, Account) of this browser session
WAITING_KEY = "ws_waiting"  # upload id this session is waiting for: its scorecard opens when done
NOTICE_KEY = "ws_notice"  # (kind, text) shown once on the next page
REPLY_KEY = "ws_reply_to"  # a comment id: the Review page opens with a reply at that comment's rep and time
POLL_S = 0.75  # the upload panel re-reads its jobs this often while one is pending
REVIEW_KEY_PREFIX = "review:"
INVITE_COOKIE = "hinge_review_invite"  # an invite opened signed out, kept through the sign-in redirect
INVITE_COOKIE_S = 3600
INVITE_TRIED_KEY = "ws_invite_cookie_tried"
_INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{8,64}")  # what store.create_invite makes (token_urlsafe)


@dataclass(frozen=True)
class Workspace(Desk):
    """The signed-in account's desk (``service.Desk``) plus the app's settings."""

    settings: WorkspaceSettings


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file at all: local mode
        return {}


@st.cache_resource(show_spinner=False)
def _database(url: str) -> store.Database:
    return store.open_database(url)


@st.cache_resource(show_spinner=False)
def _blob_store(data: str, storage: tuple[tuple[str, str], ...]) -> store.BlobStore:
    return store.open_blob_store(dict(storage) or None, data_dir=data)


@st.cache_resource(show_spinner=False)
def _worker(url: str, data: str, storage: tuple[tuple[str, str], ...], ray_address: str | None = None):
    from jobs.supervisor import ensure_worker, idle_exit_from

    return ensure_worker(
        url,
        data_dir=data,
        blob_settings=dict(storage) or None,
        extra_args=("--ray", ray_address) if ray_address else (),
        idle_exit_s=idle_exit_from(os.environ),
    )


def _keep_worker(s: WorkspaceSettings) -> None:
    """This server's worker runs, when the app starts it (not when it runs elsewhere)."""
    if s.start_worker:
        data = str(store_settings.data_dir())
        _start_worker(store_settings.database_url(s.database_url, data), data, s.storage, s.ray_address)


def _start_worker(url: str, data: str, storage: tuple[tuple[str, str], ...], ray_address: str | None = None) -> None:
    """Make sure this data folder's worker runs (started once per server; again if it died or exited idle)."""
    try:
        handle = _worker(url, data, storage, ray_address)
        if not handle.alive():
            _worker.clear()
            _worker(url, data, storage, ray_address)
    except Exception:  # the page still works; uploads wait in the queue
        log.exception("the analysis worker could not be started")


def _account(db: store.Database, s: WorkspaceSettings) -> Account:
    """The signed-in person's account, made or updated once per browser session; the role follows the settings."""
    claims = st.user.to_dict()
    ident = (str(claims.get("iss") or ""), str(claims.get("sub") or ""))
    known = st.session_state.get(ACCOUNT_KEY)
    if known is not None and known[0] == ident:
        return known[1]
    role = role_for(claims, s.coach_emails)
    me = store.user_from_claims(db, claims, role_if_new=role)
    if me.role != role:
        me = store.set_role(db, me.id, role)
    st.session_state[ACCOUNT_KEY] = (ident, me)
    return me


def workspace() -> Workspace | None:
    """This run's workspace; None when sign-in is configured and nobody is signed in."""
    try:
        s = read_settings(_secrets(), os.environ)
    except SettingsError as exc:  # never run half-configured: say what to fix and serve nothing else
        st.error(exc.message, icon=":material/lock:")
        st.stop()
    data = str(store_settings.data_dir())
    url = store_settings.database_url(s.database_url, data)
    db, blobs = _database(url), _blob_store(data, s.storage)
    _keep_worker(s)
    if not s.sign_in:
        return Workspace(db, blobs, store.local_user(db), s)
    if not st.user.is_logged_in:
        return None
    return Workspace(db, blobs, _account(db, s), s)


def _invite_code(value: object) -> str | None:
    """``value`` when it is shaped like an invite code (nothing else reaches a cookie or a script), else None."""
    return value if isinstance(value, str) and _INVITE_CODE.fullmatch(value) else None


def _keep_invite(code: str | None) -> None:
    """Keep ``code`` in a cookie for an hour (None: forget it). Streamlit returns to the app's base
    address after signing in, without the link's ``?invite=``; the cookie comes back with the next page."""
    value = _invite_code(code) or ""
    cookie = f"{INVITE_COOKIE}={value}; path=/; max-age={INVITE_COOKIE_S if value else 0}; samesite=lax"
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def _sign_in_screen() -> None:
    st.title("Hinge Review")
    st.write("Sign in to upload your sets, follow your analyses and read your coach's notes.")
    code = st.query_params.get("invite")
    if code:
        st.info(
            "You have an invite from a coach: sign in and you will be linked. If you are not, paste this "
            "code on **My space**:"
        )
        st.code(code, language=None)
        _keep_invite(code)
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login()


def require_workspace() -> Workspace:
    """The workspace, or the sign-in screen and a stop when nobody is signed in."""
    try:
        ws = workspace()
    except store.WorkspaceError as exc:
        st.error(exc.message)
        st.stop()
    if ws is None:
        st.navigation([st.Page(_sign_in_screen, title="Sign in", icon=":material/login:")], position="hidden").run()
        st.stop()
    return ws


def pages(ws: Workspace) -> list:
    """The workspace's pages for this account: the inbox for coaches, my space for everyone, one review (hidden)."""
    out = [st.Page(INBOX_PAGE, title="Inbox", icon=":material/inbox:")] if ws.me.is_coach else []
    return out + [
        st.Page(MY_SPACE_PAGE, title="My space", icon=":material/person:"),
        st.Page(REVIEW_PAGE, title="Review", icon=":material/rate_review:", url_path="review", visibility="hidden"),
    ]


def account_box(ws: Workspace) -> None:
    """Who is signed in and their role, with sign-out (sidebar)."""
    if not ws.settings.sign_in:
        st.caption(
            "Local mode (no sign-in configured): you are the coach, and your reviews are kept in this "
            "computer's data folder."
        )
        return
    email = f" · {ws.me.email}" if ws.me.email and ws.me.email != ws.me.name else ""
    st.markdown(f"Signed in as **{ws.me.name}**{email}  \nRole: **{ws.me.role}**")
    if st.button("Sign out", key="ws_sign_out", icon=":material/logout:"):
        st.logout()


def follow_links(ws: Workspace, page) -> None:
    """Act on ``?invite=CODE`` or an invite kept through signing in (link this client to the coach) and
    ``?review=ID`` (open that review, checked)."""
    code = st.query_params.get("invite")
    kept = _invite_code(st.context.cookies.get(INVITE_COOKIE)) if ws.settings.sign_in else None
    if kept:  # used once: forgotten (on every run of a session that brought it, until the browser drops it)
        _keep_invite(None)
        if not code and st.session_state.get(INVITE_TRIED_KEY) != kept:
            st.session_state[INVITE_TRIED_KEY] = kept
            code = kept
    if code:
        st.query_params.pop("invite", None)
        try:
            coach = ws.redeem_invite(code)
            notice(
                "success",
                f"You are now linked with your coach **{coach.name}**, who can see your uploads and comment on them.",
            )
        except store.WorkspaceError as exc:
            notice("error", exc.message)
        st.switch_page(MY_SPACE_PAGE)
    review = st.query_params.get("review")
    if review and getattr(page, "url_path", "") != "review":
        st.switch_page(REVIEW_PAGE, query_params={"review": review})


def notice(kind: str, text: str) -> None:
    st.session_state[NOTICE_KEY] = (kind, text)


def show_progression(signal: ProgressionSignal) -> None:
    """The progression signal in words: green to move on, amber to scale back, blue otherwise."""
    kind, sentence = present.progression_text(signal)
    {"move_on": st.success, "scale_back": st.warning}.get(kind, st.info)(sentence)


def show_notice() -> None:
    kind, text = st.session_state.pop(NOTICE_KEY, (None, None))
    if kind == "success":
        st.success(text)
    elif kind:
        st.error(text)


# --- reviews into the session ------------------------------------------------------


def visible_reviews(ws: Workspace) -> dict[int, str]:
    """Every review this account may open (a coach's clients' and their own; a client's own), labelled."""
    return present.review_choices(ws.reviews_for(), ws.me.id)


def load_review(ws: Workspace, analysis_id: int, *, on_screen: bool = True) -> AnalysisView:
    """Open a review (checked by the store) and keep it in the session with its clip and the coach's
    grade and comments as they are now; ``on_screen`` also makes it the analysis the Scorecard, Frames
    and Charts pages show."""
    view = ws.open_analysis(analysis_id)
    key = f"{REVIEW_KEY_PREFIX}{analysis_id}"
    entry = session.store().get(key)
    if entry is None or (entry.video_path and not Path(entry.video_path).is_file()):
        workdir = tempfile.mkdtemp(prefix="hinge-review-")
        video_path = None
        try:
            with ws.video_file(view.row.upload_id) as clip:
                dest = Path(workdir) / f"clip{clip.suffix or '.mp4'}"
                shutil.copyfile(clip, dest)
                video_path = str(dest)
        except store.BlobNotFound:
            log.warning("clip of analysis %s is missing from storage", analysis_id)
        entry = session.StoredAnalysis(
            key=key, filename=view.row.file_name, result=view.result, video_path=video_path, workdir=workdir
        )
    session.store().put(replace(entry, coach=present.coach_review(view)))  # the coach's word as of now
    if on_screen or session.current() is None:
        session.set_current(key)
    return view


def delete_upload(ws: Workspace, upload_id: int, analysis_id: int | None) -> None:
    """Delete an upload and all it led to (the store checks it is mine); this session forgets its review too."""
    ws.delete_upload(upload_id)
    if analysis_id is not None:
        session.store().discard(f"{REVIEW_KEY_PREFIX}{analysis_id}")


def current_review_id() -> int | None:
    """The analysis id of the review on screen, when the analysis on screen is a stored one."""
    entry = session.current()
    if entry is None or not entry.key.startswith(REVIEW_KEY_PREFIX):
        return None
    return int(entry.key.removeprefix(REVIEW_KEY_PREFIX))


def regrade_current(ws: Workspace, lift: str) -> None:
    """Grade the review on screen as ``lift`` (the store checks who may); this session then shows the new
    scorecard, and a notice says what changed."""
    analysis_id, entry = current_review_id(), session.current()
    if analysis_id is None or entry is None:
        return
    try:
        result = ws.regrade(analysis_id, lift)
    except store.WorkspaceError as exc:
        notice("error", exc.message)
        return
    session.store().put(replace(entry, result=result, annotated=None))  # the annotated video shows rep grades
    notice("success", present.regrade_notice(result))


def review_page_link(ws: Workspace) -> None:
    """A link to the Review page of the stored analysis on screen (nothing for an unsaved one): the video,
    the coach's comments at their moments and the coach's grade in one place."""
    analysis_id = current_review_id()
    if analysis_id is None:
        return
    st.page_link(
        REVIEW_PAGE,
        label="Review and comment" if ws.me.is_coach else "Review with your coach",
        icon=":material/rate_review:",
        query_params={"review": str(analysis_id)},
    )


def open_page_with(
    ws: Workspace, analysis_id: int, page: str = session.SCORECARD_PAGE, at_s: float | None = None
) -> None:
    """Load a review into the session and switch to ``page`` (the Frames page opens at ``at_s``)."""
    try:
        load_review(ws, analysis_id)
    except store.WorkspaceError as exc:
        st.error(exc.message)
        return
    if at_s is not None:
        st.session_state[session.FOCUS_KEY] = float(at_s)
    st.switch_page(page)


# --- uploads and their jobs ----------------------------------------------------------


def submit_upload(ws: Workspace, name: str, data: bytes, exercise: str = "auto") -> UploadView | None:
    """Save the clip and queue its analysis as ``exercise``; this session then waits for it (its scorecard
    opens when done). The same clip again is not stored twice: the page says so and lists the earlier one.

    None (and a message) on refusal.
    """
    try:
        up = ws.save_upload(data, name, exercise=exercise)
    except store.WorkspaceError as exc:
        st.error(exc.message)
        return None
    if up.deduplicated:
        notice("success", present.duplicate_notice(up, exercise))
    else:
        st.session_state[WAITING_KEY] = up.upload_id
    return up


def _upload_card(ws: Workspace, u: UploadView, line: present.JobLine) -> None:
    with st.container(border=True):
        st.markdown(f"**{u.original_name}** · uploaded {present.when(u.created_at)}")
        if line.kind in present.PENDING:
            st.progress(line.progress, text=line.text)
        elif line.kind == "failed":
            st.error(line.text)
            if u.owner_id == ws.me.id and st.button(
                "Try again", key=f"ws_retry_{u.upload_id}", icon=":material/refresh:"
            ):
                try:
                    ws.retry_upload(u.upload_id)
                    st.session_state[WAITING_KEY] = u.upload_id
                except store.WorkspaceError as exc:
                    notice("error", exc.message)
                st.rerun(scope="app")
        elif line.kind == "done" and u.analysis_id is not None:
            left, right = st.columns([3, 2])
            left.success(line.text)
            if right.button("Open the scorecard", key=f"ws_open_{u.upload_id}", icon=":material/grading:"):
                open_page_with(ws, u.analysis_id)


def job_panel(ws: Workspace, *, limit: int = 3, only_pending: bool = False) -> list[UploadView]:
    """My latest uploads with their analysis status, refreshed every ``POLL_S`` while any is queued or running.

    When the upload this session is waiting for is analysed, its scorecard opens.
    """
    first = ws.list_uploads()[:limit]
    polling = present.is_pending(first)

    @st.fragment(run_every=POLL_S if polling else None)
    def _panel() -> None:
        uploads = ws.list_uploads()[:limit]
        if present.is_pending(uploads):
            _keep_worker(ws.settings)  # one that exited idle as this job was queued is started again
        waiting = st.session_state.get(WAITING_KEY)
        for u in uploads:
            line = present.job_line(u)
            if u.upload_id == waiting and line.kind in ("done", "failed"):
                st.session_state.pop(WAITING_KEY, None)
                if line.kind == "done" and u.analysis_id is not None:
                    open_page_with(ws, u.analysis_id)
            if only_pending and line.kind not in present.PENDING:
                continue
            _upload_card(ws, u, line)
        if polling and not present.is_pending(uploads):
            st.rerun(scope="app")  # stop polling; pages showing statuses refresh

    _panel()
    return first


def comments_for_me(ws: Workspace, history: list[HistoryPoint]) -> list[tuple[HistoryPoint, CommentView]]:
    """Others' comments (my coaches') on my analysed sessions, newest first."""
    sessions = present.by_analysis(history)
    notes = [(sessions[c.analysis_id], c) for c in ws.comments_on(sessions) if c.author_id != ws.me.id]
    return sorted(notes, key=lambda n: n[1].created_at, reverse=True)
