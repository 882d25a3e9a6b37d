"""Streamlit glue of the workspace (not a page): who is signed in, the cached store, the worker, loading reviews.

``require_workspace()`` gives each run its ``Workspace`` (database, blob store,
settings and the acting ``Account``) or, when sign-in is configured and nobody
is signed in, shows the sign-in screen and stops. Without sign-in the app runs
for one local user only where ``workspace.settings.decide`` allows it; anywhere
else it shows the setup page and stops (unreadable secrets: a plain error). The database, the blob store
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import BinaryIO, NoReturn

import streamlit as st

import store
from service import Desk
from store import settings as store_settings
from store.limits import Limits, LimitSettingError, read_limits
from store.views import Account, AnalysisView, CommentView, HistoryPoint, InboxRow, ProgressionSignal, UploadView
from workspace import filekind, present, session
from workspace import inbox as inbox_view
from workspace.inbox import InboxFilters
from workspace.settings import Decision, SettingsError, WorkspaceSettings, decide, load_secrets, role_for

log = logging.getLogger("hinge_review.app")

INBOX_PAGE = "pages/inbox.py"
MY_SPACE_PAGE = "pages/my_space.py"
REVIEW_PAGE = "pages/review.py"
ACCOUNT_KEY = "ws_account"  # (issuer, subject, Account) of this browser session
WAITING_KEY = "ws_waiting"  # upload id this session is waiting for: its Review page opens when done
FOLLOWED_KEY = "ws_followed"  # ids of every upload this session made or tried again: the job panel shows each
NOTICE_KEY = "ws_notice"  # (kind, text) shown once on the next page
MOMENT_KEY = "rv_pending"  # a moment (s) the Review page seeks to on its next run
REPLY_KEY = "ws_reply_to"  # a comment id: the Review page opens with a reply at that comment's rep and time
POLL_S = 0.75  # the upload panel re-reads its jobs this often while one is pending
OUTAGE_RETRY_S = 3.0  # a page that found the database unreachable runs again after this long
REVIEW_KEY_PREFIX = "review:"
INVITE_COOKIE = "hinge_review_invite"  # an invite opened signed out, kept through the sign-in redirect
INVITE_COOKIE_S = 15 * 60
PENDING_INVITE_KEY = "ws_pending_invite"  # an invite opened in this session, waiting for the client's Join or No
UNLINK_KEY = "ws_confirm_unlink"  # the coach or client whose link this session is asked to confirm ending
INVITE_TRIED_KEY = "ws_invite_cookie_tried"
INBOX_FILTERS_KEY = "ws_inbox_filters"  # the inbox's filters as last set in this session
SHOWS_A_SET = ("scorecard", "frames", "charts")  # pages that draw the set on screen (url paths)
_INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{8,64}")  # what store.create_invite makes (token_urlsafe)


@dataclass(frozen=True)
class Workspace(Desk):
    """The signed-in account's desk (``service.Desk``) plus the app's settings."""

    settings: WorkspaceSettings


def _decision() -> Decision:
    """How this server runs (sign-in, one local user or the setup page); secrets that can't be used stop
    the app with what to fix, and nothing else is served."""
    try:
        return decide(st.secrets.to_dict, os.environ, st.get_option("server.address"))
    except SettingsError as exc:
        st.error(exc.message, icon=":material/lock:")
        st.stop()


@st.cache_resource(show_spinner=False)
def _trimmer():
    """Once per server process: freed memory handed back to the machine (``service.trim``)."""
    from service.trim import start_trimming

    return start_trimming()


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


def _limits() -> Limits:
    """The per-account upload limits (``[limits]`` in the secrets, ``HINGE_REVIEW_LIMIT_*``); a bad one
    stops the app with its name."""
    try:
        return read_limits(load_secrets(st.secrets.to_dict).get("limits"), os.environ)
    except (LimitSettingError, SettingsError) as exc:
        st.error(exc.message, icon=":material/lock:")
        st.stop()


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


def workspace(decision: Decision) -> Workspace | None:
    """This run's workspace (sign-in or local mode); None when sign-in is configured and nobody is signed in."""
    s = decision.settings
    data = str(store_settings.data_dir())
    url = store_settings.database_url(s.database_url, data)
    db, blobs = _database(url), _blob_store(data, s.storage)
    _keep_worker(s)
    if decision.mode == "local":
        return Workspace(db, blobs, store.local_user(db), s, limits=_limits())
    if not st.user.is_logged_in:
        return None
    return Workspace(db, blobs, _account(db, s), s, limits=_limits())


def _invite_code(value: object) -> str | None:
    """``value`` when it is shaped like an invite code (nothing else reaches a cookie or a script), else None."""
    return value if isinstance(value, str) and _INVITE_CODE.fullmatch(value) else None


def _keep_invite(code: str | None) -> None:
    """Keep ``code`` in a cookie for 15 minutes (None: forget it). Streamlit returns to the app's base
    address after signing in, without the link's ``?invite=``; the cookie comes back with the next page.
    A page can set no response header, so the cookie is written by a script and cannot be HttpOnly: it
    holds only a well-formed single-use code, and the client is asked before it links anything."""
    https = (st.context.url or "").startswith("https://")
    cookie = present.invite_cookie(INVITE_COOKIE, _invite_code(code) or "", https=https, max_age_s=INVITE_COOKIE_S)
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def _sign_in_screen() -> None:
    st.title("Hinge Review")
    st.write("Sign in to upload your sets, follow your analyses and read your coach's notes.")
    code = st.query_params.get("invite")
    if code:
        st.info(
            "You have an invite from a coach: sign in and you will be asked whether to join them. If the "
            "question does not come up, paste this code on **My space**:"
        )
        st.code(code, language=None)
        _keep_invite(code)
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login()


def _setup_screen() -> None:
    text = present.setup_page(st.get_option("server.address"))
    st.title("Hinge Review: set up sign-in")
    st.warning(text.missing, icon=":material/lock:")
    st.markdown(text.where)
    st.code(text.example, language="toml")
    st.markdown(text.docs)
    st.markdown(text.just_me)


@contextmanager
def database_outage_shown(*, retry: bool = True) -> Iterator[None]:
    """What runs inside, and, if the database cannot be reached (a restart, a fail-over), a plain warning in its
    place instead of a traceback; with ``retry`` the whole page runs again ``OUTAGE_RETRY_S`` later, by a timer
    in the browser (a polling fragment passes ``retry=False``: its next poll is the retry)."""
    try:
        yield
    except store.OUTAGE_ERRORS as exc:
        log.warning("database unreachable (%s); the page will try again", type(exc).__name__)
        st.warning(store.DATABASE_OUTAGE, icon=":material/cloud_off:")
        if retry:
            st.session_state[_OUTAGE_TIMER_KEY] = False
            _run_again_soon()


_OUTAGE_TIMER_KEY = "ws_outage_timer"  # False when the timer was just set, True once it has run once


@st.fragment(run_every=OUTAGE_RETRY_S)
def _run_again_soon() -> None:
    """A timer: nothing the first time it is drawn, the whole page run again when it fires."""
    if st.session_state.get(_OUTAGE_TIMER_KEY):
        st.rerun(scope="app")
    st.session_state[_OUTAGE_TIMER_KEY] = True


def require_workspace() -> Workspace:
    """The workspace; the setup page and a stop where the app may not run without sign-in, or the sign-in
    screen and a stop when nobody is signed in."""
    _trimmer()
    decision = _decision()
    if decision.mode == "setup":  # nothing else is served: no database, no worker, no page
        st.navigation([st.Page(_setup_screen, title="Set up", icon=":material/lock:")], position="hidden").run()
        st.stop()
    try:
        ws = workspace(decision)
    except store.WorkspaceError as exc:
        st.error(exc.message)
        st.stop()
    if ws is None:
        st.navigation([st.Page(_sign_in_screen, title="Sign in", icon=":material/login:")], position="hidden").run()
        st.stop()
    return ws


def lands_on_inbox(ws: Workspace) -> bool:
    """A signed-in coach lands on the Inbox; everyone else (and the local user) on Analyse."""
    return ws.me.is_coach and ws.settings.sign_in


def pages(ws: Workspace) -> list:
    """The workspace's pages for this account: the inbox for coaches (its title counts the sets waiting for
    them), my space for everyone, one review (hidden)."""
    out = []
    if ws.me.is_coach:
        title = inbox_view.nav_title(ws.waiting_count())
        out.append(st.Page(INBOX_PAGE, title=title, icon=":material/inbox:", default=lands_on_inbox(ws)))
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
    email = f" · {present.plain(ws.me.email)}" if ws.me.email and ws.me.email != ws.me.name else ""
    st.markdown(f"Signed in as **{present.plain(ws.me.name)}**{email}  \nRole: **{ws.me.role}**")
    if st.button("Sign out", key="ws_sign_out", icon=":material/logout:"):
        st.logout()


def follow_links(ws: Workspace, page) -> None:
    """Act on ``?invite=CODE`` or an invite kept through signing in (My space asks the client whether to
    join that coach) and ``?review=TOKEN`` (open that review, checked)."""
    code = st.query_params.get("invite")
    kept = _invite_code(st.context.cookies.get(INVITE_COOKIE)) if ws.settings.sign_in else None
    if kept:  # used once: forgotten (on every run of a session that brought it, until the browser drops it)
        _keep_invite(None)
        if not code and st.session_state.get(INVITE_TRIED_KEY) != kept:
            st.session_state[INVITE_TRIED_KEY] = kept
            code = kept
    if code:
        st.query_params.pop("invite", None)
        ask_to_join(code)
    review = st.query_params.get("review")
    if review and getattr(page, "url_path", "") != "review":
        st.switch_page(REVIEW_PAGE, query_params={"review": review, **filter_params()})


def asked_on_screen(ws: Workspace, page) -> None:
    """On the Review page, put the set its address asks for on screen before the sidebar is drawn, so the
    sidebar's set and grade line are that set's on the same run; the page then takes the review loaded here
    (``asked_view``) instead of reading it again. A refused address is left to the page, which says why."""
    st.session_state.pop(_ASKED_VIEW_KEY, None)
    if getattr(page, "url_path", "") != "review":
        return
    try:
        asked = asked_review(ws)
        if asked is not None:
            st.session_state[_ASKED_VIEW_KEY] = load_review(ws, asked)
    except store.WorkspaceError:
        pass


_ASKED_VIEW_KEY = "ws_asked_view"  # the review asked_on_screen loaded on this run, until the page takes it


def asked_view(ws: Workspace) -> AnalysisView | None:
    """The review the address asks for, loaded and on screen (see ``asked_review``), else None: the one
    ``asked_on_screen`` loaded on this run when there is one, else loaded now. ``WorkspaceError`` when the
    address is refused."""
    view = st.session_state.pop(_ASKED_VIEW_KEY, None)
    if view is not None:
        return view
    asked = asked_review(ws)
    return load_review(ws, asked) if asked is not None else None


def back_link(ws: Workspace) -> None:
    """The way back: the Inbox (with its filters) for a coach, My space for a client."""
    if ws.me.is_coach:
        st.page_link(
            INBOX_PAGE, label="Back to the Inbox", icon=":material/inbox:", query_params=inbox_filters().to_query()
        )
    else:
        st.page_link(MY_SPACE_PAGE, label="Back to My space", icon=":material/person:")


def refuse(ws: Workspace, message: str) -> None:
    """A refusal (one message for "not found" and "not yours", from the store) and the way back."""
    st.error(message)
    back_link(ws)


def latest_on_screen() -> session.StoredAnalysis | None:
    """This account's latest saved set, put on screen: what a page that draws the set on screen shows when
    opened in a fresh session (a new tab, a reload) rather than nothing. None when there is none."""
    ws = require_workspace()
    latest = ws.reviews_for(limit=1, own_only=True)
    if not latest:
        return None
    try:
        load_review(ws, latest[0].analysis_id)
    except store.WorkspaceError:
        return None
    st.toast("Showing your latest saved set. Pick another on My space.", icon=":material/history:")
    return session.current()


session.when_nothing_on_screen(latest_on_screen)


# --- the inbox's filters and "next" -------------------------------------------------------


def inbox_filters() -> InboxFilters:
    """The inbox's filters: from the page address when it names any (a reload, a shared link, a review
    opened from the inbox), else as last set in this session."""
    asked = filter_params()
    if asked:
        return inbox_view.from_query(asked)
    kept = st.session_state.get(INBOX_FILTERS_KEY)
    return kept if isinstance(kept, InboxFilters) else InboxFilters()


def keep_inbox_filters(f: InboxFilters) -> None:
    """Remember ``f`` for this session and put it in the page address (only what differs from the defaults)."""
    st.session_state[INBOX_FILTERS_KEY] = f
    wanted = f.to_query()
    if filter_params() != wanted:
        for k in inbox_view.QUERY_KEYS:
            st.query_params.pop(k, None)
        st.query_params.update(wanted)


def filter_params() -> dict[str, str]:
    """The inbox's filters as the page address has them now (to carry them to another page)."""
    return {k: st.query_params[k] for k in inbox_view.QUERY_KEYS if k in st.query_params}


def open_review(row: InboxRow, f: InboxFilters | None = None) -> None:
    """Switch to the Review page on the inbox ``row`` (addressed by its token), the inbox's filters travelling
    in its address."""
    st.switch_page(REVIEW_PAGE, query_params={"review": row.token, **(f or inbox_filters()).to_query()})


def next_review(ws: Workspace, current_id: int | None, f: InboxFilters | None = None) -> InboxRow | None:
    """The set after ``current_id`` that waits for the coach, in the inbox's order and filters (a "reviewed"
    status filter aside: the next one is never a reviewed set)."""
    f = f or inbox_filters()
    if f.status == "reviewed":
        f = replace(f, status="all")
    rows = inbox_view.keep_status(ws.inbox(**f.store_args()), f.status, ws.me.id)
    return inbox_view.row_of(rows, inbox_view.next_in_line(rows, current_id))


def mark_reviewed_and_open_next(ws: Workspace, analysis_id: int) -> None:
    """Mark the set reviewed and open the next one waiting (the inbox, when none waits)."""
    try:
        ws.mark_reviewed(analysis_id)
        following = next_review(ws, analysis_id)
    except store.WorkspaceError as exc:
        notice("error", exc.message)
        return
    if following is None:
        notice("success", "Marked reviewed. No other set waits for you in this view of the inbox.")
        st.switch_page(INBOX_PAGE, query_params=inbox_filters().to_query())
    notice("success", "Marked reviewed. This is the next set waiting for you.")
    open_review(following)


def review_actions(ws: Workspace, page) -> None:
    """Sidebar, on the Review page and on a saved set's Scorecard, Frames or Charts: a coach marks it
    reviewed and opens the next; everyone has the way back."""
    path = getattr(page, "url_path", "")
    if path != "review" and not (path in SHOWS_A_SET and current_review_id() is not None):
        return
    asked = st.query_params.get("review", "") if path == "review" else ""
    try:
        analysis_id = ws.review_from_link(asked) if asked else current_review_id()
    except store.WorkspaceError:  # the page itself says why it cannot open
        analysis_id = None
    if ws.me.is_coach and analysis_id is not None:
        if st.button("Mark reviewed and open the next", key="ws_next", icon=":material/skip_next:", type="primary"):
            mark_reviewed_and_open_next(ws, analysis_id)
    back_link(ws)


def ask_to_join(code: str) -> None:
    """Open My space, where the client is asked whether to join the coach who made ``code``."""
    st.session_state[PENDING_INVITE_KEY] = code.strip()
    st.switch_page(MY_SPACE_PAGE)


def invite_question(ws: Workspace) -> None:
    """The invite this session was given, as a question: Join links the client to the coach, No forgets it."""
    code = st.session_state.get(PENDING_INVITE_KEY)
    if not code:
        return
    try:
        coach = ws.invite_from(code)
    except store.WorkspaceError as exc:
        st.session_state.pop(PENDING_INVITE_KEY, None)
        st.error(exc.message)
        return
    with st.container(border=True):
        st.markdown(present.invite_question(coach.name))
        join, no = st.columns([1, 5])
        if join.button("Join", key="ws_invite_join", type="primary", icon=":material/group_add:"):
            st.session_state.pop(PENDING_INVITE_KEY, None)
            try:
                coach = ws.redeem_invite(code)
                notice(
                    "success",
                    f"You are now linked with your coach **{present.plain(coach.name)}**, who can see your "
                    "uploads and comment on them.",
                )
            except store.WorkspaceError as exc:
                notice("error", exc.message)
            st.rerun()
        if no.button("No", key="ws_invite_no"):
            st.session_state.pop(PENDING_INVITE_KEY, None)
            notice("success", f"Not joined: {present.plain(coach.name)} sees nothing of yours.")
            st.rerun()


def _unlink_row(person: Account, label: str, question: str, act: Callable[[int], None], done: str) -> None:
    """One linked person with a button that ends the link, after a confirmation."""
    name, button = st.columns([4, 1])
    name.markdown(f"**{present.plain(person.name)}**")
    if st.session_state.get(UNLINK_KEY) != person.id:
        if button.button(label, key=f"ws_unlink_{person.id}", icon=":material/link_off:"):
            st.session_state[UNLINK_KEY] = person.id
            st.rerun()
        return
    st.warning(question)
    yes, no = st.columns([1, 5])
    if yes.button(f"Yes, {label.lower()}", key=f"ws_unlink_yes_{person.id}", type="primary"):
        try:
            act(person.id)
            notice("success", done)
        except store.WorkspaceError as exc:
            notice("error", exc.message)
        st.session_state.pop(UNLINK_KEY, None)
        st.rerun()
    if no.button("Cancel", key=f"ws_unlink_no_{person.id}"):
        st.session_state.pop(UNLINK_KEY, None)
        st.rerun()


def my_coaches(ws: Workspace) -> None:
    """A client's coaches, each with Leave (My space)."""
    coaches = ws.coaches_of()
    if not coaches:
        st.write("You have no coach yet. Ask yours for an invite link or code.")
    for c in coaches:
        _unlink_row(
            c, "Leave", present.leave_question(c.name), ws.leave_coach, f"You left {present.plain(c.name)}'s coaching."
        )


def my_clients(ws: Workspace) -> None:
    """A coach's clients, each with Remove (Inbox)."""
    clients = ws.clients_of()
    if not clients:
        st.caption("No clients yet: make an invite above.")
    for c in clients:
        _unlink_row(
            c,
            "Remove",
            present.remove_question(c.name),
            ws.remove_client,
            f"Removed {present.plain(c.name)} from your clients.",
        )


def notice(kind: str, text: str) -> None:
    st.session_state[NOTICE_KEY] = (kind, text)


def show_progression(signal: ProgressionSignal) -> None:
    """The progression signal in words: green to move on, amber to scale back, blue otherwise."""
    kind, sentence = present.progression_text(signal)
    {"move_on": st.success, "scale_back": st.warning}.get(kind, st.info)(sentence)


def show_notice() -> None:
    """The notice left by the last action, in a place the page keeps on every run: a notice that came and
    went would move what follows it, and the browser rebuilds a moved widget, losing what was being typed
    in it (the comment box after "Comment added.")."""
    slot = st.empty()
    kind, text = st.session_state.pop(NOTICE_KEY, (None, None))
    if kind == "success":
        slot.success(text)
    elif kind:
        slot.error(text)


# --- reviews into the session ------------------------------------------------------


def visible_reviews(ws: Workspace) -> dict[int, str]:
    """Every review this account may open (a coach's clients' and their own; a client's own), labelled."""
    return present.review_choices(ws.reviews_for(), ws.me.id, viewer_zone())


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
    session.store().put(
        replace(entry, coach=present.coach_review(view, viewer_zone()), token=view.row.token)
    )  # as of now
    if on_screen or session.current() is None:
        session.set_current(key)
    return view


def delete_upload(ws: Workspace, upload_id: int, analysis_id: int | None) -> None:
    """Delete an upload and all it led to (the store checks it is mine); this session forgets its review too."""
    ws.delete_upload(upload_id)
    if analysis_id is not None:
        session.store().discard(f"{REVIEW_KEY_PREFIX}{analysis_id}")


def asked_review(ws: Workspace) -> int | None:
    """The review the address asks for (``?review=TOKEN``, checked by the store: ``NotFound`` otherwise),
    else the one on screen, else None."""
    link = st.query_params.get("review")
    return ws.review_from_link(link) if link else current_review_id()


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
    """A link to the Review page of the stored analysis on screen (nothing for an unsaved one), addressed
    by its token as every review link is: the video, the coach's comments at their moments and the coach's
    grade in one place."""
    entry = session.current()
    if current_review_id() is None or entry is None or not entry.token:
        return
    st.page_link(
        REVIEW_PAGE,
        label="Review and comment" if ws.me.is_coach else "Review with your coach",
        icon=":material/rate_review:",
        query_params={"review": entry.token},
    )


def show_review(view: AnalysisView) -> NoReturn:
    """Switch to the Review page on ``view`` (loaded by ``load_review``), addressed by its token as every
    review link is."""
    st.switch_page(REVIEW_PAGE, query_params={"review": view.row.token})


def open_review_at(ws: Workspace, analysis_id: int, at_s: float | None = None, *, reply_to: int | None = None) -> None:
    """Load a saved set into the session (checked by the store: a refusal and the way back otherwise) and
    open its Review page, where its video, rep strip, key frames, faults and the coach's comments and grade
    meet (its Scorecard is a link away): a set just analysed, the earlier analysis of a clip uploaded again,
    an upload's "Open the review", a comment's "Open at". The player starts at ``at_s`` when given;
    ``reply_to``: a comment id, the reply form then starts at that comment's rep and time."""
    try:
        view = load_review(ws, analysis_id)
    except store.WorkspaceError as exc:
        refuse(ws, exc.message)
        return
    if at_s is not None:
        st.session_state[MOMENT_KEY] = float(at_s)
    if reply_to is not None:
        st.session_state[REPLY_KEY] = reply_to
    show_review(view)


# --- uploads and their jobs ----------------------------------------------------------


def submit_upload(ws: Workspace, name: str, data: bytes | BinaryIO, exercise: str = "auto") -> UploadView | None:
    """Save the clip (the bytes, or the uploaded file itself: read in chunks, not copied in memory) and queue
    its analysis as ``exercise``; this session then waits for it (its Review page opens when done). A file that
    is plainly not a video (a photo, a PDF, text) is refused here, saying what it is. The same clip again is
    not stored twice: ``after_upload`` opens the earlier analysis. Over the account's limits, the message
    says which and when it frees up.

    None (and a message) on refusal.
    """
    kind = filekind.not_a_video(_head(data, filekind.SNIFF_BYTES))
    if kind is not None:
        st.error(filekind.refusal(name, kind, session.VIDEO_KINDS))
        return None
    try:
        up = ws.save_upload(data, name, exercise=exercise)
    except store.WorkspaceError as exc:
        st.error(exc.message)
        return None
    follow(up.upload_id)
    if up.deduplicated:
        notice("success", present.duplicate_notice(up, exercise, viewer_zone()))
    if not up.deduplicated or present.job_line(up).kind in present.PENDING:
        st.session_state[WAITING_KEY] = up.upload_id  # its Review page opens when the analysis is done
    return up


def viewer_zone() -> tzinfo:
    """The browser's time zone (``st.context.timezone``), UTC when it did not say: every time on screen is
    shown in it."""
    return inbox_view.viewer_zone(st.context.timezone)[0]


def release_upload(uploaded: object) -> None:
    """Drop Streamlit's in-memory copy of an uploaded file once it is saved: the upload store keeps every
    file a session uploaded until the session ends (and a closed tab's session lingers), so three 200 MB
    uploads held ~370 MB in the server after the tab closed (``bench/memory.py --big-uploads 3``). As
    ``st.chat_input`` does with its files; other upload stores keep theirs."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    file_id = getattr(uploaded, "file_id", None)
    if ctx is None or file_id is None or not isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        return
    ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file_id)


def follow(upload_id: int) -> None:
    """This session follows ``upload_id`` on its job panel until the session ends (see ``job_panel``)."""
    followed = st.session_state.setdefault(FOLLOWED_KEY, [])
    if upload_id not in followed:
        followed.append(upload_id)


def _head(data: bytes | BinaryIO, n: int) -> bytes:
    """The first ``n`` bytes of an upload, leaving a file where it was."""
    if isinstance(data, bytes):
        return data[:n]
    at = data.tell()
    head = data.read(n)
    data.seek(at)
    return head


def after_upload(ws: Workspace, up: UploadView) -> None:
    """After ``submit_upload``: the earlier analysis of a clip uploaded before opens at once (on its Review
    page); otherwise the page starts again, following the new job."""
    if up.deduplicated and up.analysis_id is not None:
        open_review_at(ws, up.analysis_id)
    st.rerun()


def _upload_card(ws: Workspace, u: UploadView, line: present.JobLine) -> None:
    with st.container(border=True):
        st.markdown(f"**{present.plain(u.original_name)}** · uploaded {present.when(u.created_at, viewer_zone())}")
        if line.kind in present.PENDING:
            st.progress(line.progress, text=line.text)
        elif line.kind == "failed":
            st.error(present.plain(line.text))  # names the user's file
            if (
                u.owner_id == ws.me.id
                and u.clip_kept
                and st.button("Try again", key=f"ws_retry_{u.upload_id}", icon=":material/refresh:")
            ):
                try:
                    ws.retry_upload(u.upload_id)
                    follow(u.upload_id)
                    st.session_state[WAITING_KEY] = u.upload_id
                except store.WorkspaceError as exc:
                    notice("error", exc.message)
                st.rerun(scope="app")
        elif line.kind == "done" and u.analysis_id is not None:
            left, right = st.columns([3, 2])
            left.success(present.analysed_line(u))
            if right.button("Open the review", key=f"ws_open_{u.upload_id}", icon=":material/rate_review:"):
                open_review_at(ws, u.analysis_id)


def _on_the_panel(ws: Workspace, limit: int) -> list[UploadView]:
    return present.on_the_panel(ws.list_uploads(), st.session_state.get(FOLLOWED_KEY, ()), limit)


def job_panel(ws: Workspace, *, limit: int = 3, only_pending: bool = False) -> list[UploadView]:
    """My ``limit`` latest uploads and every upload this session made, however many and whatever came since,
    with their analysis status (the grade once analysed), refreshed every ``POLL_S`` while any of them is
    queued or running.

    When the upload this session is waiting for is analysed, its Review page opens.
    """
    first = _on_the_panel(ws, limit)
    polling = present.is_pending(first)

    @st.fragment(run_every=POLL_S if polling else None)
    def _panel() -> None:
        with database_outage_shown(retry=False):
            _panel_body()

    def _panel_body() -> None:
        uploads = _on_the_panel(ws, limit)
        if present.is_pending(uploads):
            _keep_worker(ws.settings)  # one that exited idle as this job was queued is started again
        waiting = st.session_state.get(WAITING_KEY)
        for u in uploads:
            line = present.job_line(u)
            if u.upload_id == waiting and line.kind in ("done", "failed"):
                st.session_state.pop(WAITING_KEY, None)
                if line.kind == "done" and u.analysis_id is not None:
                    try:
                        open_review_at(ws, u.analysis_id)
                    except store.OUTAGE_ERRORS:  # still waiting: the next poll opens it once the database answers
                        st.session_state[WAITING_KEY] = u.upload_id
                        raise
            if only_pending and line.kind not in present.PENDING:
                continue
            _upload_card(ws, u, line)
        if polling and not present.is_pending(uploads):
            st.rerun(scope="app")  # stop polling; pages showing statuses refresh

    _panel()
    return first


def status_of_mine(ws: Workspace) -> dict[int, str]:
    """Where each of my analysed sets stands with my coach, in my words, by analysis id."""
    has_coach = bool(ws.settings.sign_in and not ws.me.is_coach and ws.coaches_of())
    return {
        r.analysis_id: inbox_view.status_words(r, ws.me.id, ws.me.is_coach, has_coach=has_coach)
        for r in ws.reviews_for(own_only=True)
    }


def comments_for_me(ws: Workspace, history: list[HistoryPoint]) -> list[tuple[HistoryPoint, CommentView]]:
    """Others' comments (my coaches') on my analysed sessions, newest first."""
    sessions = present.by_analysis(history)
    notes = [(sessions[c.analysis_id], c) for c in ws.comments_on(sessions) if c.author_id != ws.me.id]
    return sorted(notes, key=lambda n: n[1].created_at, reverse=True)
