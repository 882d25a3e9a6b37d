"""Compare: two reps (same set or two sets) played in step on their phases, overlaid, measure by measure."""

import pandas as pd
import streamlit as st

import store
from drawing import compare_figures
from drawing.compare_player import PlayerVideo, player_html
from pipeline import compare
from workspace import session, ui

ws = ui.require_workspace()
st.title("Compare two reps")

saved = ui.visible_reviews(ws)
with st.expander("Bring in a saved review", expanded=not session.store().entries()):
    st.caption(
        "Any review you can open: your own sets"
        + (" and your clients'" if ws.me.is_coach else "")
        + f". The last {session.MAX_STORED} opened are kept for comparing."
    )
    if saved:
        pick_id = st.selectbox("Review", list(saved), format_func=saved.get, key="compare_saved")
        if st.button("Add to the comparison", icon=":material/add:"):
            try:
                ui.load_review(ws, int(pick_id), on_screen=False)
            except store.WorkspaceError as exc:
                st.error(exc.message)
            st.rerun()
    else:
        st.caption("No saved reviews yet: upload a set on the Analyse page.")

entries = sorted((e for e in session.store().entries() if e.result.reps), key=lambda e: (e.filename, e.key))
if not entries:
    st.info("Bring in a review with reps above (or upload a set on the Analyse page) to compare its reps.")
    st.stop()
st.caption(
    "Pick any two reps from the reviews brought in: the same set or two sets. "
    "Both are lined up on their phases (start 0 %, bottom 50 %, lockout 100 %), so the videos reach "
    "the bottom together whatever the tempo."
)

names = {e.key: e.filename for e in entries}
if len(set(names.values())) < len(names):  # the same file analysed twice (another lift chosen)
    names = {
        e.key: f"{e.filename} ({e.result.scorecard.exercise_name if e.result.scorecard else 'hinge'})" for e in entries
    }
grades = {e.key: {g.index: g.grade for g in (e.result.scorecard.reps if e.result.scorecard else ())} for e in entries}
current = session.current()
first = current.key if current is not None and current.key in names else entries[0].key
others = [e.key for e in entries if e.key != first]
st.session_state.setdefault("compare_set_A", first)
st.session_state.setdefault("compare_set_B", others[0] if others else first)


def pick(side: str, default_rep: int) -> tuple[session.StoredAnalysis, int]:
    """Set and rep chooser for one side; the rep list belongs to the chosen set."""
    if st.session_state.get(f"compare_set_{side}") not in names:
        st.session_state[f"compare_set_{side}"] = first
    key = st.selectbox("Set", list(names), format_func=names.get, key=f"compare_set_{side}")
    entry = session.store().get(key)
    reps = [r.index for r in entry.result.reps]
    rep_key = f"compare_rep_{side}_{key}"
    if st.session_state.get(rep_key) not in reps:
        st.session_state[rep_key] = default_rep if default_rep in reps else reps[0]
    index = st.selectbox(
        "Rep",
        reps,
        key=rep_key,
        format_func=lambda i: f"Rep {i}" + (f" · grade {grades[key][i]}" if i in grades[key] else ""),
    )
    return entry, index


left, right = st.columns(2, gap="large")
with left:
    st.markdown(":blue[**Rep A**]")
    entry_a, rep_a = pick("A", 1)
with right:
    st.markdown(":red[**Rep B**]")
    same_set = st.session_state["compare_set_B"] == st.session_state["compare_set_A"]
    entry_b, rep_b = pick("B", 2 if same_set else 1)

label_a = f"A · {names[entry_a.key]} · rep {rep_a}"
label_b = f"B · {names[entry_b.key]} · rep {rep_b}"
cmp = compare.compare_results(entry_a.result, rep_a, entry_b.result, rep_b, label_a=label_a, label_b=label_b)

st.subheader("In step")
videos = []
if entry_a.video_path and entry_b.video_path:
    bar = st.progress(0.0, text="Drawing the skeleton on the videos…")
    try:
        for i, e in enumerate(dict.fromkeys((entry_a.key, entry_b.key))):
            stored = session.store().get(e)
            videos.append(
                session.annotated_video(
                    stored,
                    lambda f, i=i: bar.progress(min(1.0, (i + f) / 2), text="Drawing the skeleton on the videos…"),
                )
            )
    except Exception:
        session.log.exception("annotated video failed for the comparison")
        videos = []
    bar.empty()
if len(videos) >= 1 and all(v is not None for v in videos):
    video_a = videos[0]
    video_b = videos[-1] if entry_b.key != entry_a.key else videos[0]
    portrait = (
        max(
            entry_a.result.video.height / max(1, entry_a.result.video.width),
            entry_b.result.video.height / max(1, entry_b.result.video.width),
        )
        > 1
    )
    height = 460 if portrait else 320
    st.iframe(
        player_html(
            PlayerVideo(video_a.path.read_bytes(), video_a.mime, label_a),
            PlayerVideo(video_b.path.read_bytes(), video_b.mime, label_b),
            cmp.time_map,
            video_height_px=height,
        ),
        height=height + 80,
    )
    st.caption(
        "Rep A leads; rep B follows it phase by phase (it plays faster or slower where its tempo differs). "
        "The slider moves both to the same point of the rep."
    )
else:
    st.info("The videos are not available for these analyses: the chart and table below still compare the reps.")

st.plotly_chart(compare_figures.overlay_figure(cmp), width="stretch", key="compare_chart")

st.subheader("Measures")
table = pd.DataFrame(compare.measure_rows(cmp)).set_index("Measure")
st.dataframe(
    table.style.map(lambda v: "font-weight: 700; color: #c62828" if v == "yes" else "", subset=["Beyond error"]),
    width="stretch",
    height=35 * (len(table) + 1) + 3,
)  # every row, no inner scrolling
st.caption(
    "Change is B minus A. It counts as beyond measurement error when it is larger than both reps' "
    "errors combined (√(a² + b²)): for angles the analysis' own 1-sigma angle error, for times two "
    "analysed frames. Smaller changes may be noise."
)
