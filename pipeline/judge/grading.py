"""Grade a set of hinge reps against the fault-rule table.

``grade`` is the one entry point run.py calls. Semantics:

* Capture first: front view, body out of frame, too few valid frames, a low
  sample rate, or a movement that is not a hinge -> ``gradable=False`` with a
  concrete reason, re-filming tips and what can still be trusted (rep count,
  tempo). An angled (or unknown) view is graded with ``caution`` set.
* Each rep gets one Criterion per fault that applies to the lift
  (pass / warn / fail / not_gradable), a 0-100 score (100 minus each fail's
  weight, minus 35% of it per warning, warnings together at most 15) and a letter (A>=90, B>=80, C>=70,
  D>=60, else F).
* Partial reps are graded and carry a "partial_rep" note, but are left out of
  the set score and of the set's fault vote (unless every rep is partial).
* ``Scorecard.faults``: a code counts when fails + half the warnings exceed
  half the full reps where it was measured (warnings alone never reach it),
  plus any set-level criterion (fatigue drift) that fails.
* The set score is the median full-rep score (the typical rep: as a set fault needs most
  reps, one odd rep neither sinks nor lifts the set; the rep table still shows it) minus
  set-level penalties.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from pipeline.judge.calibration import Calibration, load_calibration
from pipeline.judge.coaching import Catalogue, Exercise, load_catalogue, session_plan, suggest
from pipeline.judge.lifts import AUTOMATIC, LiftChoice, find_lift
from pipeline.judge.rules import (
    FAULT_BY_CODE,
    FAULTS,
    RULES,
    WARN_WEIGHT,
    RowResult,
    Rule,
    applies,
    borderline,
    combine,
    criterion_for,
    evaluate_row,
    margin_for,
    rep_margin,
    thresholds_for,
)
from pipeline.types import (
    CheckNote,
    Criterion,
    KinematicSeries,
    RepGrade,
    RepMetrics,
    RepSegmentation,
    Scorecard,
    SetMetrics,
    Suggestion,
    Verdict,
)

SQUAT_ID = "squat"  # choose_exercise's answer for a squat: not graded as a hinge
UNKNOWN_ID = "unknown"  # no hinge reps to go on

MIN_SAMPLE_RATE_HZ = 6.0
MAX_WARN_PENALTY = 15.0  # warnings alone cost at most this: a C or lower needs a failed check
MIN_IN_FRAME_FRACTION = 0.6
MIN_VALID_FRACTION = 0.5
MAX_HIDDEN_SHARE = 0.3  # no reps, the lifter unclear this long and a deep fold seen:
HIDDEN_FOLD_MIN_DEG = 60.0  # a capture problem, not "no hinge"

# Ballistic (swing) signature, in leg lengths above the ankles (hip ~1.0, chest ~1.4).
SWING_MAX_REP_S = 1.5
SWING_MAX_BOTTOM_PAUSE_S = 0.15
SWING_MIN_HIP_SPEED_DEG_S = 250.0
SWING_MIN_HAND_HEIGHT_LEG = 1.4
DEADLIFT_MIN_KNEE_DEG = 35.0  # deeper knee bend at the bottom: a deadlift, not an RDL

REFILM_TIPS: tuple[str, ...] = (
    "Film from the side, square to the lifter, with the camera at hip height.",
    "Keep the whole body in frame, head to feet, for the whole set; 2-3 m away usually works.",
    "Landscape or portrait are both fine; keep the phone still (lean it on something).",
    "Use good, even light and avoid a bright window behind the lifter.",
    "Only the lifter in the shot; nobody walking through.",
    "Record at normal speed (not slow motion or time-lapse).",
)

FRONT_VIEW_REASON = (
    "Filmed from the front: hip, knee and back angles can't be read from this view, so the "
    "form isn't graded. Film from the side, square to the lifter, with the camera at hip height."
)
FLOOR_PULL_ID = "conventional_deadlift"  # limits for a pull from the floor whose implement wasn't picked
FLOOR_PULL_NAME = "Deadlift from the floor"

FAULTY_GRADES = ("C", "D", "F")  # a set graded this low is faulty whatever its checks say
GRADE_BANDS: tuple[tuple[float, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))


def letter(score: float) -> str:
    """A-F for a 0-100 score."""
    return next(g for lo, g in GRADE_BANDS if score >= lo)


# ------------------------------------------------------------ exercise choice
def _median(values: Sequence[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None and math.isfinite(v)]
    return statistics.median(vals) if vals else None


def _looks_ballistic(m: RepMetrics) -> bool:
    votes = [
        m.rep_duration_s < SWING_MAX_REP_S,
        m.bottom_pause_s < SWING_MAX_BOTTOM_PAUSE_S,
        m.peak_hip_extension_speed_deg_s > SWING_MIN_HIP_SPEED_DEG_S,
    ]
    hands = m.wrist_peak_height_leg
    if hands is not None and math.isfinite(hands):
        # the bell floats to chest height: that plus one sign of speed
        return hands > SWING_MIN_HAND_HEIGHT_LEG and sum(votes) >= 1
    # no hand height: all three timing signs must agree
    return sum(votes) >= 3


def choose_exercise(
    requested: str | LiftChoice,
    segmentation: RepSegmentation,
    metrics: Sequence[RepMetrics],
    single_leg: bool = False,
    catalogue: Catalogue | None = None,
) -> tuple[str, bool]:
    """(exercise_id, assumed). A known id or alias wins; otherwise ("auto" or an
    unknown name) the lift is read from the reps: squat -> "squat", no hinge reps
    -> "unknown", fast swung reps with hands reaching chest height ->
    kettlebell_swing, one leg swung back -> single_leg_rdl, a pull from the floor or a deep-knee pull -> the floor-pull
    family (conventional deadlift limits, named "Deadlift from the floor" since the
    implement is not read from the video), else dumbbell_rdl.
    """
    lift = requested if isinstance(requested, LiftChoice) else find_lift(requested, catalogue) or AUTOMATIC
    if lift.exercise_id is not None:
        return lift.exercise_id, False
    if segmentation.movement == "squat":
        return SQUAT_ID, True
    if segmentation.movement != "hinge" or not metrics:
        return UNKNOWN_ID, True
    if single_leg:
        return "single_leg_rdl", True
    full = [m for m in metrics if not m.partial] or list(metrics)
    floor_reps = {r.index for r in segmentation.reps if r.from_floor}
    swung = [m for m in full if m.index not in floor_reps]  # a pull from a dead stop is no swing
    if swung and sum(_looks_ballistic(m) for m in swung) * 2 > len(swung):
        return "kettlebell_swing", True
    knee = _median([m.knee_flexion_bottom_deg for m in full])
    from_floor = any(r.from_floor for r in segmentation.reps)
    if from_floor or (knee is not None and knee >= DEADLIFT_MIN_KNEE_DEG):
        return FLOOR_PULL_ID, True  # the implement isn't read from the video: named by family below
    return "dumbbell_rdl", True


# ------------------------------------------------------------- capture check
def _valid_fraction(kin: KinematicSeries, seg: RepSegmentation) -> float:
    valid = np.asarray(kin.valid, dtype=bool)
    if len(valid) == 0:
        return 0.0
    if seg.reps:
        lo = max(0, min(r.start_i for r in seg.reps))
        hi = min(len(valid), max(r.end_i for r in seg.reps) + 1)
        if hi > lo:
            valid = valid[lo:hi]
    return float(valid.mean())


def capture_problem(kin: KinematicSeries, seg: RepSegmentation) -> str:
    """Why this clip can't be graded as a side-view hinge, or "" if it can."""
    if kin.view == "front":
        return FRONT_VIEW_REASON
    rate = kin.sample_rate_hz
    if rate < MIN_SAMPLE_RATE_HZ:
        return (
            f"Only {rate:.1f} frames per second were analysed (need at least "
            f"{MIN_SAMPLE_RATE_HZ:.0f}), too few to follow each rep."
        )
    if kin.in_frame_fraction < MIN_IN_FRAME_FRACTION:
        return (
            f"Shoulders, hips, knees and ankles are all in frame for only {kin.in_frame_fraction:.0%} "
            "of the clip; the angles need the body from shoulders to feet in view."
        )
    vf = _valid_fraction(kin, seg)
    if vf < MIN_VALID_FRACTION:
        return (
            f"The body was tracked clearly in only {vf:.0%} of the frames during the set, too few for reliable angles."
        )
    return ""


def _trusted(seg: RepSegmentation, metrics: Sequence[RepMetrics]) -> tuple[str, ...]:
    full = [r for r in seg.reps if not r.partial]
    partial = len(seg.reps) - len(full)
    if not seg.reps:
        return ()
    out = [
        f"Rep count: {len(full)} full rep{'s' if len(full) != 1 else ''}"
        + (f" (+{partial} partial)" if partial else "")
    ]
    durations = [m.rep_duration_s for m in metrics if not m.partial] or [m.rep_duration_s for m in metrics]
    med = _median(durations)
    if med is not None:
        out.append(f"Tempo: about {med:.1f} s per rep")
    return tuple(out)


HEAD_MIN_IN_FRAME = 0.6


def _outline_unread(metrics: Sequence[RepMetrics]) -> str:
    """A note naming the full reps whose back outline gave no reading, or ""."""
    full = [m for m in metrics if not m.partial] or list(metrics)
    unread = [m.index for m in full if m.back_curve_deg is None and m.back_hump_ratio is None]
    if not unread:
        return ""
    which = (
        "any rep"
        if len(unread) == len(full)
        else "rep" + ("s " if len(unread) > 1 else " ") + ", ".join(map(str, unread))
    )
    return (
        f"The back's outline couldn't be told from the background on {which}, so the rounded-back "
        "check there rests on the head-shoulder-hip line alone, which misses most rounding. Film against "
        "a plain background in clothes that stand out from it."
    )


def _caution(kin: KinematicSeries, metrics: Sequence[RepMetrics] = (), back_traced: bool = False) -> str:
    notes = []
    if kin.view == "angled":
        notes.append(
            "Filmed at an angle, so the joint angles are approximate; a side view at hip height gives a firmer grade."
        )
    elif kin.view == "unknown":
        notes.append(
            "Couldn't tell the camera angle for sure, so treat the angles as approximate; "
            "a side view at hip height gives a firmer grade."
        )
    if kin.head_in_frame_fraction < HEAD_MIN_IN_FRAME:
        notes.append(
            f"The head is in frame for only {kin.head_in_frame_fraction:.0%} of the clip, so the head "
            "and back-line checks use only the moments it is seen (and are skipped where it never is)."
        )
    if back_traced and kin.view == "side":
        notes.append(_outline_unread(metrics))
    return " ".join(n for n in notes if n)


# ------------------------------------------------------------------ grading
def _evidence(rule: Rule, m: RepMetrics) -> float:
    return m.lockout_s if rule.evidence == "lockout" else m.bottom_s


NOT_FROM_THIS_ANGLE = "not readable from this angle; film from the side, square to the lifter"
LOCKOUT_NOT_IN_VIEW = "not in view: the clip ends before the lifter stands tall; keep filming through the lockout"


def _unseen(rule: Rule, view: str, lockout_in_view: bool) -> str:
    """Why a row can't be read on this rep ("" when it can): what is not seen is neither passed nor failed."""
    if rule.side_only and view != "side":
        return NOT_FROM_THIS_ANGLE
    if rule.evidence == "lockout" and not lockout_in_view:
        return LOCKOUT_NOT_IN_VIEW
    return ""


def grade_rep(
    m: RepMetrics,
    exercise: Exercise,
    view: str = "side",
    calibration: Calibration | None = None,
    lockout_in_view: bool = True,
) -> RepGrade:
    """Every applicable fault on one rep, a score and a letter.

    Rows that need a true profile are not graded from an angled or unknown view, nor lockout rows
    when the clip ends before the lockout: such a check is named "not readable" / "not in view".
    """
    criteria: list[Criterion] = []
    penalty, warn_penalty = 0.0, 0.0
    worst_evidence: tuple[int, float, float | None] = (0, 0.0, None)
    for fault in FAULTS:
        rows = [r for r in RULES if r.code == fault.code and r.scope == "rep" and applies(r, exercise)]
        if not rows:
            continue
        results: list[RowResult] = []
        unseen = [_unseen(r, view, lockout_in_view) for r in rows]
        for r, why in zip(rows, unseen):
            warn, fail = thresholds_for(r, exercise, calibration)
            value = None if why else getattr(m, r.metric)
            results.append(evaluate_row(r, value, warn, fail, rep_margin(r, m)))
        status, row = combine(fault, results)
        ev = _evidence(row.rule, m) if row is not None else None
        criterion = criterion_for(fault, status, row, ev, borderline(fault, results, status))
        if status == "not_gradable" and all(unseen):
            criterion = replace(criterion, message=f"{fault.title}: {unseen[0]}.")
        criteria.append(criterion)
        if status == "fail":
            penalty += fault.weight
        elif status == "warn":
            warn_penalty += WARN_WEIGHT * fault.weight
        rank = {"fail": 2, "warn": 1}.get(status, 0)
        if rank > worst_evidence[0] or (rank and rank == worst_evidence[0] and fault.weight > worst_evidence[1]):
            worst_evidence = (rank, fault.weight, ev)
    if m.partial:
        criteria.append(
            Criterion(
                rule="partial_rep",
                label="Partial rep",
                status="warn",
                value=m.hip_flexion_range_deg,
                unit="deg",
                threshold=None,
                message="Partial rep: graded, but left out of the set score and the rep count.",
                evidence_s=m.bottom_s,
            )
        )
    # warnings sit within the measurement error of a limit: alone they never take a rep below B
    score = max(0.0, min(100.0, 100.0 - penalty - min(warn_penalty, MAX_WARN_PENALTY)))
    return RepGrade(
        index=m.index,
        score=round(score, 1),
        grade=letter(score),
        faults=tuple(c.rule for c in criteria if c.status == "fail"),
        criteria=tuple(criteria),
        evidence_s=worst_evidence[2] if worst_evidence[2] is not None else m.bottom_s,
    )


def grade_set(
    set_metrics: SetMetrics, metrics: Sequence[RepMetrics], exercise: Exercise, calibration: Calibration | None = None
) -> tuple[Criterion, ...]:
    """Set-level criteria (drift over the set)."""
    full = [m for m in metrics if not m.partial]
    unc = _median([m.angle_uncertainty_deg for m in full]) or 0.0
    evidence = full[-1].bottom_s if full else None
    out: list[Criterion] = []
    for fault in FAULTS:
        rows = [r for r in RULES if r.code == fault.code and r.scope == "set" and applies(r, exercise)]
        if not rows:
            continue
        if set_metrics.rep_count < max(r.min_reps for r in rows):
            out.append(
                Criterion(
                    rule=fault.code,
                    label=fault.title,
                    status="not_gradable",
                    value=None,
                    unit="",
                    threshold=None,
                    message=f"{fault.title}: needs at least {max(r.min_reps for r in rows)} full reps to judge.",
                )
            )
            continue
        results = []
        for r in rows:
            warn, fail = thresholds_for(r, exercise, calibration)
            results.append(evaluate_row(r, getattr(set_metrics, r.metric), warn, fail, margin_for(r, unc)))
        status, row = combine(fault, results)
        out.append(criterion_for(fault, status, row, evidence, borderline(fault, results, status)))
    return tuple(out)


def set_faults(reps: Sequence[RepGrade], set_criteria: Sequence[Criterion]) -> tuple[str, ...]:
    """Codes seen in most full reps: fails + warnings/2 > half the measured reps."""
    out: list[str] = []
    for fault in FAULTS:
        statuses = [c.status for g in reps for c in g.criteria if c.rule == fault.code]
        measured = [s for s in statuses if s != "not_gradable"]
        if not measured:
            continue
        weight = sum(1.0 if s == "fail" else 0.5 if s == "warn" else 0.0 for s in measured)
        if weight > len(measured) / 2 and "fail" in measured:
            out.append(fault.code)
    out += [c.rule for c in set_criteria if c.status == "fail" and c.rule not in out]
    return tuple(out)


def set_warnings(reps: Sequence[RepGrade], set_criteria: Sequence[Criterion], faults: Sequence[str]) -> tuple[str, ...]:
    """Codes that warned or failed somewhere but are not set faults."""
    seen = {c.rule for g in reps for c in g.criteria if c.status in ("warn", "fail")}
    seen |= {c.rule for c in set_criteria if c.status in ("warn", "fail")}
    return tuple(f.code for f in FAULTS if f.code in seen and f.code not in faults)


def check_notes(
    reps: Sequence[RepGrade], set_criteria: Sequence[Criterion], calibration: Calibration
) -> tuple[CheckNote, ...]:
    """Each fault that was checked here, with its record on the labelled clips."""
    checked = {c.rule for g in reps for c in g.criteria if c.status != "not_gradable"}
    checked |= {c.rule for c in set_criteria if c.status != "not_gradable"}
    return tuple(
        CheckNote(
            f.code,
            f.title,
            calibration.records[f.code].sentence()
            if f.code in calibration.records
            else "Not yet measured on labelled clips.",
        )
        for f in FAULTS
        if f.code in checked
    )


# ------------------------------------------------------------------- public
def _not_gradable(
    reason: str,
    exercise_id: str,
    exercise_name: str,
    assumed: bool,
    seg: RepSegmentation,
    metrics: Sequence[RepMetrics],
    faults: tuple[str, ...] = (),
    tips: tuple[str, ...] = REFILM_TIPS,
    drills: tuple[str, ...] = (),
) -> Scorecard:
    return Scorecard(
        gradable=False,
        reason=reason,
        exercise_id=exercise_id,
        exercise_name=exercise_name,
        exercise_assumed=assumed,
        overall_score=None,
        overall_grade=None,
        faults=faults,
        reps=(),
        set_criteria=(),
        suggestions=Suggestion(
            kind="refilm", exercise_id=None, exercise_name=None, reason=reason, drills=drills, cues=tips[:2]
        ),
        refilm_tips=tips,
        trusted=_trusted(seg, metrics),
    )


def _refusal(
    kinematics: KinematicSeries,
    segmentation: RepSegmentation,
    metrics: Sequence[RepMetrics],
    requested: Exercise | None,
    exercise_id: str,
    assumed: bool,
    cat: Catalogue,
) -> Scorecard | None:
    """The not-gradable scorecard when the clip can't be graded as a hinge (view, movement, capture), else None."""
    if kinematics.view == "front":  # the view decides first: from the front a hinge can't be told from a squat
        name = requested.name if requested else "Not identified"
        return _not_gradable(
            FRONT_VIEW_REASON,
            requested.id if requested else UNKNOWN_ID,
            name,
            requested is None,
            segmentation,
            metrics,
            tips=REFILM_TIPS,
        )
    if segmentation.movement != "hinge":
        return _not_a_hinge(kinematics, segmentation, metrics, requested, cat)
    if exercise_id not in cat:  # hinge with no reps measured
        return _not_gradable(
            "Hip hinge seen, but no complete reps were found to grade.",
            UNKNOWN_ID,
            "Unknown",
            True,
            segmentation,
            metrics,
        )
    ex = cat[exercise_id]
    if not ex.video_gradable:
        return _not_gradable(
            f"{ex.name} isn't a standing hinge, so Hinge Review can't grade it from video.",
            ex.id,
            ex.name,
            assumed,
            segmentation,
            metrics,
            tips=("Film a standing hinge such as a kettlebell deadlift or dowel hinge.",),
        )
    problem = capture_problem(kinematics, segmentation)
    if problem:
        return _not_gradable(problem, ex.id, ex.name, assumed, segmentation, metrics)
    if not metrics:
        return _not_gradable("No complete reps were found to grade.", ex.id, ex.name, assumed, segmentation, metrics)
    return None


def _not_a_hinge(
    kinematics: KinematicSeries,
    segmentation: RepSegmentation,
    metrics: Sequence[RepMetrics],
    requested: Exercise | None,
    cat: Catalogue,
) -> Scorecard:
    """A squat, a hinge glimpsed but never followed, or no lift at all."""
    if segmentation.movement == "squat":
        reason = "This looks like a squat, not a hip hinge, so it isn't graded as one."
        drills: tuple[str, ...] = ()
        if requested is not None:
            reason += (
                f" If it was meant to be a {requested.name.lower()}, the hips sank down "
                "instead of travelling back: practise the wall tap hinge."
            )
            drills = (cat["wall_tap_hinge"].name,)
        name = requested.name if requested else "Squat (not a hinge)"
        return _not_gradable(
            reason,
            requested.id if requested else SQUAT_ID,
            name,
            requested is None,
            segmentation,
            metrics,
            ("not_a_hinge",),
            tips=("Film a hip hinge (hips travelling back, shins nearly vertical) to get it graded.",) + REFILM_TIPS,
            drills=drills,
        )
    hidden = 1.0 - float(np.mean(kinematics.valid)) if len(kinematics) else 1.0
    seen = kinematics.hip_flexion_deg[np.asarray(kinematics.valid, dtype=bool)]
    folded = bool(np.isfinite(seen).any() and np.nanmax(seen) >= HIDDEN_FOLD_MIN_DEG)
    if hidden >= MAX_HIDDEN_SHARE and folded:  # a hinge glimpsed, never followed: not "no hinge"
        name = requested.name if requested else "Unknown"
        return _not_gradable(
            f"The lifter was hidden or unclear for {hidden:.0%} of the clip (behind the weight, other "
            "people or the frame's edge), so no rep could be followed from start to finish.",
            requested.id if requested else UNKNOWN_ID,
            name,
            requested is None,
            segmentation,
            metrics,
            tips=(
                "Film from the side with nothing between the camera and the lifter: "
                "the plates should not hide the hips and knees.",
            )
            + REFILM_TIPS,
        )
    reason = "No hip-hinge reps were found in this clip."
    if segmentation.reason:
        reason += f" ({segmentation.reason})"
    name = requested.name if requested else "Unknown"
    return _not_gradable(
        reason,
        requested.id if requested else UNKNOWN_ID,
        name,
        requested is None,
        segmentation,
        metrics,
        ("not_a_hinge",),
    )


def _notes(assumed: bool, unknown_name: str | None, ex: Exercise, full_reps: int) -> list[str]:
    notes: list[str] = []
    if assumed:
        if unknown_name is not None:  # a name no boundary checked (an old job): read from the reps instead
            notes.append(f"Didn't recognise the lift {unknown_name!r}.")
        notes.append(f"Graded as a {ex.name.lower()} (assumed from how the reps moved; pick the lift if that's wrong).")
    if not full_reps:
        notes.append("Every rep was partial, so the set score comes from partial reps.")
    return notes


def _floor_pull_named(
    suggestion: Suggestion, faults: Sequence[str], clean: int, full_reps: int, ex: Exercise, cat: Catalogue
) -> Suggestion:
    """An assumed floor pull's next step. The implement isn't read from the video, so the set's own
    lift is called by its family's name everywhere, and a rung that depends on the implement (another
    floor pull) is left to the lifter to pick: stay, on this lift's own plan."""

    def own(text: str) -> str:
        return text.replace(ex.name, FLOOR_PULL_NAME)

    target = (
        cat[suggestion.exercise_id] if suggestion.exercise_id is not None and suggestion.exercise_id in cat else None
    )
    if target is None or target.family != "floor_pull":  # a drill or a lighter lift: named as it is
        return replace(suggestion, reason=own(suggestion.reason), move_on_rule=own(suggestion.move_on_rule))
    lead = (
        f"Every full rep was clean ({clean} of {full_reps})."
        if not faults
        else "Work on the faults above with the drills below."
    )
    plan = session_plan(ex, controlled=bool(faults))
    return replace(
        suggestion,
        kind="stay",
        exercise_id=None,
        exercise_name=FLOOR_PULL_NAME,
        next_session=replace(plan, text=own(plan.text)),
        reason=f"{lead} Pick the lift you did (kettlebell, barbell or trap bar) to see its step on the ladder.",
        move_on_rule=f"Stay on the {FLOOR_PULL_NAME.lower()} until every rep is clean; then pick the lift to move on.",
    )


FLOOR_PULL_NOTE = (
    "Graded as a deadlift from the floor: the implement (kettlebell, barbell, trap bar) isn't read from "
    "the video, so the limits shared by floor pulls were used. Pick the lift for its own limits and "
    "its next step on the ladder."
)


def verdict_of(
    reps: Sequence[RepGrade], set_criteria: Sequence[Criterion], faults: Sequence[str], grade_letter: str
) -> Verdict:
    """clean / faulty / borderline for a graded set: borderline when no fault was failed but one would be
    a set fault were the readings inside their measurement error counted as fails."""
    if faults or grade_letter in FAULTY_GRADES:
        return "faulty"
    as_if = [
        replace(g, criteria=tuple(replace(c, status="fail") if c.borderline else c for c in g.criteria)) for g in reps
    ]
    worse_set = [replace(c, status="fail") if c.borderline else c for c in set_criteria]
    return "borderline" if set_faults(as_if, worse_set) else "clean"


def grade(
    metrics: Sequence[RepMetrics],
    set_metrics: SetMetrics,
    segmentation: RepSegmentation,
    kinematics: KinematicSeries,
    exercise: str | LiftChoice = "auto",
    catalogue: Catalogue | None = None,
    calibration: Calibration | None = None,
    back_traced: bool = False,
) -> Scorecard:
    """The scorecard for one analysed set; see the module docstring. ``back_traced``: the
    back's outline was traced on the video (a rep without a reading then gets a note)."""
    cat = catalogue or load_catalogue()
    calibration = load_calibration() if calibration is None else calibration
    lift = exercise if isinstance(exercise, LiftChoice) else find_lift(exercise, cat)
    requested = cat[lift.exercise_id] if lift is not None and lift.exercise_id is not None else None
    exercise_id, assumed = choose_exercise(lift or AUTOMATIC, segmentation, metrics, kinematics.single_leg, cat)
    refused = _refusal(kinematics, segmentation, metrics, requested, exercise_id, assumed, cat)
    if refused is not None:
        return refused
    ex = cat[exercise_id]
    in_view = {r.index: r.lockout_in_view for r in segmentation.reps}
    rep_grades = tuple(grade_rep(m, ex, kinematics.view, calibration, in_view.get(m.index, True)) for m in metrics)
    full = [g for g, m in zip(rep_grades, metrics) if not m.partial]
    scored = full or list(rep_grades)
    set_criteria = grade_set(set_metrics, metrics, ex, calibration)
    set_penalty = sum(FAULT_BY_CODE[c.rule].weight for c in set_criteria if c.status == "fail") + min(
        sum(FAULT_BY_CODE[c.rule].weight * WARN_WEIGHT for c in set_criteria if c.status == "warn"), MAX_WARN_PENALTY
    )
    score = max(0.0, statistics.median(g.score for g in scored) - set_penalty)
    faults = set_faults(full or rep_grades, set_criteria)
    warnings = set_warnings(full or rep_grades, set_criteria, faults)
    clean = sum(1 for g in full if not g.faults)
    notes = _notes(assumed, None if lift is not None else str(exercise), ex, len(full))
    suggestion = suggest(ex.id, faults, warnings, clean_reps=clean, full_reps=len(full), catalogue=cat)
    name = ex.name
    if assumed and ex.id == FLOOR_PULL_ID:
        name, notes[-1] = FLOOR_PULL_NAME, FLOOR_PULL_NOTE
        suggestion = _floor_pull_named(suggestion, faults, clean, len(full), ex, cat)
    return Scorecard(
        gradable=True,
        reason=" ".join(notes),
        exercise_id=ex.id,
        exercise_name=name,
        exercise_assumed=assumed,
        overall_score=round(score, 1),
        overall_grade=letter(score),
        faults=faults,
        reps=rep_grades,
        set_criteria=set_criteria,
        suggestions=suggestion,
        refilm_tips=REFILM_TIPS if kinematics.view != "side" else (),
        trusted=_trusted(segmentation, metrics),
        caution=_caution(kinematics, metrics, back_traced),
        check_notes=check_notes(rep_grades, set_criteria, calibration),
        verdict=verdict_of(full or rep_grades, set_criteria, faults, letter(score)),
    )
