"""A set's review as a document people keep: ``build_pdf`` and ``build_html`` (no Streamlit here).

``report.content`` gathers what the report says from an ``AnalysisResult``;
``report.pdf`` lays it out with ReportLab's platypus, ``report.html`` as one
self-contained page; ``report.charts`` renders the angle chart (Kaleido, or
ReportLab's own graphics when no browser can be started).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from drawing import figures
from drawing.scorecard import CoachReview
from pipeline.types import AnalysisResult
from report import charts
from report.content import ReportContent, report_content

__all__ = ["build_pdf", "build_html", "report_content", "ReportContent"]

CHART_WIDTH_PX, CHART_HEIGHT_PX = 1000, 420


def build_pdf(
    result: AnalysisResult,
    *,
    video_path: str | Path | None = None,
    filename: str | None = None,
    created: dt.date | None = None,
    coach: CoachReview | None = None,
) -> bytes:
    """The set's report as PDF bytes. Key frames come from ``video_path`` (default: the analysed clip);
    ``coach``: a saved review's coach's grade and comments."""
    from reportlab.lib.units import mm

    from report.pdf import WIDTH, render_pdf

    content = report_content(result, video_path=video_path, filename=filename, created=created, coach=coach)
    chart = charts.chart_png(charts.print_figure(result), width_px=CHART_WIDTH_PX, height_px=CHART_HEIGHT_PX)
    if chart is None:
        chart = charts.angles_drawing(result, WIDTH, 80 * mm)
    return render_pdf(content, chart)


def build_html(
    result: AnalysisResult,
    *,
    video_path: str | Path | None = None,
    filename: str | None = None,
    created: dt.date | None = None,
    coach: CoachReview | None = None,
) -> str:
    """The set's report as one self-contained HTML page (images inline, plotly.js embedded); ``coach``: a
    saved review's coach's grade and comments."""
    from report.html import render_html

    content = report_content(result, video_path=video_path, filename=filename, created=created, coach=coach)
    fig = figures.angles_figure(result)
    fig.update_layout(template="plotly_white")
    return render_html(content, fig)
