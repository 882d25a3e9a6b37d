"""Scorecard: the grade (the coach's first) and how it is made, per-rep table, faults with evidence, what to do
next, downloads."""

import pandas as pd
import streamlit as st

import report
from drawing import figures
from drawing.filming import filming_diagram_svg
from drawing.scorecard import scorecard_view
from pipeline.document import serialize
from workspace import panels, present, review_desk, session, ui

entry = session.require_current()
result = entry.result
sc = result.scorecard
view = scorecard_view(result, entry.coach)

st.title("Scorecard")
st.caption(
    f"{present.plain(entry.filename)} · {result.video.duration_s:.1f} s · analysed in {entry.seconds:.0f} s"
    if entry.seconds
    else f"{present.plain(entry.filename)} · {result.video.duration_s:.1f} s"
)

st.subheader((view.lift if sc else "Hinge") + (" (detected)" if view.lift_assumed else ""))
ui.show_notice()
review_id = ui.current_review_id()
ui.review_page_link(ui.require_workspace())
if review_id is not None:  # a saved analysis: its lift can be corrected in place
    if sc and sc.exercise_assumed:
        st.caption(
            "The lift was recognised automatically. If it is wrong, choose the right one below: the set "
            "is graded again at once."
        )
    with st.expander("Grade it as another lift", expanded=bool(sc and sc.exercise_assumed)):
        options = session.lift_options()
        now = result.config.exercise if result.config.exercise in options else "auto"
        lift = st.selectbox(
            "Lift",
            list(options),
            index=list(options).index(now),
            format_func=options.get,
            key=f"regrade_lift_{review_id}",
        )
        if st.button("Grade as this lift", icon=":material/grading:", disabled=lift == now):
            ui.regrade_current(ui.require_workspace(), lift)
            st.rerun()
        st.caption("The reps and measures already taken are kept: nothing is analysed again.")

panels.grade_row(view.grade, [("Score", view.score), ("Reps", view.rep_count), ("Partial reps", view.partial_count)])
if view.explanation.steps:
    with st.expander("How the grade is made", icon=":material/help:"):
        for step in view.explanation.steps:
            st.markdown(f"- {step}")
        st.caption(view.explanation.rep_rule)
        st.caption("Grades by set score: " + " · ".join(view.explanation.legend) + ".")

for warning in view.warnings:
    st.warning(warning)
if not view.gradable:
    st.warning(view.not_graded_reason + " The rep count and charts may still help.")
    if view.still_reliable:
        st.write("Still reliable: " + ", ".join(view.still_reliable) + ".")
    if view.refilm_tips:
        tips, diagram = st.columns([3, 2])
        tips.markdown("**To get a grade next time**\n" + "\n".join(f"- {tip}" for tip in view.refilm_tips))
        diagram.image(filming_diagram_svg(), width=300, caption="Camera side-on, at hip height")
elif view.caution:
    st.warning(view.caution)
if view.verdict_note:
    st.info(view.verdict_note, icon=":material/visibility:")

rows = figures.rep_rows(result)
if rows:
    st.subheader("Reps")
    table = pd.DataFrame(rows).set_index("Rep")
    colour = {row["Rep"]: figures.grade_colour(row["Grade"]) for row in rows}
    styled = (
        table.style.apply(lambda r: [f"background-color: {colour[r.name]}26" for _ in r], axis=1)
        .map(lambda g: f"color: {figures.grade_colour(g)}; font-weight: 700", subset=["Grade"])
        .format(
            {
                col: ("{:.2f}" if "ratio" in col.lower() or "(s)" in col else "{:.0f}")
                for col in table.select_dtypes("number").columns
            },
            na_rep="–",
        )
    )
    st.dataframe(styled, width="stretch")

if sc:
    st.subheader("What the video shows")
    moment = panels.faults(view, key="evidence", moment_help=review_desk.evidence_help(review_id))
    if moment is not None:
        review_desk.open_evidence(ui.require_workspace(), review_id, moment)
    if view.skipped:
        st.caption("Not checked in this clip (not visible or not measurable): " + "; ".join(view.skipped) + ".")
    if view.check_notes:
        with st.expander("How far to trust each check", icon=":material/fact_check:"):
            st.caption(
                "Each check was run on labelled real clips from other people's videos; "
                "the figures come from clips whose source was held out while the levels were fitted."
            )
            for label, text in view.check_notes:
                st.markdown(f"**{label}** — {text}")
    for check in view.set_checks:
        icon = ":red[●]" if check.severity == "fault" else ":orange[●]"
        st.markdown(f"{icon} **Whole set · {check.label}**: {check.message}")

    step = view.next_step
    if step is not None:
        st.subheader("Next step")
        with st.container(border=True):
            st.markdown(step.headline_md)
            st.write(step.reason)
            if step.drills:
                st.markdown("**Drills**\n" + "\n".join(f"- {d}" for d in step.drills))
            if step.cues:
                st.markdown("**Cues**\n" + "\n".join(f"- {q}" for q in step.cues))
            if step.next_session:
                st.markdown(f"**Next session:** {step.next_session}")
            if step.move_on:
                st.caption(f"Move on when: {step.move_on}")

st.subheader("Download")
d1, d2, d3, d4 = st.columns(4)
stem = entry.filename.rsplit(".", 1)[0]
d1.download_button(
    "Full analysis (JSON)",
    serialize.dumps(result),
    file_name=f"{stem}_analysis.json",
    mime="application/json",
    icon=":material/download:",
)
d2.download_button(
    "Per-rep metrics (CSV)",
    figures.rep_metrics_csv(result),
    file_name=f"{stem}_reps.csv",
    mime="text/csv",
    icon=":material/download:",
)
# The report is built only when its button is pressed (Kaleido starts a browser for the chart).
d3.download_button(
    "Download report (PDF)",
    lambda: report.build_pdf(result, video_path=entry.video_path, filename=entry.filename, coach=entry.coach),
    file_name=f"{stem}_report.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
)
d4.download_button(
    "Download report (HTML)",
    lambda: report.build_html(result, video_path=entry.video_path, filename=entry.filename, coach=entry.coach),
    file_name=f"{stem}_report.html",
    mime="text/html",
    icon=":material/html:",
    on_click="ignore",
)
