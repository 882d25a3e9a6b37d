"""Analyse: choose the lift, read the filming tips, upload, watch the progress."""

import logging

import streamlit as st

from pages import shared
from pipeline.errors import InputError
from pipeline.render import filming_diagram_svg
from pipeline.types import AnalysisConfig

log = logging.getLogger("hinge_review.app")

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
    options = shared.lift_options()
    exercise = st.selectbox("Lift", list(options), format_func=options.get,
                            help="Leave on automatic unless the detected lift is wrong.")
    uploaded = st.file_uploader("Video of your set (MP4 or MOV, up to 10 minutes)", type=shared.VIDEO_TYPES)

    if uploaded is None:
        entry = shared.current()
        if entry is not None:
            st.info(f"Showing **{entry.filename}**. Upload another video to analyse it.")
            st.page_link(shared.SCORECARD_PAGE, label="Open its scorecard", icon=":material/grading:")
        st.stop()

    config = AnalysisConfig(exercise=exercise)
    data = uploaded.getbuffer()
    key = shared.analysis_key(shared.content_hash(data), config)
    failed = shared.failures()
    fresh = False

    if key not in shared.store() and key not in failed:
        bar = st.progress(0.0, text="Starting…")

        def on_progress(p) -> None:
            eta = shared.format_eta(p.eta_s)
            bar.progress(min(1.0, max(0.0, float(p.fraction))), text=f"{p.label}" + (f" — {eta}" if eta else ""))

        try:
            shared.analyse_upload(uploaded.name, data, config, on_progress,
                                  on_queued=lambda: bar.progress(0.0, text="Waiting for another analysis to finish…"))
            fresh = True
        except InputError as exc:
            failed[key] = exc.message
        except Exception:  # never show a traceback: log it, say something useful
            log.exception("analysis failed for %s", uploaded.name)
            failed[key] = shared.GENERIC_FAILURE
        bar.empty()

    if key in failed:
        st.error(failed[key])
        st.markdown("**What to do**\n" + "\n".join(f"- {tip}" for tip in shared.WHAT_TO_DO))
        if failed[key] == shared.GENERIC_FAILURE and st.button("Try this file again"):
            failed.pop(key, None)
            st.rerun()
        st.stop()

    shared.set_current(key)
    if fresh:
        st.switch_page(shared.SCORECARD_PAGE)
    entry = shared.current()
    st.success(f"**{entry.filename}** analysed: {entry.result.rep_count} reps.")
    st.page_link(shared.SCORECARD_PAGE, label="Open the scorecard", icon=":material/grading:")
