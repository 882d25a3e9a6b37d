"""Analyse: read the filming tips, upload a set, follow its analysis (a job in the worker), open its review."""

import streamlit as st

from drawing.filming import filming_diagram_svg
from workspace import present, session, ui

UPLOAD_BOX_INSTRUCTIONS = '[class*="st-key-ws_uploader_"] [data-testid="stFileUploaderDropzoneInstructions"]'

ws = ui.require_workspace()

st.title("Analyse a hip-hinge set")
st.write("Upload a video of one set. You get the reps, joint angles, a grade per rep and what to work on next.")

left, right = st.columns([3, 2], gap="large")

with right:
    st.subheader("Filming tips")
    st.image(filming_diagram_svg(), width=360)
    st.markdown(
        "- **Side-on**: the camera looks at your side, not your front.\n"
        "- **Hip height**, 2–4 m away, phone still (a tripod or a shelf).\n"
        "- **Whole body** in frame from head to feet for the whole set.\n"
        "- **Only you** in view, good light, tight clothes help.\n"
        "- Start filming before the first rep and stop after the last."
    )

with left:
    ui.show_notice()
    options = session.lift_options()
    exercise = st.selectbox(
        "Lift",
        list(options),
        format_func=options.get,
        help="Leave on automatic unless the detected lift is wrong. Type to search: a name, or a group "
        "such as deadlifts, swings or drills.",
    )
    turn = st.session_state.setdefault("ws_uploader_turn", 0)
    # Streamlit's box would say "1GB per file" (it rounds 600 MB up to a whole GB): the label says the limits
    st.html(f"<style>{UPLOAD_BOX_INSTRUCTIONS} {{display: none}}</style>")
    uploaded = st.file_uploader(
        f"Video of your set ({session.VIDEO_KINDS}; up to 10 minutes and 600 MB)",
        type=session.VIDEO_TYPES,
        key=f"ws_uploader_{turn}",
        help="The analysis runs on the server: you can close this tab and come back.",
    )
    if uploaded is not None:
        up = ui.submit_upload(ws, uploaded.name, uploaded, exercise)
        if up is not None:
            ui.release_upload(uploaded)  # saved: the server's copy goes
            st.session_state["ws_uploader_turn"] = turn + 1  # a fresh uploader when this page shows again
            ui.after_upload(ws, up)
    uploads = ui.job_panel(ws, limit=3)
    if present.any_failed(uploads):
        st.markdown("**What to do**\n" + "\n".join(f"- {tip}" for tip in session.WHAT_TO_DO))
    if uploads:
        st.page_link(ui.MY_SPACE_PAGE, label="All my uploads and my history", icon=":material/person:")
