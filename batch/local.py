"""Run a batch's clips one after another in this process, with one model loaded once."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from batch.worker import ClipJob, ClipOutcome, analyze_clip, load_estimator
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.errors import InputError
from pipeline.types import AnalysisConfig


class LocalRunner:
    """Loads the model when the first readable clip needs it: a resumed batch whose
    remaining clips are all broken files (or none) loads nothing."""

    name = "local"

    def __init__(self, estimator: PoseEstimatorLike | None = None) -> None:
        self._estimator = estimator

    def run(self, jobs: Sequence[ClipJob], config: AnalysisConfig) -> Iterator[ClipOutcome]:
        for job in jobs:
            if self._estimator is None:
                refused = _refusal(job, config)
                if refused is not None:
                    yield refused
                    continue
                self._estimator = load_estimator(config)
            yield analyze_clip(job, config, self._estimator)


def _refusal(job: ClipJob, config: AnalysisConfig) -> ClipOutcome | None:
    """The probe's plain reason when the file is no usable video (checked without the model)."""
    from pipeline.capture.video import VideoLimits, probe

    started = time.perf_counter()
    try:
        probe(job.path, VideoLimits.of(config))
    except InputError as exc:
        return ClipOutcome(job.sha256, None, exc.message, time.perf_counter() - started)
    return None
