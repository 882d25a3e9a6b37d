"""One clip through the pipeline with an already loaded model: the unit of work
that both the local runner and the Ray actors run."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.errors import InputError
from pipeline.types import AnalysisConfig

if TYPE_CHECKING:
    from pipeline.capture.pose import PoseEstimator


@dataclass(frozen=True)
class ClipJob:
    """A clip to analyse, known by the sha256 of its bytes."""

    sha256: str
    path: Path


@dataclass(frozen=True)
class ClipOutcome:
    """The result JSON document (as ``hinge-review analyze --json`` writes it) or the plain reason it failed."""

    sha256: str
    doc: dict | None
    error: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.doc is not None


def load_estimator(config: AnalysisConfig) -> PoseEstimator:
    """The pose model with the batch's settings (``ModelError``, an ``InputError``, when it cannot load)."""
    from pipeline.capture.pose import PoseEstimator

    return PoseEstimator.from_config(config)


def analyze_clip(
    job: ClipJob, config: AnalysisConfig, estimator: PoseEstimatorLike, *, read_from: Path | None = None
) -> ClipOutcome:
    """Analyse one clip; bad input and unexpected failures come back as an error, never raised.

    ``read_from`` is a local copy of the same bytes (a Ray worker's temp file);
    the result still names ``job.path``.
    """
    from pipeline.document.result_doc import result_json
    from pipeline.run import analyze

    started = time.perf_counter()
    try:
        result = analyze(read_from or job.path, config, estimator=estimator)
    except InputError as exc:
        return ClipOutcome(job.sha256, None, exc.message, time.perf_counter() - started)
    except Exception as exc:  # one broken clip must not stop a batch of hundreds
        message = f"analysis failed unexpectedly ({exc.__class__.__name__}: {exc})."
        return ClipOutcome(job.sha256, None, message, time.perf_counter() - started)
    if read_from is not None:
        result = replace(result, video=replace(result.video, path=str(job.path)))
    return ClipOutcome(job.sha256, result_json(result), "", time.perf_counter() - started)
