"""Frames: the annotated video, each rep's key frames and a frame slider."""

import math

import streamlit as st

from drawing import frames as render
from workspace import panels, session, ui

entry = session.require_current()
result = entry.result
reps = result.reps
focus = st.session_state.pop(session.FOCUS_KEY, None)  # set by the evidence buttons of an unsaved set's Scorecard
duration = max(result.video.duration_s, 0.1)
labels = ["Start"] + [f"Rep {r.index}" for r in reps]
starts = {"Start": 0.0} | {f"Rep {r.index}": r.start_s for r in reps}

if focus is not None:
    focus = float(min(max(focus, 0.0), duration))
    focus_rep, _ = render.rep_at(reps, focus)
    st.session_state["frames_jump"] = f"Rep {focus_rep.index}" if focus_rep else "Start"
    st.session_state["frames_video_start"] = focus
    st.session_state["frames_t"] = round(focus, 2)
if st.session_state.get("frames_jump") not in labels:
    st.session_state["frames_jump"] = "Start"
if not 0.0 <= st.session_state.get("frames_t", 0.0) <= duration:
    del st.session_state["frames_t"]
st.session_state.setdefault("frames_video_start", 0.0)
st.session_state.setdefault("frames_t", round(min(reps[0].bottom_s if reps else 0.0, duration), 2))


def _jumped() -> None:
    st.session_state["frames_video_start"] = starts.get(st.session_state.get("frames_jump") or "Start", 0.0)


st.title("Frames")
ui.review_page_link(ui.require_workspace())
jump = st.segmented_control("Jump to", labels, key="frames_jump", on_change=_jumped)
chosen = next((r for r in reps if f"Rep {r.index}" == jump), None)
start_s = st.session_state["frames_video_start"]

left, right = st.columns(2, gap="large")
with left:
    panels.player(entry, int(math.floor(start_s)))
with right:
    step = round(1.0 / max(result.config.analysis_fps, 1.0), 2)
    t = st.slider("Any moment (s)", 0.0, float(round(duration, 2)), step=step, key="frames_t")
    frame = session.frames_at(entry.key, entry.video_path, (float(t),), result)[0]
    portrait = result.video.height > result.video.width
    st.image(frame, caption=render.frame_title(result, float(t)), width=400 if portrait else "stretch")

if reps:
    st.subheader("Key frames")
    panels.key_frames(entry, chosen or render.rep_at(reps, st.session_state["frames_t"])[0] or reps[0])
else:
    st.info("No reps were found, so there are no key frames to show.")
