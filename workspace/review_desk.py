"""What the Review page's buttons do (not a page): the moment picked and the player's start, the comment
form (at this moment, a reply at a comment's rep and time, a rep chosen) and sending it, the coach's
grade and the reviewed mark, and opening a review (at a moment) from another page.

``pages/review.py`` only lays out widgets and hands them a ``ReviewDesk``'s methods as callbacks; every
session key the page's widgets use is named here. Errors from the store become a notice on the next run
(``ui.notice``), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import store
from drawing import frames as render
from drawing import review as timeline
from pipeline.types import AnalysisResult, Rep
from store.views import AnalysisView, CommentView
from workspace import present, session, ui

# the moment picked, the player's start (whole seconds) and its nonce (a new player seeks again),
# the review these are for (a moment to seek to on the next run: ui.MOMENT_KEY)
T_KEY, SEEK_KEY, NONCE_KEY, FOR_KEY = "rv_t", "rv_seek", "rv_nonce", "rv_for"
TIMELINE_KEY = "rv_timeline"
# the comment form
REP_KEY, TIME_KEY, TEXT_KEY, REPLY_NOTE_KEY = "ws_c_rep", "ws_c_time", "ws_c_text", "ws_c_reply_note"
AUTOMATIC = "Automatic"  # the grade picker's "no override"


@dataclass(frozen=True)
class ReviewDesk:
    """One opened review as the Review page's callbacks see it: who acts, on which set."""

    ws: ui.Workspace
    view: AnalysisView
    choices: dict[str, tuple[int | None, float | None]]  # the form's rep picker (``present.rep_choices``)

    @property
    def result(self) -> AnalysisResult:
        return self.view.result

    @property
    def analysis_id(self) -> int:
        return self.view.row.analysis_id

    @property
    def duration_s(self) -> float:
        return max(float(self.result.video.duration_s), 0.1)

    @property
    def mine(self) -> bool:
        """The client's own set: they reply to their coach."""
        return self.view.row.client_id == self.ws.me.id and not self.ws.me.is_coach

    @property
    def may_comment(self) -> bool:
        return self.ws.me.is_coach or self.mine

    @property
    def moment_s(self) -> float:
        return float(st.session_state[T_KEY])

    @property
    def player_start_s(self) -> int:
        return int(st.session_state[SEEK_KEY])

    @property
    def player_nonce(self) -> int:
        return int(st.session_state[NONCE_KEY])

    def rep_on_screen(self) -> Rep | None:
        """The rep the moment picked falls in (the first rep between reps); None for a set without reps."""
        reps = self.result.reps
        return (render.rep_at(reps, self.moment_s)[0] or reps[0]) if reps else None

    # --- opening ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """A fresh player and form for another review; for this one opened again after its page was left
        (Streamlit drops a widget's state with its page) its moment alone, rep 1's bottom, what was typed
        kept; then a reply asked for on My space, and a moment asked for last run (a fault's evidence,
        another page's "open at"), are taken up."""
        first = float(self.result.reps[0].bottom_s) if self.result.reps else 0.0
        opening_s = round(min(first, self.duration_s), 2)
        if st.session_state.get(FOR_KEY) != self.analysis_id:
            st.session_state.update(
                {
                    FOR_KEY: self.analysis_id,
                    T_KEY: opening_s,
                    SEEK_KEY: 0,
                    NONCE_KEY: 0,
                    REP_KEY: "Whole set",
                    TIME_KEY: None,
                    TEXT_KEY: "",
                    REPLY_NOTE_KEY: "",
                }
            )
        elif T_KEY not in st.session_state:
            st.session_state[T_KEY] = opening_s  # the moment alone: what is typed stays
        replying = st.session_state.pop(ui.REPLY_KEY, None)  # My space's Reply under a comment
        for c in self.view.comments:
            if c.comment_id == replying:
                self.reply_to(c)
        pending = st.session_state.pop(ui.MOMENT_KEY, None)
        if pending is not None:
            self.seek(pending)

    # --- the moment -----------------------------------------------------------------------------------------

    def seek(self, t_s: float) -> None:
        """Pick the moment ``t_s`` and start the player there (a new player, so the same moment seeks again)."""
        t_s = min(max(float(t_s), 0.0), self.duration_s)
        st.session_state[T_KEY] = round(t_s, 2)
        st.session_state[SEEK_KEY] = timeline.seek_s(t_s, self.duration_s)
        st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1

    def seek_next_run(self, t_s: float) -> None:
        """Seek to ``t_s`` on a run started now (for a button read in the page rather than a callback)."""
        st.session_state[ui.MOMENT_KEY] = t_s
        st.rerun()

    def slider_moved(self) -> None:
        self.seek(st.session_state[T_KEY])

    def timeline_clicked(self) -> None:
        points = st.session_state[TIMELINE_KEY]["selection"]["points"]
        if points:
            self.seek(points[0]["x"])

    # --- the comment form ---------------------------------------------------------------------------------

    def comment_here(self) -> None:
        """The form's place from the moment picked: its time, and the rep it falls in."""
        t_s = self.moment_s
        st.session_state[TIME_KEY] = round(t_s, 2)
        st.session_state[REP_KEY] = present.rep_label(timeline.rep_of(self.result, t_s))
        st.session_state[REPLY_NOTE_KEY] = ""

    def reply_to(self, c: CommentView) -> None:
        """A reply keeps the comment's rep and time; the player goes to that moment (else the rep's bottom)."""
        st.session_state[REP_KEY] = present.rep_label(c.rep_index)
        st.session_state[TIME_KEY] = c.time_s
        st.session_state[REPLY_NOTE_KEY] = f"Replying to {present.plain(c.author_name)} · {present.comment_where(c)}"
        at_s = c.time_s if c.time_s is not None else self.choices[st.session_state[REP_KEY]][1]
        if at_s is not None:
            self.seek(at_s)

    def rep_changed(self) -> None:
        st.session_state[TIME_KEY] = self.choices[st.session_state[REP_KEY]][1]

    def send(self) -> None:
        rep, _ = self.choices[st.session_state[REP_KEY]]
        try:
            self.ws.add_comment(
                self.analysis_id,
                st.session_state.get(TEXT_KEY, ""),
                rep_index=rep,
                time_s=st.session_state.get(TIME_KEY),
            )
            st.session_state[TEXT_KEY] = ""
            st.session_state[REPLY_NOTE_KEY] = ""
            ui.notice("success", "Reply sent to your coach." if self.mine else "Comment added.")
        except store.WorkspaceError as exc:
            ui.notice("error", exc.message)

    # --- the coach's decision -----------------------------------------------------------------------------

    def toggle_reviewed(self) -> None:
        """Mark the set reviewed, or new again when it was."""
        try:
            self.ws.mark_reviewed(self.analysis_id, not self.view.row.reviewed)
        except store.WorkspaceError as exc:
            ui.notice("error", exc.message)

    def grade_options(self) -> list[str]:
        return [AUTOMATIC, *store.reviews.GRADES]

    def grade_now(self) -> str:
        return self.view.row.grade_override or AUTOMATIC

    @property
    def grade_key(self) -> str:
        """The grade picker's key, per review (a fresh picker, at the saved grade, on another review)."""
        return f"rv_grade_{self.analysis_id}"

    @property
    def reason_key(self) -> str:
        return f"rv_why_{self.analysis_id}"

    def save_grade(self) -> None:
        """The coach's grade (``AUTOMATIC``: none) and why, as the picker and the reason box hold them when
        the button is pressed; the sidebar and the Scorecard show it at once."""
        grade = st.session_state.get(self.grade_key, self.grade_now())
        reason = st.session_state.get(self.reason_key, self.view.override_reason or "")
        try:
            self.ws.override_grade(self.analysis_id, None if grade == AUTOMATIC else grade, reason)
            ui.load_review(self.ws, self.analysis_id)
            ui.notice("success", "Grade saved.")
        except store.WorkspaceError as exc:
            ui.notice("error", exc.message)


def desk_for(ws: ui.Workspace, view: AnalysisView) -> ReviewDesk:
    """The Review page's desk for ``view``, its player and form made ready (``ReviewDesk.start``)."""
    desk = ReviewDesk(ws, view, present.rep_choices(view.result))
    desk.start()
    return desk


def evidence_help(analysis_id: int | None) -> str:
    """What a fault's evidence button does (``open_evidence``), as its tooltip says it."""
    if analysis_id is None:
        return "Open this moment on the Frames page"
    return "Play this moment on the Review page, beside the comments"


def open_evidence(ws: ui.Workspace, analysis_id: int | None, at_s: float) -> None:
    """A fault's evidence at ``at_s`` (the moment its rep was judged at): the saved set ``analysis_id``'s
    Review page there, where video, scorecard and comments meet; for a set not saved (None), the Frames page."""
    if analysis_id is None:
        st.session_state[session.FOCUS_KEY] = float(at_s)
        st.switch_page(session.FRAMES_PAGE)
    else:
        ui.open_review_at(ws, analysis_id, at_s)
