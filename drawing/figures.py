"""Plotly figures and tables of one analysis: data in, figure or rows out.

``angles_figure`` shows hip, knee and torso angles over time with rep bands,
bottom and lockout markers and the graded thresholds; ``hand_path_figure``
the hands' path relative to mid-foot; ``rep_bars_figure`` one measure per rep
coloured by grade. ``rep_rows`` / ``rep_metrics_csv`` give the per-rep table.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from pipeline.measure.glossary import MEASURES, measure
from pipeline.types import AnalysisResult, Criterion, RepGrade, RepMetrics

SERIES: dict[str, tuple[str, str]] = {
    # field -> (legend name, colour)
    "hip_flexion_deg": ("Hip flexion", "#2ca02c"),
    "knee_flexion_deg": ("Knee flexion", "#1f77b4"),
    "torso_angle_deg": ("Torso to horizontal", "#d62728"),
}
GRADE_COLOURS = {"A": "#2e7d32", "B": "#7cb342", "C": "#f9a825", "D": "#ef6c00", "F": "#c62828"}
NO_GRADE = "#9e9e9e"

# Graded per-rep measures that are a level on one of the plotted angle curves
# (Criterion.metric -> series); range- or ratio-based rules have no line.
METRIC_SERIES: dict[str, str] = {
    "hip_flexion_bottom_deg": "hip_flexion_deg",
    "lockout_hip_flexion_deg": "hip_flexion_deg",
    "knee_flexion_bottom_deg": "knee_flexion_deg",
    "torso_angle_bottom_deg": "torso_angle_deg",
}

# Per-rep measures offered for the bar chart: field -> its heading in the glossary.
BAR_MEASURES: dict[str, str] = {
    f: measure(f).heading
    for f in (
        "hip_flexion_bottom_deg",
        "knee_flexion_bottom_deg",
        "torso_angle_bottom_deg",
        "hinge_ratio",
        "back_line_deviation_deg",
        "back_curve_deg",
        "back_hump_ratio",
        "lockout_hip_flexion_deg",
        "rep_duration_s",
        "peak_hip_extension_speed_deg_s",
    )
}


@dataclass(frozen=True)
class ThresholdLine:
    series: str  # a key of SERIES
    value: float
    label: str


def grade_colour(grade: str | None) -> str:
    return GRADE_COLOURS.get((grade or "")[:1].upper(), NO_GRADE)


def _criteria(result: AnalysisResult) -> list[Criterion]:
    sc = result.scorecard
    if sc is None:
        return []
    return [c for rg in sc.reps for c in rg.criteria] + list(sc.set_criteria)


def threshold_lines(result: AnalysisResult) -> list[ThresholdLine]:
    """One dashed line per graded angle level (deduplicated by measure and value)."""
    seen: dict[tuple[str, float], ThresholdLine] = {}
    for c in _criteria(result):
        series = METRIC_SERIES.get(getattr(c, "metric", "") or "")
        if series is None or c.threshold is None or c.unit not in ("deg", "°"):
            continue
        key = (c.metric, round(float(c.threshold), 1))
        seen.setdefault(key, ThresholdLine(series, float(c.threshold), f"{c.label}: {c.threshold:.0f}°"))
    return list(seen.values())


def _hover(name: str, unit: str = "°") -> str:
    return f"{name}: %{{y:.1f}}{unit}<br>t = %{{x:.2f}} s<extra></extra>"


def angles_figure(result: AnalysisResult, thresholds: Sequence[ThresholdLine] | None = None) -> go.Figure:
    """Hip, knee and torso angles over time with rep bands, bottom/lockout markers and limits."""
    kin = result.kinematics
    t = kin.t_s
    fig = go.Figure()
    for field, (name, colour) in SERIES.items():
        y = np.where(kin.valid, getattr(kin, field), np.nan).astype(float)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=y,
                name=name,
                mode="lines",
                line=dict(color=colour, width=2),
                hovertemplate=_hover(name),
                connectgaps=False,
            )
        )
    grades = {rg.index: rg.grade for rg in (result.scorecard.reps if result.scorecard else ())}
    for rep in result.reps:
        fig.add_vrect(
            x0=rep.start_s,
            x1=rep.end_s,
            fillcolor=grade_colour(grades.get(rep.index)),
            opacity=0.08,
            line_width=0,
            layer="below",
            annotation_text=f"Rep {rep.index}" + (f" · {grades[rep.index]}" if rep.index in grades else ""),
            annotation_position="top left",
            annotation_font_size=11,
        )
    for moment, symbol, colour in (("bottom", "triangle-down", "#6a1b9a"), ("lockout", "triangle-up", "#455a64")):
        xs = [getattr(r, f"{moment}_s") for r in result.reps]
        ys = [_value_at(t, kin.hip_flexion_deg, x) for x in xs]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name=moment.capitalize(),
                marker=dict(symbol=symbol, size=11, color=colour, line=dict(width=1, color="white")),
                customdata=[r.index for r in result.reps],
                hovertemplate=f"Rep %{{customdata}} {moment}<br>t = %{{x:.2f}} s<br>hip %{{y:.1f}}°<extra></extra>",
            )
        )
    for line in threshold_lines(result) if thresholds is None else thresholds:
        name, colour = SERIES.get(line.series, (line.series, "#555"))
        fig.add_hline(
            y=line.value,
            line_dash="dash",
            line_color=colour,
            line_width=1,
            annotation_text=line.label,
            annotation_position="bottom right",
            annotation_font_size=10,
        )
    fig.update_layout(
        title="Joint angles over time",
        xaxis_title="time (s)",
        yaxis_title="angle (°)",
        hovermode="x unified",
        legend=dict(orientation="h", y=-0.2),
        margin=dict(t=50, b=40, l=50, r=20),
        height=420,
    )
    return fig


def _value_at(t: np.ndarray, y: np.ndarray, x: float) -> float | None:
    if len(t) == 0:
        return None
    v = float(np.interp(x, t, np.where(np.isfinite(y), y, np.nanmean(y) if np.isfinite(y).any() else 0.0)))
    return v if math.isfinite(v) else None


def hand_path_figure(result: AnalysisResult) -> go.Figure:
    """Hands' path (leg lengths from mid-foot, forward positive), one trace per rep."""
    kin = result.kinematics
    fig = go.Figure()
    for rep in result.reps:
        sl = slice(rep.start_i, rep.end_i + 1)
        x, y, t = kin.wrist_x_leg[sl], kin.wrist_y_leg[sl], kin.t_s[sl]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=f"Rep {rep.index}",
                marker=dict(size=4),
                customdata=t,
                hovertemplate="forward %{x:.2f}, up %{y:.2f} leg<br>t = %{customdata:.2f} s<extra></extra>",
            )
        )
    fig.add_vline(x=0.0, line_dash="dot", line_color="#777", annotation_text="mid-foot", annotation_position="top")
    fig.update_layout(
        title="Hand path (hands should stay close to the mid-foot line)",
        xaxis_title="forward of mid-foot (leg lengths)",
        yaxis_title="height above ankles (leg lengths)",
        height=420,
        margin=dict(t=50, b=40, l=50, r=20),
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def rep_bars_figure(result: AnalysisResult, measure: str = "hip_flexion_bottom_deg") -> go.Figure:
    """One bar per rep for ``measure`` (a RepMetrics field), coloured by the rep's grade."""
    label = MEASURES[measure].heading if measure in MEASURES else measure
    grades = {rg.index: rg.grade for rg in (result.scorecard.reps if result.scorecard else ())}
    metrics = [m for m in result.metrics]
    xs = [f"Rep {m.index}" for m in metrics]
    ys = [getattr(m, measure) for m in metrics]
    ys = [float("nan") if v is None else float(v) for v in ys]
    colours = [grade_colour(grades.get(m.index)) for m in metrics]
    text = [grades.get(m.index, "") for m in metrics]
    fig = go.Figure(
        go.Bar(
            x=xs,
            y=ys,
            marker_color=colours,
            text=text,
            textposition="outside",
            hovertemplate=f"%{{x}}<br>{label}: %{{y:.2f}}<extra></extra>",
            name=label,
        )
    )
    fig.update_layout(title=label + " per rep", yaxis_title=label, height=360, margin=dict(t=50, b=40, l=50, r=20))
    return fig


# --- tables ------------------------------------------------------------------


@dataclass(frozen=True)
class FaultSeen:
    rep: int
    status: str  # "warn" | "fail"
    evidence_s: float | None
    value: float | None
    metric: str = ""  # the measure that decided it (a glossary field)


@dataclass(frozen=True)
class FaultGroup:
    """One fault across the set: the worst rep's wording plus every rep it showed in."""

    rule: str
    label: str
    status: str  # worst status over the reps
    message: str  # from the worst (then earliest) rep
    cue: str
    drill: str
    unit: str
    threshold: float | None
    seen: tuple[FaultSeen, ...]
    metric: str = ""  # the measure that decided it on the worst rep (a glossary field)


_SEVERITY = {"fail": 2, "warn": 1}


def fault_groups(result: AnalysisResult) -> list[FaultGroup]:
    """Warned or failed rules grouped by fault, fails first, then by how many reps show it."""
    by_rule: dict[str, list[tuple[int, Criterion]]] = {}
    for rg in result.scorecard.reps if result.scorecard else ():
        for c in rg.criteria:
            if c.status in _SEVERITY:
                by_rule.setdefault(c.rule, []).append((rg.index, c))
    groups = []
    for rule, hits in by_rule.items():
        worst_rep, worst = max(hits, key=lambda h: (_SEVERITY[h[1].status], -h[0]))
        groups.append(
            FaultGroup(
                rule=rule,
                label=worst.label,
                status=worst.status,
                message=worst.message,
                cue=worst.cue,
                drill=worst.drill,
                unit=worst.unit,
                threshold=worst.threshold,
                seen=tuple(FaultSeen(rep, c.status, c.evidence_s, c.value, c.metric) for rep, c in hits),
                metric=worst.metric or "",
            )
        )
    groups.sort(key=lambda g: (-_SEVERITY[g.status], -len(g.seen), g.label))
    return groups


def fault_measure(result: AnalysisResult, rule: str | None = None) -> str | None:
    """The glossary field of the measure that decided fault ``rule`` on its worst rep (by default the set's
    main fault, the scorecard's first); None when the set shows no such fault."""
    sc = result.scorecard
    if rule is None:
        rule = sc.faults[0] if sc is not None and sc.gradable and sc.faults else None
    group = next((g for g in fault_groups(result) if g.rule == rule), None)
    return (group.metric or None) if group is not None else None


def chart_measures(result: AnalysisResult) -> dict[str, str]:
    """The per-rep measures the bar chart offers for this set: the usual ones, then any other measure that
    decided one of its faults; field -> its heading in the glossary."""
    rep_fields = {f.name for f in dataclasses.fields(RepMetrics)}
    extra = {
        g.metric: measure(g.metric).heading
        for g in fault_groups(result)
        if g.metric in rep_fields and g.metric in MEASURES and g.metric not in BAR_MEASURES
    }
    return {**BAR_MEASURES, **extra}


def opening_measure(result: AnalysisResult, asked: str | None = None) -> str:
    """The measure the Charts page opens on: the one ``asked`` for (a fault's link), else the measure behind
    the set's main fault, else the first on offer."""
    offered = chart_measures(result)
    for field in (asked, fault_measure(result)):
        if field in offered:
            return str(field)
    return next(iter(offered))


TABLE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f, measure(f).heading)
    for f in (
        "hip_flexion_bottom_deg",
        "knee_flexion_bottom_deg",
        "hinge_ratio",
        "back_curve_deg",
        "back_hump_ratio",
        "back_line_deviation_deg",
        "lockout_hip_flexion_deg",
        "rep_duration_s",
    )
)


_TABLE_PERCENT = frozenset({"back_hump_ratio"})  # ratios the table shows as percentages


def _round(v: object) -> object:
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 2)
    return v


def _labels(rg: RepGrade, status: str) -> str:
    out: list[str] = []
    for c in rg.criteria:
        if c.status == status and c.label not in out:
            out.append(c.label)
    return ", ".join(out)


def rep_rows(result: AnalysisResult) -> list[dict[str, object]]:
    """The per-rep table shown on the scorecard: grade, score, faults and key measures."""
    grades = {rg.index: rg for rg in (result.scorecard.reps if result.scorecard else ())}
    rows: list[dict[str, object]] = []
    for m in result.metrics:
        rg = grades.get(m.index)
        row: dict[str, object] = {
            "Rep": m.index,
            "Grade": rg.grade if rg else "–",
            "Score": _round(rg.score) if rg else None,
            "Faults": _labels(rg, "fail") if rg else "",
            "Watch": _labels(rg, "warn") if rg else "",
        }
        for field, label in TABLE_COLUMNS:
            value = getattr(m, field)
            if field in _TABLE_PERCENT and isinstance(value, float):
                value = 100.0 * value
            row[label] = _round(value)
        rows.append(row)
    return rows


def rep_metrics_csv(result: AnalysisResult) -> str:
    """Every RepMetrics field per rep, plus grade and score, as CSV text."""
    grades = {rg.index: rg for rg in (result.scorecard.reps if result.scorecard else ())}
    names = [f.name for f in dataclasses.fields(RepMetrics)]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["rep", "grade", "score", "faults", *names[1:]])
    for m in result.metrics:
        rg = grades.get(m.index)
        values = [_round(getattr(m, n)) for n in names[1:]]
        writer.writerow(
            [
                m.index,
                rg.grade if rg else "",
                _round(rg.score) if rg else "",
                ";".join(rg.faults) if rg else "",
                *["" if v is None else v for v in values],
            ]
        )
    return buf.getvalue()


def skipped_checks(result: AnalysisResult) -> list[str]:
    """Checks that could not be made on any rep, each with the measure it lacked."""
    sc = result.scorecard
    if sc is None or not sc.gradable or not sc.reps:
        return []
    out = []
    for rule in dict.fromkeys(c.rule for g in sc.reps for c in g.criteria):
        crits = [c for g in sc.reps for c in g.criteria if c.rule == rule]
        if crits and all(c.status == "not_gradable" for c in crits):
            out.append(crits[0].message.rstrip("."))
    return out
