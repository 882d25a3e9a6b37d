"""Inbox (coaches): every client's reviews in one table, filtered and sorted; a row opens its review. Invites and the
client list (remove a client)."""

import pandas as pd
import streamlit as st

import store
from workspace import present, ui

ws = ui.require_workspace()
st.title("Inbox")
if not ws.me.is_coach:
    st.info("The inbox is for coaches. Your own uploads and your coach's notes are on **My space**.")
    st.stop()
ui.show_notice()

if ws.settings.sign_in:
    with st.expander("Invite a client", icon=":material/person_add:", expanded=False):
        st.write(
            "Send the link (or the code) to your client. Once they open it signed in, their uploads "
            "appear here. Each invite works once, for 14 days."
        )
        if st.button("Make an invite", key="ws_make_invite"):
            st.session_state["ws_invite"] = ws.create_invite().code
        code = st.session_state.get("ws_invite")
        if code:
            st.markdown("**Link**")
            st.code(present.invite_link(st.context.url or "", code), language=None)
            st.markdown("**Code**")
            st.code(code, language=None)
    with st.expander("My clients", icon=":material/group:", expanded=False):
        ui.my_clients(ws)

everything = ws.inbox()
if not everything:
    st.info("No reviews yet. When your clients upload a set (or you do), it shows up here.")
    st.stop()

clients, lifts = present.inbox_choices(everything)
f1, f2, f3, f4, f5, f6 = st.columns(6)
client = f1.selectbox("Client", [None, *clients], format_func=lambda c: "All clients" if c is None else clients[c])
lift = f2.selectbox("Lift", [None, *lifts], format_func=lambda x: "All lifts" if x is None else lifts[x])
grade = f3.selectbox("Grade", [None, *store.reviews.GRADES], format_func=lambda g: g or "All grades")
status = f4.selectbox("Status", ["all", "new", "reviewed"], format_func=str.capitalize)
verdict = f5.selectbox(
    "Verdict",
    [None, *present.VERDICT_WORDS],
    format_func=lambda v: "All verdicts" if v is None else present.VERDICT_WORDS[v],
)
sort = f6.selectbox("Sort", list(present.SORT_LABELS), format_func=present.SORT_LABELS.get)

rows = ws.inbox(
    client_id=client,
    lift_id=lift,
    grade=grade,
    verdict=verdict,
    reviewed=None if status == "all" else status == "reviewed",
    sort=sort,
)
if not rows:
    st.info("No reviews match these filters.")
    st.stop()
turn = st.session_state.setdefault("ws_inbox_turn", 0)
event = st.dataframe(
    pd.DataFrame(present.inbox_records(rows)),
    key=f"ws_inbox_{turn}",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config={
        "id": None,
        "Date": st.column_config.DatetimeColumn("Date (UTC)", format="D MMM YYYY, HH:mm"),
        "Score": st.column_config.NumberColumn(format="%.0f"),
    },
)
st.caption("Select a row to open its review. Click a column heading to sort by it.")
picked = event.selection.rows if event else []
if picked:
    st.session_state["ws_inbox_turn"] = turn + 1  # a fresh table on return, not the old selection
    st.switch_page(ui.REVIEW_PAGE, query_params={"review": str(rows[picked[0]].analysis_id)})
