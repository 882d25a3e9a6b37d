"""``summary.csv``: one row per clip, rewritten (atomically) as results come in."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Literal

from batch.store import write_atomic

SUMMARY_NAME = "summary.csv"


@dataclass(frozen=True)
class SummaryRow:
    """One clip's line. ``seconds`` is its analysis time (from the stored result when reused)."""

    file: str
    sha256: str
    status: Literal["ok", "error"]
    error: str = ""
    lift: str = ""
    reps: int | None = None
    grade: str = ""
    score: float | None = None
    main_fault: str = ""
    seconds: float | None = None
    reused: bool = False  # taken from an earlier run's JSON, not analysed now


COLUMNS = tuple(f.name for f in fields(SummaryRow))


def ok_row(file: str, sha256: str, doc: dict, *, reused: bool = False) -> SummaryRow:
    """The row for an analysed clip, read from its result JSON."""
    card = doc.get("scorecard") or {}
    faults = card.get("faults") or ()
    score = card.get("overall_score")
    total_s = (doc.get("timings_s") or {}).get("total")
    return SummaryRow(
        file=file,
        sha256=sha256,
        status="ok",
        lift=card.get("exercise_id") or doc.get("movement") or "",
        reps=doc.get("rep_count"),
        grade=(card.get("overall_grade") or "") if card.get("gradable") else "not gradable" if card else "",
        score=round(float(score), 1) if score is not None else None,
        main_fault=faults[0] if faults else "",
        seconds=round(float(total_s), 2) if total_s is not None else None,
        reused=reused,
    )


def error_row(file: str, sha256: str, message: str, seconds: float | None = None) -> SummaryRow:
    """The row for a clip that could not be analysed, with the plain reason."""
    return SummaryRow(
        file=file,
        sha256=sha256,
        status="error",
        error=message,
        seconds=round(seconds, 2) if seconds is not None else None,
    )


def summary_csv(rows: list[SummaryRow] | tuple[SummaryRow, ...]) -> str:
    """CSV text with a header; empty cells for missing values."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in astuple(row)])
    return buf.getvalue()


def write_summary(out_dir: Path, rows: list[SummaryRow] | tuple[SummaryRow, ...]) -> Path:
    path = Path(out_dir) / SUMMARY_NAME
    write_atomic(path, summary_csv(rows))
    return path
