"""What a set's scorecard says, in words, once: the Scorecard page, the PDF and the HTML report all show this.

``scorecard_view`` turns an ``AnalysisResult`` (and the coach's review, when there is one) into plain
strings and moments (lift, grade, how the grade was made, faults with where they were seen, cue, drill
and the check's record, set notes, skipped checks, the next step, the coach's comments). Pages and
report layouts only place them; key frames are drawn by the caller (``report.content``) or opened on
the Frames page.

``grade_view`` is the one way a grade is worded anywhere (Scorecard, sidebar, inbox, My space, Review
page, reports): the coach's grade first and labelled as theirs, the measured grade beside it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from drawing import figures
from pipeline.judge.grading import GRADE_BANDS, MAX_WARN_PENALTY
from pipeline.judge.rules import WARN_WEIGHT
from pipeline.measure.glossary import MEASURES
from pipeline.types import AnalysisResult, Scorecard, Suggestion

SEVERITY_WORDS = {"fail": "fault", "warn": "watch"}  # one word for a status everywhere
UNGRADED = "–"  # a grade's place when the video was not graded
BORDERLINE_NOTE = (
    "Borderline: worth a coach's look. No check was failed, but some readings sit within "
    "the measurement's own error of their limit, so the verdict could go either way."
)


@dataclass(frozen=True)
class Moment:
    """One rep's evidence of a fault: where its key frame is."""

    rep: int
    t_s: float
    status: str  # "fail" | "warn"
    caption: str  # e.g. "Rep 2 · 3.4 s · Head-back line 31°"
    metric: str = ""  # the measure that decided it (glossary field)
    value: float | None = None


@dataclass(frozen=True)
class FaultView:
    rule: str
    label: str
    severity: str  # "fault" | "watch"
    where: str  # e.g. "reps 2 (watch), 3"
    message: str
    trust: str  # the check's record on labelled clips ("" if none)
    cue: str
    drill: str  # exercise name
    moments: tuple[Moment, ...]  # every rep with evidence, in rep order
    metric: str = ""  # the measure that decided it on the worst rep (a glossary field; "" if none)


@dataclass(frozen=True)
class SetCheck:
    """A whole-set check (depth, back or tempo drifting over the set) at watch or fault."""

    label: str
    severity: str  # "fault" | "watch"
    message: str

    @property
    def text(self) -> str:
        return f"Whole set · {self.label}: {self.message}"


@dataclass(frozen=True)
class NextStep:
    headline: str  # e.g. "Stay with Kettlebell deadlift"
    headline_md: str  # the same, the lift's name in bold Markdown
    reason: str
    drills: tuple[str, ...]
    cues: tuple[str, ...]
    next_session: str
    move_on: str


@dataclass(frozen=True)
class CoachComment:
    """One comment of the thread on a set, in words (``workspace.present`` words its place and time)."""

    author: str
    where: str  # e.g. "Rep 3 · 4.2 s" or "Whole set"
    when: str  # e.g. "2 Dec 2026, 00:41 UTC"
    text: str
    rep: int | None = None  # the rep it is pinned to (None: the whole set)
    t_s: float | None = None  # the moment of the clip it is pinned to
    from_client: bool = False  # the client's reply (else the coach's note)

    @property
    def heading(self) -> str:
        return f"{self.author} · {self.where} · {self.when}"


@dataclass(frozen=True)
class CoachReview:
    """What the coach said about a set: their grade ("" when the measured grade stands), why, who, when,
    and the comment thread, oldest first."""

    grade: str = ""
    reason: str = ""
    by: str = ""  # the coach's name
    when: str = ""
    comments: tuple[CoachComment, ...] = ()


@dataclass(frozen=True)
class GradeView:
    """A set's grade as every surface shows it: the coach's first and labelled as theirs, the measured
    grade beside it."""

    measured: str  # A-F, or UNGRADED when the video was not graded
    coach: str = ""  # the coach's A-F, "" when none
    reason: str = ""
    by: str = ""
    when: str = ""

    @property
    def letter(self) -> str:
        """The grade that counts: the coach's when they set one."""
        return self.coach or self.measured

    @property
    def _measured_words(self) -> str:
        return f"{self.measured} measured" if self.measured != UNGRADED else "not graded from the video"

    @property
    def text(self) -> str:
        """``D from your coach · C measured``; ``C`` or ``not graded`` without a coach's grade."""
        if self.coach:
            return f"{self.coach} from your coach · {self._measured_words}"
        return self.measured if self.measured != UNGRADED else "not graded"

    @property
    def short(self) -> str:
        """For a table cell or the sidebar: ``D (coach) · C measured``; ``C`` or ``not graded``."""
        if self.coach:
            return f"{self.coach} (coach) · {self._measured_words}"
        return self.text

    @property
    def words(self) -> str:
        """In a line of text: ``D from your coach · C measured``, ``grade C`` or ``not graded``."""
        return self.text if self.coach or self.measured == UNGRADED else f"grade {self.measured}"

    @property
    def note(self) -> str:
        """Who set the coach's grade, when and why ("" without one)."""
        if not self.coach:
            return ""
        who = f"Your coach {self.by}" if self.by else "Your coach"
        when = f" on {self.when}" if self.when else ""
        reason = self.reason.strip()
        why = (f": {reason}" + ("" if reason.endswith((".", "!", "?")) else ".")) if reason else "."
        measured = f"The video measured {self.measured}." if self.measured != UNGRADED else "The video was not graded."
        return f"{who} graded this set {self.coach}{when}{why} {measured}"

    @property
    def metrics(self) -> tuple[tuple[str, str], ...]:
        """(label, value) pairs for a row of big figures: each value one letter, so never cut off."""
        if self.coach:
            return (("Grade from your coach", self.coach), ("Measured grade", self.measured))
        return (("Overall grade", self.measured),)


def grade_view(measured: str | None, coach: CoachReview | str | None = None) -> GradeView:
    """The one wording of a grade: ``measured`` is the video's A-F (None: not graded), ``coach`` the
    coach's review or bare grade letter (an inbox row has no reason at hand)."""
    review = CoachReview(grade=coach) if isinstance(coach, str) else coach or CoachReview()
    return GradeView(
        measured=measured or UNGRADED,
        coach=review.grade or "",
        reason=review.reason if review.grade else "",
        by=review.by if review.grade else "",
        when=review.when if review.grade else "",
    )


def _bands() -> tuple[tuple[str, str], ...]:
    """(letter, its range of set scores), A first, from the grading's own bands."""
    out = []
    for i, (lo, g) in enumerate(GRADE_BANDS):
        above = GRADE_BANDS[i - 1][0] if i else None
        if i == len(GRADE_BANDS) - 1:
            out.append((g, f"under {above:.0f}"))
        else:
            out.append((g, f"{lo:.0f} to 100" if above is None else f"{lo:.0f} to under {above:.0f}"))
    return tuple(out)


GRADE_BANDS_IN_WORDS = dict(_bands())
GRADE_LEGEND: tuple[str, ...] = tuple(f"{g}: {span}" for g, span in GRADE_BANDS_IN_WORDS.items())
REP_SCORE_RULE = (
    "Each rep starts at 100 and loses the points of every check it fails; a watch costs "
    f"{WARN_WEIGHT:.0%} of those points, and watches together at most {MAX_WARN_PENALTY:.0f}."
)


@dataclass(frozen=True)
class GradeExplanation:
    """How this set's score and grade were made, in plain words from its own numbers."""

    legend: tuple[str, ...]  # the score band of each letter, A first
    rep_rule: str  # how one rep is scored
    steps: tuple[str, ...]  # this set: the reps counted, their middle score, the set checks, the letter


def _scored_reps(result: AnalysisResult, sc: Scorecard) -> tuple[list[float], int]:
    """The rep scores the set score comes from (full reps; every rep when all are partial) and how many
    partial reps were left out (-1: every rep was partial, so none was)."""
    partial = {m.index for m in result.metrics if m.partial}
    full = [g.score for g in sc.reps if g.index not in partial]
    if full:
        return full, sum(1 for g in sc.reps if g.index in partial)
    return [g.score for g in sc.reps], -1


def _set_steps(result: AnalysisResult, sc: Scorecard) -> tuple[str, ...]:
    scores, left_out = _scored_reps(result, sc)
    if sc.overall_score is None or not scores:
        return ()
    middle = statistics.median(scores)
    penalty = max(0.0, middle - sc.overall_score)
    lo, hi = min(scores), max(scores)
    spread = f"all {lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f}"
    source = (
        f"the score of its one rep ({lo:.0f})"
        if len(scores) == 1
        else f"the middle of {len(scores)} rep scores ({spread})"
    )
    costly = [c.label for c in sc.set_criteria if c.status in ("fail", "warn")]
    checks = f" ({', '.join(costly)})" if costly and penalty >= 0.5 else ""
    steps = [f"Set score {sc.overall_score:.0f}: {source}, minus {penalty:.0f} for whole-set checks{checks}."]
    if len(scores) > 1 and round(lo) != round(hi):
        steps.append(
            "The middle score is used so that one odd rep neither sinks nor lifts the set; "
            "each rep's own score is in the rep table."
        )
    if left_out > 0:
        steps.append(f"{left_out} partial rep{'s' if left_out > 1 else ''} left out of the set score.")
    elif left_out < 0:
        steps.append("Every rep was partial, so the partial reps make the set score.")
    grade = sc.overall_grade or ""
    if grade in GRADE_BANDS_IN_WORDS:
        steps.append(
            f"Grade {grade}: a set score of {sc.overall_score:.0f} is in {grade}'s band "
            f"({GRADE_BANDS_IN_WORDS[grade]})."
        )
    return tuple(steps)


def grade_explanation(result: AnalysisResult) -> GradeExplanation:
    """The legend of A-F and how this set's score and grade came from its reps (no steps when not graded)."""
    sc = result.scorecard
    steps = _set_steps(result, sc) if sc is not None and sc.gradable else ()
    return GradeExplanation(GRADE_LEGEND, REP_SCORE_RULE, steps)


@dataclass(frozen=True)
class ScorecardView:
    lift: str
    lift_assumed: bool
    grade: GradeView  # the coach's grade first, the measured one beside it
    explanation: GradeExplanation  # the A-F legend and how this set's score and grade were made
    score: str  # e.g. "82/100" or "–" (the measured score)
    rep_count: int
    partial_count: int
    gradable: bool
    not_graded_reason: str
    refilm_tips: tuple[str, ...]
    still_reliable: tuple[str, ...]
    caution: str  # e.g. an angled view: grade with caution ("" if none or not graded)
    verdict: str  # clean / faulty / borderline / not_graded
    verdict_note: str  # what a borderline verdict means ("" otherwise)
    warnings: tuple[str, ...]  # the analysis' own notes
    faults: tuple[FaultView, ...]
    set_checks: tuple[SetCheck, ...]  # whole-set checks at watch or fault
    skipped: tuple[str, ...]  # checks not visible or not measurable in this clip
    check_notes: tuple[tuple[str, str], ...]  # (check, its record on labelled clips)
    next_step: NextStep | None
    comments: tuple[CoachComment, ...] = ()  # the coach's and the client's comments, oldest first


def headline(s: Suggestion, lift_id: str | None = None, *, strong: str = "") -> str:
    """One line for the suggestion; ``strong`` wraps the lift's name ("**" in Markdown). A step back
    that keeps the set's own lift ``lift_id`` (lighter, slower) says so."""
    name = f"{strong}{s.exercise_name}{strong}"
    if s.kind == "regression" and lift_id is not None and s.exercise_id == lift_id:
        return f"Ease off on {name}"
    return {
        "regression": f"Step back to {name}",
        "progression": f"Move on to {name}",
        "stay": f"Stay with {name}",
        "refilm": "Film the set again",
    }.get(s.kind, s.exercise_name or "")


def exercise_name(exercise_id: str) -> str:
    """The catalogue name of an exercise id (a fault's drill); the text itself if not an id."""
    from pipeline.judge.coaching import load_catalogue

    cat = load_catalogue()
    return cat[exercise_id].name if exercise_id in cat else exercise_id


def _where(group: figures.FaultGroup) -> str:
    reps = ", ".join(
        f"{f.rep}" + ("" if f.status == group.status else f" ({SEVERITY_WORDS.get(f.status, f.status)})")
        for f in group.seen
    )
    return f"rep{'s' if len(group.seen) > 1 else ''} {reps}"


def _moments(group: figures.FaultGroup) -> tuple[Moment, ...]:
    out = []
    for f in group.seen:
        if f.evidence_s is None:
            continue
        value = ""
        m = MEASURES.get(f.metric)
        if m is not None and f.value is not None and math.isfinite(f.value):
            value = f" · {m.name} {m.format(f.value)}"
        out.append(
            Moment(
                f.rep, float(f.evidence_s), f.status, f"Rep {f.rep} · {f.evidence_s:.1f} s{value}", f.metric, f.value
            )
        )
    return tuple(out)


def scorecard_view(result: AnalysisResult, coach: CoachReview | None = None) -> ScorecardView:
    """The scorecard in words, for every surface that shows it; ``coach``: the coach's grade and the
    comment thread of a saved review."""
    sc = result.scorecard
    gradable = bool(sc and sc.gradable)
    notes = {n.rule: n.text for n in (sc.check_notes if sc else ())}
    faults = tuple(
        FaultView(
            rule=g.rule,
            label=g.label,
            severity=SEVERITY_WORDS.get(g.status, g.status),
            where=_where(g),
            message=g.message,
            trust=notes.get(g.rule, ""),
            cue=g.cue,
            drill=exercise_name(g.drill) if g.drill else "",
            moments=_moments(g),
            metric=g.metric,
        )
        for g in (figures.fault_groups(result) if gradable else [])
    )
    step = None
    if sc is not None:
        s = sc.suggestions
        step = NextStep(
            headline=headline(s, sc.exercise_id),
            headline_md=headline(s, sc.exercise_id, strong="**"),
            reason=s.reason,
            drills=tuple(s.drills),
            cues=tuple(s.cues),
            next_session=s.next_session.text if s.next_session else "",
            move_on=s.move_on_rule,
        )
    return ScorecardView(
        lift=sc.exercise_name if sc else "Hip hinge",
        lift_assumed=bool(sc and sc.exercise_assumed),
        grade=grade_view(sc.overall_grade if sc else None, coach),
        explanation=grade_explanation(result),
        score=f"{sc.overall_score:.0f}/100" if sc and sc.overall_score is not None else "–",
        rep_count=result.rep_count,
        partial_count=result.set_metrics.partial_count,
        gradable=gradable,
        not_graded_reason="" if gradable else (sc.reason if sc and sc.reason else "This clip could not be graded."),
        refilm_tips=tuple(sc.refilm_tips) if sc and not gradable else (),
        still_reliable=tuple(sc.trusted) if sc and not gradable else (),
        caution=sc.caution if sc and gradable else "",
        verdict=sc.verdict if sc else "not_graded",
        verdict_note=BORDERLINE_NOTE if sc and sc.verdict == "borderline" else "",
        warnings=tuple(result.warnings),
        faults=faults,
        set_checks=tuple(
            SetCheck(c.label, SEVERITY_WORDS[c.status], c.message)
            for c in (sc.set_criteria if sc else ())
            if c.status in SEVERITY_WORDS
        ),
        skipped=tuple(figures.skipped_checks(result)),
        check_notes=tuple((n.label, n.text) for n in (sc.check_notes if sc else ())),
        next_step=step,
        comments=coach.comments if coach else (),
    )
