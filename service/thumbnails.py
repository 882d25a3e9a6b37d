"""Inbox thumbnails for analyses that have none yet (saved before thumbnails, or graded as another lift)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import store
from drawing.thumbnail import thumbnail_jpeg
from store import Account, BlobStore, Database, InboxRow

log = logging.getLogger("hinge_review.thumbnails")


def make_thumbnail(db: Database, blobs: BlobStore, user: Account, analysis_id: int) -> bytes:
    """Draw the analysis' thumbnail from its stored result and clip (the skeleton alone when the clip is
    gone) and keep it; the store checks who may, as for opening the review."""
    view = store.open_analysis(db, user, analysis_id)
    try:
        with store.video_file(db, blobs, user, view.row.upload_id) as clip:
            jpeg = thumbnail_jpeg(view.result, clip)
    except store.BlobNotFound:
        jpeg = thumbnail_jpeg(view.result, None)
    store.save_thumbnail(db, user, analysis_id, view.row.lift_id, jpeg)
    return jpeg


def inbox_thumbnails(
    db: Database, blobs: BlobStore, user: Account, rows: Iterable[InboxRow], *, make_at_most: int
) -> dict[int, bytes]:
    """The thumbnails of ``rows`` by analysis id: the kept ones, and up to ``make_at_most`` missing ones made
    now (the rest come on a later view). A row whose thumbnail cannot be drawn has none."""
    rows = list(rows)
    found = store.thumbnails(db, user, [(r.analysis_id, r.lift_id) for r in rows])
    missing = [r.analysis_id for r in rows if r.analysis_id not in found][: max(0, make_at_most)]
    for analysis_id in missing:
        try:
            found[analysis_id] = make_thumbnail(db, blobs, user, analysis_id)
        except store.WorkspaceError:
            raise
        except Exception:  # an odd clip: the row shows without a picture
            log.warning("no thumbnail for analysis %s", analysis_id, exc_info=True)
    return found
