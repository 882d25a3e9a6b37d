"""An analysis row written from the typed result: its JSON and the fields an inbox sorts on."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from pipeline.document.serialize import from_jsonable, to_jsonable
from pipeline.document.summary import summarize
from pipeline.types import AnalysisResult
from store.models import Analysis


def write_result(row: Analysis, result: AnalysisResult) -> None:
    """Put ``result`` in an analysis row: its JSON and the fields an inbox sorts on."""
    data = to_jsonable(result)
    s = summarize(result)
    row.result_json = json.dumps(data, allow_nan=False)
    row.lift_id, row.lift_name, row.reps = s.lift_id, s.lift_name, s.reps
    row.grade, row.score, row.main_fault, row.verdict = s.grade, s.score, s.main_fault, s.verdict


def record_analysis(session: Session, upload_id: int, result: AnalysisResult) -> Analysis:
    """Add the analysis row for an upload to ``session`` (the caller's transaction decides whether it lands)."""
    row = Analysis(upload_id=upload_id)
    write_result(row, result)
    session.add(row)
    return row


def load_json(row: Analysis) -> dict[str, Any]:
    return json.loads(row.result_json)


def load_result(row: Analysis) -> AnalysisResult:
    """The stored result, typed again."""
    return from_jsonable(AnalysisResult, load_json(row))
