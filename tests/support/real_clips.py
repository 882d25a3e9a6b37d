"""Real fixture clips analysed once per test process (the two same-lifter kettlebell-deadlift clips by name).

``analysed(name, estimator)`` runs the real pipeline on a fixture clip the first
time it is asked for and keeps the ``AnalysisResult`` for the rest of the run
(the real model takes 10-20 s per clip on a 2-core CPU). ``analyze_once`` is the
same for any file (a worker's copy of an uploaded clip, say): it is keyed by the
file's bytes, the ``AnalysisConfig`` and the estimator, so the same clip analysed
the same way in several tests costs one run of the model.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.types import AnalysisConfig, AnalysisResult
from tests.support.paths import CLIPS_DIR

CORRECT = "tby66_kb-deadlift_correct_side.mp4"
ROUNDED = "tby66_kb-deadlift_roundedback_side.mp4"

# (sha256 of the clip, config, id of the estimator) -> (the estimator, kept alive so its id stays its own; result)
_CACHE: dict[tuple[str, AnalysisConfig, int], tuple[object, AnalysisResult]] = {}


def analysed(name: str, estimator, folder: Path = CLIPS_DIR) -> AnalysisResult:
    """The analysis of clip ``name`` in ``folder`` (the fixtures by default; skips the test when missing)."""
    path = folder / name
    if not path.is_file():
        pytest.skip(f"clip missing: {path}")
    return analyze_once(path, AnalysisConfig(), estimator=estimator)


def analyze_once(path, config: AnalysisConfig = AnalysisConfig(), on_progress=None, estimator=None) -> AnalysisResult:
    """``pipeline.run.analyze`` with the same arguments, run once per clip content, config and estimator in
    this test process; the result names ``path`` as its video, as a run on ``path`` itself would. (A result
    from the cache reports no progress: it was made earlier.)"""
    from pipeline.run import analyze

    path = Path(path)
    key = (hashlib.sha256(path.read_bytes()).hexdigest(), config, id(estimator))
    if key not in _CACHE:
        _CACHE[key] = (estimator, analyze(path, config, on_progress=on_progress, estimator=estimator))
    result = _CACHE[key][1]
    if result.video.path == str(path):
        return result
    return replace(result, video=replace(result.video, path=str(path)))
