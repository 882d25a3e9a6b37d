"""One signed-in account's workspace: the database, the clip store and the acting user bound once."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import store
from pipeline.judge.lifts import LiftChoice
from pipeline.types import AnalysisResult
from service.regrade import regrade_analysis
from service.thumbnails import inbox_thumbnails
from store.clips import Source
from store.limits import Limits
from store.views import (
    Account,
    AnalysisView,
    CommentView,
    HistoryPoint,
    InboxRow,
    InviteView,
    JobView,
    ProgressionSignal,
    UploadView,
)


@dataclass(frozen=True)
class Desk:
    """What a page may do for ``me``; every call is checked by the store for who may see what, and
    uploads against the account's ``limits``."""

    db: store.Database
    blobs: store.BlobStore
    me: Account
    limits: Limits = field(default_factory=Limits, kw_only=True)

    # uploads and jobs
    def save_upload(
        self, source: Source, original_name: str = "", *, exercise: str | LiftChoice = "auto"
    ) -> UploadView:
        """Store a clip (a path, the bytes or a file object, read in chunks) and queue its analysis."""
        return store.save_upload(
            self.db, self.blobs, self.me, source, original_name, exercise=exercise, limits=self.limits
        )

    def list_uploads(self, owner_id: int | None = None) -> list[UploadView]:
        return store.list_uploads(self.db, self.me, owner_id)

    def retry_upload(self, upload_id: int) -> JobView:
        return store.retry_upload(self.db, self.me, upload_id)

    def delete_upload(self, upload_id: int) -> None:
        store.delete_upload(self.db, self.blobs, self.me, upload_id)

    def video_file(self, upload_id: int) -> AbstractContextManager[Path]:
        """The uploaded clip as a local file for a ``with`` block."""
        return store.video_file(self.db, self.blobs, self.me, upload_id)

    # reviews
    def inbox(self, **filters: Any) -> list[InboxRow]:
        return store.inbox(self.db, self.me, **filters)

    def waiting_count(self) -> int:
        """How many inbox sets wait for this coach (new, or a client replied)."""
        return store.waiting_count(self.db, self.me)

    def thumbnails(self, rows: Iterable[InboxRow], *, make_at_most: int = 10) -> dict[int, bytes]:
        """The rows' inbox thumbnails (JPEG) by analysis id, making up to ``make_at_most`` missing ones."""
        return inbox_thumbnails(self.db, self.blobs, self.me, rows, make_at_most=make_at_most)

    def reviews_for(self, limit: int = 500, *, own_only: bool = False) -> list[InboxRow]:
        return store.reviews_for(self.db, self.me, limit=limit, own_only=own_only)

    def open_analysis(self, analysis_id: int) -> AnalysisView:
        return store.open_analysis(self.db, self.me, analysis_id)

    def review_from_link(self, link: str) -> int:
        """The analysis id a ``?review=`` link names (checked; ``NotFound`` for anything else)."""
        return store.review_from_link(self.db, self.me, link)

    def comments_on(self, analysis_ids: Iterable[int]) -> list[CommentView]:
        return store.comments_on(self.db, self.me, analysis_ids)

    def add_comment(
        self, analysis_id: int, text: str, *, rep_index: int | None = None, time_s: float | None = None
    ) -> CommentView:
        return store.add_comment(self.db, self.me, analysis_id, text, rep_index=rep_index, time_s=time_s)

    def mark_reviewed(self, analysis_id: int, reviewed: bool = True) -> None:
        store.mark_reviewed(self.db, self.me, analysis_id, reviewed)

    def override_grade(self, analysis_id: int, grade: str | None, reason: str = "") -> None:
        store.override_grade(self.db, self.me, analysis_id, grade, reason)

    def regrade(self, analysis_id: int, lift: str | LiftChoice) -> AnalysisResult:
        return regrade_analysis(self.db, self.me, analysis_id, lift)

    # history and coaching links
    def client_history(self, client_id: int, lift_id: str | None = None) -> list[HistoryPoint]:
        return store.client_history(self.db, self.me, client_id, lift_id)

    def progression(self, client_id: int, lift_id: str) -> ProgressionSignal:
        return store.progression(self.db, self.me, client_id, lift_id)

    def create_invite(self) -> InviteView:
        return store.create_invite(self.db, self.me)

    def redeem_invite(self, code: str) -> Account:
        return store.redeem_invite(self.db, self.me, code)

    def coaches_of(self) -> list[Account]:
        return store.coaches_of(self.db, self.me)

    def clients_of(self) -> list[Account]:
        return store.clients_of(self.db, self.me)

    def invite_from(self, code: str) -> Account:
        return store.invite_from(self.db, self.me, code)

    def leave_coach(self, coach_id: int) -> None:
        store.leave_coach(self.db, self.me, coach_id)

    def remove_client(self, client_id: int) -> None:
        store.remove_client(self.db, self.me, client_id)
