"""My space: an invite to confirm, my coaches (leave one) and invite code, my uploads and their status (open, delete), my coach's comments,
and my history per lift with the progression signal."""

import streamlit as st

import store
from workspace import figures, present, session, ui

ws = ui.require_workspace()
st.title("My space")
ui.show_notice()

ui.invite_question(ws)

if ws.settings.sign_in and not ws.me.is_coach:
    st.subheader("My coaches")
    ui.my_coaches(ws)
    with st.form("ws_join", clear_on_submit=True, border=False):
        code = st.text_input("Invite code", placeholder="Paste the code your coach sent you")
        if st.form_submit_button("Join my coach", icon=":material/group_add:") and code.strip():
            ui.ask_to_join(code)

st.subheader("My uploads")
ui.job_panel(ws, limit=5, only_pending=True)
uploads = ws.list_uploads()
history = ws.client_history(ws.me.id)
sessions = present.by_analysis(history)
statuses = ui.status_of_mine(ws)
if not uploads:
    st.info("Nothing uploaded yet.")
    st.page_link(session.ANALYSE_PAGE, label="Upload a set on Analyse", icon=":material/upload:")
for rec in present.upload_records(uploads, sessions, statuses, ui.viewer_zone()):
    with st.container(border=True):
        info, status, actions = st.columns([3, 3, 2])
        info.markdown(f"**{present.plain(rec['File'])}**  \n{rec['Uploaded']}")
        status.markdown(
            present.plain(rec["Status"])
            + (f"  \n{rec['Lift']} · {rec['Reps']} reps · {rec['grade']}" if rec["Lift"] else "")
        )
        upload_id, analysis_id = rec["upload_id"], rec["analysis_id"]
        if analysis_id is not None and actions.button(
            "Open",
            key=f"ws_mine_open_{upload_id}",
            icon=":material/rate_review:",
            help="Its review: the video, the scorecard and the comments on one page",
        ):
            ui.open_review_at(ws, analysis_id)
        if st.session_state.get("ws_confirm_delete") == upload_id:
            st.warning(
                f"Delete **{present.plain(rec['File'])}**, its analysis and every comment on it? This cannot be undone."
            )
            yes, no = st.columns([1, 5])
            if yes.button("Yes, delete", key=f"ws_delete_yes_{upload_id}", type="primary"):
                try:
                    ui.delete_upload(ws, upload_id, analysis_id)
                    ui.notice("success", f"Deleted {present.plain(rec['File'])}.")
                except store.WorkspaceError as exc:
                    ui.notice("error", exc.message)
                st.session_state.pop("ws_confirm_delete", None)
                st.rerun()
            if no.button("Cancel", key=f"ws_delete_no_{upload_id}"):
                st.session_state.pop("ws_confirm_delete", None)
                st.rerun()
        elif actions.button("Delete", key=f"ws_mine_delete_{upload_id}", icon=":material/delete:"):
            st.session_state["ws_confirm_delete"] = upload_id
            st.rerun()

notes = [] if ws.me.is_coach else ui.comments_for_me(ws, history)  # a coach has no coach: nothing to show
if not ws.me.is_coach:
    st.subheader("Comments from my coach")
    if not notes:
        st.caption("No comments yet.")
for point, c in notes:
    with st.container(border=True):
        text, button = st.columns([5, 1])
        text.markdown(
            f"**{present.plain(c.author_name)}** on {point.lift_name} of {present.when(point.created_at, ui.viewer_zone())} · {present.comment_where(c)}"
        )
        text.text(c.text)
        if c.time_s is not None and button.button(
            f"Open at {c.time_s:.1f} s", key=f"ws_note_{c.comment_id}", icon=":material/play_circle:"
        ):
            ui.open_review_at(ws, point.analysis_id, at_s=c.time_s)
        if button.button("Reply", key=f"ws_reply_{c.comment_id}", icon=":material/reply:"):
            ui.open_review_at(ws, point.analysis_id, reply_to=c.comment_id)  # at the comment's rep and time

st.subheader("My history")
lifts = present.lifts(history)
if not lifts:
    st.caption("Your trends appear here once a set has been analysed.")
    st.stop()
lift = st.selectbox("Lift", list(lifts), format_func=lifts.get, key="ws_history_lift")
ui.show_progression(ws.progression(ws.me.id, lift))
points = present.sessions_of(history, lift)
st.plotly_chart(figures.score_figure(points), width="stretch", key="ws_score_trend")
measures = st.multiselect(
    "Measures",
    list(figures.MEASURES),
    default=list(figures.DEFAULT_MEASURES),
    format_func=figures.MEASURES.get,
    key="ws_history_measures",
)
st.plotly_chart(figures.measures_figure(points, measures), width="stretch", key="ws_measure_trend")
