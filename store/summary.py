"""What an inbox and a trend chart need from an analysis, read from the ``AnalysisResult`` or its stored JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from pipeline.serialize import to_jsonable
from pipeline.types import AnalysisResult
from store.models import Analysis

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


def summarize(data: dict[str, Any]) -> Summary:
    """The inbox and trend fields of one analysis, from its JSON form (``to_jsonable(result)``)."""
    sc = data.get("scorecard") or {}
    reps = [r for r in (data.get("segmentation") or {}).get("reps", []) if not r.get("partial")]
    gradable = bool(sc.get("gradable"))
    faults = tuple(sc.get("faults") or ()) if gradable else ()
    full_metrics = [m for m in data.get("metrics") or [] if not m.get("partial")]
    partial = {m.get("index") for m in data.get("metrics") or [] if m.get("partial")}
    measures: dict[str, float | None] = {}
    for name in KEY_MEASURES:
        values = [m[name] for m in full_metrics if m.get(name) is not None]
        measures[name] = round(statistics.median(values), 4) if values else None
    for name in SET_MEASURES:
        measures[name] = (data.get("set_metrics") or {}).get(name)
    return Summary(
        lift_id=str(sc.get("exercise_id") or ""),
        lift_name=str(sc.get("exercise_name") or ""),
        reps=len(reps),
        clean_reps=sum(1 for g in sc.get("reps") or [] if g.get("index") not in partial and not g.get("faults"))
        if gradable else 0,
        grade=sc.get("overall_grade") if gradable else None,
        score=sc.get("overall_score") if gradable else None,
        main_fault=faults[0] if faults else None,  # the scorecard lists faults by priority
        faults=faults,
        measures=measures,
    )


def write_result(row: Analysis, result: AnalysisResult) -> None:
    """Put ``result`` in an analysis row: its JSON and the fields an inbox sorts on."""
    data = to_jsonable(result)
    s = summarize(data)
    row.result_json = json.dumps(data, allow_nan=False)
    row.lift_id, row.lift_name, row.reps = s.lift_id, s.lift_name, s.reps
    row.grade, row.score, row.main_fault = s.grade, s.score, s.main_fault


def record_analysis(session: Session, upload_id: int, result: AnalysisResult) -> Analysis:
    """Add the analysis row for an upload to ``session`` (the caller's transaction decides whether it lands)."""
    row = Analysis(upload_id=upload_id)
    write_result(row, result)
    session.add(row)
    return row


def load_json(row: Analysis) -> dict[str, Any]:
    return json.loads(row.result_json)
