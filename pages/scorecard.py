"""Scorecard: overall grade, per-rep table, faults with evidence, what to do next, downloads."""

import pandas as pd
import streamlit as st

import report
from pages import shared
from pipeline import figures, serialize
from pipeline.filming import filming_diagram_svg
from report.content import headline
from workspace import ui

entry = shared.require_current()
result = entry.result
sc = result.scorecard

st.title("Scorecard")
st.caption(f"{entry.filename} · {result.video.duration_s:.1f} s · analysed in {entry.seconds:.0f} s"
           if entry.seconds else f"{entry.filename} · {result.video.duration_s:.1f} s")

name = sc.exercise_name if sc else "Hinge"
st.subheader(name + (" (detected)" if sc and sc.exercise_assumed else ""))
ui.show_notice()
review_id = ui.current_review_id()
if review_id is not None:  # a saved analysis: its lift can be corrected in place
    if sc and sc.exercise_assumed:
        st.caption("The lift was recognised automatically. If it is wrong, choose the right one below: the set "
                   "is graded again at once.")
    with st.expander("Grade it as another lift", expanded=bool(sc and sc.exercise_assumed)):
        options = shared.lift_options()
        now = result.config.exercise if result.config.exercise in options else "auto"
        lift = st.selectbox("Lift", list(options), index=list(options).index(now), format_func=options.get,
                            key=f"regrade_lift_{review_id}")
        if st.button("Grade as this lift", icon=":material/grading:", disabled=lift == now):
            ui.regrade_current(ui.require_workspace(), lift)
            st.rerun()
        st.caption("The reps and measures already taken are kept: nothing is analysed again.")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Overall grade", sc.overall_grade if sc and sc.overall_grade else "–")
c2.metric("Score", f"{sc.overall_score:.0f}/100" if sc and sc.overall_score is not None else "–")
c3.metric("Reps", result.rep_count)
c4.metric("Partial reps", result.set_metrics.partial_count)

for warning in result.warnings:
    st.warning(warning)
if sc is None or not sc.gradable:
    st.warning((sc.reason if sc and sc.reason else "This clip could not be graded.")
               + " The rep count and charts may still help.")
    if sc and sc.trusted:
        st.write("Still reliable: " + ", ".join(sc.trusted) + ".")
    if sc and sc.refilm_tips:
        tips, diagram = st.columns([3, 2])
        tips.markdown("**To get a grade next time**\n" + "\n".join(f"- {tip}" for tip in sc.refilm_tips))
        diagram.image(filming_diagram_svg(), width=300, caption="Camera side-on, at hip height")
elif sc.caution:
    st.warning(sc.caution)

rows = figures.rep_rows(result)
if rows:
    st.subheader("Reps")
    table = pd.DataFrame(rows).set_index("Rep")
    colour = {row["Rep"]: figures.grade_colour(row["Grade"]) for row in rows}
    styled = table.style.apply(
        lambda r: [f"background-color: {colour[r.name]}26" for _ in r], axis=1
    ).map(lambda g: f"color: {figures.grade_colour(g)}; font-weight: 700", subset=["Grade"]).format(
        {col: ("{:.2f}" if "ratio" in col.lower() or "(s)" in col else "{:.0f}")
         for col in table.select_dtypes("number").columns}, na_rep="–")
    st.dataframe(styled, width="stretch")

groups = figures.fault_groups(result)
if sc:
    st.subheader("What the video shows")
    if not groups:
        st.success("No faults found on any rep.")
    for g, group in enumerate(groups):
        with st.container(border=True):
            icon = ":red[●]" if group.status == "fail" else ":orange[●]"
            reps = ", ".join(f"{f.rep}" + ("" if f.status == group.status else f" ({f.status})") for f in group.seen)
            st.markdown(f"{icon} **{group.label}** — {'fault' if group.status == 'fail' else 'watch'} "
                        f"on rep{'s' if len(group.seen) > 1 else ''} {reps}")
            st.write(group.message)
            trust = next((n.text for n in sc.check_notes if n.rule == group.rule), "")
            if trust:
                st.caption(trust)
            if group.cue:
                st.markdown(f"*Cue:* {group.cue}")
            if group.drill:
                st.markdown(f"*Drill:* {shared.exercise_name(group.drill)}")
            seen = [f for f in group.seen if f.evidence_s is not None]
            for col, f in ((col, f) for i in range(0, len(seen), 6)
                           for col, f in zip(st.columns(6), seen[i:i + 6])):
                if col.button(f"Rep {f.rep} · {f.evidence_s:.1f} s", key=f"evidence_{g}_{f.rep}",
                              icon=":material/play_circle:", help="Open this moment on the Frames page"):
                    st.session_state[shared.FOCUS_KEY] = float(f.evidence_s)
                    st.switch_page(shared.FRAMES_PAGE)
    skipped = figures.skipped_checks(result)
    if skipped:
        st.caption("Not checked in this clip (not visible or not measurable): " + "; ".join(skipped) + ".")
    if sc.check_notes:
        with st.expander("How far to trust each check", icon=":material/fact_check:"):
            st.caption("Each check was run on labelled real clips from other people's videos; "
                       "the figures come from clips whose source was held out while the levels were fitted.")
            for note in sc.check_notes:
                st.markdown(f"**{note.label}** — {note.text}")
    for c in sc.set_criteria:
        if c.status in ("warn", "fail"):
            st.markdown(f"{':red[●]' if c.status == 'fail' else ':orange[●]'} **Whole set · {c.label}**: {c.message}")

    s = sc.suggestions
    st.subheader("Next step")
    with st.container(border=True):
        st.markdown(headline(s, sc.exercise_id, strong="**"))
        st.write(s.reason)
        if s.drills:
            st.markdown("**Drills**\n" + "\n".join(f"- {d}" for d in s.drills))
        if s.cues:
            st.markdown("**Cues**\n" + "\n".join(f"- {q}" for q in s.cues))
        if s.next_session:
            st.markdown(f"**Next session:** {s.next_session.text}")
        if s.move_on_rule:
            st.caption(f"Move on when: {s.move_on_rule}")

st.subheader("Download")
d1, d2, d3, d4 = st.columns(4)
stem = entry.filename.rsplit(".", 1)[0]
d1.download_button("Full analysis (JSON)", serialize.dumps(result), file_name=f"{stem}_analysis.json",
                   mime="application/json", icon=":material/download:")
d2.download_button("Per-rep metrics (CSV)", figures.rep_metrics_csv(result), file_name=f"{stem}_reps.csv",
                   mime="text/csv", icon=":material/download:")
# The report is built only when its button is pressed (Kaleido starts a browser for the chart).
d3.download_button("Download report (PDF)", lambda: report.build_pdf(result, video_path=entry.video_path,
                                                                     filename=entry.filename),
                   file_name=f"{stem}_report.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                   on_click="ignore")
d4.download_button("Download report (HTML)", lambda: report.build_html(result, video_path=entry.video_path,
                                                                       filename=entry.filename),
                   file_name=f"{stem}_report.html", mime="text/html", icon=":material/html:", on_click="ignore")
