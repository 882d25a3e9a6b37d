"""Uploads: a clip becomes a blob, an upload row and a queued job; the owner can delete it and all it led to."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.judge.lifts import LiftChoice, UnknownLift, choose_lift
from store.access import acting_user, can_see_owner, visible_owner_clause, visible_upload
from store.blobs import BlobStore
from store.db import Database
from store.errors import InvalidRequest, NotFound, PermissionDenied
from store.models import Analysis, Job, Upload
from store.views import Account, JobView, UploadView

MAX_NAME_CHARS = 255
HASH_CHUNK_BYTES = 1 << 20


def _digest(source: str | os.PathLike[str] | bytes) -> tuple[str, int]:
    h = hashlib.sha256()
    if isinstance(source, bytes):
        h.update(source)
        return h.hexdigest(), len(source)
    size = 0
    with open(source, "rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK_BYTES), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


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


def _view(session: Session, upload: Upload, deduplicated: bool = False) -> UploadView:
    analysis_id = _analysis_id(session, upload.id)
    job = _latest_job(session, upload.id)
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
    source: str | os.PathLike[str] | bytes,
    original_name: str = "",
    *,
    exercise: str | LiftChoice = "auto",
) -> UploadView:
    """Store a clip for ``user`` and queue its analysis as ``exercise`` (a ``LiftChoice``, or a name
    checked by ``checked_lift``).

    ``source`` is a file path or the bytes. The same file uploaded again by the
    same person is not stored twice: the earlier upload comes back with
    ``deduplicated=True`` (and its own lift).
    """
    lift = checked_lift(exercise)
    sha256, size = _digest(source)
    if size == 0:
        raise InvalidRequest("The file is empty; choose the video again.")
    name = Path(original_name or (str(source) if not isinstance(source, bytes) else "")).name[:MAX_NAME_CHARS]
    with db.session() as s:
        owner = acting_user(s, user)
        earlier = s.scalars(select(Upload).where(Upload.owner_id == owner.id, Upload.sha256 == sha256)).first()
        if earlier is not None:
            return _view(s, earlier, deduplicated=True)
    key = blobs.put_bytes(source, name) if isinstance(source, bytes) else blobs.put_file(source, name)
    try:
        with db.transaction() as s:
            upload = Upload(owner_id=user.id, blob_key=key, original_name=name, sha256=sha256, size_bytes=size)
            s.add(upload)
            s.flush()
            s.add(Job(upload_id=upload.id, exercise=lift.requested))
            s.flush()
            return _view(s, upload)
    except IntegrityError:  # the same file saved meanwhile from another session
        blobs.delete(key)
        with db.session() as s:
            earlier = s.scalars(select(Upload).where(Upload.owner_id == user.id, Upload.sha256 == sha256)).first()
            if earlier is None:
                raise
            return _view(s, earlier, deduplicated=True)
    except BaseException:
        blobs.delete(key)
        raise


def get_upload(db: Database, user: Account, upload_id: int) -> UploadView:
    with db.session() as s:
        return _view(s, visible_upload(s, acting_user(s, user), upload_id))


def job_status(db: Database, user: Account, upload_id: int) -> JobView:
    """The latest analysis job of an upload (what a page polls while it waits)."""
    with db.session() as s:
        visible_upload(s, acting_user(s, user), upload_id)
        job = _latest_job(s, upload_id)
        if job is None:
            raise NotFound("This upload has no analysis job.")
        return job_view(job, _analysis_id(s, upload_id))


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
        job = Job(upload_id=upload_id, exercise=last.exercise if last is not None else "auto")
        s.add(job)
        s.flush()
        return job_view(job, None)


def delete_upload(db: Database, blobs: BlobStore, user: Account, upload_id: int) -> None:
    """Delete an upload and everything derived from it: jobs, analysis, comments and the stored clip.

    Only the owner may; the rows go first (one transaction), then the blob.
    """
    with db.transaction() as s:
        me = acting_user(s, user)
        upload = visible_upload(s, me, upload_id)
        if upload.owner_id != me.id:
            raise PermissionDenied("Only the person who uploaded a clip can delete it.")
        key = upload.blob_key
        s.delete(upload)
    blobs.delete(key)


@contextlib.contextmanager
def video_file(db: Database, blobs: BlobStore, user: Account, upload_id: int) -> Iterator[Path]:
    """The uploaded clip as a local file for the ``with`` block (for the frames and annotated video)."""
    with db.session() as s:
        key = visible_upload(s, acting_user(s, user), upload_id).blob_key
    with blobs.local_path(key) as path:
        yield path
