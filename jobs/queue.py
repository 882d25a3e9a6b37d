"""The job queue in the database: claim fairly and atomically, report progress, finish in one transaction,
recover jobs whose worker died.

Fair order: the next job is the oldest queued job of the account that had the fewest
jobs started in the last ``FAIR_WINDOW_S`` (ties: the account whose oldest job waits
longest), so one account's ten uploads take turns with another's one.
Claiming: PostgreSQL locks the chosen row with ``FOR UPDATE SKIP LOCKED``
(workers never wait on each other); every database then uses a guarded
``UPDATE ... WHERE status = 'queued'`` and tries the next candidate when another worker won.
Every write after the claim is guarded by the worker's token, so a worker whose
job was taken away (recovered as stale, or its upload deleted) cannot save over it.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from pipeline.types import AnalysisResult
from store.cleanup import remove_clip
from store.db import Database
from store.models import RESTARTING, Job, Upload, utcnow
from store.summary import record_analysis
from store.thumbnails import put_thumbnail

STALE_AFTER_S = 120.0  # no heartbeat for this long: the worker is gone
MAX_ATTEMPTS = 3
FAIR_WINDOW_S = 3600.0  # jobs started this recently count against their account's turn


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
    owner_id: int = 0  # whose upload it is (the fair order's account)


def _fair_order(session: Session) -> list[int]:
    """Queued job ids to try, best first: each account's oldest queued job, the account with the fewest
    jobs started in the last ``FAIR_WINDOW_S`` first (ties: the older job). A job whose worker died and that
    waits again does not count as a turn its account had: it goes back to its place, not to the end."""
    heads = session.execute(
        select(Upload.owner_id, func.min(Job.id))
        .join(Upload, Job.upload_id == Upload.id)
        .where(Job.status == "queued")
        .group_by(Upload.owner_id)
    ).all()
    if not heads:
        return []
    since = utcnow() - timedelta(seconds=FAIR_WINDOW_S)
    recent = dict(
        session.execute(
            select(Upload.owner_id, func.count(Job.id))
            .join(Upload, Job.upload_id == Upload.id)
            .where(
                Upload.owner_id.in_([owner for owner, _ in heads]),
                Job.started_at >= since,
                Job.status != "queued",  # a job queued again (its worker died) gave its account no turn
            )
            .group_by(Upload.owner_id)
        ).all()
    )
    return [job_id for _, job_id in sorted(heads, key=lambda h: (recent.get(h[0], 0), h[1]))]


def claim_next(db: Database, worker: str) -> ClaimedJob | None:
    """Take the next job in fair order for ``worker`` (status running, attempts + 1); None when none is queued."""
    while True:  # every lost race means another worker took a job: the queue is shorter, so this ends
        with db.transaction() as s:
            candidates = _fair_order(s)
            if not candidates:
                return None
            job = next((j for j in candidates if _take(s, db.dialect, j, worker)), None)
            if job is None:
                continue  # others took every candidate between the read and the update: look again
            taken = s.get(Job, job)
            key, owner = s.execute(select(Upload.blob_key, Upload.owner_id).where(Upload.id == taken.upload_id)).one()
            return ClaimedJob(
                taken.id, taken.upload_id, key or "", taken.attempts, worker, taken.exercise or "auto", owner
            )


def _take(session: Session, dialect: str, job_id: int, worker: str) -> bool:
    """Mark ``job_id`` running for ``worker`` if it is still queued (and, on PostgreSQL, not being taken)."""
    if dialect == "postgresql":
        lock = select(Job.id).where(Job.id == job_id, Job.status == "queued").with_for_update(skip_locked=True)
        if session.scalar(lock) is None:
            return False
    now = utcnow()
    return (
        session.execute(
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
        == 1
    )


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


def fail(db: Database, job: ClaimedJob, reason: str, *, drop_clip: bool = False) -> bool:
    """Mark the job failed with a plain reason. The upload stays; with ``drop_clip`` (trying again cannot
    help: the clip itself was refused) its clip is recorded for deletion in the same transaction
    (``store.cleanup``; the caller then purges it). Otherwise the clip is kept for a retry."""
    with db.transaction() as s:
        failed = (
            s.execute(
                update(Job)
                .where(_mine(job))
                .values(status="failed", error=reason, finished_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        upload = s.get(Upload, job.upload_id) if failed and drop_clip else None
        if upload is not None:
            remove_clip(s, upload)
        return failed


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


def _requeue_values(attempts: int, max_attempts: int) -> dict:
    """A cut-off job's new state: queued again with its card saying it restarts, or failed after ``max_attempts``."""
    if attempts >= max_attempts:
        return {"status": "failed", "finished_at": utcnow(), "error": gave_up_reason(attempts)}
    return {"status": "queued", "stage": RESTARTING, "progress": 0.0}


def requeue_worker(db: Database, worker: str, *, max_attempts: int = MAX_ATTEMPTS) -> dict[int, str]:
    """The jobs ``worker`` was running when it was seen dead: queued again at once (failed after
    ``max_attempts`` runs). Returns {job id: new status}."""
    return _requeue_where((Job.worker == worker) & (Job.status == "running"), db, max_attempts)


def recover_stale(
    db: Database, *, stale_after_s: float = STALE_AFTER_S, max_attempts: int = MAX_ATTEMPTS
) -> dict[int, str]:
    """Jobs left running without a heartbeat for ``stale_after_s``: queued again, or failed after ``max_attempts``.

    Each change is a guarded UPDATE (still running, still stale), so a job
    another worker recovered and claimed meanwhile is left alone. Returns
    {job id: new status}.
    """
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    return _requeue_where((Job.status == "running") & (Job.heartbeat_at <= cutoff), db, max_attempts)


def _requeue_where(guard: ColumnElement[bool], db: Database, max_attempts: int) -> dict[int, str]:
    """Each job matching ``guard``, queued again (or failed after ``max_attempts``) by a guarded UPDATE: the
    guard and the attempt count are checked again, so a job someone else moved meanwhile is left alone."""
    with db.session() as s:
        candidates = s.execute(select(Job.id, Job.attempts).where(guard)).all()
    out: dict[int, str] = {}
    for job_id, attempts in candidates:
        values = _requeue_values(attempts, max_attempts)
        with db.transaction() as s:
            changed = s.execute(
                update(Job)
                .where(guard, Job.id == job_id, Job.attempts == attempts)
                .values(worker=None, **values)
                .execution_options(synchronize_session=False)
            ).rowcount
        if changed == 1:
            out[job_id] = values["status"]
    return out
