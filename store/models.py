"""The tables, as SQLAlchemy 2 typed ORM models.

Every time is stored in UTC and read back timezone-aware (``UTCDateTime``).
Deleting an upload deletes its jobs, its analysis and the analysis' comments
(``ON DELETE CASCADE`` in the database and ``cascade`` in the ORM).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Role = Literal["coach", "client"]
JobStatus = Literal["queued", "running", "done", "failed"]
ROLES: tuple[str, ...] = ("coach", "client")
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")
RESTARTING = "restarting"  # a queued job's stage once its worker was cut off: it runs again


def utcnow() -> datetime:
    return datetime.now(UTC)


TOKEN_CHARS = 22  # secrets.token_urlsafe(16): 128 random bits


def new_token() -> str:
    """A review's address in links: random, so it tells nothing of how many reviews exist or which."""
    return secrets.token_urlsafe(16)


NEVER_REUSE = {"sqlite_autoincrement": True}  # SQLite: a deleted row's id is never given again (PostgreSQL never does)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, PostgreSQL does (``timestamptz``); this makes
    both return the same aware ``datetime``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class User(Base):
    """A person signed in through OpenID Connect (or the single local user)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject"),
        CheckConstraint("role IN ('coach', 'client')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    oidc_issuer: Mapped[str] = mapped_column(String(255))
    oidc_subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoachClient(Base):
    """A coach's link to a client; a client may have several coaches."""

    __tablename__ = "coach_clients"

    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """A single-use code a coach hands to a client; redeeming it links the two."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


class Upload(Base):
    """One clip a user uploaded; the file itself is a blob under ``blob_key``."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("owner_id", "sha256"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blob_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")  # for display only
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set when the clip itself was removed after its analysis failed (the row keeps the reason)
    clip_removed_at: Mapped[datetime | None]

    jobs: Mapped[list[Job]] = relationship(back_populates="upload", cascade="all, delete-orphan", passive_deletes=True)
    analysis: Mapped[Analysis | None] = relationship(
        back_populates="upload", cascade="all, delete-orphan", passive_deletes=True
    )


class Analysis(Base):
    """The analysis of one upload: the whole ``AnalysisResult`` as JSON plus the fields an inbox sorts on."""

    __tablename__ = "analyses"
    __table_args__ = NEVER_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)  # its address in links
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    result_json: Mapped[str] = mapped_column(Text)
    lift_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    lift_name: Mapped[str] = mapped_column(String(200), default="")
    reps: Mapped[int] = mapped_column(Integer, default=0)
    grade: Mapped[str | None] = mapped_column(String(4))  # automatic grade; None when not gradable
    score: Mapped[float | None] = mapped_column(Float)
    main_fault: Mapped[str | None] = mapped_column(String(64))
    # clean / faulty / borderline (worth a coach's look) / not_graded: the scorecard's own verdict
    verdict: Mapped[str] = mapped_column(String(16), default="not_graded", server_default="not_graded", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None]
    grade_override: Mapped[str | None] = mapped_column(String(4))  # the coach's grade, beside the automatic one
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    override_at: Mapped[datetime | None]

    upload: Mapped[Upload] = relationship(back_populates="analysis")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="analysis",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Comment.id",
    )


class Thumbnail(Base):
    """A small annotated JPEG of an analysis (the bottom of its worst rep), made once for the inbox."""

    __tablename__ = "thumbnails"

    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True)
    lift_id: Mapped[str] = mapped_column(String(64), default="")  # the lift it was made for: a regrade makes another
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """Analysing one upload, run by a worker process; the page only reads it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_jobs_status_created_at", "status", "created_at"),
        NEVER_REUSE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), index=True)
    status: Mapped[JobStatus] = mapped_column(String(16), default="queued")
    stage: Mapped[str] = mapped_column(String(32), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1 of the whole analysis
    error: Mapped[str | None] = mapped_column(Text)  # plain reason when failed
    worker: Mapped[str | None] = mapped_column(String(200))  # who claimed it: host:pid:token
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs started
    # the lift to grade it as (a catalogue id, or "auto" to recognise it): AnalysisConfig.exercise
    exercise: Mapped[str] = mapped_column(String(64), default="auto", server_default="auto")

    upload: Mapped[Upload] = relationship(back_populates="jobs")


class UploadLog(Base):
    """One clip stored for an account: what the uploads-a-day limit counts (kept when the upload is deleted)."""

    __tablename__ = "upload_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_upload_log_owner_id_created_at", "owner_id", "created_at"),)


class BlobDeletion(Base):
    """A stored clip to delete, written in the transaction that made it unneeded and removed once the
    store has deleted it: a bucket that fails for a moment leaves a row to retry, never an orphan."""

    __tablename__ = "blob_deletions"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Comment(Base):
    """A note on an analysis, pinned to a rep and a moment in the clip."""

    __tablename__ = "comments"
    __table_args__ = NEVER_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rep_index: Mapped[int | None] = mapped_column(Integer)  # 1-based, as in the scorecard
    time_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    analysis: Mapped[Analysis] = relationship(back_populates="comments")
