"""Review: one stored analysis with its coach's grade, comments pinned to reps, and the coach's actions.

Opened from the inbox, from My space, or by URL (``?review=TOKEN``); the store
checks that the review is the user's own or a linked client's.
"""

import streamlit as st

import store
from workspace import figures, present, session, ui

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

st.title(f"Review · {present.plain(row.file_name)}")
st.caption(
    f"{present.plain(row.client_name)} · {present.when(row.created_at)} · {row.lift_name or 'lift not recognised'}"
)
ui.show_notice()
grade = present.review_grade(view)
figures_row = [
    *grade.metrics,
    ("Score", f"{row.score:.0f}/100" if row.score is not None else "–"),
    ("Reps", row.reps),
    ("Status", "reviewed" if row.reviewed else "new"),
]
for col, (label, value) in zip(st.columns(len(figures_row)), figures_row):
    col.metric(label, value)
if grade.coach:
    st.info(f"**{grade.text}**  \n{present.plain(grade.note)}", icon=":material/sports:")
links = st.columns(3)
links[0].page_link(session.SCORECARD_PAGE, label="Scorecard", icon=":material/grading:")
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

st.subheader("Comments")
if not view.comments:
    st.caption("No comments yet.")
for c in view.comments:
    with st.container(border=True):
        text, button = st.columns([5, 1])
        text.markdown(f"**{present.plain(c.author_name)}** · {present.comment_where(c)} · {present.when(c.created_at)}")
        text.text(c.text)
        if c.time_s is not None and button.button(
            f"Open at {c.time_s:.1f} s", key=f"ws_comment_{c.comment_id}", icon=":material/play_circle:"
        ):
            ui.open_page_with(ws, row.analysis_id, session.FRAMES_PAGE, at_s=c.time_s)

mine = row.client_id == ws.me.id and not ws.me.is_coach
if ws.me.is_coach or mine:
    st.subheader("Reply to your coach" if mine else "Add a comment")
    if mine:
        st.caption("Ask about a rep or say how the set felt; your coach sees it in their inbox.")
    choices = present.rep_choices(result)
    rep_key, time_key, text_key = "ws_c_rep", "ws_c_time", "ws_c_text"
    if st.session_state.get("ws_c_for") != row.analysis_id:  # another review: a fresh form
        st.session_state.update({"ws_c_for": row.analysis_id, rep_key: "Whole set", time_key: None, text_key: ""})

    def _rep_changed() -> None:
        st.session_state[time_key] = choices[st.session_state[rep_key]][1]

    def _send() -> None:
        rep, _ = choices[st.session_state[rep_key]]
        try:
            ws.add_comment(
                row.analysis_id,
                st.session_state.get(text_key, ""),
                rep_index=rep,
                time_s=st.session_state.get(time_key),
            )
            st.session_state[text_key] = ""
            ui.notice("success", "Reply sent to your coach." if mine else "Comment added.")
        except store.WorkspaceError as exc:
            ui.notice("error", exc.message)

    left, right = st.columns(2)
    left.selectbox(
        "Rep",
        list(choices),
        key=rep_key,
        on_change=_rep_changed,
        help="Choosing a rep sets the time to its bottom; change the time if you mean another moment.",
    )
    right.number_input(
        "Time in the clip (s)",
        min_value=0.0,
        max_value=float(result.video.duration_s) + 1.0,
        value=None,
        step=0.1,
        format="%.1f",
        key=time_key,
    )
    st.text_area(
        "Comment",
        key=text_key,
        placeholder="A question or note for your coach" if mine else "What should they feel or change on this rep?",
    )
    st.button("Send reply" if mine else "Add comment", type="primary", on_click=_send, icon=":material/send:")

if ws.me.is_coach:
    st.subheader("Coach's decision")
    done, grade = st.columns(2)
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
    with grade:
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

    if row.client_id != ws.me.id and row.lift_id:
        st.subheader(f"{present.plain(row.client_name)}'s history on {row.lift_name}")
        history = ws.client_history(row.client_id, row.lift_id)
        ui.show_progression(ws.progression(row.client_id, row.lift_id))
        st.plotly_chart(figures.score_figure(history), width="stretch", key="ws_client_score_trend")
