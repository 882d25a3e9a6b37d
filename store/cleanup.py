"""Deleting clips so that none is orphaned: a pending deletion is recorded with the rows' change, then done.

``forget_blob`` records the key inside the caller's transaction (the upload deleted,
a failed clip given up); ``purge_blobs`` deletes recorded keys from the store and
drops each record only once the store confirmed it. A store that fails keeps the
record, and the worker's ``sweep`` tries again. A failed upload's clip is kept
``FAILED_CLIP_KEEP_S`` so that "Try again" can run it; ``sweep`` then removes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from store.blobs import BlobStore
from store.db import Database
from store.models import Analysis, BlobDeletion, Job, Upload, utcnow

log = logging.getLogger("hinge_review.store")

FAILED_CLIP_KEEP_S = 24 * 3600.0  # a failed upload's clip waits this long for "Try again", then goes
PURGE_BATCH = 200
MAX_ERROR_CHARS = 500


def forget_blob(session: Session, key: str) -> None:
    """Record ``key`` for deletion in ``session``'s transaction (recording it twice is harmless)."""
    if key and session.get(BlobDeletion, key) is None:
        session.add(BlobDeletion(key=key))


def remove_clip(session: Session, upload: Upload) -> None:
    """Give up an upload's clip in ``session``'s transaction: the row stays (with its failure), the blob goes."""
    if upload.clip_removed_at is None:
        upload.clip_removed_at = utcnow()
        forget_blob(session, upload.blob_key)


def purge_blobs(db: Database, blobs: BlobStore, keys: Iterable[str] | None = None) -> int:
    """Delete the recorded clips (those of ``keys``, or every one pending) from the store; returns how many went.

    A key some upload still uses is never deleted (its record is dropped): the record is a wish, the row the truth."""
    with db.session() as s:
        q = select(BlobDeletion.key).order_by(BlobDeletion.requested_at).limit(PURGE_BATCH)
        if keys is not None:
            q = q.where(BlobDeletion.key.in_(list(keys)))
        pending = list(s.scalars(q))
    gone = 0
    for key in pending:
        with db.session() as s:
            in_use = s.scalar(select(exists().where(Upload.blob_key == key, Upload.clip_removed_at.is_(None))))
        try:
            if not in_use:
                blobs.delete(key)
        except Exception as exc:  # the store is down or refuses: keep the record, try again later
            log.warning("deleting clip %s failed; it will be tried again", key, exc_info=True)
            with db.transaction() as s:
                s.execute(
                    update(BlobDeletion)
                    .where(BlobDeletion.key == key)
                    .values(attempts=BlobDeletion.attempts + 1, last_error=str(exc)[:MAX_ERROR_CHARS])
                )
            continue
        with db.transaction() as s:
            s.execute(delete(BlobDeletion).where(BlobDeletion.key == key))
        gone += 0 if in_use else 1
    return gone


def expire_failed_clips(db: Database, keep_s: float = FAILED_CLIP_KEEP_S, now: datetime | None = None) -> int:
    """Give up the clips of uploads whose analysis failed more than ``keep_s`` ago and was not tried again."""
    cutoff = (now or utcnow()) - timedelta(seconds=keep_s)
    other = exists().where(Job.upload_id == Upload.id, Job.status != "failed")
    recent_failure = exists().where(Job.upload_id == Upload.id, Job.finished_at > cutoff)
    analysed = exists().where(Analysis.upload_id == Upload.id)
    failed = exists().where(Job.upload_id == Upload.id, Job.status == "failed")
    with db.transaction() as s:
        stale = s.scalars(
            select(Upload).where(Upload.clip_removed_at.is_(None), failed, ~other, ~recent_failure, ~analysed)
        ).all()
        for upload in stale:
            remove_clip(s, upload)
        return len(stale)


def sweep(db: Database, blobs: BlobStore, keep_s: float = FAILED_CLIP_KEEP_S) -> tuple[int, int]:
    """Expire old failed clips, then delete every pending clip; returns (clips expired, clips deleted)."""
    return expire_failed_clips(db, keep_s), purge_blobs(db, blobs)
