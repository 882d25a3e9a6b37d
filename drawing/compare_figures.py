"""Plotly chart of a rep comparison: data in, figure out.

``overlay_figure`` draws rep A and rep B's hip, knee and torso angles over the
0-100 % phase axis (one row per angle), with the area between the two curves
shaded, so where and by how much the reps differ reads at a glance.
"""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.compare import ANGLES, PHASE_NAMES, PHASE_PCT, RepComparison

COLOUR_A = "#1f77b4"
COLOUR_B = "#d62728"
SHADE = "rgba(120, 120, 120, 0.25)"


def _runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]


def _shade(x: np.ndarray, ya: np.ndarray, yb: np.ndarray) -> tuple[list[float | None], list[float | None]]:
    """Closed outlines of the area between two curves, one per stretch where both exist (None-separated)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for s, e in _runs(np.isfinite(ya) & np.isfinite(yb)):
        if e <= s:
            continue
        seg = slice(s, e + 1)
        xs += list(x[seg]) + list(x[seg][::-1]) + [x[s], None]
        ys += list(ya[seg]) + list(yb[seg][::-1]) + [ya[s], None]
    return xs, ys


def _text(label: str) -> str:
    """A label that holds a file name, as Plotly text: Plotly reads tags (``<a href>``, ``<b>``) in names and
    hover text, so ``<``, ``>`` and ``&`` become entities (shown as typed)."""
    return escape(label, quote=False)


def overlay_figure(comparison: RepComparison, *, height_px: int = 640) -> go.Figure:
    """Both reps' angles over the phase axis, difference shaded; one row per angle."""
    a, b = comparison.a, comparison.b
    x = comparison.grid_pct
    fig = make_subplots(
        rows=len(ANGLES),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[f"{label} (°)" for label in ANGLES.values()],
    )
    for row, (field, label) in enumerate(ANGLES.items(), start=1):
        ya, yb = getattr(a, field), getattr(b, field)
        sx, sy = _shade(x, ya, yb)
        fig.add_trace(
            go.Scatter(
                x=sx,
                y=sy,
                fill="toself",
                fillcolor=SHADE,
                line=dict(width=0),
                mode="lines",
                name="Difference",
                legendgroup="diff",
                showlegend=row == 1,
                hoverinfo="skip",
            ),
            row=row,
            col=1,
        )
        for rep, y, colour, dash in ((a, ya, COLOUR_A, "solid"), (b, yb, COLOUR_B, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=_text(rep.label),
                    legendgroup=rep.label,
                    showlegend=row == 1,
                    line=dict(color=colour, width=2.5, dash=dash),
                    connectgaps=False,
                    customdata=rep.t_s,
                    hovertemplate=f"{_text(rep.label)}<br>{label}: %{{y:.1f}}°<br>%{{x:.0f}} % · "
                    f"clip %{{customdata:.2f}} s<extra></extra>",
                ),
                row=row,
                col=1,
            )
        for pct in PHASE_PCT:
            fig.add_vline(x=pct, line_dash="dot", line_color="#999", line_width=1, row=row, col=1)
    ticks = sorted({*PHASE_PCT, 25.0, 75.0})
    names = dict(zip(PHASE_PCT, PHASE_NAMES))
    fig.update_xaxes(
        range=[0, 100], tickvals=ticks, ticktext=[f"{t:.0f} %" + (f" {names[t]}" if t in names else "") for t in ticks]
    )
    fig.update_xaxes(title_text="phase of the rep (%)", row=len(ANGLES), col=1)
    fig.update_layout(
        title="Rep against rep, aligned on the phases",
        height=height_px,
        hovermode="x unified",
        margin=dict(t=70, b=90, l=55, r=60),
        legend=dict(orientation="h", yanchor="top", y=-0.09, x=0.0),
        template="plotly_white",
    )
    return fig
