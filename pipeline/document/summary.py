"""What an inbox row and a trend chart need from one analysis, read from the typed result."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from pipeline.types import AnalysisResult

# Per-rep measures a trend chart plots (medians over the set's full reps); names keep their units.
KEY_MEASURES: tuple[str, ...] = (
    "hip_flexion_bottom_deg",
    "knee_flexion_bottom_deg",
    "torso_angle_bottom_deg",
    "hinge_ratio",
    "hips_back_ratio",
    "back_curve_deg",
    "back_line_deviation_deg",
    "rep_duration_s",
)
SET_MEASURES: tuple[str, ...] = ("depth_cv_pct", "tempo_cv_pct")


@dataclass(frozen=True)
class Summary:
    lift_id: str
    lift_name: str
    reps: int  # full reps
    clean_reps: int  # full reps with no fault
    grade: str | None
    score: float | None
    main_fault: str | None
    faults: tuple[str, ...]
    measures: dict[str, float | None]
    verdict: str = "not_graded"  # the scorecard's: clean / faulty / borderline / not_graded


def _finite(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def summarize(result: AnalysisResult) -> Summary:
    """The inbox and trend fields of one analysis."""
    sc = result.scorecard
    gradable = bool(sc and sc.gradable)
    faults = tuple(sc.faults) if sc and gradable else ()
    full = [m for m in result.metrics if not m.partial]
    partial = {m.index for m in result.metrics if m.partial}
    measures: dict[str, float | None] = {}
    for name in KEY_MEASURES:
        values = [v for v in (_finite(getattr(m, name, None)) for m in full) if v is not None]
        measures[name] = round(statistics.median(values), 4) if values else None
    for name in SET_MEASURES:
        measures[name] = _finite(getattr(result.set_metrics, name, None))
    return Summary(
        lift_id=sc.exercise_id if sc else "",
        lift_name=sc.exercise_name if sc else "",
        reps=sum(1 for r in result.segmentation.reps if not r.partial),
        clean_reps=sum(1 for g in sc.reps if g.index not in partial and not g.faults) if sc and gradable else 0,
        grade=sc.overall_grade if sc and gradable else None,
        score=sc.overall_score if sc and gradable else None,
        main_fault=faults[0] if faults else None,  # the scorecard lists faults by priority
        faults=faults,
        measures=measures,
        verdict=sc.verdict if sc else "not_graded",
    )
