"""The coach's side: the inbox of clients' analyses, opening one, comments, reviewed flags and grade overrides."""

from __future__ import annotations

import re
from typing import Literal, get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.document.serialize import from_jsonable
from pipeline.judge.grading import GRADE_BANDS
from pipeline.types import AnalysisResult, Verdict
from store.access import NOT_YOURS, acting_user, require_coach, visible_analysis, visible_owner_clause
from store.db import Database
from store.errors import InvalidRequest, NotFound
from store.models import Analysis, Comment, Job, Upload, User, utcnow
from store.summary import load_json, write_result
from store.views import Account, AnalysisView, CommentView, InboxRow

GRADES: tuple[str, ...] = tuple(g for _, g in GRADE_BANDS)  # A..F, as the automatic grading uses
MAX_COMMENT_CHARS = 4000
CLIP_END_SLACK_S = 1.0  # a comment's time may pass the clip's measured end by this much (the form allows it)
InboxSort = Literal["newest", "oldest", "client", "lift", "grade", "score", "unreviewed", "borderline"]
SORTS: tuple[str, ...] = ("newest", "oldest", "client", "lift", "grade", "score", "unreviewed", "borderline")
VERDICTS: tuple[str, ...] = get_args(Verdict)  # pipeline.types.Verdict: clean, faulty, borderline, not_graded
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,43}")  # what models.new_token makes
_OLD_ID = re.compile(r"[0-9]{1,19}")  # a link from before tokens: ?review=<analysis id>
BAD_LINK = NOT_YOURS  # one message for a link that names nothing and one that is not yours


def review_from_link(db: Database, user: Account, link: str) -> int:
    """The analysis a review link (``?review=TOKEN``) names, when this account may open it.

    A link from before tokens (``?review=<id>``) still opens for the review's owner, who is then shown
    the token's address; to anyone else it is not found, as are a mistyped token and any other text,
    so a number tells nobody whether a review exists."""
    link = (link or "").strip()
    with db.session() as s:
        me = acting_user(s, user)
        if _OLD_ID.fullmatch(link):
            row = s.execute(
                select(Analysis.id, Upload.owner_id)
                .join(Upload, Analysis.upload_id == Upload.id)
                .where(Analysis.id == int(link))
            ).first()
            if row is None or row.owner_id != me.id:
                raise NotFound(BAD_LINK)
            return row.id
        found = s.scalar(select(Analysis.id).where(Analysis.token == link)) if _TOKEN.fullmatch(link) else None
        if found is None:
            raise NotFound(BAD_LINK)
        visible_analysis(s, me, found)
        return found


def _effective_grade():
    return func.coalesce(Analysis.grade_override, Analysis.grade)


def _inbox_query(user: User):
    comments = (
        select(func.count(Comment.id)).where(Comment.analysis_id == Analysis.id).correlate(Analysis).scalar_subquery()
    )
    last_author = (
        select(Comment.author_id)
        .where(Comment.analysis_id == Analysis.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
        .correlate(Analysis)
        .scalar_subquery()
    )
    return (
        select(Analysis, Upload, User.name, comments, last_author)
        .join(Upload, Analysis.upload_id == Upload.id)
        .join(User, Upload.owner_id == User.id)
        .where(visible_owner_clause(user, Upload.owner_id))
    )


def _row(
    analysis: Analysis, upload: Upload, client_name: str, comment_count: int, last_author: int | None = None
) -> InboxRow:
    return InboxRow(
        analysis_id=analysis.id,
        upload_id=upload.id,
        client_id=upload.owner_id,
        client_name=client_name,
        created_at=analysis.created_at,
        lift_id=analysis.lift_id,
        lift_name=analysis.lift_name,
        reps=analysis.reps,
        grade=analysis.grade_override or analysis.grade,
        auto_grade=analysis.grade,
        grade_override=analysis.grade_override,
        score=analysis.score,
        main_fault=analysis.main_fault,
        reviewed=analysis.reviewed,
        comment_count=int(comment_count or 0),
        file_name=upload.original_name,
        client_replied=last_author is not None and last_author == upload.owner_id,
        verdict=analysis.verdict or "not_graded",
        token=analysis.token,
    )


def inbox(
    db: Database,
    coach: Account,
    *,
    client_id: int | None = None,
    lift_id: str | None = None,
    grade: str | None = None,
    reviewed: bool | None = None,
    verdict: str | None = None,
    sort: InboxSort = "newest",
    limit: int = 500,
) -> list[InboxRow]:
    """Every analysis of the coach's linked clients (and the coach's own), filtered and sorted.

    ``grade`` filters on the grade that counts (the override when there is one);
    ``sort``: newest, oldest, client (name, then newest), lift, grade (A first),
    score (lowest first: who needs help), unreviewed (new ones first, newest first), borderline
    (sets whose verdict rests on readings inside the measurement error first: worth a coach's look).
    ``verdict`` keeps one verdict (clean, faulty, borderline, not_graded).
    """
    if sort not in SORTS:
        raise InvalidRequest(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)}.")
    with db.session() as s:
        me = acting_user(s, coach)
        require_coach(me, "open the review inbox")
        q = _inbox_query(me)
        if client_id is not None:
            q = q.where(Upload.owner_id == client_id)
        if lift_id:
            q = q.where(Analysis.lift_id == lift_id)
        if grade:
            q = q.where(_effective_grade() == grade)
        if reviewed is not None:
            q = q.where(Analysis.reviewed == reviewed)
        if verdict:
            if verdict not in VERDICTS:
                raise InvalidRequest(f"Unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}.")
            q = q.where(Analysis.verdict == verdict)
        newest = (Analysis.created_at.desc(), Analysis.id.desc())
        order = {
            "newest": newest,
            "oldest": (Analysis.created_at.asc(), Analysis.id.asc()),
            "client": (User.name.asc(), *newest),
            "lift": (Analysis.lift_name.asc(), *newest),
            "grade": (_effective_grade().is_(None), _effective_grade().asc(), *newest),
            "score": (Analysis.score.is_(None), Analysis.score.asc(), *newest),
            "unreviewed": (Analysis.reviewed.asc(), *newest),
            "borderline": ((Analysis.verdict != "borderline"), *newest),
        }[sort]
        rows = s.execute(q.order_by(*order).limit(limit)).all()
        return [_row(*r) for r in rows]


def waiting_count(db: Database, coach: Account) -> int:
    """How many of the coach's inbox sets wait for them: new ones and those a client replied on (not reviewed)."""
    with db.session() as s:
        me = acting_user(s, coach)
        require_coach(me, "open the review inbox")
        q = (
            select(func.count(Analysis.id))
            .join(Upload, Analysis.upload_id == Upload.id)
            .where(visible_owner_clause(me, Upload.owner_id), Analysis.reviewed.is_(False))
        )
        return int(s.scalar(q) or 0)


def reviews_for(db: Database, user: Account, *, limit: int = 500, own_only: bool = False) -> list[InboxRow]:
    """Every analysis this account may open (its own; a coach's linked clients' too), newest first;
    ``own_only``: only those of its own uploads.

    The rows only: no stored result is decoded (``open_analysis`` does that for one).
    """
    with db.session() as s:
        me = acting_user(s, user)
        q = _inbox_query(me).where(Upload.owner_id == me.id) if own_only else _inbox_query(me)
        q = q.order_by(Analysis.created_at.desc(), Analysis.id.desc()).limit(limit)
        return [_row(*r) for r in s.execute(q).all()]


def comments_on(db: Database, user: Account, analysis_ids) -> list[CommentView]:
    """The comments on those of ``analysis_ids`` this account may see, oldest first (no result decoded)."""
    ids = list(analysis_ids)
    if not ids:
        return []
    with db.session() as s:
        me = acting_user(s, user)
        rows = s.execute(
            select(Comment, User.name, User.role)
            .join(User, Comment.author_id == User.id)
            .join(Analysis, Comment.analysis_id == Analysis.id)
            .join(Upload, Analysis.upload_id == Upload.id)
            .where(Comment.analysis_id.in_(ids), visible_owner_clause(me, Upload.owner_id))
            .order_by(Comment.created_at, Comment.id)
        )
        return [_comment_view(c, name, role) for c, name, role in rows]


def _comment_view(c: Comment, author_name: str, author_role: str) -> CommentView:
    return CommentView(
        c.id, c.analysis_id, c.author_id, author_name, c.rep_index, c.time_s, c.text, c.created_at, author_role
    )


def _comments(session: Session, analysis_id: int) -> tuple[CommentView, ...]:
    rows = session.execute(
        select(Comment, User.name, User.role)
        .join(User, Comment.author_id == User.id)
        .where(Comment.analysis_id == analysis_id)
        .order_by(Comment.created_at, Comment.id)
    )
    return tuple(_comment_view(c, name, role) for c, name, role in rows)


def open_analysis(db: Database, user: Account, analysis_id: int) -> AnalysisView:
    """One analysis with its ``AnalysisResult`` rebuilt from the stored JSON, and its comments."""
    with db.session() as s:
        me = acting_user(s, user)
        analysis, upload = visible_analysis(s, me, analysis_id)
        owner_name = s.scalar(select(User.name).where(User.id == upload.owner_id)) or ""
        coach_name = (
            s.scalar(select(User.name).where(User.id == analysis.override_by_id))
            if analysis.grade_override and analysis.override_by_id is not None
            else None
        )
        count = s.scalar(select(func.count(Comment.id)).where(Comment.analysis_id == analysis.id))
        result = from_jsonable(AnalysisResult, load_json(analysis))
        return AnalysisView(
            row=_row(analysis, upload, owner_name, count),
            result=result,
            comments=_comments(s, analysis.id),
            override_reason=analysis.override_reason,
            override_by_id=analysis.override_by_id,
            blob_key=upload.blob_key,
            override_by_name=coach_name,
            override_at=analysis.override_at if analysis.grade_override else None,
        )


def _check_place(doc: dict, rep_index: int | None, time_s: float | None) -> None:
    """A comment's rep must be one of the clip's and its time inside the clip."""
    if rep_index is not None:
        count = len(doc.get("segmentation", {}).get("reps", []))
        if not 1 <= rep_index <= count:
            raise InvalidRequest(f"There is no rep {rep_index} in this clip (it has {count}).")
    duration = doc.get("video", {}).get("duration_s")
    if time_s is not None and duration is not None and time_s > float(duration) + CLIP_END_SLACK_S:
        raise InvalidRequest(
            f"The clip is {float(duration):.1f} s long: choose a time between 0 and {float(duration):.1f} s."
        )


def add_comment(
    db: Database,
    user: Account,
    analysis_id: int,
    text: str,
    *,
    rep_index: int | None = None,
    time_s: float | None = None,
) -> CommentView:
    """A comment on an analysis, optionally pinned to a rep (1-based) and a time in the clip (seconds, at
    most the clip's length).

    The coach's notes and the client's replies alike; a client's comment on their own set
    puts the review back among the coach's new ones."""
    text = (text or "").strip()
    if not text:
        raise InvalidRequest("Write something before sending the comment.")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidRequest(f"Comments are limited to {MAX_COMMENT_CHARS} characters.")
    if time_s is not None and not time_s >= 0:
        raise InvalidRequest("The time in the clip must be zero or more seconds.")
    with db.transaction() as s:
        me = acting_user(s, user)
        analysis, upload = visible_analysis(s, me, analysis_id)
        if rep_index is not None or time_s is not None:
            _check_place(load_json(analysis), rep_index, time_s)
        comment = Comment(analysis_id=analysis.id, author_id=me.id, rep_index=rep_index, time_s=time_s, text=text)
        s.add(comment)
        if upload.owner_id == me.id and me.role != "coach":
            analysis.reviewed = False  # the client's question or reply: back in the coach's new reviews
        s.flush()
        return _comment_view(comment, me.name, me.role)


def mark_reviewed(db: Database, coach: Account, analysis_id: int, reviewed: bool = True) -> None:
    """Mark an analysis reviewed (or new again)."""
    with db.transaction() as s:
        me = acting_user(s, coach)
        require_coach(me, "mark a review as done")
        analysis, _ = visible_analysis(s, me, analysis_id)
        analysis.reviewed = reviewed
        analysis.reviewed_at = utcnow() if reviewed else None


def override_grade(db: Database, coach: Account, analysis_id: int, grade: str | None, reason: str = "") -> None:
    """Set the coach's grade beside the automatic one (``None`` clears it); a reason is required."""
    with db.transaction() as s:
        me = acting_user(s, coach)
        require_coach(me, "change a grade")
        analysis, _ = visible_analysis(s, me, analysis_id)
        if grade is None:
            analysis.grade_override = analysis.override_reason = None
            analysis.override_by_id = analysis.override_at = None
            return
        grade = grade.strip().upper()
        if grade not in GRADES:
            raise InvalidRequest(f"Grade must be one of {', '.join(GRADES)}.")
        if not reason.strip():
            raise InvalidRequest("Say why you changed the grade; your client sees the reason.")
        analysis.grade_override, analysis.override_reason = grade, reason.strip()
        analysis.override_by_id, analysis.override_at = me.id, utcnow()


def save_regraded(db: Database, user: Account, analysis_id: int, result: AnalysisResult) -> None:
    """Store ``result``, the same measured set graded as another lift (``service.regrade_analysis``), in
    place of the analysis' own: its scorecard and inbox fields change, and the upload's job keeps the new
    lift so a later upload of the same clip is compared with it. Comments, the reviewed flag and a coach's
    own grade are kept. Its owner and their coaches may; anyone else gets ``PermissionDenied``."""
    with db.transaction() as s:
        me = acting_user(s, user)
        analysis, upload = visible_analysis(s, me, analysis_id)
        write_result(analysis, result)
        latest = s.scalars(select(Job).where(Job.upload_id == upload.id).order_by(Job.id.desc())).first()
        if latest is not None:
            latest.exercise = result.config.exercise
