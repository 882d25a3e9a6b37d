"""Uploads: a clip becomes a blob, an upload row and a queued job; the owner can delete it and all it led to."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.judge.lifts import LiftChoice, UnknownLift, choose_lift
from store.access import acting_user, can_see_owner, visible_owner_clause, visible_upload
from store.blobs import BlobStore
from store.cleanup import forget_blob, purge_blobs
from store.clips import Source, declared_duration_s, spooled, too_long
from store.db import Database
from store.errors import InvalidRequest, NotFound, PermissionDenied, StorageUnavailable
from store.limits import DAY, AccountLimits, Limits, check_stored_bytes, check_uploads_per_day
from store.models import Analysis, Job, Upload, UploadLog, User, utcnow
from store.views import Account, JobView, UploadView

log = logging.getLogger("hinge_review.store")

MAX_NAME_CHARS = 255
CLIP_REMOVED = (
    "This clip was removed from the server after its analysis failed, so it cannot be tried again here. "
    "Upload it again (or a new recording of the set)."
)


def job_view(job: Job, analysis_id: int | None) -> JobView:
    return JobView(
        job.id,
        job.upload_id,
        job.status,
        job.stage,
        job.progress,
        job.error,
        job.attempts,
        job.created_at,
        job.started_at,
        job.finished_at,
        job.heartbeat_at,
        analysis_id,
        job.exercise or "auto",
    )


def _latest_job(session: Session, upload_id: int) -> Job | None:
    return session.scalars(select(Job).where(Job.upload_id == upload_id).order_by(Job.id.desc()).limit(1)).first()


def _analysis_id(session: Session, upload_id: int) -> int | None:
    return session.scalar(select(Analysis.id).where(Analysis.upload_id == upload_id))


def _job_and_analysis(session: Session, upload_id: int) -> tuple[Job | None, int | None, str | None, str | None]:
    """An upload's latest job, and its analysis (id, grade, coach's grade), read in one statement: the worker
    saves the analysis and marks the job done in one transaction, and one statement sees both or neither (two
    statements may straddle that commit and read a job done without its analysis)."""
    row = session.execute(
        select(Job, Analysis.id, Analysis.grade, Analysis.grade_override)
        .select_from(Upload)
        .outerjoin(Job, Job.upload_id == Upload.id)
        .outerjoin(Analysis, Analysis.upload_id == Upload.id)
        .where(Upload.id == upload_id)
        .order_by(Job.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2], row[3]) if row is not None else (None, None, None, None)


def _view(session: Session, upload: Upload, deduplicated: bool = False) -> UploadView:
    job, analysis_id, grade, override = _job_and_analysis(session, upload.id)
    return UploadView(
        upload.id,
        upload.owner_id,
        upload.original_name,
        upload.size_bytes,
        upload.sha256,
        upload.created_at,
        job_view(job, analysis_id) if job else None,
        analysis_id,
        deduplicated,
        upload.clip_removed_at is None,
        grade,
        override,
    )


def checked_lift(lift: str | LiftChoice | None) -> LiftChoice:
    """The lift as the store keeps it; a name not in the catalogue is refused (upload and regrade alike)."""
    if isinstance(lift, LiftChoice):
        return lift
    try:
        return choose_lift(lift)
    except UnknownLift as exc:
        raise InvalidRequest(exc.message) from exc


def save_upload(
    db: Database,
    blobs: BlobStore,
    user: Account,
    source: Source,
    original_name: str = "",
    *,
    exercise: str | LiftChoice = "auto",
    limits: Limits | None = None,
) -> UploadView:
    """Store a clip for ``user`` and queue its analysis as ``exercise`` (a ``LiftChoice``, or a name
    checked by ``checked_lift``), within the account's ``limits`` (default: ``Limits()``).

    ``source`` is a file path, the bytes or a file object (read once, in chunks). The same file uploaded
    again by the same person is not stored twice: the earlier upload comes back with ``deduplicated=True``
    (and its own lift). Before the clip is kept, the account's limits (``OverLimit``) and the clip's
    declared length (over 10 minutes: refused) are checked.
    """
    lift = checked_lift(exercise)
    own = (limits or Limits()).of(user)
    name = _display_name(source, original_name)
    with spooled(source) as clip:
        if clip.size_bytes == 0:
            raise InvalidRequest("The file is empty; choose the video again.")
        with db.session() as s:
            acting_user(s, user)
            earlier = _same_clip(s, user.id, clip.sha256)
            if earlier is not None and earlier.clip_removed_at is None:
                return _view(s, earlier, deduplicated=True)
            _check_limits(s, user.id, own, clip.size_bytes)
        refused = too_long(name or "The clip", declared_duration_s(clip.path))
        if refused:
            raise InvalidRequest(refused)
        key = _keep(blobs, clip.path, name)
    try:
        with db.transaction() as s:
            _lock_owner(s, user.id)
            s.add(UploadLog(owner_id=user.id, size_bytes=clip.size_bytes))
            s.flush()  # SQLite: this write takes the lock, so one account's uploads are counted one at a time
            _check_limits(s, user.id, own, clip.size_bytes, counted=True)
            if earlier is not None:  # its clip was given up after it failed: this upload takes its place
                gone = s.get(Upload, earlier.id)
                if gone is not None:
                    s.delete(gone)
                    s.flush()
            upload = Upload(
                owner_id=user.id, blob_key=key, original_name=name, sha256=clip.sha256, size_bytes=clip.size_bytes
            )
            s.add(upload)
            s.flush()
            s.add(Job(upload_id=upload.id, exercise=lift.requested))
            s.flush()
            return _view(s, upload)
    except IntegrityError:  # the same file saved meanwhile from another session
        _discard(db, blobs, key)
        with db.session() as s:
            same = _same_clip(s, user.id, clip.sha256)
            if same is None:
                raise
            return _view(s, same, deduplicated=True)
    except BaseException:
        _discard(db, blobs, key)
        raise


def _display_name(source: Source, original_name: str) -> str:
    fallback = str(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    return Path(original_name or str(fallback or "")).name[:MAX_NAME_CHARS]


def _same_clip(session: Session, owner_id: int, sha256: str) -> Upload | None:
    return session.scalars(select(Upload).where(Upload.owner_id == owner_id, Upload.sha256 == sha256)).first()


def _lock_owner(session: Session, owner_id: int) -> None:
    """PostgreSQL: one account's uploads are checked and saved one at a time (a row lock on the account)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.id == owner_id).with_for_update())


def _check_limits(session: Session, owner_id: int, own: AccountLimits, size_bytes: int, counted: bool = False) -> None:
    """Refuse (``OverLimit``) a clip of ``size_bytes`` past the account's uploads a day or stored bytes;
    ``counted``: this upload is already in the log."""
    now = utcnow()
    recent = list(
        session.scalars(
            select(UploadLog.created_at).where(UploadLog.owner_id == owner_id, UploadLog.created_at > now - DAY)
        )
    )
    if counted:
        recent.remove(max(recent))
    check_uploads_per_day(own.uploads_per_day, recent, now)
    stored = session.scalar(
        select(func.coalesce(func.sum(Upload.size_bytes), 0)).where(
            Upload.owner_id == owner_id, Upload.clip_removed_at.is_(None)
        )
    )
    check_stored_bytes(own.stored_bytes, int(stored or 0), size_bytes)


def _keep(blobs: BlobStore, path: Path, name: str) -> str:
    """Put the clip in the blob store; a store that fails (full disk, bucket down) is said plainly."""
    try:
        return blobs.put_file(path, name)
    except Exception as exc:
        log.exception("storing an upload failed")
        raise StorageUnavailable(
            "The clip could not be stored: the server's storage is full or unreachable. Nothing was saved; "
            "try again later."
        ) from exc


def _discard(db: Database, blobs: BlobStore, key: str) -> None:
    """Delete a clip no row points to; if the store fails, record it for the worker's sweep."""
    try:
        blobs.delete(key)
    except Exception:
        log.warning("deleting clip %s failed; recorded for the sweep", key, exc_info=True)
        with contextlib.suppress(Exception), db.transaction() as s:
            forget_blob(s, key)


def get_upload(db: Database, user: Account, upload_id: int) -> UploadView:
    with db.session() as s:
        return _view(s, visible_upload(s, acting_user(s, user), upload_id))


def job_status(db: Database, user: Account, upload_id: int) -> JobView:
    """The latest analysis job of an upload (what a page polls while it waits)."""
    with db.session() as s:
        visible_upload(s, acting_user(s, user), upload_id)
        job, analysis_id, _, _ = _job_and_analysis(s, upload_id)
        if job is None:
            raise NotFound("This upload has no analysis job.")
        return job_view(job, analysis_id)


def list_uploads(db: Database, user: Account, owner_id: int | None = None) -> list[UploadView]:
    """Uploads of ``owner_id`` (default: the user's own), newest first; a coach may list a linked client's."""
    with db.session() as s:
        me = acting_user(s, user)
        owner = me.id if owner_id is None else owner_id
        if not can_see_owner(s, me, owner):
            raise PermissionDenied("You can only see your own uploads and those of your clients.")
        rows = s.scalars(
            select(Upload)
            .where(Upload.owner_id == owner, visible_owner_clause(me, Upload.owner_id))
            .order_by(Upload.created_at.desc(), Upload.id.desc())
        )
        return [_view(s, u) for u in rows]


def retry_upload(db: Database, user: Account, upload_id: int) -> JobView:
    """Queue the analysis again after it failed (the owner only)."""
    with db.transaction() as s:
        me = acting_user(s, user)
        upload = visible_upload(s, me, upload_id)
        if upload.owner_id != me.id:
            raise PermissionDenied("Only the person who uploaded a clip can have it analysed again.")
        last = _latest_job(s, upload_id)
        if last is not None and last.status in ("queued", "running"):
            return job_view(last, None)
        if _analysis_id(s, upload_id) is not None:
            raise InvalidRequest("This clip has already been analysed.")
        if upload.clip_removed_at is not None:
            raise InvalidRequest(CLIP_REMOVED)
        job = Job(upload_id=upload_id, exercise=last.exercise if last is not None else "auto")
        s.add(job)
        s.flush()
        return job_view(job, None)


def delete_upload(db: Database, blobs: BlobStore, user: Account, upload_id: int) -> None:
    """Delete an upload and everything derived from it: jobs, analysis, comments and the stored clip.

    Only the owner may. The rows go in one transaction that also records the clip for deletion; the clip
    is then deleted and the record dropped. A store that fails leaves the record, and the worker's sweep
    deletes the clip later (``store.cleanup``): never a clip that no row knows of.
    """
    with db.transaction() as s:
        me = acting_user(s, user)
        upload = visible_upload(s, me, upload_id)
        if upload.owner_id != me.id:
            raise PermissionDenied("Only the person who uploaded a clip can delete it.")
        key = upload.blob_key
        s.delete(upload)
        forget_blob(s, key)
    purge_blobs(db, blobs, [key])


@contextlib.contextmanager
def video_file(db: Database, blobs: BlobStore, user: Account, upload_id: int) -> Iterator[Path]:
    """The uploaded clip as a local file for the ``with`` block (for the frames and annotated video)."""
    with db.session() as s:
        key = visible_upload(s, acting_user(s, user), upload_id).blob_key
    with blobs.local_path(key) as path:
        yield path
