"""Per-rep hinge measures and set consistency: ``(KinematicSeries, Rep) -> RepMetrics``.

All angles come from the filtered kinematics; positions are in leg lengths
with x forward from the mid-foot line and y up from the ankle. Each rep gets
an angle uncertainty from the keypoint noise, the model's confidence and the
camera view, so grading can refuse to fail a rep on a difference smaller
than the measurement error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from pipeline.measure.filters import median_error
from pipeline.measure.reps import rep_hinge_ratio
from pipeline.types import KinematicSeries, Rep, RepMetrics, SetMetrics


class BackReading(Protocol):
    """One rep's silhouette readings (``pipeline.measure.backcurve.BackCurve``)."""

    @property
    def back_curve_deg(self) -> float: ...
    @property
    def back_hump_ratio(self) -> float: ...
    @property
    def back_curve_error_deg(self) -> float: ...
    @property
    def back_hump_error(self) -> float: ...


EARLY_ASCENT_SHARE = 1 / 3  # the part of the way up where hips-first shows
# ... and the same reading a twelfth of the way up earlier and later: its spread is the reading's own error
# (at 10 samples a second the early ascent of a brisk pull is two or three samples)
RISE_ERROR_SHARES = (1 / 4, 5 / 12)
LOCKOUT_WINDOW_S = 1.0
BOTTOM_SAMPLES_EACH_SIDE = 2  # postures at the bottom: the median of five samples (as the back outline's five frames)
VIEW_ERROR_FACTOR = {"side": 1.0, "angled": 2.5, "front": 3.0, "unknown": 2.5}
BASE_ANGLE_ERROR_DEG = 2.5  # 2-D keypoints on a good side view


def _nan(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _at(a: np.ndarray | None, i: int) -> float:
    return float(a[i]) if a is not None and np.isfinite(a[i]) else float("nan")


def _around(a: np.ndarray | None, i: int, lo: int, hi: int, each_side: int = BOTTOM_SAMPLES_EACH_SIDE) -> float:
    """Median of ``a`` over sample ``i`` and ``each_side`` samples either side, kept within [lo, hi]:
    a posture read at the bottom from several frames, not one (a single frame's head and
    shoulder points can move 10-20 deg of line between neighbouring samples)."""
    if a is None:
        return float("nan")
    seg = a[max(lo, i - each_side) : min(hi, i + each_side) + 1]
    seg = seg[np.isfinite(seg)]
    return float(np.median(seg)) if seg.size else float("nan")


def _around_error(a: np.ndarray | None, i: int, lo: int, hi: int, each_side: int = BOTTOM_SAMPLES_EACH_SIDE) -> float:
    """1-sigma error of ``_around``'s median from the spread of its samples (NaN with fewer than two)."""
    if a is None:
        return float("nan")
    seg = a[max(lo, i - each_side) : min(hi, i + each_side) + 1]
    return median_error(seg[np.isfinite(seg)])


def _reading_error(a: np.ndarray, i: int, lo: int, hi: int, angle_error_deg: float) -> float:
    """A posture read at the bottom: the rep's angle error, or the spread of ``_around``'s samples if larger."""
    spread = _around_error(a, i, lo, hi)
    return max(angle_error_deg, spread) if np.isfinite(spread) else angle_error_deg


def _span(a: np.ndarray | None, lo: int, hi: int) -> np.ndarray:
    if a is None:
        return np.array([np.nan])
    return a[lo : hi + 1]


def _nanmax(a: np.ndarray) -> float:
    return float(np.nanmax(a)) if np.isfinite(a).any() else float("nan")


def _nanmin(a: np.ndarray) -> float:
    return float(np.nanmin(a)) if np.isfinite(a).any() else float("nan")


def deepest_index(kin: KinematicSeries, rep: Rep) -> int:
    """Where hip flexion peaks within the rep: the bottom position for angles."""
    seg = kin.hip_flexion_deg[rep.start_i : rep.lockout_i + 1]
    if not np.isfinite(seg).any():
        return rep.bottom_i
    return rep.start_i + int(np.nanargmax(seg))


def top_index(kin: KinematicSeries, rep: Rep) -> int:
    """The standing position the rep is measured from (lockout for a pull from the floor)."""
    return rep.lockout_i if rep.from_floor else rep.start_i


def standing_torso_length(kin: KinematicSeries) -> float:
    upright = kin.torso_angle_deg > 75.0
    vals = kin.torso_length_leg[upright & np.isfinite(kin.torso_length_leg)]
    if vals.size < 3:
        vals = kin.torso_length_leg[np.isfinite(kin.torso_length_leg)]
    return float(np.median(vals)) if vals.size else float("nan")


def angle_uncertainty(kin: KinematicSeries, lo: int, hi: int) -> float:
    """1-sigma error of the rep's joint angles (degrees)."""
    conf = _span(kin.keypoint_conf, lo, hi)
    mean_conf = float(np.nanmean(conf)) if np.isfinite(conf).any() else 0.6
    base = float(np.hypot(BASE_ANGLE_ERROR_DEG, kin.angle_noise_deg))
    return base * VIEW_ERROR_FACTOR.get(kin.view, 2.0) * (1.0 + max(0.0, 0.9 - mean_conf))


def _rise_ratio(kin: KinematicSeries, rep: Rep, share: float = EARLY_ASCENT_SHARE) -> float | None:
    """Hip rise over shoulder rise in the first ``share`` (a third) of the way up."""
    t0, t1 = rep.bottom_end_s, rep.lockout_s
    if t1 - t0 <= 0:
        return None
    t_early = t0 + share * (t1 - t0)
    i0 = int(np.searchsorted(kin.t_s, t0))
    i1 = int(np.searchsorted(kin.t_s, t_early))
    if i1 <= i0:
        i1 = min(i0 + 1, len(kin) - 1)
    d_hip = kin.hip_y_leg[i1] - kin.hip_y_leg[i0]
    d_sh = kin.shoulder_y_leg[i1] - kin.shoulder_y_leg[i0]
    if not (np.isfinite(d_hip) and np.isfinite(d_sh)) or d_hip <= 0.01:
        return None if not np.isfinite(d_hip) else 1.0
    return float(np.clip(d_hip / max(d_sh, d_hip / 5.0), 0.0, 5.0))


def _rise_ratio_error(kin: KinematicSeries, rep: Rep) -> float | None:
    """The rise ratio's own error: half the spread of the readings over ``RISE_ERROR_SHARES`` and the
    ratio's own share (None when fewer than two can be read)."""
    readings = [
        r
        for s in (RISE_ERROR_SHARES[0], EARLY_ASCENT_SHARE, RISE_ERROR_SHARES[1])
        if (r := _rise_ratio(kin, rep, s)) is not None
    ]
    return (max(readings) - min(readings)) / 2.0 if len(readings) >= 2 else None


def _range(a: np.ndarray, lo: int, hi: int) -> float:
    """Largest minus smallest finite value of ``a`` over samples ``lo``..``hi``."""
    seg = a[lo : hi + 1]
    return _nanmax(seg) - _nanmin(seg)


def _hips_back(kin: KinematicSeries, top: int, b: int) -> tuple[float, float, float]:
    """How far the hips went back and down from standing (``top``) to the bottom (``b``), in leg
    lengths, and the share of that travel that went back (NaN when they hardly moved)."""
    hip_back = kin.hip_x_leg[top] - kin.hip_x_leg[b]
    hip_drop = kin.hip_y_leg[top] - kin.hip_y_leg[b]
    back_pos, drop_pos = max(hip_back, 0.0), max(hip_drop, 0.0)
    hips_back_ratio = back_pos / (back_pos + drop_pos) if back_pos + drop_pos > 1e-6 else float("nan")
    return hip_back, hip_drop, hips_back_ratio


def _torso_shortening_pct(kin: KinematicSeries, b: int, stand: float) -> float:
    """How much shorter (%) the torso looks at the bottom than standing: a rounding back."""
    return 100.0 * (1.0 - kin.torso_length_leg[b] / stand) if stand and np.isfinite(stand) else float("nan")


def _lockout(kin: KinematicSeries, rep: Rep) -> tuple[float, float]:
    """Best hip extension and most lean-back within ``LOCKOUT_WINDOW_S`` of reaching the top."""
    lock_hi = int(np.searchsorted(kin.t_s, rep.lockout_s + LOCKOUT_WINDOW_S))
    lock_hi = max(min(lock_hi, rep.end_i), rep.lockout_i)
    lock_hip = _nanmin(kin.hip_flexion_deg[rep.lockout_i : lock_hi + 1])
    lean_back = _nanmax(kin.torso_lean_back_deg[rep.lockout_i : lock_hi + 1])
    return lock_hip, lean_back


def _wrist_drift(kin: KinematicSeries, lo: int, hi: int) -> float:
    """Furthest the wrists strayed from over mid-foot (leg lengths); NaN when seen in under half the rep."""
    wx = _span(kin.wrist_x_leg, lo, hi)
    return _nanmax(np.abs(wx)) if np.isfinite(wx).sum() >= 0.5 * wx.size else float("nan")


def _peak_extension_speed(kin: KinematicSeries, b: int, hi: int) -> float:
    """Fastest hip extension (deg/s) from the bottom to lockout; 0 when it cannot be told."""
    dt = np.diff(kin.t_s[b : hi + 1])
    dhip = -np.diff(kin.hip_flexion_deg[b : hi + 1])
    speed = dhip / np.where(dt > 0, dt, np.nan) if dt.size else np.array([np.nan])
    return float(_nanmax(speed)) if np.isfinite(speed).any() else 0.0


def rep_metrics(kin: KinematicSeries, rep: Rep, standing_torso_leg: float | None = None) -> RepMetrics:
    """Every measure of one rep."""
    lo, hi = rep.start_i, rep.lockout_i
    b = deepest_index(kin, rep)
    hip = kin.hip_flexion_deg
    knee = kin.knee_flexion_deg
    hip_back, hip_drop, hips_back_ratio = _hips_back(kin, top_index(kin, rep), b)
    stand = standing_torso_length(kin) if standing_torso_leg is None else standing_torso_leg
    lock_hip, lean_back = _lockout(kin, rep)
    unc = float(angle_uncertainty(kin, lo, hi))
    return RepMetrics(
        index=rep.index,
        partial=rep.partial,
        hip_flexion_bottom_deg=float(hip[b]),
        hip_flexion_range_deg=float(_range(hip, lo, hi)),
        knee_flexion_bottom_deg=float(knee[b]),
        knee_flexion_range_deg=float(_range(knee, lo, hi)),
        torso_angle_bottom_deg=float(kin.torso_angle_deg[b]),
        shin_angle_bottom_deg=float(kin.shin_angle_deg[b]),
        hinge_ratio=rep_hinge_ratio(kin, rep),
        hip_back_leg=float(hip_back),
        hip_drop_leg=float(hip_drop),
        hips_back_ratio=float(hips_back_ratio),
        neck_angle_bottom_deg=_at(kin.head_pitch_deg, b),
        back_line_deviation_deg=_around(kin.neck_angle_deg, b, lo, hi),
        torso_shortening_pct=float(_torso_shortening_pct(kin, b, stand)),
        lockout_hip_flexion_deg=float(lock_hip),
        lockout_lean_back_deg=float(lean_back),
        hip_shoulder_rise_ratio=_rise_ratio(kin, rep),  # from the end of the bottom: the pull off the floor too
        hip_shoulder_rise_error=_rise_ratio_error(kin, rep),
        descent_s=None if rep.from_floor else float(rep.bottom_start_s - rep.start_s),
        bottom_pause_s=float(rep.bottom_end_s - rep.bottom_start_s),
        ascent_s=float(rep.lockout_s - rep.bottom_end_s),
        top_pause_s=float(rep.end_s - rep.lockout_s),
        rep_duration_s=float(rep.lockout_s - rep.start_s),
        wrist_drift_max_leg=_nan(_wrist_drift(kin, lo, hi)),
        wrist_forward_bottom_leg=_nan(_at(kin.wrist_x_leg, b)),
        wrist_peak_height_leg=_nan(_nanmax(_span(kin.wrist_y_leg, b, rep.end_i))),
        peak_hip_extension_speed_deg_s=_peak_extension_speed(kin, b, hi),
        angle_uncertainty_deg=unc,
        bottom_s=float(kin.t_s[b]),
        lockout_s=float(rep.lockout_s),
        back_line_error_deg=_reading_error(kin.neck_angle_deg, b, lo, hi, unc),
        knee_flexion_error_deg=_reading_error(knee, b, lo, hi, unc),
    )


def all_rep_metrics(
    kin: KinematicSeries, reps: Sequence[Rep], backs: Sequence[BackReading] | None = None
) -> tuple[RepMetrics, ...]:
    """Every rep's measures; the silhouette's readings (one ``BackReading`` per rep) when the back was traced."""
    stand = standing_torso_length(kin)
    out = tuple(rep_metrics(kin, r, stand) for r in reps)
    if backs is not None:
        out = tuple(
            replace(
                m,
                back_curve_deg=_nan(b.back_curve_deg),
                back_hump_ratio=_nan(b.back_hump_ratio),
                back_curve_error_deg=_nan(b.back_curve_error_deg),
                back_hump_error=_nan(b.back_hump_error),
            )
            for m, b in zip(out, backs)
        )
    return out


def _cv_pct(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    if values.size < 3 or abs(values.mean()) < 1e-9:
        return None
    return float(100.0 * values.std(ddof=1) / abs(values.mean()))


def _drift(values: np.ndarray) -> float | None:
    """Mean of the last third minus mean of the first third."""
    values = values[np.isfinite(values)]
    if values.size < 4:
        return None
    k = max(1, values.size // 3)
    return float(values[-k:].mean() - values[:k].mean())


def set_metrics(metrics: Sequence[RepMetrics]) -> SetMetrics:
    """Consistency over the full reps of the set."""
    full = [m for m in metrics if not m.partial]
    depth = np.array([m.hip_flexion_bottom_deg for m in full], dtype=float)
    duration = np.array([m.rep_duration_s for m in full], dtype=float)
    back = np.array([m.back_line_deviation_deg for m in full], dtype=float)
    return SetMetrics(
        rep_count=len(full),
        partial_count=len(metrics) - len(full),
        depth_cv_pct=_cv_pct(depth),
        tempo_cv_pct=_cv_pct(duration),
        depth_drift_deg=_drift(depth),
        back_drift_deg=_drift(back),
        tempo_drift_s=_drift(duration),
    )
