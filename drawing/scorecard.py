"""What a set's scorecard says, in words, once: the Scorecard page, the PDF and the HTML report all show this.

``scorecard_view`` turns an ``AnalysisResult`` into plain strings and moments
(lift, grade, faults with where they were seen, cue, drill and the check's
record, set notes, skipped checks, the next step). Pages and report layouts
only place them; key frames are drawn by the caller (``report.content``) or
opened on the Frames page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from drawing import figures
from pipeline.measure.glossary import MEASURES
from pipeline.types import AnalysisResult, Suggestion

SEVERITY_WORDS = {"fail": "fault", "warn": "watch"}  # one word for a status everywhere
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
class ScorecardView:
    lift: str
    lift_assumed: bool
    grade: str  # "–" when not graded
    score: str  # e.g. "82/100" or "–"
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


def scorecard_view(result: AnalysisResult) -> ScorecardView:
    """The scorecard in words, for every surface that shows it."""
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
        grade=sc.overall_grade if sc and sc.overall_grade else "–",
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
    )
