"""Real fixture clips analysed once per test process (the two same-lifter kettlebell-deadlift clips by name).

``analysed(name, estimator)`` runs the real pipeline on a fixture clip the first
time it is asked for and keeps the ``AnalysisResult`` for the rest of the run
(the real model takes 10-20 s per clip on a 2-core CPU).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.types import AnalysisResult
from tests.support.paths import CLIPS_DIR

CORRECT = "tby66_kb-deadlift_correct_side.mp4"
ROUNDED = "tby66_kb-deadlift_roundedback_side.mp4"

_CACHE: dict[str, AnalysisResult] = {}


def analysed(name: str, estimator, folder: Path = CLIPS_DIR) -> AnalysisResult:
    """The analysis of clip ``name`` in ``folder`` (the fixtures by default; skips the test when missing)."""
    path = folder / name
    if not path.is_file():
        pytest.skip(f"clip missing: {path}")
    if str(path) not in _CACHE:
        from pipeline.run import analyze

        _CACHE[str(path)] = analyze(path, estimator=estimator)
    return _CACHE[str(path)]
