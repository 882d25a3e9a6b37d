"""Synthetic rep measures, sets, segmentations and kinematics for the grading tests (exact, hand-set values)."""

from __future__ import annotations

import numpy as np

from pipeline.judge.grading import grade
from pipeline.types import KinematicSeries, Rep, RepMetrics, RepSegmentation, SetMetrics

CLEAN_KB_DEADLIFT = dict(
    partial=False,
    hip_flexion_bottom_deg=105.0,
    hip_flexion_range_deg=100.0,
    knee_flexion_bottom_deg=55.0,
    knee_flexion_range_deg=50.0,
    torso_angle_bottom_deg=28.0,
    shin_angle_bottom_deg=12.0,
    hinge_ratio=0.67,
    hip_back_leg=0.30,
    hip_drop_leg=0.25,
    hips_back_ratio=0.55,
    neck_angle_bottom_deg=15.0,  # head pitch: looking a little ahead, as on clean clips
    back_line_deviation_deg=-1.0,  # flat back (clean clips read about -2..0)
    torso_shortening_pct=4.0,  # reported only, not graded
    lockout_hip_flexion_deg=4.0,
    lockout_lean_back_deg=2.0,
    hip_shoulder_rise_ratio=1.1,
    descent_s=1.5,
    bottom_pause_s=0.5,
    ascent_s=1.2,
    top_pause_s=0.8,
    rep_duration_s=3.5,
    wrist_drift_max_leg=0.08,
    wrist_forward_bottom_leg=0.05,
    wrist_peak_height_leg=0.75,
    peak_hip_extension_speed_deg_s=140.0,
    angle_uncertainty_deg=3.0,
)

SWING = dict(
    knee_flexion_bottom_deg=35.0,
    hip_flexion_bottom_deg=85.0,
    hip_flexion_range_deg=80.0,
    torso_angle_bottom_deg=30.0,
    descent_s=0.45,
    bottom_pause_s=0.0,
    ascent_s=0.45,
    top_pause_s=0.1,
    rep_duration_s=1.1,
    peak_hip_extension_speed_deg_s=420.0,
    wrist_peak_height_leg=1.45,
    wrist_drift_max_leg=0.9,
    wrist_forward_bottom_leg=-0.2,
)

RDL = dict(
    knee_flexion_bottom_deg=20.0,
    knee_flexion_range_deg=15.0,
    torso_angle_bottom_deg=15.0,
    hinge_ratio=0.85,
    hip_flexion_range_deg=85.0,
    descent_s=2.5,
)

SQUAT = dict(
    knee_flexion_bottom_deg=115.0,
    hinge_ratio=0.45,
    torso_angle_bottom_deg=60.0,
    hips_back_ratio=0.3,
    shin_angle_bottom_deg=32.0,
)


def make_rep(index: int = 1, **overrides) -> RepMetrics:
    """A clean kettlebell-deadlift rep; override any field."""
    t = 2.0 + 4.0 * (index - 1)
    fields = dict(CLEAN_KB_DEADLIFT, index=index, bottom_s=t + 1.5, lockout_s=t + 3.2)
    fields.update(overrides)
    return RepMetrics(**fields)


def make_set(n: int = 10, rep_count: int | None = None, **overrides) -> SetMetrics:
    fields = dict(
        rep_count=n if rep_count is None else rep_count,
        partial_count=0,
        depth_cv_pct=4.0,
        tempo_cv_pct=6.0,
        depth_drift_deg=1.0,
        back_drift_deg=1.0,
        tempo_drift_s=0.1,
    )
    fields.update(overrides)
    return SetMetrics(**fields)


def make_seg(
    n: int = 10, movement: str = "hinge", partial: tuple[int, ...] = (), from_floor: bool = False
) -> RepSegmentation:
    reps = []
    for i in range(1, n + 1):
        s = 24 + 48 * (i - 1)
        t = s / 12
        reps.append(
            Rep(
                index=i,
                start_i=s,
                bottom_i=s + 18,
                lockout_i=s + 38,
                end_i=s + 47,
                start_s=t,
                bottom_s=t + 1.5,
                lockout_s=t + 3.2,
                end_s=t + 3.9,
                bottom_start_s=t + 1.4,
                bottom_end_s=t + 1.9,
                partial=i in partial,
                from_floor=from_floor,
            )
        )
    return RepSegmentation(
        reps=tuple(reps), movement=movement, movement_confidence=0.9, hinge_ratio=0.67 if movement == "hinge" else 0.4
    )


def make_kin(
    n_reps: int = 10, view: str = "side", rate_hz: float = 12.0, in_frame: float = 1.0, valid_fraction: float = 1.0
) -> KinematicSeries:
    T = 24 + 48 * n_reps + 24
    t = np.arange(T) / rate_hz
    z = np.zeros(T)
    valid = np.ones(T, dtype=bool)
    valid[: int(round(T * (1 - valid_fraction)))] = False
    return KinematicSeries(
        t_s=t,
        frame_index=np.arange(T),
        side="left",
        facing=1,
        hip_flexion_deg=z,
        knee_flexion_deg=z,
        torso_angle_deg=z + 90,
        shin_angle_deg=z,
        neck_angle_deg=z,
        torso_lean_back_deg=z,
        hip_x_leg=z,
        hip_y_leg=z + 1,
        shoulder_x_leg=z,
        shoulder_y_leg=z + 1.7,
        wrist_x_leg=z,
        wrist_y_leg=z + 0.7,
        torso_length_leg=z + 0.7,
        valid=valid,
        leg_length_px=400.0,
        angle_noise_deg=1.0,
        view=view,
        view_confidence=0.9,
        in_frame_fraction=in_frame,
    )


def grade_reps(reps, exercise="kettlebell_deadlift", view="side", set_overrides=None, partial=()):
    n = len(reps)
    return grade(
        reps,
        make_set(n, partial_count=len(partial), **(set_overrides or {})),
        make_seg(n, partial=partial),
        make_kin(n, view=view),
        exercise,
    )


def crit(rep_grade, code):
    return next(c for c in rep_grade.criteria if c.rule == code)
