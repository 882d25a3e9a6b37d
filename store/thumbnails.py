"""Inbox thumbnails: a small annotated JPEG per analysis, kept in the database once made.

The worker makes one as it saves an analysis (the clip is at hand there); an older
analysis, or one graded again as another lift, gets its own the first time the inbox
shows it. Reading and writing are checked like every other review operation.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.access import acting_user, visible_analysis, visible_owner_clause
from store.db import Database
from store.models import Analysis, Thumbnail, Upload, utcnow
from store.views import Account

MAX_THUMBNAIL_BYTES = 200_000  # a thumbnail is a few kB; anything this big is not one


def thumbnails(db: Database, user: Account, wanted: Iterable[tuple[int, str]]) -> dict[int, bytes]:
    """The JPEGs of those ``(analysis id, lift id)`` pairs this account may see, made for that lift."""
    pairs = dict(wanted)
    if not pairs:
        return {}
    with db.session() as s:
        me = acting_user(s, user)
        rows = s.execute(
            select(Thumbnail.analysis_id, Thumbnail.lift_id, Thumbnail.jpeg)
            .join(Analysis, Thumbnail.analysis_id == Analysis.id)
            .join(Upload, Analysis.upload_id == Upload.id)
            .where(Thumbnail.analysis_id.in_(list(pairs)), visible_owner_clause(me, Upload.owner_id))
        )
        return {aid: bytes(jpeg) for aid, lift, jpeg in rows if pairs.get(aid) == lift}


def save_thumbnail(db: Database, user: Account, analysis_id: int, lift_id: str, jpeg: bytes) -> None:
    """Keep ``jpeg`` as the analysis' thumbnail for ``lift_id`` (replacing an earlier one)."""
    if not jpeg or len(jpeg) > MAX_THUMBNAIL_BYTES:
        raise ValueError(f"a thumbnail is 1 to {MAX_THUMBNAIL_BYTES} bytes, not {len(jpeg)}")
    with db.transaction() as s:
        visible_analysis(s, acting_user(s, user), analysis_id)
        put_thumbnail(s, analysis_id, lift_id, jpeg)


def put_thumbnail(session: Session, analysis_id: int, lift_id: str, jpeg: bytes) -> None:
    """Write the thumbnail row in ``session`` (the worker's own transaction, or ``save_thumbnail``'s)."""
    row = session.get(Thumbnail, analysis_id)
    if row is None:
        session.add(Thumbnail(analysis_id=analysis_id, lift_id=lift_id, jpeg=jpeg, made_at=utcnow()))
    else:
        row.lift_id, row.jpeg, row.made_at = lift_id, jpeg, utcnow()
