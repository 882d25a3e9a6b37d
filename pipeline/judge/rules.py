"""Fault rules as a table: one row per measured sign of a fault.

A fault (``FAULTS``) owns the coaching text: cue, corrective drill, scale-back
action and score weight. A rule row (``RULES``) says how one metric shows that
fault: which field, which way is bad, warn and fail levels (defaults, derived
from the catalogue's expected ranges, or overridden per exercise), and how far
beyond the fail level a value must sit before it counts, given the
measurement error (``margin_abs + margin_k * angle_uncertainty_deg``).

Status of one row, for a value ``v`` (direction "above"; "below" mirrors it,
"abs_above" uses ``|v|``):
  v <= warn                          -> pass
  warn < v <= fail + margin          -> warn  (beyond fail but inside the error: warn)
  v > fail + margin                  -> fail
A reading past the fail level by no more than ``margin`` is *inside the margin*: it
is never a fail, and a set whose verdict would change were those readings fails is
"borderline" (``grading.verdict_of``). A reading short of the level is not: the level
was not passed, so at most it is watched.
Rows of a fault marked ``corroborate`` combine: a fail needs a second row at
warn or worse, unless one row passes its ``severe`` level (+ margin) alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol

from pipeline.measure.glossary import measure
from pipeline.types import Criterion, RepMetrics, Status

if TYPE_CHECKING:
    from pipeline.judge.calibration import Calibration


class Exercise(Protocol):
    """What the rules read of a catalogue exercise (``pipeline.judge.coaching.Exercise``): its expected
    ranges, own levels, family and flags. A protocol, so the rules need not import the catalogue."""

    @property
    def knee_bottom_deg(self) -> tuple[float, float]: ...
    @property
    def torso_bottom_deg(self) -> tuple[float, float]: ...
    @property
    def hip_range_min_deg(self) -> float: ...
    @property
    def descent_s(self) -> tuple[float, float]: ...
    @property
    def skip_rules(self) -> tuple[str, ...]: ...
    @property
    def thresholds(self) -> Mapping[str, tuple[float, float]]: ...
    @property
    def family(self) -> str: ...
    @property
    def flags(self) -> frozenset[str]: ...


Direction = Literal["above", "below", "abs_above"]
Evidence = Literal["bottom", "lockout", "set"]
ScaleBack = Literal["shorten_range", "support", "form_drills", "lower_intensity", "elevate", "slow_down", "stay"]
Base = Literal["knee_max", "torso_max", "hip_range_min", "descent_min"]

WARN_WEIGHT = 0.35  # a warning costs this share of the fault's fail weight
STATUS_ORDER: dict[str, int] = {"not_gradable": -1, "pass": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class Fault:
    """What a fault means to the lifter and what to do about it."""

    code: str
    title: str
    cue: str  # one line, said like a coach at the platform
    drill: str  # catalogue exercise id that trains the fix
    scale_back: ScaleBack
    weight: float  # score points lost on a fail
    corroborate: bool = False  # noisy proxies: one row alone only warns


@dataclass(frozen=True)
class Rule:
    """One metric that shows a fault."""

    row_id: str  # "<code>.<what>", also the key for per-exercise overrides
    code: str
    metric: str  # RepMetrics field (scope "rep") or SetMetrics field (scope "set")
    direction: Direction
    warn: float  # default levels, or offsets / factors when ``base`` is set
    fail: float
    unit: str  # "deg", "ratio", "leg", "s", "%"
    evidence: Evidence
    margin_k: float = 0.0  # multiples of the rep's angle uncertainty (or of ``error``'s reading)
    margin_abs: float = 0.0
    severe: float | None = None  # fails on its own beyond this (corroborated faults)
    base: Base | None = None  # warn/fail are offsets (+) from this catalogue value...
    base_scale: bool = False  # ...or factors (x) of it
    need_flags: frozenset[str] = frozenset()  # exercise flags that must be present
    skip_flags: frozenset[str] = frozenset()  # exercise flags that switch it off
    min_reps: int = 0  # set rules: fewest full reps to judge
    side_only: bool = False  # needs a true profile view; off-profile it is not graded
    error: str | None = None  # RepMetrics field with this reading's own 1-sigma error (else the angle uncertainty)

    @property
    def label(self) -> str:
        """What is measured, by its one name (``pipeline.measure.glossary``), e.g. "Knee bend at the bottom"."""
        return measure(self.metric).name

    @property
    def scope(self) -> str:
        return "set" if self.evidence == "set" else "rep"


# fmt: off
FAULTS: tuple[Fault, ...] = (
    Fault("rounded_back", "Rounded back",
          "Brace like you're about to take a punch and keep your back long from head to tailbone.",
          "standing_dowel_hinge", "shorten_range", 40.0),
    Fault("squatting", "Squatting the hinge",
          "Send your hips back to the wall behind you and keep your shins nearly vertical; don't sit down.",
          "wall_tap_hinge", "form_drills", 35.0, corroborate=True),
    Fault("weight_on_toes", "Weight drifting to the toes",
          "Stay heavy through mid-foot and heels; let the weight hang under your shoulders, not out front.",
          "toes_elevated_kb_good_morning", "support", 15.0),
    Fault("hips_rise_first", "Hips shoot up first",
          "Push the floor away so chest and hips rise together; don't let your hips race ahead.",
          "cable_pull_through", "form_drills", 25.0),
    Fault("hyperextension", "Leaning back at the top",
          "Finish tall by squeezing your glutes; ribs down, no leaning back.",
          "glute_bridge", "form_drills", 20.0),
    Fault("bar_drift", "Weight drifting away from the legs",
          "Keep the weight close: drag it along your legs and over the middle of your foot.",
          "dumbbell_rdl", "form_drills", 15.0),
    Fault("shallow_hinge", "Hinge too shallow",
          "Keep pushing the hips back until you feel the hamstrings pull tight.",
          "standing_kb_behind_back_hinge", "elevate", 20.0),
    Fault("incomplete_lockout", "Hips not finished at the top",
          "Stand all the way up: squeeze your glutes until hips line up with shoulders.",
          "glute_bridge", "stay", 20.0),
    Fault("head_misaligned", "Head out of line",
          "Keep your neck long and in line with your back: eyes on the floor a couple of metres ahead, chin neither cranked up nor tucked in.",
          "standing_dowel_hinge", "stay", 10.0),
    Fault("rushed_tempo", "Rushed lowering",
          "Slow the way down: count three seconds down, two seconds up.",
          "standing_dowel_hinge", "slow_down", 15.0),
    Fault("fatigue_drift", "Form fading over the set",
          "Stop the set while every rep still looks like the first one.",
          "standing_dowel_hinge", "lower_intensity", 10.0),
)
# fmt: on
FAULT_BY_CODE: dict[str, Fault] = {f.code: f for f in FAULTS}

_NO_BALLISTIC = frozenset({"ballistic"})
_HANDS = frozenset({"hand_load"})

# fmt: off
RULES: tuple[Rule, ...] = (
    # Back: the ear-shoulder-hip line bending at the bottom is the one 2-D
    # proxy for spinal flexion that separated rounded from flat backs on real
    # clips (about +17° against -2° for the same lifter); the hip-shoulder
    # chord shrinking did not (13 % against 17 %), so it is reported, not graded.
    # The silhouette's dorsal contour: lumbar against thoracic line at the bottom
    # (pipeline.measure.backcurve). Levels as set here: bench/calibrate.py fitted none (docs/accuracy.md).
    # Both outline rows carry their own error: the spread of the rep's frames (backcurve.median_curve).
    Rule("rounded_back.back_curve", "rounded_back", "back_curve_deg", "above", 15.0, 20.0, "deg", "bottom",
         margin_k=1.0, side_only=True, error="back_curve_error_deg"),
    # The same outline along hip -> shoulder: how far it bulges over the pelvis-to-neck chord.
    Rule("rounded_back.back_hump", "rounded_back", "back_hump_ratio", "above", 0.12, 0.15, "ratio", "bottom",
         margin_abs=0.01, margin_k=1.0, side_only=True, error="back_hump_error"),
    # Its five samples at the bottom can disagree by far more than the keypoints' usual error (a turning
    # head, hair): the margin is that spread when it is the larger (metrics.rep_metrics).
    Rule("rounded_back.back_line", "rounded_back", "back_line_deviation_deg", "above", 8.0, 12.0, "deg", "bottom",
         margin_k=1.0, side_only=True, error="back_line_error_deg"),
    # Squatting: knees bend far past the lift's range, shins tip forward,
    # hips go down instead of back, torso stays upright.
    Rule("squatting.knee", "squatting", "knee_flexion_bottom_deg", "above", 10.0, 20.0, "deg", "bottom",
         margin_k=1.0, base="knee_max", severe=None, skip_flags=frozenset({"kneeling"}), error="knee_flexion_error_deg"),
    Rule("squatting.shin", "squatting", "shin_angle_bottom_deg", "above", 30.0, 38.0, "deg", "bottom",
         margin_k=1.0, skip_flags=frozenset({"kneeling"})),
    Rule("squatting.hinge_ratio", "squatting", "hinge_ratio", "below", 0.55, 0.50, "ratio", "bottom",
         margin_abs=0.03, skip_flags=frozenset({"kneeling"})),
    Rule("squatting.hips_back", "squatting", "hips_back_ratio", "below", 0.25, 0.15, "ratio", "bottom",
         margin_abs=0.03, skip_flags=frozenset({"kneeling"}), side_only=True),
    Rule("squatting.torso", "squatting", "torso_angle_bottom_deg", "above", 10.0, 20.0, "deg", "bottom",
         margin_k=1.0, base="torso_max", skip_flags=frozenset({"kneeling"}), side_only=True),
    # Weight on the toes: read from where the hands (the load) hang at the
    # bottom, forward of the mid-foot line. Not measurable -> not graded.
    Rule("weight_on_toes.hands_forward", "weight_on_toes", "wrist_forward_bottom_leg", "above", 0.30, 0.40, "leg", "bottom",
         margin_abs=0.03, need_flags=_HANDS, skip_flags=_NO_BALLISTIC, side_only=True),
    # Read over the first third of the way up from two or three samples, so it moves with its window: its own
    # error is half its spread when the window ends a twelfth of the way earlier or later (metrics).
    Rule("hips_rise_first.ratio", "hips_rise_first", "hip_shoulder_rise_ratio", "above", 1.6, 2.0, "ratio", "bottom",
         margin_abs=0.2, margin_k=1.0, skip_flags=frozenset({"ballistic", "kneeling"}), error="hip_shoulder_rise_error"),
    # Leaning back at the top, read where the seeds put the finish: "hips in line with shoulders and knees",
    # low back not over-arched. So the measure is the hip's own angle (knee-hip-shoulder) at lockout, the one
    # incomplete_lockout reads from the other side: 0 when the three line up, below 0 when the hips are pushed
    # past the line and the torso falls back behind them. Unlike the torso against the picture's vertical it
    # does not move with a tilted camera. Hip extension past neutral is ~10-20 deg at most in the joint, so a
    # finish 15 deg past the line is worth watching and 20 past it a fault (+ the rep's angle error).
    # Set from that, not fitted.
    Rule("hyperextension.hip", "hyperextension", "lockout_hip_flexion_deg", "below", -15.0, -20.0, "deg", "lockout",
         margin_k=1.0, side_only=True),
    Rule("bar_drift.hands", "bar_drift", "wrist_drift_max_leg", "above", 0.30, 0.40, "leg", "bottom",
         margin_abs=0.03, need_flags=_HANDS, skip_flags=_NO_BALLISTIC, side_only=True),
    Rule("shallow_hinge.hip_range", "shallow_hinge", "hip_flexion_range_deg", "below", 0.0, -15.0, "deg", "bottom",
         margin_k=1.0, base="hip_range_min", side_only=True),
    Rule("incomplete_lockout.hip", "incomplete_lockout", "lockout_hip_flexion_deg", "above", 12.0, 20.0, "deg", "lockout", margin_k=1.0),
    # Head: face direction against the chest's. Looking ahead while hinged is
    # common and fine (clean clips read +17° to +48°); cranking the head far
    # back or tucking the chin to the chest is not.
    Rule("head_misaligned.up", "head_misaligned", "neck_angle_bottom_deg", "above", 50.0, 65.0, "deg", "bottom", margin_k=1.0, side_only=True),
    Rule("head_misaligned.down", "head_misaligned", "neck_angle_bottom_deg", "below", -20.0, -35.0, "deg", "bottom", margin_k=1.0, side_only=True),
    Rule("rushed_tempo.descent", "rushed_tempo", "descent_s", "below", 0.75, 0.5, "s", "bottom",
         margin_abs=0.1, base="descent_min", base_scale=True,
         need_flags=frozenset({"control_tempo"}), skip_flags=_NO_BALLISTIC),
    # Set level: last third of the set against the first third.
    Rule("fatigue_drift.depth", "fatigue_drift", "depth_drift_deg", "abs_above", 10.0, 15.0, "deg", "set", margin_k=1.0, min_reps=6),
    Rule("fatigue_drift.back", "fatigue_drift", "back_drift_deg", "above", 8.0, 12.0, "deg", "set", margin_k=1.0, min_reps=6),
    Rule("fatigue_drift.tempo", "fatigue_drift", "tempo_drift_s", "abs_above", 0.5, 0.8, "s", "set", margin_abs=0.1, min_reps=6),
)
# fmt: on
RULE_NAMES: frozenset[str] = frozenset({r.row_id for r in RULES} | set(FAULT_BY_CODE))


def _base_value(base: Base, exercise: Exercise) -> float:
    return {
        "knee_max": exercise.knee_bottom_deg[1],
        "torso_max": exercise.torso_bottom_deg[1],
        "hip_range_min": exercise.hip_range_min_deg,
        "descent_min": exercise.descent_s[0],
    }[base]


def thresholds_for(
    rule: Rule, exercise: Exercise | None = None, calibration: Calibration | None = None
) -> tuple[float, float]:
    """(warn, fail) for this exercise: the exercise's own override, else the levels
    fitted on labelled clips for its family, else derived, else default."""
    if exercise is not None and rule.row_id in exercise.thresholds:
        return exercise.thresholds[rule.row_id]
    if calibration is not None and exercise is not None:
        fitted = calibration.levels_for(rule.row_id, exercise.family)
        if fitted is not None:
            return fitted
    if rule.base is not None:
        if exercise is None:
            raise ValueError(f"rule {rule.row_id} needs an exercise for its thresholds")
        b = _base_value(rule.base, exercise)
        if rule.base_scale:
            return b * rule.warn, b * rule.fail
        return b + rule.warn, b + rule.fail
    return rule.warn, rule.fail


def applies(rule: Rule, exercise: Exercise) -> bool:
    """Whether the rule is meaningful for this exercise."""
    flags = exercise.flags
    if rule.code in exercise.skip_rules or rule.row_id in exercise.skip_rules:
        return False
    return rule.need_flags <= flags and not (rule.skip_flags & flags)


def margin_for(rule: Rule, uncertainty_deg: float, own_error: float | None = None) -> float:
    """How far past the fail level a value must be: ``margin_abs`` plus ``margin_k`` times the reading's own
    error for a row that has one (``Rule.error``), else (or when none was measured) the rep's angle error."""
    if rule.error is not None and own_error is not None and math.isfinite(own_error):
        err = own_error
    else:
        err = uncertainty_deg if rule.unit == "deg" and math.isfinite(uncertainty_deg) else 0.0
    return rule.margin_abs + rule.margin_k * max(err, 0.0)


def rep_margin(rule: Rule, m: RepMetrics) -> float:
    """``margin_for`` on one rep's readings: its angle error, or the row's own reading error when it has one."""
    own = getattr(m, rule.error) if rule.error is not None else None
    return margin_for(rule, m.angle_uncertainty_deg, own)


@dataclass(frozen=True)
class RowResult:
    rule: Rule
    status: Status
    value: float | None
    warn: float
    fail: float
    margin: float
    severe: bool = False
    in_margin: bool = False  # past the fail level, by no more than ``margin`` (a watch item, not a fail)

    def as_if_failed(self) -> RowResult:
        """This row with a reading inside the margin counted as a fail (the verdict's other side)."""
        return replace(self, status="fail") if self.in_margin and self.status != "fail" else self

    @property
    def excess(self) -> float:
        """How far past the warn level, in units of the warn-to-fail gap."""
        if self.value is None:
            return -math.inf
        v = abs(self.value) if self.rule.direction == "abs_above" else self.value
        gap = abs(self.fail - self.warn) or 1.0
        return (v - self.warn) / gap if self.rule.direction != "below" else (self.warn - v) / gap


def evaluate_row(rule: Rule, value: float | None, warn: float, fail: float, margin: float) -> RowResult:
    """Status of one rule row for one measured value (None = not measured)."""
    if value is None or not math.isfinite(value):
        return RowResult(rule, "not_gradable", None, warn, fail, margin)
    v = abs(value) if rule.direction == "abs_above" else value
    beyond: Callable[[float], bool]
    if rule.direction == "below":
        beyond = lambda level: v < level  # noqa: E731
        sign = -1.0
    else:
        beyond = lambda level: v > level  # noqa: E731
        sign = 1.0
    severe = rule.severe is not None and beyond(rule.severe + sign * margin)
    in_margin = beyond(fail) and not beyond(fail + sign * margin)
    if beyond(fail + sign * margin):
        status: Status = "fail"
    elif beyond(warn):
        status = "warn"
    else:
        status = "pass"
    return RowResult(rule, status, float(value), warn, fail, margin, severe, in_margin)


def combine(fault: Fault, rows: list[RowResult]) -> tuple[Status, RowResult | None]:
    """One status for a fault from its rows, and the row that decides it."""
    measured = [r for r in rows if r.status != "not_gradable"]
    if not measured:
        return "not_gradable", (rows[0] if rows else None)
    worst = max(measured, key=lambda r: (STATUS_ORDER[r.status], r.excess))
    if not fault.corroborate or len(measured) < 2:
        if fault.corroborate and worst.status == "fail" and not worst.severe and len(rows) > 1:
            return "warn", worst  # the second proxy was not measured: no corroboration
        return worst.status, worst
    flagged = [r for r in measured if r.status in ("warn", "fail")]
    if any(r.severe for r in measured):
        return "fail", max((r for r in measured if r.severe), key=lambda r: r.excess)
    if worst.status == "fail" and len(flagged) >= 2:
        return "fail", worst
    if flagged:
        return "warn", worst
    return "pass", worst


def describe(fault: Fault, status: Status, row: RowResult | None) -> str:
    """A plain message naming the measure, value and limit."""
    if row is None:
        return f"{fault.title}: not checked."
    if status == "not_gradable":
        return f"{fault.title}: {row.rule.label} could not be measured in this clip."
    r = row.rule
    value = row.value if row.value is not None else float("nan")
    shown = abs(value) if r.direction == "abs_above" else value
    side = "under" if r.direction == "below" else "over"
    level = row.fail if status == "fail" else row.warn
    fmt = measure(r.metric).format
    text = f"{r.label} {fmt(shown)}"
    if status == "pass":
        return f"{text}: fine (flag {side} {fmt(row.warn)})."
    if status == "warn":
        if (r.direction == "below" and value < row.fail) or (r.direction != "below" and shown > row.fail):
            return (
                f"{text}: past the {fmt(row.fail)} limit but within the "
                f"measurement error (±{fmt(row.margin)}), so only a warning."
            )
        return f"{text}: {side} the {fmt(level)} mark; worth watching."
    note = " (backed up by a second measure)" if fault.corroborate and not row.severe else ""
    return f"{text}: {side} the {fmt(level)} limit{note}."


def borderline(fault: Fault, rows: list[RowResult], status: Status) -> bool:
    """The fault is not failed, but would be were its readings inside the margin fails."""
    return status != "fail" and combine(fault, [r.as_if_failed() for r in rows])[0] == "fail"


def criterion_for(
    fault: Fault, status: Status, row: RowResult | None, evidence_s: float | None, on_the_line: bool = False
) -> Criterion:
    """The Criterion shown for one fault on one rep (or the set); ``on_the_line``: ``borderline``."""
    threshold = None
    if row is not None:
        threshold = row.fail if status == "fail" else row.warn
    return Criterion(
        rule=fault.code,
        label=fault.title,
        status=status,
        value=None if row is None else row.value,
        unit="" if row is None else row.rule.unit,
        threshold=threshold,
        message=describe(fault, status, row),
        cue=fault.cue if status in ("warn", "fail") else "",
        drill=fault.drill if status in ("warn", "fail") else "",
        evidence_s=None if status == "not_gradable" else evidence_s,
        metric="" if row is None else row.rule.metric,
        borderline=on_the_line,
    )


SCALE_BACK_ACTIONS: tuple[str, ...] = (
    "shorten_range",
    "support",
    "form_drills",
    "lower_intensity",
    "elevate",
    "slow_down",
    "stay",
)
