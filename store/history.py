"""A client's history per lift (for trend charts) and whether they are ready to move up the ladder.

The progression signal applies the coaching rule in ``pipeline.judge.coaching``
(``MOVE_ON_RULE``: several sets of 8-12 reps with every rep clean -> the next
rung; ``suggest`` picks the rung and the regression) to the stored sessions.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from pipeline.document.summary import summarize
from pipeline.judge.coaching import MOVE_ON_RULE, load_catalogue, suggest
from store.access import acting_user, can_see_owner
from store.db import Database
from store.errors import PermissionDenied
from store.models import Analysis, Upload
from store.summary import load_result
from store.views import Account, HistoryPoint, ProgressionSignal

MOVE_ON_SETS = 3  # "several sets" of MOVE_ON_RULE
MOVE_ON_MIN_REPS = 8  # "8-12 reps" of MOVE_ON_RULE: at least 8 full reps, every one clean
SCALE_BACK_WINDOW = 3  # a fault in the latest session and in another of the last this many -> scale back


def client_history(db: Database, user: Account, client_id: int, lift_id: str | None = None) -> list[HistoryPoint]:
    """The client's analysed sessions, oldest first (one lift, or all), with key measures from the stored JSON."""
    with db.session() as s:
        me = acting_user(s, user)
        if not can_see_owner(s, me, client_id):
            raise PermissionDenied("You can only see your own history and that of your clients.")
        q = (
            select(Analysis)
            .join(Upload, Analysis.upload_id == Upload.id)
            .where(Upload.owner_id == client_id)
            .order_by(Analysis.created_at.asc(), Analysis.id.asc())
        )
        if lift_id:
            q = q.where(Analysis.lift_id == lift_id)
        points = []
        for a in s.scalars(q):
            summary = summarize(load_result(a))
            points.append(
                HistoryPoint(
                    analysis_id=a.id,
                    created_at=a.created_at,
                    lift_id=a.lift_id,
                    lift_name=a.lift_name,
                    reps=a.reps,
                    clean_reps=summary.clean_reps,
                    grade=a.grade_override or a.grade,
                    score=a.score,
                    main_fault=a.main_fault,
                    faults=summary.faults,
                    measures=summary.measures,
                    auto_grade=a.grade,
                    grade_override=a.grade_override,
                )
            )
        return points


def progression(db: Database, user: Account, client_id: int, lift_id: str) -> ProgressionSignal:
    """Move on, scale back or keep going on ``lift_id``, from the client's graded sessions of it."""
    graded = [p for p in reversed(client_history(db, user, client_id, lift_id)) if p.grade is not None]
    return progression_signal(lift_id, graded)


def progression_signal(lift_id: str, newest_first: list[HistoryPoint]) -> ProgressionSignal:
    """The signal from graded sessions of one lift, newest first (pure; ``progression`` reads them)."""
    catalogue = load_catalogue()
    if not newest_first or lift_id not in catalogue:
        return ProgressionSignal("no_data", lift_id, "No graded sessions of this lift yet.", None, None, MOVE_ON_RULE)
    lift = catalogue[lift_id]
    shown = newest_first[0].lift_name or lift.name  # as the sessions name it (e.g. "Deadlift from the floor")
    recent = newest_first[: max(MOVE_ON_SETS, SCALE_BACK_WINDOW)]
    ids = tuple(p.analysis_id for p in recent)

    window = newest_first[:SCALE_BACK_WINDOW]
    seen = Counter(f for p in window for f in set(p.faults))
    repeating = tuple(f for f in newest_first[0].faults if seen[f] >= 2)
    if repeating:
        s = suggest(lift_id, repeating, catalogue=catalogue)
        return ProgressionSignal(
            "scale_back",
            lift_id,
            f"The same fault came back in {seen[repeating[0]]} of the last {len(window)} sessions. {s.reason}",
            s.exercise_id,
            s.exercise_name,
            MOVE_ON_RULE,
            ids,
        )

    def clean_set(p: HistoryPoint) -> bool:
        return not p.faults and p.reps >= MOVE_ON_MIN_REPS and p.clean_reps == p.reps

    streak = 0
    for p in newest_first:
        if not clean_set(p):
            break
        streak += 1
    if streak >= MOVE_ON_SETS:
        latest = newest_first[0]
        s = suggest(lift_id, (), clean_reps=latest.clean_reps, full_reps=latest.reps, catalogue=catalogue)
        kind = "move_on" if s.kind == "progression" else "keep_going"
        return ProgressionSignal(
            kind,
            lift_id,
            f"{streak} sets in a row of {MOVE_ON_MIN_REPS}+ reps with every rep clean. {s.reason}",
            s.exercise_id,
            s.exercise_name,
            MOVE_ON_RULE,
            ids,
        )
    return ProgressionSignal(
        "keep_going",
        lift_id,
        f"{streak} of the {MOVE_ON_SETS} clean sets of {MOVE_ON_MIN_REPS}-12 reps in a row needed to move on. "
        f"Stay on {shown}.",
        lift.id,
        shown,
        MOVE_ON_RULE,
        ids,
    )
