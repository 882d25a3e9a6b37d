"""Review: one stored analysis for coach and client alike: the annotated video with a rep strip, the comments
at their moments (a timeline under the player and a list), the key frames beside the scorecard's faults,
and, for the coach, the grade and the decision.

Opened from the inbox, from My space, from the Scorecard and Frames pages, or by URL (``?review=TOKEN``); the
store checks that the review is the user's own or a linked client's. The client sees the same page and
replies; only a coach grades and marks reviewed. Nothing is analysed here: the video is drawn once from
the clip and the stored analysis.
"""

import streamlit as st

import store
from drawing import frames as render
from drawing import review as timeline
from drawing.scorecard import scorecard_view
from workspace import figures, inbox, panels, present, session, ui

ws = ui.require_workspace()
try:
    asked = ui.asked_review(ws)
    view = ui.load_review(ws, asked) if asked is not None else None
except store.WorkspaceError as exc:
    st.error(exc.message)
    st.stop()
if view is None:
    st.info("Open a review from **My space** or, for coaches, the **Inbox**.")
    st.stop()
st.query_params["review"] = view.row.token
row, result = view.row, view.result
entry = session.current()
if entry is None:  # load_review has just put it on screen
    st.stop()
coach = present.coach_review(view)
card = scorecard_view(result, coach)
duration = max(float(result.video.duration_s), 0.1)
mine = row.client_id == ws.me.id and not ws.me.is_coach
may_comment = ws.me.is_coach or mine
choices = present.rep_choices(result)

# --- the moment picked, the player's start and the comment form, kept per review -----------------------
T_KEY, SEEK_KEY, NONCE_KEY, PENDING_KEY = "rv_t", "rv_seek", "rv_nonce", "rv_pending"
REP_KEY, TIME_KEY, TEXT_KEY, REPLY_NOTE_KEY = "ws_c_rep", "ws_c_time", "ws_c_text", "ws_c_reply_note"
if st.session_state.get("rv_for") != row.analysis_id:  # another review: a fresh player and form
    first = float(result.reps[0].bottom_s) if result.reps else 0.0
    st.session_state.update(
        {
            "rv_for": row.analysis_id,
            T_KEY: round(min(first, duration), 2),
            SEEK_KEY: 0,
            NONCE_KEY: 0,
            REP_KEY: "Whole set",
            TIME_KEY: None,
            TEXT_KEY: "",
            REPLY_NOTE_KEY: "",
        }
    )


def _seek(t_s: float) -> None:
    """Pick the moment ``t_s`` and start the player there (a new player, so the same moment seeks again)."""
    t_s = min(max(float(t_s), 0.0), duration)
    st.session_state[T_KEY] = round(t_s, 2)
    st.session_state[SEEK_KEY] = timeline.seek_s(t_s, duration)
    st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1


def _slider_moved() -> None:
    _seek(st.session_state[T_KEY])


def _timeline_clicked() -> None:
    points = st.session_state["rv_timeline"]["selection"]["points"]
    if points:
        _seek(points[0]["x"])


def _comment_here() -> None:
    """The form's place from the moment picked: its time, and the rep it falls in."""
    t_s = float(st.session_state[T_KEY])
    st.session_state[TIME_KEY] = round(t_s, 2)
    st.session_state[REP_KEY] = present.rep_label(timeline.rep_of(result, t_s))
    st.session_state[REPLY_NOTE_KEY] = ""


def _reply_to(c: store.CommentView) -> None:
    """A reply keeps the comment's rep and time; the player goes to that moment."""
    st.session_state[REP_KEY] = present.rep_label(c.rep_index)
    st.session_state[TIME_KEY] = c.time_s
    st.session_state[REPLY_NOTE_KEY] = f"Replying to {present.plain(c.author_name)} · {present.comment_where(c)}"
    at_s = c.time_s if c.time_s is not None else choices[st.session_state[REP_KEY]][1]  # else the rep's bottom
    if at_s is not None:
        _seek(at_s)


def _rep_changed() -> None:
    st.session_state[TIME_KEY] = choices[st.session_state[REP_KEY]][1]


def _send() -> None:
    rep, _ = choices[st.session_state[REP_KEY]]
    try:
        ws.add_comment(
            row.analysis_id, st.session_state.get(TEXT_KEY, ""), rep_index=rep, time_s=st.session_state.get(TIME_KEY)
        )
        st.session_state[TEXT_KEY] = ""
        st.session_state[REPLY_NOTE_KEY] = ""
        ui.notice("success", "Reply sent to your coach." if mine else "Comment added.")
    except store.WorkspaceError as exc:
        ui.notice("error", exc.message)


replying = st.session_state.pop(ui.REPLY_KEY, None)  # My space's Reply under a comment
for c in view.comments:
    if c.comment_id == replying:
        _reply_to(c)
pending = st.session_state.pop(PENDING_KEY, None)  # an evidence button of the faults, pressed last run
if pending is not None:
    _seek(pending)

# --- header ------------------------------------------------------------------------------------------------
st.title(f"Review · {present.plain(row.file_name)}")
st.caption(
    f"{present.plain(row.client_name)} · {present.when(row.created_at)} · {row.lift_name or 'lift not recognised'}"
)
ui.show_notice()
panels.grade_row(
    present.review_grade(view),
    [
        ("Score", f"{row.score:.0f}/100" if row.score is not None else "–"),
        ("Reps", row.reps),
        ("Status", inbox.status_words(row, ws.me.id, ws.me.is_coach)),
    ],
)
links = st.columns(3)
links[0].page_link(session.SCORECARD_PAGE, label="Scorecard and report", icon=":material/grading:")
links[1].page_link(session.FRAMES_PAGE, label="Frames", icon=":material/movie:")
links[2].page_link(session.CHARTS_PAGE, label="Charts", icon=":material/show_chart:")
if ws.me.is_coach and row.client_id != ws.me.id:
    with st.expander(f"Share with {present.plain(row.client_name)}"):
        st.code(present.review_link(st.context.url or "", row.token), language=None)
        st.caption(
            f"This link opens the review for {present.plain(row.client_name)} once signed in, and for you; anyone "
            "else who opens it is told it is not theirs. To hand over a document instead, download "
            "the report (PDF) on the Scorecard."
        )
elif not ws.settings.sign_in:
    st.caption(
        "Sign-in is off, so nobody else can open this review here: download the report (PDF or HTML) "
        "on the Scorecard to share it."
    )

watch, beside = st.columns([3, 2], gap="large")

# --- the lift: player, rep strip, timeline of comments, the moment ---------------------------------------
with watch:
    with st.container(key=f"rv_player_{st.session_state[NONCE_KEY]}"):
        panels.player(entry, int(st.session_state[SEEK_KEY]))
    stops = timeline.rep_strip(result)
    with st.container(horizontal=True, gap="small"):  # the rep strip: as many on a line as fit
        for stop in stops:
            st.button(
                stop.label,
                key=f"rv_rep_{stop.rep}",
                on_click=_seek,
                args=(stop.bottom_s,),
                help=f"Play from just before rep {stop.rep}'s bottom ({stop.bottom_s:.1f} s)",
            )
    st.plotly_chart(
        timeline.timeline_figure(result, coach.comments, st.session_state[T_KEY]),
        key="rv_timeline",
        on_select=_timeline_clicked,
        selection_mode="points",
        config={"displayModeBar": False},
    )
    step = round(1.0 / max(result.config.analysis_fps, 1.0), 2)
    st.slider(
        "Moment (s)",
        0.0,
        float(round(duration, 2)),
        step=step,
        key=T_KEY,
        on_change=_slider_moved,
        help="The moment to comment on; the rep buttons and the timeline's markers set it too.",
    )
    st.caption(render.frame_title(result, float(st.session_state[T_KEY])))

    if may_comment:
        st.subheader("Reply to your coach" if mine else "Add a comment")
        if mine:
            st.caption("Ask about a rep or say how the set felt; your coach sees it in their inbox.")
        st.button(
            "Comment at this moment",
            on_click=_comment_here,
            icon=":material/add_comment:",
            help="Pins the comment to the moment picked above and the rep it falls in.",
        )
        if st.session_state.get(REPLY_NOTE_KEY):
            st.caption(st.session_state[REPLY_NOTE_KEY])
        left, right = st.columns(2)
        left.selectbox(
            "Rep",
            list(choices),
            key=REP_KEY,
            on_change=_rep_changed,
            help="Choosing a rep sets the time to its bottom; change the time if you mean another moment.",
        )
        right.number_input(
            "Time in the clip (s)",
            min_value=0.0,
            max_value=duration + 1.0,
            value=None,
            step=0.1,
            format="%.1f",
            key=TIME_KEY,
        )
        st.text_area(
            "Comment",
            key=TEXT_KEY,
            placeholder="A question or note for your coach" if mine else "What should they feel or change on this rep?",
        )
        st.button("Send reply" if mine else "Add comment", type="primary", on_click=_send, icon=":material/send:")

    st.subheader("Comments")
    if not view.comments:
        st.caption("No comments yet.")
    for c, said in zip(view.comments, coach.comments):
        at_s = timeline.comment_time(result, said)
        with st.container(border=True):
            st.markdown(f"**{present.plain(c.author_name)}** · {said.where} · {said.when}")
            st.text(c.text)  # typed text: never Markdown
            with st.container(horizontal=True, gap="small"):
                if at_s is not None:
                    st.button(
                        f"Play at {at_s:.1f} s",
                        key=f"ws_comment_{c.comment_id}",
                        on_click=_seek,
                        args=(at_s,),
                        icon=":material/play_circle:",
                    )
                if may_comment:
                    st.button(
                        "Reply", key=f"rv_reply_{c.comment_id}", on_click=_reply_to, args=(c,), icon=":material/reply:"
                    )

# --- beside it: the coach's decision, the key frames, what the video shows --------------------------------
with beside:
    if ws.me.is_coach:
        st.subheader("Coach's decision")
        done, grading = st.columns(2)
        with done:
            label, icon = (
                ("Mark as new again", ":material/undo:") if row.reviewed else ("Mark reviewed", ":material/done_all:")
            )
            if st.button(label, type="secondary" if row.reviewed else "primary", icon=icon):
                try:
                    ws.mark_reviewed(row.analysis_id, not row.reviewed)
                except store.WorkspaceError as exc:
                    ui.notice("error", exc.message)
                st.rerun()
        with grading:
            options = ["Automatic"] + list(store.reviews.GRADES)
            new = st.selectbox(
                "Grade",
                options,
                index=options.index(row.grade_override or "Automatic"),
                help="Your grade is shown beside the automatic one, with your reason.",
            )
        reason = st.text_input("Why", value=view.override_reason or "")
        if st.button("Save the grade", icon=":material/save:"):
            try:
                ws.override_grade(row.analysis_id, None if new == "Automatic" else new, reason)
                ui.load_review(ws, row.analysis_id)  # the sidebar and the Scorecard show the new grade at once
                ui.notice("success", "Grade saved.")
            except store.WorkspaceError as exc:
                ui.notice("error", exc.message)
            st.rerun()

    if result.reps:
        rep = render.rep_at(result.reps, float(st.session_state[T_KEY]))[0] or result.reps[0]
        st.subheader(f"Key frames · Rep {rep.index}")
        panels.key_frames(entry, rep, angles=False)
    if result.scorecard is not None:
        st.subheader("What the video shows")
        if not card.gradable:
            st.warning(card.not_graded_reason)
        moment = panels.faults(card, key="rv_evidence", moment_help="Play this moment")
        if moment is not None:
            st.session_state[PENDING_KEY] = moment
            st.rerun()

if ws.me.is_coach and row.client_id != ws.me.id and row.lift_id:
    st.subheader(f"{present.plain(row.client_name)}'s history on {row.lift_name}")
    history = ws.client_history(row.client_id, row.lift_id)
    ui.show_progression(ws.progression(row.client_id, row.lift_id))
    st.plotly_chart(figures.score_figure(history), width="stretch", key="ws_client_score_trend")
