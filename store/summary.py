"""An analysis row written from the typed result: its JSON and the fields an inbox sorts on."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
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
    """The upload's analysis row in ``session`` holding ``result``: a new row, or the one already there
    (a second job of the same upload keeps one analysis, the newest). The caller's transaction decides
    whether it lands."""
    row = session.scalar(select(Analysis).where(Analysis.upload_id == upload_id))
    if row is None:
        row = Analysis(upload_id=upload_id)
        session.add(row)
    write_result(row, result)
    return row


def load_json(row: Analysis) -> dict[str, Any]:
    return json.loads(row.result_json)


def load_result(row: Analysis) -> AnalysisResult:
    """The stored result, typed again."""
    return from_jsonable(AnalysisResult, load_json(row))
