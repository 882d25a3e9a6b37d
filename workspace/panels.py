"""Streamlit pieces that more than one page shows (not a page): the annotated player, a rep's key frames,
the grade's row of figures, and the faults the video shows with their moments and a link to the measure
behind each on Charts.

The Scorecard, Frames and Review pages call these rather than each drawing its own copy; what they show
comes from ``drawing`` (``ScorecardView``, key frames) and the session's result store.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from drawing import figures
from drawing import frames as render
from drawing.scorecard import GradeView, ScorecardView
from pipeline.measure.glossary import MEASURES
from pipeline.types import AnalysisResult, Rep
from workspace import present, session

DRAWING_TEXT = "Drawing the skeleton on the video…"
CHART_MEASURE_PARAM = "measure"  # the Charts page's address names the measure it opens on (a glossary field)


def annotated_video(entry: session.StoredAnalysis) -> render.EncodedVideo | None:
    """The entry's annotated video: kept from an earlier page, else drawn once now (with a progress bar)
    from the clip and the stored analysis; nothing is analysed again. None without the clip or on failure."""
    if entry.annotated is not None and entry.annotated.path.is_file():
        return entry.annotated
    if not entry.video_path:
        return None
    bar = st.progress(0.0, text=DRAWING_TEXT)
    try:
        return session.annotated_video(entry, lambda f: bar.progress(f, text=DRAWING_TEXT))
    except Exception:
        session.log.exception("annotated video failed for %s", entry.filename)
        st.warning("The annotated video could not be made; the key frames still work.")
        return None
    finally:
        bar.empty()


def player(entry: session.StoredAnalysis, start_s: int, *, portrait_width_px: int = 400) -> bool:
    """The annotated video starting at ``start_s`` (whole seconds); False (and a note) when there is none."""
    video = annotated_video(entry)
    if video is None:
        if not entry.video_path:
            st.info("The original video is not available for this stored analysis: frames show the skeleton only.")
        return False
    portrait = entry.result.video.height > entry.result.video.width
    st.video(str(video.path), format=video.mime, start_time=start_s, width=portrait_width_px if portrait else "stretch")
    return True


def key_frames(entry: session.StoredAnalysis, rep: Rep, *, angles: bool = True) -> None:
    """The rep's start, bottom and lockout, annotated, side by side (captions with the angles)."""
    result = entry.result
    picked = [k for k in render.key_frames(result) if k.rep == rep.index]
    if not picked:
        return
    images = session.frames_at(entry.key, entry.video_path, tuple(k.t_s for k in picked), result)
    for col, k, img in zip(st.columns(len(picked)), picked, images):
        p = render.pose_at(result, k.t_s) if angles else None
        measured = f" · hip {p.angles.hip_flexion_deg:.0f}°, knee {p.angles.knee_flexion_deg:.0f}°" if p else ""
        col.image(img, caption=f"Rep {k.rep} · {k.moment} · {k.t_s:.2f} s{measured}", width="stretch")


def grade_row(grade: GradeView, extra: Sequence[tuple[str, object]]) -> None:
    """The grade's big figures (the coach's first) and ``extra`` ones in a row, each as wide as it reads (a
    status such as "Reviewed by your coach" is not cut off), wrapping on a narrow screen; the coach's note below."""
    with st.container(horizontal=True, gap="large"):
        for label, value in [*grade.metrics, *extra]:
            st.metric(label, value, width="content")
    if grade.coach:
        st.info(
            f"**{grade.text}**  \n{present.plain(grade.note)}", icon=":material/sports:"
        )  # the coach's typed reason


def chart_address(result: AnalysisResult) -> dict[str, str]:
    """The Charts page's address for this set: opening on the measure behind its main fault (none: empty)."""
    field = figures.fault_measure(result)
    return {CHART_MEASURE_PARAM: field} if field else {}


def faults(view: ScorecardView, *, key: str, moment_help: str) -> float | None:
    """What the video shows: each fault with its cue, drill and the check's record, and a button per
    rep that shows it. Returns the moment (s) whose button was pressed, else None."""
    picked = None
    if not view.faults:
        st.success("No faults found on any rep.")
    for g, fault in enumerate(view.faults):
        with st.container(border=True):
            icon = ":red[●]" if fault.severity == "fault" else ":orange[●]"
            st.markdown(f"{icon} **{fault.label}** — {fault.severity} on {fault.where}")
            st.write(fault.message)
            if fault.trust:
                st.caption(fault.trust)
            if fault.cue:
                st.markdown(f"*Cue:* {fault.cue}")
            if fault.drill:
                st.markdown(f"*Drill:* {fault.drill}")
            with st.container(horizontal=True, gap="small"):  # as many on a line as fit, the rest wrap
                if fault.metric in MEASURES:  # its measure over the reps, on Charts
                    st.page_link(
                        session.CHARTS_PAGE,
                        label=f"{MEASURES[fault.metric].name} on Charts",
                        icon=":material/show_chart:",
                        query_params={CHART_MEASURE_PARAM: fault.metric},
                    )
                for m in fault.moments:
                    if st.button(
                        f"Rep {m.rep} · {m.t_s:.1f} s",
                        key=f"{key}_{g}_{m.rep}",
                        icon=":material/play_circle:",
                        help=moment_help,
                    ):
                        picked = m.t_s
    return picked
