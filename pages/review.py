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
from workspace import figures, inbox, panels, present, review_desk, session, ui

ws = ui.require_workspace()
try:
    view = ui.asked_view(ws)
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
desk = review_desk.desk_for(ws, view)
zone = ui.viewer_zone()
coach = present.coach_review(view, zone)
card = scorecard_view(result, coach)
duration = desk.duration_s

# --- header ------------------------------------------------------------------------------------------------
st.title(f"Review · {present.plain(row.file_name)}")
st.caption(
    f"{present.plain(row.client_name)} · {present.when(row.created_at, zone)} · {row.lift_name or 'lift not recognised'}"
)
ui.show_notice()
panels.grade_row(
    present.review_grade(view, zone),
    [
        ("Score", f"{row.score:.0f}/100" if row.score is not None else "–"),
        ("Reps", row.reps),
        ("Status", inbox.status_words(row, ws.me.id, ws.me.is_coach)),
    ],
)
links = st.columns(3)
links[0].page_link(session.SCORECARD_PAGE, label="Scorecard and report", icon=":material/grading:")
links[1].page_link(session.FRAMES_PAGE, label="Frames", icon=":material/movie:")
links[2].page_link(
    session.CHARTS_PAGE, label="Charts", icon=":material/show_chart:", query_params=panels.chart_address(result)
)
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
    with st.container(key=f"rv_player_{desk.player_nonce}"):
        panels.player(entry, desk.player_start_s)
    with st.container(horizontal=True, gap="small"):  # the rep strip: as many on a line as fit
        for stop in timeline.rep_strip(result):
            st.button(
                stop.label,
                key=f"rv_rep_{stop.rep}",
                on_click=desk.seek,
                args=(stop.bottom_s,),
                help=f"Play from just before rep {stop.rep}'s bottom ({stop.bottom_s:.1f} s)",
            )
    st.plotly_chart(
        timeline.timeline_figure(result, coach.comments, desk.moment_s),
        key=review_desk.TIMELINE_KEY,
        on_select=desk.timeline_clicked,
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.slider(
        "Moment (s)",
        0.0,
        float(round(duration, 2)),
        step=round(1.0 / max(result.config.analysis_fps, 1.0), 2),
        key=review_desk.T_KEY,
        on_change=desk.slider_moved,
        help="The moment to comment on; the rep buttons and the timeline's markers set it too.",
    )
    st.caption(render.frame_title(result, desk.moment_s))

    if desk.may_comment:
        st.subheader("Reply to your coach" if desk.mine else "Add a comment")
        if desk.mine:
            st.caption("Ask about a rep or say how the set felt; your coach sees it in their inbox.")
        st.button(
            "Comment at this moment",
            on_click=desk.comment_here,
            icon=":material/add_comment:",
            help="Pins the comment to the moment picked above and the rep it falls in.",
        )
        note = st.empty()  # kept on every run, so the form below it stays where it is (and what is typed in it)
        if st.session_state.get(review_desk.REPLY_NOTE_KEY):
            note.caption(st.session_state[review_desk.REPLY_NOTE_KEY])
        left, right = st.columns(2)
        left.selectbox(
            "Rep",
            list(desk.choices),
            key=review_desk.REP_KEY,
            on_change=desk.rep_changed,
            help="Choosing a rep sets the time to its bottom; change the time if you mean another moment.",
        )
        right.number_input(
            "Time in the clip (s)",
            min_value=0.0,
            max_value=duration + 1.0,
            value=None,
            step=0.1,
            format="%.1f",
            key=review_desk.TIME_KEY,
        )
        st.text_area(
            "Comment",
            key=review_desk.TEXT_KEY,
            placeholder="A question or note for your coach"
            if desk.mine
            else "What should they feel or change on this rep?",
        )
        st.button(
            "Send reply" if desk.mine else "Add comment", type="primary", on_click=desk.send, icon=":material/send:"
        )

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
                        on_click=desk.seek,
                        args=(at_s,),
                        icon=":material/play_circle:",
                    )
                if desk.may_comment:
                    st.button(
                        "Reply",
                        key=f"rv_reply_{c.comment_id}",
                        on_click=desk.reply_to,
                        args=(c,),
                        icon=":material/reply:",
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
            st.button(label, type="secondary" if row.reviewed else "primary", icon=icon, on_click=desk.toggle_reviewed)
        with grading:
            options = desk.grade_options()
            st.selectbox(
                "Grade",
                options,
                index=options.index(desk.grade_now()),
                key=desk.grade_key,
                help="Your grade is shown beside the automatic one, with your reason.",
            )
        st.text_input("Why", value=view.override_reason or "", key=desk.reason_key)
        st.button("Save the grade", icon=":material/save:", on_click=desk.save_grade)

    rep = desk.rep_on_screen()
    if rep is not None:
        st.subheader(f"Key frames · Rep {rep.index}")
        panels.key_frames(entry, rep, angles=False)
    if result.scorecard is not None:
        st.subheader("What the video shows")
        if not card.gradable:
            st.warning(card.not_graded_reason)
        moment = panels.faults(card, key="rv_evidence", moment_help="Play this moment")
        if moment is not None:
            desk.seek_next_run(moment)

if ws.me.is_coach and row.client_id != ws.me.id and row.lift_id:
    st.subheader(f"{present.plain(row.client_name)}'s history on {row.lift_name}")
    history = ws.client_history(row.client_id, row.lift_id)
    ui.show_progression(ws.progression(row.client_id, row.lift_id))
    st.plotly_chart(figures.score_figure(history), width="stretch", key="ws_client_score_trend")
