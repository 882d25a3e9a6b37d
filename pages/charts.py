"""Charts: joint angles over time, the hands' path and per-rep measures (opening on the measure a fault's
link asks for, else the one behind the set's main fault)."""

import streamlit as st

from drawing import figures
from workspace import panels, session

entry = session.require_current()
result = entry.result

st.title("Charts")
st.caption(
    "Shaded bands are reps (coloured by grade); ▼ marks each bottom, ▲ each lockout; "
    "dashed lines are the graded limits. Hover for values."
)
st.plotly_chart(figures.angles_figure(result), width="stretch", key="angles_chart")

left, right = st.columns(2)
with left:
    if result.reps:
        st.plotly_chart(figures.hand_path_figure(result), width="stretch", key="hand_chart")
    else:
        st.info("No reps found, so there is no hand path to show.")
with right:
    if result.metrics:
        measures = figures.chart_measures(result)
        opening = figures.opening_measure(result, st.query_params.get(panels.CHART_MEASURE_PARAM))
        measure = st.selectbox(
            "Per-rep measure", list(measures), index=list(measures).index(opening), format_func=measures.get
        )
        st.plotly_chart(figures.rep_bars_figure(result, measure), width="stretch", key="bars_chart")
