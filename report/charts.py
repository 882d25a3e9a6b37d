"""The report's angle chart: Plotly rendered to PNG by Kaleido, or drawn by ReportLab when that fails.

Kaleido drives a headless Chromium: ``BROWSER_PATH`` when set, else Debian's
``/usr/bin/chromium`` when present, else whatever choreographer finds. MathJax
is switched off (it would be fetched from a CDN, and the charts use no TeX),
so rendering works offline. ``chart_png`` never raises: it logs why and
returns None, and the PDF then uses ``angles_drawing``, a ReportLab drawing
of the same three angles.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors

from drawing import figures
from pipeline.types import AnalysisResult

log = logging.getLogger("hinge_review.report")

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
KALEIDO_TIMEOUT_S = 60.0


def browser_path() -> str | None:
    """The Chromium Kaleido should drive (None: let choreographer search)."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    return str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.is_file() else None


def _kaleido_png(fig: go.Figure, width_px: int, height_px: int, scale: float) -> bytes:
    import kaleido

    kopts: dict[str, object] = {"mathjax": False, "timeout": KALEIDO_TIMEOUT_S}
    path = browser_path()
    if path:
        kopts["path"] = path
    return kaleido.calc_fig_sync(
        fig, opts=dict(format="png", width=width_px, height=height_px, scale=scale), kopts=kopts
    )


def chart_png(fig: go.Figure, *, width_px: int = 1000, height_px: int = 420, scale: float = 2.0) -> bytes | None:
    """PNG bytes of ``fig`` via Kaleido, or None (with a log line saying why) when it cannot render."""
    try:
        png = _kaleido_png(fig, width_px, height_px, scale)
    except Exception as exc:  # any failure to start or drive the browser: fall back, never fail the report
        log.warning(
            "Kaleido could not render the chart (%s: %s); drawing it with ReportLab instead",
            type(exc).__name__,
            str(exc).splitlines()[0] if str(exc) else "",
        )
        return None
    if not png.startswith(b"\x89PNG"):
        log.warning("Kaleido returned no PNG; drawing the chart with ReportLab instead")
        return None
    return png


def print_figure(result: AnalysisResult) -> go.Figure:
    """The scorecard's angle chart, laid out for paper (white, legend below)."""
    fig = figures.angles_figure(result)
    fig.update_layout(
        template="plotly_white",
        hovermode=False,
        height=420,
        width=1000,
        title=None,
        legend=dict(orientation="h", y=-0.18, x=0.0),
        margin=dict(t=30, b=70, l=60, r=20),
    )
    return fig


def _runs(y: np.ndarray) -> list[slice]:
    ok = np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    return [slice(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2]) if e - s >= 2]


def angles_drawing(result: AnalysisResult, width_pt: float, height_pt: float) -> Drawing:
    """Hip, knee and torso angles over time with rep bands, drawn with ReportLab's own graphics."""
    kin = result.kinematics
    t = np.asarray(kin.t_s, dtype=float)
    d = Drawing(width_pt, height_pt)
    left, bottom, right, top = 40.0, 42.0, 10.0, 22.0
    plot = LinePlot()
    plot.x, plot.y = left, bottom
    plot.width, plot.height = width_pt - left - right, height_pt - bottom - top
    data, line_colours = [], []
    names = []
    for field, (name, colour) in figures.SERIES.items():
        y = np.where(kin.valid, getattr(kin, field), np.nan).astype(float)
        for sl in _runs(y):
            data.append(list(zip(t[sl].tolist(), y[sl].tolist())))
            line_colours.append(colors.HexColor(colour))
        names.append((name, colour))
    if not data:
        d.add(String(width_pt / 2, height_pt / 2, "No angles were measured.", textAnchor="middle"))
        return d
    ys = [p[1] for line in data for p in line]
    plot.data = data
    for i, c in enumerate(line_colours):
        plot.lines[i].strokeColor = c
        plot.lines[i].strokeWidth = 1.2
    t0, t1 = float(t[0]), float(t[-1])
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = t0, t1
    plot.yValueAxis.valueMin = min(0.0, float(np.floor(min(ys) / 10) * 10))
    plot.yValueAxis.valueMax = float(np.ceil(max(ys) / 10) * 10)
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontSize = 7
    plot.xValueAxis.labelTextFormat = "%.0f"
    plot.yValueAxis.labelTextFormat = "%.0f"
    span = max(t1 - t0, 1e-6)
    grades = {rg.index: rg.grade for rg in (result.scorecard.reps if result.scorecard else ())}
    for rep in result.reps:  # rep bands under the lines
        x0 = left + (rep.start_s - t0) / span * plot.width
        x1 = left + (rep.end_s - t0) / span * plot.width
        d.add(
            Rect(
                x0,
                bottom,
                max(0.5, x1 - x0),
                plot.height,
                strokeColor=None,
                fillColor=colors.HexColor(figures.grade_colour(grades.get(rep.index))),
                fillOpacity=0.10,
            )
        )
        d.add(String(x0 + 1, bottom + plot.height + 2, f"{rep.index}", fontSize=6, fillColor=colors.grey))
    d.add(plot)
    d.add(String(left + plot.width / 2, 8, "time (s)", fontSize=8, textAnchor="middle"))
    d.add(String(width_pt - right, height_pt - 11, "angles in degrees", fontSize=8, textAnchor="end"))
    x = left
    for name, colour in names:  # legend along the top
        d.add(Line(x, height_pt - 8, x + 14, height_pt - 8, strokeColor=colors.HexColor(colour), strokeWidth=2))
        d.add(String(x + 18, height_pt - 11, name, fontSize=8))
        x += 30 + 4.5 * len(name)
    return d
