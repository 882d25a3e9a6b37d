"""Hinge Review: upload a hip-hinge set, get reps, angles and a graded scorecard.

Run with ``streamlit run app.py --server.address localhost`` on your own machine
(docs/deploy.md: sign-in, local mode or the setup page). This script only sets up
the pages: the setup page alone where the app may not run without sign-in, the
sign-in screen when sign-in is configured and nobody is signed in, the
workspace pages for this account (``workspace.ui``) and the review pages; each
page in ``pages/`` arranges widgets and reads the analysis kept by
``workspace.session``.
"""

import logging

import streamlit as st

from workspace import present, session, ui

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Hinge Review", page_icon=":material/fitness_center:", layout="wide")

with ui.database_outage_shown():  # a database restart: a plain warning and a retry, not a traceback
    ws = ui.require_workspace()  # the sign-in screen (and a stop) when sign-in is configured and nobody is in
    page = st.navigation(
        [
            *ui.pages(ws),
            st.Page(session.ANALYSE_PAGE, title="Analyse", icon=":material/upload:", default=not ui.lands_on_inbox(ws)),
            st.Page(session.SCORECARD_PAGE, title="Scorecard", icon=":material/grading:"),
            st.Page(session.FRAMES_PAGE, title="Frames", icon=":material/movie:"),
            st.Page(session.CHARTS_PAGE, title="Charts", icon=":material/show_chart:"),
            st.Page(session.COMPARE_PAGE, title="Compare", icon=":material/compare:"),
        ]
    )

    ui.asked_on_screen(ws, page)
    with st.sidebar:
        ui.account_box(ws)
        ui.follow_links(ws, page)
        ui.review_actions(ws, page)
        entries = session.store().entries()
        if entries:
            labels = {e.key: e.filename for e in reversed(entries)}
            now = session.current()
            chosen = st.selectbox(
                "Analysis on screen",
                list(labels),
                format_func=labels.get,
                index=list(labels).index(now.key) if now else 0,
            )
            session.set_current(chosen)
            st.caption(present.set_line(session.current().result, session.current().coach))
        st.caption("Hinge Review checks form from video; it does not replace a coach who can see you lift.")

    page.run()
