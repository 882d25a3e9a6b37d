"""Plain frozen records the workspace operations return (no ORM objects leak to the pages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.types import AnalysisResult


@dataclass(frozen=True)
class Account:
    """The acting user; every workspace operation takes one."""

    id: int
    role: str  # "coach" | "client"
    name: str
    email: str | None
    issuer: str
    subject: str

    @property
    def is_coach(self) -> bool:
        return self.role == "coach"


@dataclass(frozen=True)
class InviteView:
    code: str  # also the token in an invite link (?invite=<code>)
    coach_id: int
    expires_at: datetime


@dataclass(frozen=True)
class JobView:
    job_id: int
    upload_id: int
    status: str  # queued | running | done | failed
    stage: str
    progress: float  # 0..1
    error: str | None  # plain reason when failed
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    analysis_id: int | None  # set once done
    exercise: str = "auto"  # the lift to grade it as (catalogue id), or auto


@dataclass(frozen=True)
class UploadView:
    upload_id: int
    owner_id: int
    original_name: str  # display only
    size_bytes: int
    sha256: str
    created_at: datetime
    job: JobView | None
    analysis_id: int | None
    deduplicated: bool = False  # True when save_upload found the same file already uploaded
    clip_kept: bool = True  # False once the clip was removed after a failed analysis (no retry here)
    grade: str | None = None  # the analysis's automatic grade, once analysed (None: not graded, or not yet)
    grade_override: str | None = None  # the coach's grade beside it


@dataclass(frozen=True)
class InboxRow:
    """One analysis as a coach's inbox lists it."""

    analysis_id: int
    upload_id: int
    client_id: int
    client_name: str
    created_at: datetime
    lift_id: str
    lift_name: str
    reps: int
    grade: str | None  # what counts: the coach's override when there is one, else the automatic grade
    auto_grade: str | None
    grade_override: str | None
    score: float | None
    main_fault: str | None
    reviewed: bool
    comment_count: int
    file_name: str
    client_replied: bool = False  # the latest comment is the client's: it waits for the coach
    verdict: str = "not_graded"  # clean / faulty / borderline (worth a coach's look) / not_graded
    token: str = ""  # the review's address in links (?review=TOKEN): random, unlike the id


@dataclass(frozen=True)
class CommentView:
    comment_id: int
    analysis_id: int
    author_id: int
    author_name: str
    rep_index: int | None
    time_s: float | None
    text: str
    created_at: datetime
    author_role: str = "client"  # the author's role ("coach" or "client") when the comment is read


@dataclass(frozen=True)
class AnalysisView:
    """One analysis opened: the rebuilt ``AnalysisResult`` plus its review state and comments."""

    row: InboxRow
    result: AnalysisResult
    comments: tuple[CommentView, ...]
    override_reason: str | None
    override_by_id: int | None
    blob_key: str
    override_by_name: str | None = None  # the coach who set the grade (None: no override, or the account is gone)
    override_at: datetime | None = None


@dataclass(frozen=True)
class HistoryPoint:
    """One session of a lift, for trend charts."""

    analysis_id: int
    created_at: datetime
    lift_id: str
    lift_name: str
    reps: int
    clean_reps: int
    grade: str | None  # what counts: the coach's grade when there is one, else the automatic grade
    score: float | None
    main_fault: str | None
    faults: tuple[str, ...]
    measures: dict[str, float | None] = field(default_factory=dict)  # medians over full reps, units in the names
    auto_grade: str | None = None  # the measured grade
    grade_override: str | None = None  # the coach's grade


@dataclass(frozen=True)
class ProgressionSignal:
    """Whether a client is ready to move up the ladder, should scale back, or keep going."""

    kind: str  # "move_on" | "scale_back" | "keep_going" | "no_data"
    lift_id: str
    reason: str
    exercise_id: str | None  # where to go next (the same lift when keep_going)
    exercise_name: str | None
    rule: str  # the coaching rule applied (pipeline.judge.coaching.MOVE_ON_RULE)
    sessions: tuple[int, ...] = ()  # analysis ids the signal was read from, newest first
