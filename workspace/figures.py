"""Trend charts of a client's sessions of one lift: score and key measures across sessions (Plotly, pure)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from drawing.figures import GRADE_COLOURS, NO_GRADE
from drawing.scorecard import grade_view
from pipeline.document.summary import KEY_MEASURES
from pipeline.measure.glossary import measure
from store.views import HistoryPoint

# Key measures a trend shows (pipeline.document.summary.KEY_MEASURES and set measures) -> label with unit.
MEASURES: dict[str, str] = {
    **{f: measure(f).heading for f in KEY_MEASURES},
    "depth_cv_pct": "Depth variation across reps (%)",
    "tempo_cv_pct": "Tempo variation across reps (%)",
}
DEFAULT_MEASURES = ("hip_flexion_bottom_deg", "knee_flexion_bottom_deg", "torso_angle_bottom_deg")


def _x(points: Sequence[HistoryPoint]) -> list[str]:
    return [f"{p.created_at:%d %b %H:%M} #{p.analysis_id}" for p in points]


def score_figure(points: Sequence[HistoryPoint]) -> go.Figure:
    """Score per session (0–100), each marker coloured and labelled by the grade that counts (the coach's
    when set; the hover says whose)."""
    graded = [p for p in points if p.score is not None]
    grades = [grade_view(p.auto_grade, p.grade_override) for p in graded]
    fig = go.Figure(
        go.Scatter(
            x=_x(graded),
            y=[p.score for p in graded],
            mode="lines+markers+text",
            name="Score",
            text=[g.letter for g in grades],
            textposition="top center",
            marker={"size": 12, "color": [GRADE_COLOURS.get(g.letter, NO_GRADE) for g in grades]},
            line={"color": "#607d8b"},
            customdata=[[p.reps, p.clean_reps, g.short] for p, g in zip(graded, grades)],
            hovertemplate="%{x}<br>score %{y:.0f} · grade %{customdata[2]}<br>%{customdata[0]} reps, "
            "%{customdata[1]} clean<extra></extra>",
        )
    )
    fig.update_layout(
        title="Score by session",
        yaxis={"range": [0, 112], "title": "score"},
        xaxis={"type": "category", "title": "session"},
        height=320,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        showlegend=False,
    )
    return fig


def measures_figure(points: Sequence[HistoryPoint], measures: Sequence[str] = DEFAULT_MEASURES) -> go.Figure:
    """The median of each chosen measure over the full reps of each session, one line per measure."""
    fig = go.Figure()
    x = _x(points)
    for name in measures:
        values = [p.measures.get(name) for p in points]
        if all(v is None for v in values):
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines+markers",
                name=MEASURES.get(name, name),
                connectgaps=False,
                hovertemplate="%{x}<br>%{y:.2f}<extra>" + MEASURES.get(name, name) + "</extra>",
            )
        )
    fig.update_layout(
        title="Key measures by session (median over the set's reps)",
        height=360,
        xaxis={"type": "category", "title": "session"},
        legend={"orientation": "h", "y": -0.3},
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
    )
    return fig
