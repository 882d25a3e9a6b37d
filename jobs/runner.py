"""Run one claimed job: fetch the clip, analyse it with progress and heartbeats, save or fail it.

A job has a time limit (``JOB_TIME_LIMIT_S``, the worker's ``--job-time-limit-s``): past it the
analysis is stopped at its next progress report and the job failed with a plain reason (its clip
is kept, so "Try again" can run it). An analysis that reports no progress for that long is caught
by the heartbeat thread ``OVERRUN_GRACE_S`` later: it fails the job and calls ``on_overrun`` (the
serving worker exits there; the app starts a new one).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobs import queue
from jobs.durations import seconds_from
from jobs.outage import patiently, unreachable
from jobs.queue import ClaimedJob
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.errors import InputError
from pipeline.run import Progress, analyze
from pipeline.types import AnalysisConfig, AnalysisResult
from store.blobs import BlobNotFound, BlobStore
from store.cleanup import purge_blobs
from store.db import Database

log = logging.getLogger("hinge_review.jobs")

HEARTBEAT_S = 5.0
PROGRESS_EVERY_S = 0.5  # at most this often a progress write
JOB_TIME_LIMIT_S = 900.0  # a 10-minute clip takes about 5 minutes on 2 cores; three times that is stuck
JOB_TIME_LIMIT_ENV = "HINGE_REVIEW_JOB_TIME_LIMIT_S"
OVERRUN_GRACE_S = 15.0  # past the limit, this long for the analysis to stop itself before the watchdog does
UNEXPECTED = (
    "Something went wrong while analysing this video, and it is not something you did. Try again, or try another clip."
)


class JobLost(Exception):
    """The job is no longer this worker's (its upload was deleted, or it was recovered as stale)."""


class JobOverrun(Exception):
    """The analysis ran past the job's time limit."""


def overrun_reason(limit_s: float) -> str:
    """The plain reason given when a job ran past its time limit of ``limit_s`` seconds."""
    limit = f"{limit_s / 60:g} minutes" if limit_s >= 60 else f"{limit_s:g} seconds"
    return (
        f"The analysis took longer than the {limit} a job may run here and was stopped. The server may "
        "have been busy: press Try again, or upload a shorter clip."
    )


def time_limit_from(environ: Mapping[str, str]) -> float | None:
    """The job time limit in seconds: ``JOB_TIME_LIMIT_ENV`` or ``JOB_TIME_LIMIT_S``; None (no limit) for off."""
    return seconds_from(environ, JOB_TIME_LIMIT_ENV, JOB_TIME_LIMIT_S)


class LazyEstimator:
    """The pose model, loaded on first use and then kept for every later job.

    A clip that is not a video fails while it is probed, before the model
    would be needed, so it never pays for loading it. The worker lives long, so
    on the CPU the model runs on the OpenVINO runtime alone: PyTorch is never
    imported here once the OpenVINO export exists, and a missing export is made
    by a child process (``PoseEstimator(long_lived=True)``).
    """

    def __init__(self, config: AnalysisConfig = AnalysisConfig(), *, long_lived: bool = True):
        self.config = config
        self.long_lived = long_lived
        self._estimator: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._estimator is None:
                from pipeline.capture.pose import PoseEstimator

                self._estimator = PoseEstimator.from_config(self.config, long_lived=self.long_lived)
            return self._estimator

    @property
    def loaded(self) -> bool:
        return self._estimator is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)


@dataclass(frozen=True)
class TimeLimit:
    """How long a job may run (None: no limit) and what to do when an analysis does not stop by itself."""

    limit_s: float | None = JOB_TIME_LIMIT_S
    grace_s: float = OVERRUN_GRACE_S
    on_overrun: Callable[[], None] | None = None  # the serving worker: exit (the app starts a new one)


class _Heartbeat:
    """Writes the job's heartbeat every ``every_s`` seconds from a thread while the analysis runs, and
    fails the job (then calls ``on_overrun``) once it is ``grace_s`` past its time limit."""

    def __init__(self, db: Database, job: ClaimedJob, every_s: float, limit: TimeLimit):
        self.db, self.job, self.every_s, self.limit = db, job, every_s, limit
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job.job_id}", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self._next_wait_s()):
            if self._overran():
                self._stop_overrun()
                return
            try:
                queue.report(self.db, self.job)
            except Exception as exc:  # a busy or restarting database must not kill the analysis
                if unreachable(exc):
                    log.warning("database unreachable: heartbeat of job %s not written", self.job.job_id)
                else:
                    log.warning("heartbeat of job %s failed", self.job.job_id, exc_info=True)

    def _deadline_s(self) -> float | None:
        return None if self.limit.limit_s is None else self.limit.limit_s + self.limit.grace_s

    def _next_wait_s(self) -> float:
        deadline = self._deadline_s()
        if deadline is None:
            return self.every_s
        return max(0.0, min(self.every_s, deadline - (time.monotonic() - self.started)))

    def _overran(self) -> bool:
        deadline = self._deadline_s()
        return deadline is not None and time.monotonic() - self.started >= deadline

    def _stop_overrun(self) -> None:
        assert self.limit.limit_s is not None
        log.error("job %s ran past its %.0f s limit without stopping", self.job.job_id, self.limit.limit_s)
        if queue.fail(self.db, self.job, overrun_reason(self.limit.limit_s)) and self.limit.on_overrun:
            self.limit.on_overrun()

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
    time_limit: TimeLimit = TimeLimit(),
) -> str:
    """Analyse one claimed job; returns its final status ("done", "failed", or "lost" when taken away).

    The analysis runs here with ``estimator``, or wherever ``analyzer`` runs it (a Ray actor), within
    ``time_limit``. A clip the analysis refuses (not a video, too long...) is failed and its clip deleted,
    since trying again cannot help; other failures keep the clip for "Try again"."""
    last_write = [0.0]
    started = time.monotonic()

    def on_progress(p: Progress) -> None:
        now = time.monotonic()
        if time_limit.limit_s is not None and now - started > time_limit.limit_s:
            raise JobOverrun(job.job_id)
        if now - last_write[0] >= PROGRESS_EVERY_S or p.stage == "done":
            last_write[0] = now
            try:
                mine = queue.report(db, job, stage=p.stage, progress=p.fraction)
            except Exception as exc:  # the analysis goes on; the next report says where it is
                if not unreachable(exc):
                    raise
                log.warning("database unreachable: progress of job %s not written", job.job_id)
                return
            if not mine:
                raise JobLost(job.job_id)  # stop now rather than analyse for nobody

    config = dataclasses.replace(config, exercise=job.exercise or config.exercise)
    try:
        with _Heartbeat(db, job, heartbeat_s, time_limit), blobs.local_path(job.blob_key) as path:
            if analyzer is not None:
                result = analyzer(path, config, on_progress)
            else:
                result = analyze(path, config, on_progress=on_progress, estimator=estimator)
            thumbnail = make_thumbnail(result, path)
    except JobLost:
        return "lost"
    except JobOverrun:
        assert time_limit.limit_s is not None
        return _failed(db, job, overrun_reason(time_limit.limit_s))
    except BlobNotFound:
        return _failed(db, job, queue.LOST_UPLOAD, drop_clip=True)
    except InputError as exc:
        status = _failed(db, job, exc.message, drop_clip=True)
        purge_blobs(db, blobs, [job.blob_key])
        return status
    except Exception:
        log.exception("job %s failed unexpectedly", job.job_id)
        return _failed(db, job, UNEXPECTED)
    except BaseException:  # stopped (SIGTERM, Ctrl-C): someone else may run it
        queue.release(db, job)
        raise
    saved = patiently(f"saving job {job.job_id}", lambda: queue.finish(db, job, result, thumbnail))
    return "done" if saved is not None else "lost"


def _failed(db: Database, job: ClaimedJob, reason: str, *, drop_clip: bool = False) -> str:
    """Fail the job with ``reason`` (waiting for an unreachable database); "lost" when it was taken away."""
    failed = patiently(f"failing job {job.job_id}", lambda: queue.fail(db, job, reason, drop_clip=drop_clip))
    return "failed" if failed else "lost"
