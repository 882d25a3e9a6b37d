"""Split a set into reps and tell a hinge from a squat (or no lift at all).

Cycles are found on the shoulders' drop below standing (a vertical distance,
which survives a camera turned off the side view) with hysteresis as in
Ultralytics' AIGym counter, but judged per cycle: a cycle starts when the
shoulders drop a tenth of a leg length below the local top and ends when they
come back within 30 % of that cycle's own depth. Phase times (start, bottom,
lockout) are then read from hip flexion, which leaves standing and returns to
it more sharply than shoulder height does. A cycle counts as a
rep only if it looks like a lift: hip flexion rises and falls with it, the
feet stay planted, the model saw the joints clearly and it took a plausible
time. A pull from the floor counts; going down at the end to park the weight
does not (it never returns to lockout). Sets may start at the top (RDL, swing)
or at the bottom (deadlift from the floor). Reps much shallower than the set's
typical depth are reported as partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.types import KinematicSeries, Movement, Rep, RepSegmentation

MIN_DEPTH = 10.0  # shoulders must drop a tenth of a leg length below the local top
RETURN_FRACTION = 0.3  # back within this share of the rep's depth = lockout
FULL_FRACTION = 0.6  # of the set's typical depth: shallower reps are partial
MIN_HIP_FOLD_DEG = 8.0
MIN_FOLD_HIP_CORR = 0.6  # hip flexion must rise and fall with the shoulder drop
MIN_KEYPOINT_CONF = 0.55
MIN_SHOULDER_CONF = 0.7  # reps are found on the shoulder: it must be seen well (real reps: 0.85-1.0)
HEAD_DROP_SHARE = 0.5  # the head must travel at least half as far as the shoulders
MIN_HEAD_SEEN_SHARE = 0.6
MAX_FOOT_TRAVEL_LEG = 0.5
MAX_FOOT_LIFT_LEG = 0.35
SURE_FOOT_CONF = 0.8  # feet are judged on ankles seen at least this surely (plates hide them at the floor)
MIN_SURE_FEET = 4  # fewer sure samples in a cycle: the feet can't be judged, so they don't refuse it
MIN_PLAUSIBLE_KNEE_DEG = -25.0  # a knee "bent" further backwards is a misplaced leg point: no hip angle there
LEAVE_BOTTOM_SHARE = 0.1  # of a pull's depth: the shoulders have left the bottom once they rise this far
MIN_REP_S = 0.4
MIN_FLOOR_ASCENT_S = 0.2  # a pull filmed from the bottom: only its way up is in the clip
MAX_REP_S = 30.0
MAX_GAP_S = 1.0
EDGE_TOL_DEG, EDGE_TOL_SHARE = 1.5, 0.02  # within this of the top level: still at the top
PLATEAU_BAND_DEG = 4.0
BOTTOM_MAX_SPEED_DEG_S = 7.0  # slower than this near the deepest point: holding the bottom
TOP_BAND_SHARE = 0.15  # a rep's start/lockout lies within this share of its depth of the top
MIN_FALL_DEG = 0.05  # still moving toward the top
BOTTOM_TOL_DEG, BOTTOM_TOL_SHARE = 1.5, 0.02  # within this of the deepest value: in the bottom pause


@dataclass(frozen=True)
class Thresholds:
    standing_deg: float  # the clip's standing hip flexion
    min_depth_deg: float  # an excursion must fold this far past the local top


def thresholds(hip_deg: np.ndarray, noise_deg: float = 0.0) -> Thresholds | None:
    """Clip-relative levels, or None when the hips hardly move."""
    vals = hip_deg[np.isfinite(hip_deg)]
    if vals.size < 5:
        return None
    standing = float(np.clip(np.percentile(vals, 5), -15.0, 45.0))
    min_depth = max(MIN_DEPTH, 3.0 * noise_deg)
    if np.percentile(vals, 97) - standing < min_depth:
        return None
    return Thresholds(standing_deg=standing, min_depth_deg=min_depth)


@dataclass(frozen=True)
class _Excursion:
    start_i: int  # last sample at the top before going down (or first sample)
    bottom_i: int
    return_i: int  # first sample back near the top
    top_deg: float  # the top level it left from
    from_floor: bool


def _excursions(hip: np.ndarray, t: np.ndarray, th: Thresholds) -> list[_Excursion]:
    """Fold-and-return cycles, each judged against its own top level and depth.

    A cycle starts when the hips fold ``min_depth_deg`` past the lowest value
    seen since the last return (the local top) and ends when they come back
    within ``RETURN_FRACTION`` of that depth. Judging each cycle by its own
    depth lets shallow swings and deep pick-ups live in one clip.
    """
    out: list[_Excursion] = []
    idx = np.flatnonzero(np.isfinite(hip))
    if idx.size == 0:
        return out
    first = idx[0]
    from_floor = hip[first] >= th.standing_deg + th.min_depth_deg
    state = "down" if from_floor else "top"
    top_i, deepest_i, top_deg = first, first, (th.standing_deg if from_floor else hip[first])
    prev_i = first
    for i in idx:
        if t[i] - t[prev_i] > MAX_GAP_S:  # lost the lifter: drop the cycle in progress
            state, from_floor, top_i, top_deg = "top", False, i, hip[i]
        prev_i = i
        v = hip[i]
        if state == "top":
            if v <= top_deg + 1.0:
                top_deg, top_i = min(top_deg, v), i
            if v >= top_deg + th.min_depth_deg:
                state, deepest_i = "down", i
        else:
            if v > hip[deepest_i]:
                deepest_i = i
            depth = hip[deepest_i] - top_deg
            if v <= top_deg + RETURN_FRACTION * depth:
                out.append(_Excursion(int(top_i), int(deepest_i), int(i), float(top_deg), from_floor))
                state, from_floor, top_i, top_deg = "top", False, i, v
    return out


def _planted(kin: KinematicSeries, lo: int, hi: int) -> bool:
    """Feet neither travel nor leave the floor between ``lo`` and ``hi``, judged on the
    samples where the ankle is seen surely (a plate in front of the feet moves the guess)."""
    if kin.ankle_x_leg is None or kin.ankle_y_leg is None:
        return True
    ax = kin.ankle_x_leg[lo : hi + 1]
    ay = kin.ankle_y_leg[lo : hi + 1]
    sure = np.isfinite(ax) & np.isfinite(ay)
    if kin.ankle_conf is not None:
        sure &= kin.ankle_conf[lo : hi + 1] >= SURE_FOOT_CONF
    ax, ay = ax[sure], ay[sure]
    if ax.size < MIN_SURE_FEET:
        return True
    travel = np.percentile(ax, 95) - np.percentile(ax, 5)
    lift = np.percentile(ay, 95) - np.percentile(ay, 5)
    return bool(travel <= MAX_FOOT_TRAVEL_LEG and lift <= MAX_FOOT_LIFT_LEG)


def _walk_to_top(hip: np.ndarray, from_i: int, limit_i: int, step: int, ceiling: float) -> int:
    """From the bottom, follow the hips opening until they stop: the first
    sample (going ``step``) that is no longer falling, once below ``ceiling``.

    This finds where a rep leaves or reaches the top even when the top
    pause is noisy, without a tolerance band that lags on smooth motion.
    """
    i = from_i
    while (step > 0 and i + step <= limit_i) or (step < 0 and i + step >= limit_i):
        j = i + step
        if not np.isfinite(hip[j]):
            break
        if hip[j] < hip[i] - MIN_FALL_DEG or hip[i] > ceiling:
            i = j
            continue
        break
    return int(i)


def _plateau(values: np.ndarray, band_deg: float = PLATEAU_BAND_DEG) -> float:
    """The level of the flattest low stretch: median of the samples near the minimum.

    A noisy top pause has a minimum below its typical value; measuring edges
    from the minimum would push them onto random dips.
    """
    finite = values[np.isfinite(values)]
    low = finite[finite <= finite.min() + band_deg]
    return float(np.median(low))


def _settle(hip: np.ndarray, ex: _Excursion, prev_return_i: int, stop: int) -> tuple[_Excursion, float]:
    """The cycle with its bottom moved to the hips' deepest fold and its top level to the lowest
    value since the last return, and the level of the top it returns to (up to ``stop``)."""
    seg = hip[ex.start_i : ex.return_i + 1]
    if ex.from_floor or not np.isfinite(seg).any():
        bottom_i = ex.bottom_i
    else:
        bottom_i = ex.start_i + int(np.nanargmax(seg))
    after = hip[ex.return_i : stop + 1]
    top_after = _plateau(after) if np.isfinite(after).any() else float(hip[ex.return_i])
    before = hip[prev_return_i : bottom_i + 1]
    if ex.from_floor or not np.isfinite(before).any():  # no top before a pull filmed from the bottom
        top_before = top_after
    else:
        top_before = float(np.nanmin(before))
    return _Excursion(ex.start_i, bottom_i, ex.return_i, top_before, ex.from_floor), top_after


def _top_pause_end(hip: np.ndarray, lockout_i: int, stop: int, next_start_i: int | None, ceiling: float) -> int:
    """Last sample of the top pause: ``stop`` before another rep, else where the hips fold past
    ``ceiling`` again, or the clip's end."""
    if next_start_i is not None:
        return stop
    later = np.flatnonzero(np.isfinite(hip[lockout_i:]) & (hip[lockout_i:] > ceiling))
    end_i = int(lockout_i + later[0] - 1) if later.size else len(hip) - 1
    return max(end_i, lockout_i)


def _rep_start(hip: np.ndarray, ex: _Excursion, prev_return_i: int, depth: float) -> int:
    """Where the hips leave the top: walked back from the bottom (the first sample for a pull from the floor)."""
    if ex.from_floor:
        return ex.start_i
    seg = hip[prev_return_i : ex.bottom_i + 1]
    level = _plateau(seg) if np.isfinite(seg).any() else float(hip[ex.start_i])
    return _walk_to_top(hip, ex.bottom_i, prev_return_i, -1, level + TOP_BAND_SHARE * depth)


def _bottom_pause(hip: np.ndarray, t: np.ndarray, bi: int, start_i: int, lockout_i: int, tol: float) -> tuple[int, int]:
    """First and last samples of the pause at the bottom ``bi``: neighbours within ``tol`` of the deepest
    value that move slower than ``BOTTOM_MAX_SPEED_DEG_S``, kept within the rep."""

    def still(a: int, b: int) -> bool:
        """Sample b belongs to the bottom pause next to sample a."""
        if not np.isfinite(hip[b]) or hip[b] < hip[bi] - tol:
            return False
        return bool(abs(hip[b] - hip[a]) <= BOTTOM_MAX_SPEED_DEG_S * abs(t[b] - t[a]))

    lo = bi
    while lo - 1 >= start_i and still(lo, lo - 1):
        lo -= 1
    hi = bi
    while hi + 1 <= lockout_i and still(hi, hi + 1):
        hi += 1
    return lo, hi


def _build_rep(
    hip: np.ndarray, t: np.ndarray, ex: _Excursion, prev_return_i: int, next_start_i: int | None, partial: bool
) -> Rep:
    """Phase times of one cycle: start, bottom pause, lockout, end of the top pause.

    ``hip`` is the signal the phases are read from (hip flexion, or the fold
    signal where hip flexion is missing); the cycle's indices locate it.
    """
    stop = next_start_i if next_start_i is not None else len(hip) - 1
    ex, top_after = _settle(hip, ex, prev_return_i, stop)
    depth = float(hip[ex.bottom_i] - ex.top_deg)
    tol = max(BOTTOM_TOL_DEG, BOTTOM_TOL_SHARE * depth)  # the bottom pause band
    edge = max(EDGE_TOL_DEG, EDGE_TOL_SHARE * depth)  # leaving / reaching the top
    lockout_i = _walk_to_top(hip, ex.bottom_i, stop, +1, top_after + TOP_BAND_SHARE * depth)
    end_i = _top_pause_end(hip, lockout_i, stop, next_start_i, top_after + edge)
    start_i = _rep_start(hip, ex, prev_return_i, depth)
    bi = ex.bottom_i
    lo, hi = _bottom_pause(hip, t, bi, start_i, lockout_i, tol)
    return Rep(
        index=0,
        start_i=int(start_i),
        bottom_i=int(bi),
        lockout_i=int(lockout_i),
        end_i=int(end_i),
        start_s=float(t[start_i]),
        bottom_s=float(t[bi]),
        lockout_s=float(t[lockout_i]),
        end_s=float(t[end_i]),
        bottom_start_s=float(t[lo]),
        bottom_end_s=float(t[hi]),
        partial=partial,
        from_floor=ex.from_floor,
    )


def fold_signal(kin: KinematicSeries) -> np.ndarray:
    """How far the shoulders have dropped below standing, in hundredths of a leg length.

    Vertical drops survive a camera turned off the side view, where 2-D hip
    angles shrink; so cycles are found on this and measured on the angles.
    """
    sh = np.where(kin.valid, kin.shoulder_y_leg, np.nan)
    if not np.isfinite(sh).any():
        return sh
    fold: np.ndarray = (np.nanpercentile(sh, 95) - sh) * 100.0
    return fold


def find_reps(kin: KinematicSeries) -> tuple[Rep, ...]:
    """Reps in time order, numbered from 1; partial reps are kept and flagged."""
    fold = fold_signal(kin)
    hip = np.where(kin.valid, kin.hip_flexion_deg, np.nan)
    th = thresholds(fold, 0.0)
    if th is None or len(kin) < 5:
        return ()
    cycles = _excursions(fold, kin.t_s, th)
    lifts = [
        ex
        for ex in cycles
        if (MIN_FLOOR_ASCENT_S if ex.from_floor else MIN_REP_S)
        <= kin.t_s[ex.return_i] - kin.t_s[ex.start_i]
        <= MAX_REP_S
        and _planted(kin, ex.start_i, ex.return_i)
        and _hips_fold(kin, fold, ex)
        and _head_follows(kin, ex)
        and _confident(kin, ex)
    ]
    if not lifts:
        return ()
    depths = np.array([fold[ex.bottom_i] - ex.top_deg for ex in lifts])
    typical = float(np.median(depths))
    reps = []
    for k, ex in enumerate(lifts):
        earlier = [c.return_i for c in cycles if c.return_i <= ex.start_i]
        prev_return = earlier[-1] if earlier else 0
        next_start = lifts[k + 1].start_i if k + 1 < len(lifts) else None
        locks_out = _locks_out(fold, ex, next_start)
        partial = bool(depths[k] < FULL_FRACTION * typical) or not locks_out
        signal = hip if _covers(hip, ex) else fold
        rep = _build_rep(signal, kin.t_s, ex, prev_return, next_start, partial)
        # the last rep of a clip that stops on the way up: its lockout is not in view, not missed
        reps.append(rep if locks_out or next_start is not None else _replace(rep, lockout_in_view=False))
    # each top pause ends where the next rep starts
    reps = [
        _replace(r, end_i=reps[k + 1].start_i, end_s=reps[k + 1].start_s)
        if k + 1 < len(reps) and reps[k + 1].start_i >= r.lockout_i
        else r
        for k, r in enumerate(reps)
    ]
    return tuple(_replace(r, index=k + 1) for k, r in enumerate(reps))


def _locks_out(fold: np.ndarray, ex: _Excursion, next_start_i: int | None) -> bool:
    """The lifter gets back to the top before the next rep or the end of the clip.

    A cycle counts once the shoulders are back within 30 % of its depth, but a
    clip that stops on the way up (filming ended, or standing up after setting
    the weight down) never shows the lockout: that one is partial.
    """
    depth = fold[ex.bottom_i] - ex.top_deg
    after = fold[ex.return_i : (next_start_i if next_start_i is not None else len(fold) - 1) + 1]
    after = after[np.isfinite(after)]
    return bool(after.size and after.min() <= ex.top_deg + TOP_BAND_SHARE * depth)


def _covers(signal: np.ndarray, ex: _Excursion) -> bool:
    """The signal is measured through most of the cycle."""
    seg = signal[ex.start_i : ex.return_i + 1]
    return bool(np.isfinite(seg).mean() >= 0.8)


def _confident(kin: KinematicSeries, ex: _Excursion) -> bool:
    """The model saw the lifter's joints clearly enough through the cycle."""
    if kin.shoulder_conf is not None:
        shoulder = kin.shoulder_conf[ex.start_i : ex.return_i + 1]
        if not np.isfinite(shoulder).any() or np.nanmean(shoulder) < MIN_SHOULDER_CONF:
            return False  # the shoulder points that made the cycle were guesses (e.g. behind a plate)
    if kin.keypoint_conf is None:
        return True
    conf = kin.keypoint_conf[ex.start_i : ex.return_i + 1]
    return bool(np.nanmean(conf) >= MIN_KEYPOINT_CONF) if np.isfinite(conf).any() else False


def _head_follows(kin: KinematicSeries, ex: _Excursion) -> bool:
    """The head goes down and up with the shoulders.

    In a hinge the head travels at least as far as the shoulders. When the
    shoulder and hip points jump about behind an occluding weight plate while the
    lifter stands still, the shoulders seem to drop but the head stays put: no rep.
    Judged only on samples where the head is seen; a head out of view defers to
    the other checks.
    """
    if kin.ear_y_leg is None:
        return True
    ear = kin.ear_y_leg[ex.start_i : ex.return_i + 1]
    sh = kin.shoulder_y_leg[ex.start_i : ex.return_i + 1]
    ok = np.isfinite(ear) & np.isfinite(sh)
    if ok.sum() < 4 or ok.mean() < MIN_HEAD_SEEN_SHARE:
        return True
    return bool(np.ptp(ear[ok]) >= HEAD_DROP_SHARE * np.ptp(sh[ok]))


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(float)


def _hips_fold(kin: KinematicSeries, fold: np.ndarray, ex: _Excursion) -> bool:
    """The hips fold as the shoulders drop: lowering by bending only the
    knees, turning on the spot or a camera shake is no lift.

    Judged on correlation (linear or by rank, so one bad keypoint frame cannot
    sink it) over the whole cycle or, for a pull filmed from the bottom, from the hips' deepest
    fold on or from where the shoulders leave the bottom: before that the lifter may still
    be setting up, moving the hips while the shoulders stay low. Samples whose knee
    bends backwards past what a knee can (a leg point on the wrong leg) have no hip angle.
    """
    hip = np.where(kin.knee_flexion_deg >= MIN_PLAUSIBLE_KNEE_DEG, kin.hip_flexion_deg, np.nan)
    windows = [ex.start_i]
    if ex.from_floor:
        seg = hip[ex.start_i : ex.return_i + 1]
        if np.isfinite(seg).any():
            windows.append(ex.start_i + int(np.nanargmax(seg)))
        rise = fold[ex.start_i : ex.return_i + 1]
        if np.isfinite(rise).any():
            bottom = np.nanmax(rise)
            low = np.flatnonzero(rise >= bottom - LEAVE_BOTTOM_SHARE * (bottom - ex.top_deg))
            windows.append(ex.start_i + int(low[-1]))
    return any(_fold_agrees(hip, fold, lo, ex.return_i) for lo in windows)


def _fold_agrees(hip: np.ndarray, fold: np.ndarray, lo: int, hi: int) -> bool:
    sl = slice(lo, hi + 1)
    ok = np.isfinite(hip[sl]) & np.isfinite(fold[sl])
    if ok.sum() < 4:
        return False
    h, f = hip[sl][ok], fold[sl][ok]
    if np.std(h) < 1e-6 or np.std(f) < 1e-6:
        return False
    # Pearson is thrown by one bad frame, rank correlation by flat noisy stretches: either will do
    corr = max(float(np.corrcoef(h, f)[0, 1]), float(np.corrcoef(_ranks(h), _ranks(f))[0, 1]))
    return bool(corr >= MIN_FOLD_HIP_CORR and h.max() - min(h[0], h[-1]) >= MIN_HIP_FOLD_DEG)


def _replace(rep: Rep, **changes: Any) -> Rep:
    from dataclasses import replace

    return replace(rep, **changes)


# --- hinge, squat or nothing -------------------------------------------------

SQUAT_MAX_HINGE_RATIO = 0.55
DEEP_SQUAT_MAX_HINGE_RATIO = 0.4
DEEP_SQUAT_MIN_KNEE_DEG = 100.0
# Where the load sits tells a pull from a squat when the knees dominate: a weight hanging in the hands
# (wrists below the hips at the bottom) is a pull, graded as a hinge with its squatting fault; hands at
# the shoulders or chest (a back, front or goblet squat, or arms held out) are a squat.


def rep_hinge_ratio(kin: KinematicSeries, rep: Rep) -> float:
    """Hip flexion change over hip + knee flexion change, top to bottom."""
    top_i = rep.lockout_i if rep.from_floor else rep.start_i
    d_hip = kin.hip_flexion_deg[rep.bottom_i] - kin.hip_flexion_deg[top_i]
    d_knee = kin.knee_flexion_deg[rep.bottom_i] - kin.knee_flexion_deg[top_i]
    d_hip, d_knee = max(d_hip, 0.0), max(d_knee, 0.0)
    return float(d_hip / (d_hip + d_knee)) if d_hip + d_knee > 1e-6 else float("nan")


def hands_high(kin: KinematicSeries, rep: Rep) -> float:
    """Wrist height above the hips at the bottom, in leg lengths (load on the back or chest > 0)."""
    return float(kin.wrist_y_leg[rep.bottom_i] - kin.hip_y_leg[rep.bottom_i])


def classify(kin: KinematicSeries, reps: tuple[Rep, ...]) -> tuple[Movement, float, float | None, str]:
    """(movement, confidence, median hinge ratio, reason)."""
    full = [r for r in reps if not r.partial] or list(reps)
    if not full:
        return "none", 0.8, None, "No repeated hip hinge was found: the hips never folded and returned to standing."
    ratios = np.array([rep_hinge_ratio(kin, r) for r in full])
    ratio = float(np.nanmedian(ratios)) if np.isfinite(ratios).any() else float("nan")
    hands = np.array([hands_high(kin, r) for r in full])
    hands_up = bool(np.isfinite(hands).any() and np.nanmedian(hands) > 0.0)
    hands_low = bool(np.isfinite(hands).any() and np.nanmedian(hands) < 0.0)  # a weight hanging in the hands
    knee = float(np.nanmedian([kin.knee_flexion_deg[r.bottom_i] for r in full]))
    if not np.isfinite(ratio):
        return "hinge", 0.3, None, "The hips folded and returned, but the knees could not be measured."
    deep_knees = ratio < DEEP_SQUAT_MAX_HINGE_RATIO and knee > DEEP_SQUAT_MIN_KNEE_DEG
    if (ratio < SQUAT_MAX_HINGE_RATIO and hands_up) or (deep_knees and not hands_low):
        conf = float(np.clip(0.5 + (SQUAT_MAX_HINGE_RATIO - ratio) * 3, 0.5, 0.95))
        why = "the knees did most of the bending" + (" and the load sat high on the body" if hands_up else "")
        return "squat", conf, ratio, f"This looks like a squat: {why} (hinge ratio {ratio:.2f})."
    conf = float(np.clip(0.5 + (ratio - 0.4) * 2, 0.5, 0.95))
    return "hinge", conf, ratio, f"Hip hinge: the hips did {ratio:.0%} of the bending."


def segment_reps(kin: KinematicSeries) -> RepSegmentation:
    """Reps plus the movement they make up. Squat or no-lift sets keep their reps for counting."""
    reps = find_reps(kin)
    movement, conf, ratio, reason = classify(kin, reps)
    return RepSegmentation(reps=reps, movement=movement, movement_confidence=conf, hinge_ratio=ratio, reason=reason)
