"""The back's curve from the lifter's silhouette: what 17 keypoints cannot see.

The pose model gives no point on the spine, so a rounded upper back looks the
same as a flat one to the ear-shoulder-hip line. Here the lifter's outline (a
person mask: ``pipeline.capture.bodymask``) is traced along the hip-to-ear line:
for each point on that line, the last mask pixel on the back's side. The contour's lower half (lumbar) and upper half (thoracic) are
each fitted with a robust line (Theil-Sen); ``back_curve_deg`` is the angle
between them: about 0 for a flat back, positive when the upper back turns
down toward the floor (rounding), negative for an arched back.
``back_hump_ratio`` is the other view of the same shape: traced along the
hip-to-shoulder line (the head left out), how far the back bulges above the
straight line from the pelvis to the base of the neck, as a share of that
line's length: near 0 for a flat back, growing as the back rounds into a hump.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from pipeline.measure.filters import median_error

SAMPLES = 41  # points along hip -> ear
LOWER = (0.1, 0.4)  # share of hip -> ear: lumbar part
UPPER = (0.5, 0.8)  # thoracic part (the shoulder joint sits near 0.75)
MAX_DEPTH = 0.8  # furthest a contour point may sit from the line, in hip-ear lengths
GAP_PX = 3  # background run that ends the silhouette along a ray
MIN_POINTS = 6  # per half, to fit its line
# The back of the pelvis sits 0.15-0.25 hip-ear lengths behind the hip joint (every labelled clip
# whose outline was right); an outline closer than this at the hips has cut into the body
# (dark clothes on a dark background): the curve it gives is the segmentation's, not the back's.
MIN_HIP_DEPTH = 0.07
HIP_SPAN = 0.1  # share of hip -> ear where that depth is read
HUMP_REACH = 1.15  # hip -> shoulder traced this far: the base of the neck lies past the shoulder joint
HUMP_SPAN = (0.05, 1.1)  # share of hip -> shoulder over which the bulge is measured
HUMP_END_POINTS = 3  # chord ends: median of this many contour points at each end
# A rep's reading is the median over the frames around its bottom, and only when at least this many of
# them gave one: a reading from one or two frames moves by 10-40 deg when the pose moves by 2 px
# (bench/accuracy.py --stability), so fewer frames leave the back unread rather than guessed.
BACK_QUORUM = 3
JOINTS = ("ear", "shoulder", "hip", "knee", "ankle", "wrist")


@dataclass(frozen=True)
class BackCurve:
    """The traced back at one moment (pixels of the full frame)."""

    t_s: float
    contour_xy: np.ndarray  # (N, 2) dorsal points from hip to neck, NaN where none was found
    lower_xy: np.ndarray  # (2, 2) ends of the fitted lumbar line
    upper_xy: np.ndarray  # (2, 2) ends of the fitted thoracic line
    back_curve_deg: float  # + rounded, - arched, NaN when it could not be traced
    back_hump_ratio: float = float("nan")  # bulge over the pelvis-to-neck chord / its length
    hump_xy: np.ndarray = field(default_factory=lambda: np.full((3, 2), np.nan))  # chord ends, highest point
    back_curve_error_deg: float = float("nan")  # 1-sigma error of the rep's reading, from its frames' spread
    back_hump_error: float = float("nan")
    frames_read: int = 1  # frames whose outline gave a curve reading


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Robust line y = a + b x: median of pairwise slopes, then median intercept."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    ok = dx != 0
    b = float(np.median((y[j] - y[i])[ok] / dx[ok]))
    a = float(np.median(y - b * x))
    return a, b


def _toward_back(hip: np.ndarray, end: np.ndarray, knee: np.ndarray) -> tuple[float, np.ndarray]:
    """The hip->``end`` line's length and its unit normal on the back's side (away from the thighs)."""
    length = float(np.linalg.norm(end - hip))
    u = (end - hip) / length
    n = np.array([-u[1], u[0]])
    return length, (-n if np.dot(knee - hip, n) > 0 else n)


def dorsal_offsets(
    fg: np.ndarray, hip: np.ndarray, ear: np.ndarray, knee: np.ndarray, reach: float = 1.0
) -> np.ndarray:
    """Distance (in hip-ear lengths) from the hip-ear line out to the back's edge, per sample
    from the hip to ``reach`` times the way to ``ear`` (any point along the trunk will do)."""
    length, n = _toward_back(hip, ear, knee)
    out = np.full(SAMPLES, np.nan)
    for k, s in enumerate(np.linspace(0.0, reach, SAMPLES)):
        c = hip + s * (ear - hip)
        last, seen = 0, False
        for step in range(1, int(MAX_DEPTH * length)):
            q = (c + n * step).astype(int)
            if q[0] < 0 or q[1] < 0 or q[0] >= fg.shape[1] or q[1] >= fg.shape[0]:
                last = -1  # ran off the crop: no edge found
                break
            if fg[q[1], q[0]]:
                last, seen = step, True
            elif step - last > GAP_PX:
                break
        if seen and last > 0:
            out[k] = last / length
    return out


def outline_plausible(offsets: np.ndarray) -> bool:
    """The traced outline leaves room for the pelvis behind the hip joint."""
    s = np.linspace(0.0, 1.0, len(offsets))
    near_hip = offsets[(s <= HIP_SPAN) & np.isfinite(offsets)]
    return bool(near_hip.size and np.median(near_hip) >= MIN_HIP_DEPTH)


def hump_geometry(offsets: np.ndarray, reach: float = HUMP_REACH) -> tuple[float, np.ndarray]:
    """Largest bulge of the traced back above its pelvis-to-neck chord (in lengths of the line
    the offsets were traced along), and (chord start, chord end, highest point) as (s, offset)."""
    nothing = (float("nan"), np.full((3, 2), np.nan))
    s = np.linspace(0.0, reach, len(offsets))
    m = (s >= HUMP_SPAN[0]) & (s <= HUMP_SPAN[1]) & np.isfinite(offsets)
    if m.sum() < 2 * HUMP_END_POINTS + 2:
        return nothing
    x, y = s[m], offsets[m]
    x0, y0 = np.median(x[:HUMP_END_POINTS]), np.median(y[:HUMP_END_POINTS])
    x1, y1 = np.median(x[-HUMP_END_POINTS:]), np.median(y[-HUMP_END_POINTS:])
    above = y - (y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    k = int(np.argmax(above))
    return float(above[k]), np.array([[x0, y0], [x1, y1], [x[k], y[k]]])


def curve_angle(offsets: np.ndarray) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """Angle (deg) between the fitted lumbar and thoracic lines, and each line (a, b)."""
    s = np.linspace(0.0, 1.0, len(offsets))
    lines = []
    for lo, hi in (LOWER, UPPER):
        m = (s >= lo) & (s <= hi) & np.isfinite(offsets)
        if m.sum() < MIN_POINTS:
            return float("nan"), (np.nan, np.nan), (np.nan, np.nan)
        lines.append(_theil_sen(s[m], offsets[m]))
    (a1, b1), (a2, b2) = lines
    return float(np.degrees(np.arctan(b1) - np.arctan(b2))), (a1, b1), (a2, b2)


def unread(t_s: float) -> BackCurve:
    """A frame whose back gave no reading (a joint unseen, or the frame never traced)."""
    nan_line = np.full((2, 2), np.nan)
    return BackCurve(float(t_s), np.zeros((0, 2)), nan_line, nan_line, float("nan"))


def trace_back(mask: np.ndarray, to_mask: np.ndarray, pts: dict[str, np.ndarray], t_s: float) -> BackCurve:
    """The back's curve in one frame from the lifter's ``mask`` (True on the body) and the affine
    ``to_mask`` (2 x 3, a rotation and a scale) that takes frame pixels to the mask's; ``pts``: the side's
    ear, shoulder, hip, knee, ankle and wrist in frame pixels. The drawn lines come back in frame pixels."""
    nan_line = np.full((2, 2), np.nan)
    if any(k not in pts or not np.all(np.isfinite(pts[k])) for k in JOINTS):
        return unread(t_s)
    p = {k: v @ to_mask[:, :2].T + to_mask[:, 2] for k, v in pts.items()}
    offsets = dorsal_offsets(mask, p["hip"], p["ear"], p["knee"])
    if outline_plausible(offsets):
        angle, lower, upper = curve_angle(offsets)
        hump, hump_s = hump_geometry(dorsal_offsets(mask, p["hip"], p["shoulder"], p["knee"], HUMP_REACH))
    else:  # the outline cut into the body: no reading rather than a false one
        angle, lower, upper = float("nan"), (np.nan, np.nan), (np.nan, np.nan)
        hump, hump_s = float("nan"), np.full((3, 2), np.nan)

    # offsets are in hip-ear lengths, which a rotation and a scale keep: the frame's points draw them
    hip, ear = pts["hip"], pts["ear"]
    length, n = _toward_back(hip, ear, pts["knee"])
    s = np.linspace(0.0, 1.0, SAMPLES)
    contour = hip + s[:, None] * (ear - hip) + (offsets * length)[:, None] * n

    def line_ends(ab: tuple[float, float], lo: float, hi: float) -> np.ndarray:
        a, b = ab
        return np.array([hip + x * (ear - hip) + (a + b * x) * length * n for x in (lo, hi)])

    shoulder = pts["shoulder"]
    trunk, n_sh = _toward_back(hip, shoulder, pts["knee"])
    hump_xy = np.array([hip + a * (shoulder - hip) + b * trunk * n_sh for a, b in hump_s])

    return BackCurve(
        t_s=float(t_s),
        contour_xy=contour,
        lower_xy=line_ends(lower, *LOWER) if np.isfinite(angle) else nan_line,
        upper_xy=line_ends(upper, *UPPER) if np.isfinite(angle) else nan_line,
        back_curve_deg=angle,
        back_hump_ratio=hump,
        hump_xy=hump_xy,
    )


def median_curve(curves: list[BackCurve]) -> BackCurve:
    """The rep's back from the frames around its bottom: the frame with the median curve (drawn as the
    evidence), the median hump, and each reading's error from the frames' spread. A reading given by
    fewer than ``BACK_QUORUM`` frames is no reading (NaN)."""
    finite = [c for c in curves if np.isfinite(c.back_curve_deg)]
    humps = [c.back_hump_ratio for c in curves if np.isfinite(c.back_hump_ratio)]
    enough_humps = len(humps) >= BACK_QUORUM
    hump = float(np.median(humps)) if enough_humps else float("nan")
    hump_error = median_error(humps) if enough_humps else float("nan")
    if len(finite) < BACK_QUORUM:
        base = curves[len(curves) // 2]
        return replace(
            base,
            back_curve_deg=float("nan"),
            lower_xy=np.full((2, 2), np.nan),
            upper_xy=np.full((2, 2), np.nan),
            back_hump_ratio=hump,
            back_hump_error=hump_error,
            frames_read=len(finite),
        )
    ordered = sorted(finite, key=lambda c: c.back_curve_deg)
    return replace(
        ordered[(len(ordered) - 1) // 2],
        back_hump_ratio=hump,
        back_curve_error_deg=median_error([c.back_curve_deg for c in finite]),
        back_hump_error=hump_error,
        frames_read=len(finite),
    )
