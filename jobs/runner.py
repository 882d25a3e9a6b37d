"""Run one claimed job: fetch the clip, analyse it with progress and heartbeats, save or fail it."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobs import queue
from jobs.queue import ClaimedJob
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.errors import InputError
from pipeline.run import Progress, analyze
from pipeline.types import AnalysisConfig, AnalysisResult
from store.blobs import BlobNotFound, BlobStore
from store.db import Database

log = logging.getLogger("hinge_review.jobs")

HEARTBEAT_S = 5.0
PROGRESS_EVERY_S = 0.5  # at most this often a progress write
UNEXPECTED = (
    "Something went wrong while analysing this video, and it is not something you did. Try again, or try another clip."
)


class JobLost(Exception):
    """The job is no longer this worker's (its upload was deleted, or it was recovered as stale)."""


class LazyEstimator:
    """The pose model, loaded on first use and then kept for every later job.

    A clip that is not a video fails while it is probed, before the model
    would be needed, so it never pays for loading it.
    """

    def __init__(self, config: AnalysisConfig = AnalysisConfig()):
        self.config = config
        self._estimator: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._estimator is None:
                from pipeline.capture.pose import PoseEstimator

                self._estimator = PoseEstimator.from_config(self.config)
            return self._estimator

    @property
    def loaded(self) -> bool:
        return self._estimator is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)


class _Heartbeat:
    """Writes the job's heartbeat every ``every_s`` seconds from a thread while the analysis runs."""

    def __init__(self, db: Database, job: ClaimedJob, every_s: float):
        self.db, self.job, self.every_s = db, job, every_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job.job_id}", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every_s):
            try:
                queue.report(self.db, self.job)
            except Exception:  # a busy database for a moment must not kill the analysis
                log.warning("heartbeat of job %s failed", self.job.job_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def make_thumbnail(result: AnalysisResult, clip: Path) -> bytes | None:
    """The inbox thumbnail of ``result`` from its clip (at hand here); None when it cannot be drawn (the
    analysis is saved all the same, and the inbox makes one later)."""
    try:
        from drawing.thumbnail import thumbnail_jpeg

        return thumbnail_jpeg(result, clip)
    except Exception:
        log.warning("no thumbnail for %s", clip.name, exc_info=True)
        return None


Analyzer = Callable[[Path, AnalysisConfig, Callable[[Progress], None]], AnalysisResult]


def run_job(
    db: Database,
    blobs: BlobStore,
    job: ClaimedJob,
    estimator: PoseEstimatorLike | None,
    config: AnalysisConfig = AnalysisConfig(),
    *,
    heartbeat_s: float = HEARTBEAT_S,
    analyzer: Analyzer | None = None,
) -> str:
    """Analyse one claimed job; returns its final status ("done", "failed", or "lost" when taken away).

    The analysis runs here with ``estimator``, or wherever ``analyzer`` runs it (a Ray actor)."""
    last_write = [0.0]

    def on_progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last_write[0] >= PROGRESS_EVERY_S or p.stage == "done":
            last_write[0] = now
            if not queue.report(db, job, stage=p.stage, progress=p.fraction):
                raise JobLost(job.job_id)  # stop now rather than analyse for nobody

    config = dataclasses.replace(config, exercise=job.exercise or config.exercise)
    try:
        with _Heartbeat(db, job, heartbeat_s), blobs.local_path(job.blob_key) as path:
            if analyzer is not None:
                result = analyzer(path, config, on_progress)
            else:
                result = analyze(path, config, on_progress=on_progress, estimator=estimator)
            thumbnail = make_thumbnail(result, path)
    except JobLost:
        return "lost"
    except BlobNotFound:
        return "failed" if queue.fail(db, job, queue.LOST_UPLOAD) else "lost"
    except InputError as exc:
        return "failed" if queue.fail(db, job, exc.message) else "lost"
    except Exception:
        log.exception("job %s failed unexpectedly", job.job_id)
        return "failed" if queue.fail(db, job, UNEXPECTED) else "lost"
    except BaseException:  # stopped (SIGTERM, Ctrl-C): someone else may run it
        queue.release(db, job)
        raise
    return "done" if queue.finish(db, job, result, thumbnail) is not None else "lost"
