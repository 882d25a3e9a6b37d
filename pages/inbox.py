"""Inbox (coaches): every client's sets in one table made for scanning (a picture of the worst rep, grade in
colour, status in words, times in the viewer's zone), filtered and sorted with the filters in the address;
a row opens its review; "open the next" opens the first set waiting. Invites and the client list (remove a client)."""

import pandas as pd
import streamlit as st

import store
from drawing.figures import grade_colour
from workspace import inbox, present, ui
from workspace.inbox import InboxFilters

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
asked = inbox.in_choices(ui.inbox_filters(), clients, lifts)
for name, value in vars(asked).items():  # the pickers start from the address (or this session's last filters)
    st.session_state.setdefault(f"ws_f_{name}", value)

f1, f2, f3, f4, f5, f6 = st.columns(6)
f1.selectbox(
    "Client", [None, *clients], format_func=lambda c: "All clients" if c is None else clients[c], key="ws_f_client"
)
f2.selectbox("Lift", [None, *lifts], format_func=lambda x: "All lifts" if x is None else lifts[x], key="ws_f_lift")
f3.selectbox("Grade", [None, *store.reviews.GRADES], format_func=lambda g: g or "All grades", key="ws_f_grade")
f4.selectbox("Status", list(inbox.STATUS_FILTERS), format_func=inbox.STATUS_FILTERS.get, key="ws_f_status")
f5.selectbox(
    "Verdict",
    [None, *present.VERDICT_WORDS],
    format_func=lambda v: "All verdicts" if v is None else present.VERDICT_WORDS[v],
    key="ws_f_verdict",
)
f6.selectbox("Sort", list(present.SORT_LABELS), format_func=present.SORT_LABELS.get, key="ws_f_sort")
chosen = InboxFilters(**{name: st.session_state[f"ws_f_{name}"] for name in vars(asked) if name != "page"})
if chosen != InboxFilters(**{**vars(asked), "page": 1}):
    st.session_state["ws_f_page"] = 1  # other filters: back to the first page

rows = inbox.keep_status(ws.inbox(**chosen.store_args()), chosen.status, ws.me.id)
if not rows:
    ui.keep_inbox_filters(chosen)
    st.info("No reviews match these filters.")
    st.stop()
shown, page, pages = inbox.page_of(rows, st.session_state.get("ws_f_page", 1))
filters = InboxFilters(**{**vars(chosen), "page": page})
ui.keep_inbox_filters(filters)

waiting = inbox.row_of(rows, inbox.next_in_line(rows, None))
if waiting is not None and st.button("Open the next set waiting", icon=":material/skip_next:", type="primary"):
    ui.open_review(waiting, filters)

zone, zone_label = inbox.viewer_zone(st.context.timezone)
table = pd.DataFrame(inbox.inbox_table(shown, ws.thumbnails(shown), viewer_id=ws.me.id, zone=zone))
styled = table.style.map(lambda g: f"color: {grade_colour(g)}; font-weight: 700", subset=["Grade"])
turn = st.session_state.setdefault("ws_inbox_turn", 0)
event = st.dataframe(
    styled,
    key=f"ws_inbox_{turn}",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    height="content",  # the whole page of rows (at most 25): the page scrolls, not a box inside it
    row_height=64,
    column_config={
        "id": None,
        "Worst rep": st.column_config.ImageColumn("Worst rep", help="The bottom of the set's lowest-scoring rep"),
        "Uploaded": st.column_config.DatetimeColumn(f"Uploaded ({zone_label})", format="D MMM, HH:mm", width=105),
        "Score": st.column_config.NumberColumn(format="%.0f"),
        "Status": st.column_config.TextColumn("Status", width=100),  # "Client replied" whole
        "Grade": st.column_config.TextColumn("Grade", width=130),  # "D (coach) · A measured" whole
    },
)
if pages > 1:
    st.session_state["ws_f_page"] = page
    st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1, key="ws_f_page")
st.caption(
    "Select a row to open its review. Click a column heading to sort this page by it. The grade is the coach's "
    "when one was set."
)
picked = event.selection.rows if event else []
if picked:
    st.session_state["ws_inbox_turn"] = turn + 1  # a fresh table on return, not the old selection
    ui.open_review(shown[picked[0]], filters)
