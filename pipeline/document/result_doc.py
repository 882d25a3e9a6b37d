"""The JSON document of one analysis, as ``hinge-review analyze --json`` and the batch write it:
the full ``AnalysisResult`` plus the headline keys at the top level, the analysis version, and the
glossary's name, unit and meaning of each measure key (``measures``)."""

from __future__ import annotations

import json
from typing import Any

from pipeline.document.serialize import to_jsonable
from pipeline.measure.glossary import MEASURES
from pipeline.types import AnalysisResult, Scorecard
from pipeline.version import analysis_version


def result_json(result: AnalysisResult) -> dict[str, Any]:
    """The JSON document: the full result plus the headline keys at the top level."""
    doc: dict[str, Any] = to_jsonable(result)
    k = result.kinematics
    reps = []
    for rep, m in zip(result.reps, result.metrics):
        entry = to_jsonable(m)
        entry.update(to_jsonable(rep))
        reps.append(entry)
    sc = result.scorecard
    headline = {
        "rep_count": result.rep_count,
        "movement": result.segmentation.movement,
        "reps": reps,
        "view": k.view,
        "view_confidence": round(k.view_confidence, 3),
        "side": k.side,
        "lifter_track_id": result.pose.lifter_track_id,
        "video": to_jsonable(result.video),
        "timings_s": result.timings_s,
        "scorecard": _scorecard_json(sc) if sc is not None else None,
    }
    doc["analysis_version"] = analysis_version()
    doc["summary"] = headline
    doc.update({k_: v for k_, v in headline.items() if k_ not in ("reps", "scorecard")})
    doc["reps"] = reps
    doc["scorecard"] = headline["scorecard"]
    doc["measures"] = measures_json(reps)
    return doc


def measures_json(reps: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """What each measure key of the reps means, as every page and report names it (the glossary):
    ``{"back_line_deviation_deg": {"name": "Head-back line", "unit": "°", "explanation": ...}}``."""
    keys = {k for r in reps for k in r}
    return {f: {"name": m.name, "unit": m.unit, "explanation": m.explanation} for f, m in MEASURES.items() if f in keys}


def _scorecard_json(sc: Scorecard) -> dict[str, Any]:
    out: dict[str, Any] = to_jsonable(sc)
    out["reason"] = sc.reason
    return out


def result_text(doc: dict[str, Any]) -> str:
    """The document as the file ``analyze --json OUT`` and the batch write (indented, no NaN)."""
    return json.dumps(doc, allow_nan=False, indent=1)
