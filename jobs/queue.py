"""The job queue in the database: claim atomically, report progress, finish in one transaction, recover stale jobs.

Claiming: PostgreSQL locks the oldest queued row with ``FOR UPDATE SKIP LOCKED``
(workers never wait on each other); SQLite and others use a guarded
``UPDATE ... WHERE status = 'queued'`` and retry when another worker won.
Every write after the claim is guarded by the worker's token, so a worker whose
job was taken away (recovered as stale, or its upload deleted) cannot save over it.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from pipeline.types import AnalysisResult
from store.db import Database
from store.models import Job, Upload, utcnow
from store.summary import record_analysis
from store.thumbnails import put_thumbnail

STALE_AFTER_S = 120.0  # no heartbeat for this long: the worker is gone
MAX_ATTEMPTS = 3


def gave_up_reason(attempts: int) -> str:
    """The plain reason given when a job was cut off ``attempts`` times."""
    times = "once" if attempts == 1 else f"{attempts} times"
    return (
        f"The analysis was cut off {times} before it could finish (the server restarted or ran out of "
        "memory). Try a shorter clip, or upload it again later."
    )


LOST_UPLOAD = "The uploaded clip is missing from storage; upload it again."


def worker_token() -> str:
    """Identifies one worker process: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class ClaimedJob:
    job_id: int
    upload_id: int
    blob_key: str
    attempts: int  # including this run
    worker: str
    exercise: str = "auto"  # the lift to grade it as (AnalysisConfig.exercise)


def claim_next(db: Database, worker: str) -> ClaimedJob | None:
    """Take the oldest queued job for ``worker`` (status running, attempts + 1); None when the queue is empty."""
    while True:  # a lost race means another worker took a job: the queue is shorter, so this ends
        with db.transaction() as s:
            pick = select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(1)
            if db.dialect == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            job_id = s.scalar(pick)
            if job_id is None:
                return None
            now = utcnow()
            won = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(
                    status="running",
                    worker=worker,
                    stage="queued",
                    progress=0.0,
                    error=None,
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=None,
                    attempts=Job.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                continue  # another worker took it between the read and the update
            job = s.get(Job, job_id)
            key = s.scalar(select(Upload.blob_key).where(Upload.id == job.upload_id))
            return ClaimedJob(job.id, job.upload_id, key or "", job.attempts, worker, job.exercise or "auto")


def _mine(job: ClaimedJob):
    return (Job.id == job.job_id) & (Job.worker == job.worker) & (Job.status == "running")


def report(db: Database, job: ClaimedJob, stage: str | None = None, progress: float | None = None) -> bool:
    """Heartbeat, plus the stage and progress when given; False when the job is no longer this worker's."""
    values: dict = {"heartbeat_at": utcnow()}
    if stage is not None:
        values["stage"] = stage
    if progress is not None:
        values["progress"] = max(0.0, min(1.0, float(progress)))
    with db.transaction() as s:
        return (
            s.execute(
                update(Job).where(_mine(job)).values(**values).execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def finish(db: Database, job: ClaimedJob, result: AnalysisResult, thumbnail: bytes | None = None) -> int | None:
    """Save the analysis (and its inbox ``thumbnail``, a JPEG) and mark the job done, in one transaction; the
    analysis id, or None if the job was lost."""
    with db.transaction() as s:
        done = s.execute(
            update(Job)
            .where(_mine(job))
            .values(status="done", stage="done", progress=1.0, finished_at=utcnow(), heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if done != 1:
            s.rollback()
            return None
        analysis = record_analysis(s, job.upload_id, result)  # a second job of one upload: the same row
        s.flush()
        if thumbnail:
            put_thumbnail(s, analysis.id, analysis.lift_id, thumbnail)
        return analysis.id


def fail(db: Database, job: ClaimedJob, reason: str) -> bool:
    """Mark the job failed with a plain reason (the upload stays)."""
    with db.transaction() as s:
        return (
            s.execute(
                update(Job)
                .where(_mine(job))
                .values(status="failed", error=reason, finished_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def release(db: Database, job: ClaimedJob) -> bool:
    """Put a job this worker is giving up on (it is shutting down) back in the queue."""
    with db.transaction() as s:
        return (
            s.execute(
                update(Job)
                .where(_mine(job))
                .values(status="queued", worker=None, stage="", progress=0.0, attempts=Job.attempts - 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def recover_stale(
    db: Database, *, stale_after_s: float = STALE_AFTER_S, max_attempts: int = MAX_ATTEMPTS
) -> dict[int, str]:
    """Jobs left running without a heartbeat for ``stale_after_s``: queued again, or failed after ``max_attempts``.

    Each change is a guarded UPDATE (still running, still stale), so a job
    another worker recovered and claimed meanwhile is left alone. Returns
    {job id: new status}.
    """
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    still_stale = (Job.status == "running") & (Job.heartbeat_at <= cutoff)
    with db.session() as s:
        candidates = s.execute(select(Job.id, Job.attempts).where(still_stale)).all()
    out: dict[int, str] = {}
    for job_id, attempts in candidates:
        if attempts >= max_attempts:
            values = {"status": "failed", "finished_at": utcnow(), "error": gave_up_reason(attempts)}
        else:
            values = {"status": "queued", "stage": "", "progress": 0.0}
        with db.transaction() as s:
            changed = s.execute(
                update(Job)
                .where(still_stale, Job.id == job_id, Job.attempts == attempts)
                .values(worker=None, **values)
                .execution_options(synchronize_session=False)
            ).rowcount
        if changed == 1:
            out[job_id] = values["status"]
    return out
