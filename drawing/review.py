"""The Review page's pieces around the player, as values and a figure: data in, stops and figure out.

``rep_strip`` gives one stop per rep (its bottom, and the whole second the player starts at);
``rep_of`` names the rep a moment falls in (a comment made at a moment is pinned to that rep);
``comment_time`` places a comment on the clip (its own time, else its rep's bottom);
``timeline_figure`` draws the clip as a line with the reps as bands, the comments as markers and the
moment picked as a line, small enough to sit under the player.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from drawing.figures import grade_colour
from drawing.frames import rep_at
from drawing.scorecard import CoachComment
from pipeline.types import AnalysisResult

COACH_COLOUR = "#1565c0"
CLIENT_COLOUR = "#8e24aa"
MOMENT_COLOUR = "#e53935"
TIMELINE_HEIGHT_PX = 150
SNIPPET_CHARS = 80  # a comment's text in a marker's hover, cut to this


@dataclass(frozen=True)
class RepStop:
    """One button of the rep strip: where the rep's bottom is and where the player starts for it."""

    rep: int
    label: str  # e.g. "Rep 2 · B" ("Rep 2" when not graded)
    bottom_s: float
    seek_s: int  # the player seeks whole seconds: the second at or before the bottom, so the bottom is ahead


def seek_s(t_s: float, duration_s: float) -> int:
    """The whole second the player starts at to show ``t_s``: at or before it, within the clip."""
    last = max(0, math.ceil(duration_s) - 1)
    return int(min(max(math.floor(t_s), 0), last))


def rep_strip(result: AnalysisResult) -> tuple[RepStop, ...]:
    """One stop per rep, in rep order, labelled with the rep's grade when the set was graded."""
    grades = {g.index: g.grade for g in (result.scorecard.reps if result.scorecard else ())}
    return tuple(
        RepStop(
            rep=r.index,
            label=f"Rep {r.index}" + (f" · {grades[r.index]}" if grades.get(r.index) else ""),
            bottom_s=float(r.bottom_s),
            seek_s=seek_s(r.bottom_s, result.video.duration_s),
        )
        for r in result.reps
    )


def rep_of(result: AnalysisResult, t_s: float) -> int | None:
    """The rep a moment of the clip falls in (start to end); None between reps."""
    rep, _ = rep_at(result.reps, t_s)
    return rep.index if rep else None


def comment_time(result: AnalysisResult, comment: CoachComment) -> float | None:
    """Where a comment sits on the clip: its own time, else its rep's bottom; None for the whole set."""
    if comment.t_s is not None:
        return float(comment.t_s)
    bottoms = {r.index: float(r.bottom_s) for r in result.reps}
    return bottoms.get(comment.rep) if comment.rep is not None else None


def _snippet(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SNIPPET_CHARS else line[: SNIPPET_CHARS - 1] + "…"


def _comment_trace(result: AnalysisResult, comments: Sequence[CoachComment], from_client: bool) -> go.Scatter:
    placed = [(comment_time(result, c), c) for c in comments if c.from_client == from_client]
    placed = [(t, c) for t, c in placed if t is not None]
    return go.Scatter(
        x=[t for t, _ in placed],
        y=[0.35 if from_client else 0.65] * len(placed),
        mode="markers",
        marker=dict(
            symbol="diamond" if from_client else "circle",
            size=13,
            color=CLIENT_COLOUR if from_client else COACH_COLOUR,
            line=dict(width=1, color="white"),
        ),
        name="Client's replies" if from_client else "Coach's comments",
        customdata=[[c.author, c.where, _snippet(c.text)] for _, c in placed],
        hovertemplate="<b>%{customdata[0]}</b> · %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    )


def timeline_figure(
    result: AnalysisResult, comments: Sequence[CoachComment] = (), at_s: float | None = None
) -> go.Figure:
    """The clip from 0 to its end: each rep a band in its grade's colour, each comment with a place on the
    clip a marker (the coach's above, the client's below), and ``at_s``, the moment picked, a line."""
    duration = max(float(result.video.duration_s), 0.1)
    grades = {g.index: g.grade for g in (result.scorecard.reps if result.scorecard else ())}
    fig = go.Figure()
    for r in result.reps:
        colour = grade_colour(grades.get(r.index))
        fig.add_vrect(
            x0=r.start_s, x1=r.end_s, fillcolor=colour, opacity=0.25, line=dict(width=1, color="white"), layer="below"
        )
        fig.add_annotation(x=(r.start_s + r.end_s) / 2, y=1.0, yanchor="bottom", text=f"Rep {r.index}", showarrow=False)
    fig.add_trace(_comment_trace(result, comments, from_client=False))
    fig.add_trace(_comment_trace(result, comments, from_client=True))
    if at_s is not None:
        fig.add_vline(x=float(at_s), line_color=MOMENT_COLOUR, line_width=2)
    fig.update_xaxes(range=[0, duration], title=None, ticksuffix=" s", showgrid=False)
    fig.update_yaxes(range=[0, 1], visible=False, fixedrange=True)
    fig.update_layout(
        height=TIMELINE_HEIGHT_PX,
        margin=dict(t=24, b=24, l=10, r=10),
        showlegend=False,
        hovermode="closest",
        clickmode="event+select",
        dragmode=False,
    )
    return fig
