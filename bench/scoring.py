"""One labelled clip's verdict from its cached pose: shared by the accuracy benchmark and the calibration."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from labelled import LabelledClip, PoseRecord, cached_back_reader

from pipeline.errors import InputError
from pipeline.judge.calibration import Calibration
from pipeline.types import AnalysisConfig


@dataclass(frozen=True)
class Outcome:
    clip: str
    subset: str
    source: str
    view_label: str
    verdict_label: str | None
    faults_label: tuple[str, ...]
    reps_label: str
    reps_exact: int | None
    reps_found: int | None
    movement: str
    view_found: str
    exercise: str
    grade: str | None
    score: float | None
    faults_found: tuple[str, ...]
    refused: str  # "" when graded
    refusal_kind: str  # input / not_a_hinge / view / capture / "" when graded
    verdict: str  # the scorecard's own (``grading.verdict_of``): clean / faulty / borderline / not_graded

    @property
    def verdict_found(self) -> str:
        """The scorecard's verdict, or "refused"; borderline is never counted as right."""
        return "refused" if self.refused else self.verdict

    @property
    def verdict_right(self) -> bool | None:
        if self.verdict_label is None:
            return None
        want = "faulty" if self.verdict_label == "bad" else "clean"
        return self.verdict_found == want

    @property
    def gradable_side_lift(self) -> bool:
        return self.view_label == "side" and "not_a_hinge" not in self.faults_label


def refusal_kind(scorecard, movement: str) -> str:
    reason = (scorecard.reason if scorecard else "").lower()
    if movement != "hinge" and (scorecard is None or "not_a_hinge" in scorecard.faults):
        return "not_a_hinge"
    if "front" in reason:
        return "view"
    return "capture"


def assess_clip(clip: LabelledClip, record: PoseRecord, config: AnalysisConfig, calibration: Calibration):
    """``pipeline.run.assess`` on one clip's (cached) pose: the Assessment, or the refusal's message."""
    from pipeline.run import assess

    if record.pose is None:
        return record.refused
    try:
        return assess(record.pose, config, calibration=calibration, back_reader=cached_back_reader(clip.path))
    except InputError as exc:
        return exc.message


def score_clip(clip: LabelledClip, record: PoseRecord, config: AnalysisConfig, calibration: Calibration) -> Outcome:
    """The verdict on one clip from its (cached) pose."""
    return outcome_of(clip, assess_clip(clip, record, config, calibration))


def outcome_of(clip: LabelledClip, a) -> Outcome:
    """The verdict on one clip from its Assessment (or the message it was refused with)."""
    base = dict(
        clip=clip.name,
        subset=clip.subset,
        source=clip.source,
        view_label=clip.view,
        verdict_label=clip.verdict,
        faults_label=tuple(sorted(clip.faults)),
        reps_label=clip.reps_text,
        reps_exact=clip.reps_exact,
    )
    if isinstance(a, str):
        return Outcome(
            **base,
            reps_found=None,
            movement="",
            view_found="",
            exercise="",
            grade=None,
            score=None,
            faults_found=(),
            refusal_kind="input",
            verdict="not_graded",
            refused=a,
        )
    sc = a.scorecard
    reps = sum(1 for r in a.segmentation.reps if not r.partial)
    graded = sc is not None and sc.gradable
    return Outcome(
        **base,
        reps_found=reps,
        movement=a.segmentation.movement,
        view_found=a.kinematics.view,
        exercise=sc.exercise_id if sc else "",
        grade=sc.overall_grade if graded else None,
        score=sc.overall_score if graded else None,
        faults_found=tuple(f for f in (sc.faults if graded else ()) if f != "not_a_hinge"),
        refused="" if graded else (sc.reason if sc else "no scorecard"),
        refusal_kind="" if graded else refusal_kind(sc, a.segmentation.movement),
        verdict=sc.verdict if sc else "not_graded",
    )


# The readings ``--stability`` compares between the two model inputs (RepMetrics fields).
NOISE_MEASURES = (
    "back_curve_deg",
    "back_hump_ratio",
    "back_line_deviation_deg",
    "knee_flexion_bottom_deg",
    "hip_flexion_bottom_deg",
    "shin_angle_bottom_deg",
    "torso_angle_bottom_deg",
    "hinge_ratio",
    "hips_back_ratio",
    "hip_shoulder_rise_ratio",
    "neck_angle_bottom_deg",
    "lockout_lean_back_deg",
    "lockout_hip_flexion_deg",
    "wrist_drift_max_leg",
)


def matched_reps(pairs):
    """(rep on one input, the same rep on the other) over ``pairs`` (the same clip twice: Assessments or
    refusals), for the clips analysed on both with the same number of reps."""
    for a, b in pairs:
        if isinstance(a, str) or isinstance(b, str) or len(a.metrics) != len(b.metrics):
            continue
        yield from zip(a.metrics, b.metrics)


def reading_noise(pairs) -> dict[str, dict[str, float]]:
    """Per measure, over every rep of the clips analysed on both inputs with the same reps (``pairs``: their
    Assessments or refusals): |difference| median, 75th and 90th percentile, and reps read on one only."""
    diffs: dict[str, list[float]] = {m: [] for m in NOISE_MEASURES}
    one_only = dict.fromkeys(NOISE_MEASURES, 0)
    for ma, mb in matched_reps(pairs):
        for m in NOISE_MEASURES:
            va, vb = getattr(ma, m), getattr(mb, m)
            fa, fb = va is not None and np.isfinite(va), vb is not None and np.isfinite(vb)
            if fa and fb:
                diffs[m].append(abs(vb - va))
            elif fa != fb:
                one_only[m] += 1
    return {
        m: {
            "reps": len(d),
            "p50": float(np.median(d)),
            "p75": float(np.percentile(d, 75)),
            "p90": float(np.percentile(d, 90)),
            "one_only": one_only[m],
        }
        for m, d in diffs.items()
        if d
    }


def margin_honesty(pairs) -> dict[str, dict[str, float]]:
    """Is each rule's margin the reading's real error? Over every rep read on both inputs of ``pairs`` (the
    same clip twice: Assessments or refusals), z = |difference| / hypot(margin on one, margin on the other).
    Were the margin a 1-sigma error, z's median would be 0.67 and 5 % would be over 2; a fatter tail says the
    margin is too small for that row (no label is used)."""
    from pipeline.judge.rules import RULES, rep_margin

    zs: dict[str, list[float]] = {}
    for ma, mb in matched_reps(pairs):
        for r in RULES:
            va, vb = getattr(ma, r.metric, None), getattr(mb, r.metric, None)
            if va is None or vb is None or not (np.isfinite(va) and np.isfinite(vb)):
                continue
            ea, eb = rep_margin(r, ma), rep_margin(r, mb)
            if ea > 0 and eb > 0:
                zs.setdefault(r.row_id, []).append(abs(va - vb) / float(np.hypot(ea, eb)))
    return {
        row: {"reps": len(z), "median_z": float(np.median(z)), "over_2": float(np.mean(np.asarray(z) > 2))}
        for row, z in zs.items()
    }


def print_margin_honesty(honesty: dict[str, dict[str, float]]) -> None:
    print("is each margin the reading's error? z = |difference| / combined margin (1-sigma: median 0.67, 5% over 2)")
    print(f"  {'rule row':32s} {'reps':>5s} {'median z':>9s} {'over 2':>7s}")
    for row, h in honesty.items():
        print(f"  {row:32s} {h['reps']:5d} {h['median_z']:9.2f} {h['over_2'] * 100:6.0f}%")
