"""From the lifter's keypoints to clean joint angles: ``PoseSeries -> KinematicSeries``.

Order (after Sports2D): pick the side facing the camera, reject outliers and
fill short gaps per keypoint coordinate, zero-phase low-pass, then compute
angles from the cleaned points so every angle agrees with the drawn skeleton.
Also judges the camera view (side, angled, front) from how far apart the left
and right shoulders and hips appear relative to the torso.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.measure.filters import clean
from pipeline.types import KP, KinematicSeries, PoseSeries, Side, View

CUTOFF_HZ = 4.0
MIDFOOT_FORWARD_LEG = 0.05  # mid-foot sits a little in front of the ankle point
SIDE_VIEW_MAX = 0.2  # shoulder/hip spread / torso length
FRONT_VIEW_MIN = 0.5

_JOINTS = ("ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle")
# A single-leg hinge: while the torso leans, the free thigh swings back in line with it and the
# thighs part by far more than a two-legged lift's guessed far leg ever does (<= 25 deg at the
# 90th percentile on every labelled two-legged clip; 50 deg on a single-leg RDL).
SPLIT_THIGHS_DEG = 35.0
SPLIT_MIN_SHARE = 0.3  # of the frames with the torso leaning
SPLIT_LEAN_DEG = 30.0  # torso from vertical: the frames that count (walking splits the legs upright)
FREE_FOOT_LIFT_LEG = 0.15  # an ankle this far above the floor (leg lengths) is the free foot's


def _side_points(pose: PoseSeries, side: Side) -> dict[str, int]:
    return {j: KP[f"{side}_{j}"] for j in _JOINTS}


def choose_side(pose: PoseSeries) -> Side:
    """The body side whose keypoints the model saw with more confidence."""
    score = {}
    for side in ("left", "right"):
        idx = list(_side_points(pose, side).values())
        score[side] = float(np.nanmean(pose.conf[:, idx])) if len(pose) else 0.0
    return "left" if score["left"] >= score["right"] else "right"


def _facing(xy: np.ndarray, pts: dict[str, int]) -> int:
    """+1 if the lifter faces image-right: the nose leads the ear, knees lead hips when bent."""
    nose_lead = xy[:, KP["nose"], 0] - xy[:, pts["ear"], 0]
    knee_lead = xy[:, pts["knee"], 0] - xy[:, pts["hip"], 0]
    votes = np.concatenate([np.sign(nose_lead[np.isfinite(nose_lead)]), np.sign(knee_lead[np.isfinite(knee_lead)])])
    return 1 if votes.size == 0 or votes.sum() >= 0 else -1


def _pair_mean(pair: np.ndarray) -> np.ndarray:
    """Mean of a left/right point pair (T,2,2) -> (T,2), NaN where both are missing."""
    count = np.isfinite(pair).sum(axis=1)
    mean: np.ndarray = np.where(count > 0, np.nansum(pair, axis=1) / np.maximum(count, 1), np.nan)
    return mean


def estimate_view(pose: PoseSeries) -> tuple[View, float]:
    """Side / angled / front from left-right spread against torso length, with a confidence."""
    xy = pose.xy
    sh_w = np.abs(xy[:, KP["left_shoulder"], 0] - xy[:, KP["right_shoulder"], 0])
    hip_w = np.abs(xy[:, KP["left_hip"], 0] - xy[:, KP["right_hip"], 0])
    mid_sh = _pair_mean(xy[:, [KP["left_shoulder"], KP["right_shoulder"]]])
    mid_hip = _pair_mean(xy[:, [KP["left_hip"], KP["right_hip"]]])
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    upright = np.abs(mid_sh[:, 1] - mid_hip[:, 1]) > 0.8 * torso  # judge on upright frames
    spread = ((sh_w + hip_w) / 2) / np.maximum(torso, 1e-6)
    ok = np.isfinite(spread) & upright
    if ok.sum() < 3:
        ok = np.isfinite(spread)
    if ok.sum() < 3:
        return "unknown", 0.0
    r = float(np.median(spread[ok]))
    if r < SIDE_VIEW_MAX:
        return "side", float(np.clip(1 - r / SIDE_VIEW_MAX * 0.5, 0.5, 1.0))
    if r > FRONT_VIEW_MIN:
        return "front", float(np.clip(0.5 + (r - FRONT_VIEW_MIN), 0.5, 1.0))
    mid = (SIDE_VIEW_MAX + FRONT_VIEW_MIN) / 2
    return "angled", float(np.clip(1 - abs(r - mid) / (mid - SIDE_VIEW_MAX), 0.3, 1.0))


def _angle_from_vertical(dx: np.ndarray, dy_up: np.ndarray) -> np.ndarray:
    """Degrees of a segment from straight up, positive toward the lifter's front."""
    deg: np.ndarray = np.degrees(np.arctan2(dx, dy_up))
    return deg


def joint_angles(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sagittal angles from points in a facing-forward, y-up frame ((T,2) arrays)."""
    torso = p["shoulder"] - p["hip"]
    thigh = p["knee"] - p["hip"]
    shank = p["ankle"] - p["knee"]
    neck = p["ear"] - p["shoulder"]
    torso_fwd = _angle_from_vertical(torso[:, 0], torso[:, 1])
    thigh_fwd = _angle_from_vertical(thigh[:, 0], -thigh[:, 1])  # from straight down
    shank_fwd = _angle_from_vertical(shank[:, 0], -shank[:, 1])
    neck_fwd = _angle_from_vertical(neck[:, 0], neck[:, 1])
    return {
        "hip_flexion_deg": torso_fwd + thigh_fwd,
        "knee_flexion_deg": thigh_fwd - shank_fwd,
        "torso_angle_deg": 90.0 - torso_fwd,
        "shin_angle_deg": -shank_fwd,
        "neck_angle_deg": neck_fwd - torso_fwd,
        "torso_lean_back_deg": -torso_fwd,
    }


def head_pitch(nose: np.ndarray, ear: np.ndarray, shoulder: np.ndarray, hip: np.ndarray) -> np.ndarray:
    """Face direction (ear->nose) against the direction the chest faces.

    Points in a facing-forward, y-up frame. 0 = face square to the spine,
    positive = head tilted back (looking up), negative = chin tucked.
    """
    face = nose - ear
    torso = shoulder - hip
    face_deg = np.degrees(np.arctan2(face[:, 1], face[:, 0]))
    chest_deg = np.degrees(np.arctan2(torso[:, 1], torso[:, 0])) - 90.0
    pitch: np.ndarray = (face_deg - chest_deg + 180.0) % 360.0 - 180.0
    return pitch


def _thigh_forward_deg(pose: PoseSeries, side: Side, facing: int) -> np.ndarray:
    """Each frame's hip->knee line from straight down, positive toward the lifter's front."""
    d = pose.xy[:, KP[f"{side}_knee"]] - pose.xy[:, KP[f"{side}_hip"]]
    deg: np.ndarray = np.degrees(np.arctan2(facing * d[:, 0], d[:, 1]))
    return deg


def standing_leg(pose: PoseSeries, side: Side, facing: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The standing leg's knee and ankle (T, 2) in a single-leg hinge; None for a two-legged lift.

    The model may put either side's name on the free leg from one frame to the
    next, or both names on it at the bottom. The standing thigh is the one
    further forward, whatever its name; the standing foot is planted, so where
    neither ankle is on the floor it is where the foot stood.
    """
    far_side: Side = "right" if side == "left" else "left"
    near, far = _thigh_forward_deg(pose, side, facing), _thigh_forward_deg(pose, far_side, facing)
    mid_sh = _pair_mean(pose.xy[:, [KP["left_shoulder"], KP["right_shoulder"]]])
    mid_hip = _pair_mean(pose.xy[:, [KP["left_hip"], KP["right_hip"]]])
    torso = mid_sh - mid_hip
    lean = np.degrees(np.arctan2(np.abs(torso[:, 0]), -torso[:, 1]))  # image y points down
    leaning = np.isfinite(lean) & (lean > SPLIT_LEAN_DEG) & np.isfinite(near) & np.isfinite(far)
    if leaning.sum() < 3 or np.mean(np.abs(near - far)[leaning] > SPLIT_THIGHS_DEG) < SPLIT_MIN_SHARE:
        return None
    xy = pose.xy
    far_forward = np.isfinite(far) & (~np.isfinite(near) | (far > near))
    knee = np.where(far_forward[:, None], xy[:, KP[f"{far_side}_knee"]], xy[:, KP[f"{side}_knee"]])
    ankles = xy[:, [KP[f"{side}_ankle"], KP[f"{far_side}_ankle"]]]  # (T, 2, 2); image y grows downward
    low_y = np.where(np.isnan(ankles[..., 1]), -np.inf, ankles[..., 1])
    lower = ankles[np.arange(len(xy)), np.argmax(low_y, axis=1)]
    leg_px = np.nanmedian(np.linalg.norm(xy[:, KP[f"{side}_hip"]] - xy[:, KP[f"{side}_ankle"]], axis=1))
    floor_y = np.nanpercentile(ankles[..., 1], 95)
    on_floor = np.isfinite(lower[:, 1]) & (floor_y - lower[:, 1] <= FREE_FOOT_LIFT_LEG * leg_px)
    if not on_floor.any():
        return None
    ankle = np.where(on_floor[:, None], lower, np.nanmedian(lower[on_floor], axis=0))
    return knee, ankle


def _sample_rate(t: np.ndarray) -> float:
    """Samples per second over the clip (0 when it has under two samples or no duration)."""
    return float((len(t) - 1) / (t[-1] - t[0])) if len(t) > 1 and t[-1] > t[0] else 0.0


def _clean_points(
    pose: PoseSeries, pts: dict[str, int], stance: tuple[np.ndarray, np.ndarray] | None, fs: float, cutoff_hz: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each side joint's raw (T, 2) pixels (the standing leg's knee and ankle in a single-leg hinge)
    and the same cleaned: outliers out, short gaps filled, low-passed."""
    body_scale = np.nanmedian(np.linalg.norm(pose.xy[:, pts["hip"]] - pose.xy[:, pts["ankle"]], axis=1))
    min_dev = 0.02 * body_scale if np.isfinite(body_scale) else 0.0
    raw: dict[str, np.ndarray] = {}
    cleaned: dict[str, np.ndarray] = {}
    for name, k in pts.items():
        raw[name] = pose.xy[:, k, :].copy()
        if stance is not None and name in ("knee", "ankle"):
            raw[name] = stance[0 if name == "knee" else 1].copy()
        cleaned[name] = np.stack(
            [clean(raw[name][:, c], sample_rate_hz=fs, cutoff_hz=cutoff_hz, min_dev=min_dev) for c in (0, 1)],
            axis=1,
        )
    return raw, cleaned


def _clean_nose(pose: PoseSeries, fs: float, cutoff_hz: float) -> np.ndarray:
    """The nose's (T, 2) pixels, cleaned like the side's joints (no outlier floor)."""
    nose = pose.xy[:, KP["nose"], :]
    return np.stack([clean(nose[:, c], sample_rate_hz=fs, cutoff_hz=cutoff_hz) for c in (0, 1)], axis=1)


def _leg_length_px(cleaned: dict[str, np.ndarray], image_height: int) -> float:
    """Median thigh plus median shank in pixels; half the image height when they cannot be measured."""
    thigh_px = np.linalg.norm(cleaned["hip"] - cleaned["knee"], axis=1)
    shank_px = np.linalg.norm(cleaned["knee"] - cleaned["ankle"], axis=1)
    leg_px = (
        float(np.nanmedian(thigh_px) + np.nanmedian(shank_px))
        if np.isfinite(thigh_px).any() and np.isfinite(shank_px).any()
        else float("nan")
    )
    if not np.isfinite(leg_px) or leg_px <= 0:
        leg_px = float(image_height) / 2.0
    return leg_px


def _body_frame(pose: PoseSeries, ankle: np.ndarray, facing: int, leg_px: float) -> Callable[[np.ndarray], np.ndarray]:
    """Pixels -> leg lengths, x forward from mid-foot, y up from the ankle (its median, cleaned)."""
    ankle_ref = np.nanmedian(ankle, axis=0)
    if not np.all(np.isfinite(ankle_ref)):
        ankle_ref = np.array([pose.image_width / 2.0, float(pose.image_height)])
    midfoot_x = ankle_ref[0] + facing * MIDFOOT_FORWARD_LEG * leg_px

    def to_body(a: np.ndarray) -> np.ndarray:
        """Pixels -> leg lengths, x forward from mid-foot, y up from the ankle."""
        return np.stack([facing * (a[:, 0] - midfoot_x), ankle_ref[1] - a[:, 1]], axis=1) / leg_px

    return to_body


def _angle_noise(raw_angles: dict[str, np.ndarray], angles: dict[str, np.ndarray]) -> float:
    """Spread (deg) of the raw hip angle about the cleaned one; 5 when there is too little to tell."""
    resid = raw_angles["hip_flexion_deg"] - angles["hip_flexion_deg"]
    resid = resid[np.isfinite(resid)]
    return float(np.std(resid)) if resid.size > 3 else 5.0


def kinematics(pose: PoseSeries, *, cutoff_hz: float = CUTOFF_HZ) -> KinematicSeries:
    """Clean the lifter's keypoints and turn them into angles and positions."""
    fs = _sample_rate(pose.t_s)
    side = choose_side(pose)
    pts = _side_points(pose, side)
    facing = _facing(pose.xy, pts)
    stance = standing_leg(pose, side, facing)
    raw, cleaned = _clean_points(pose, pts, stance, fs, cutoff_hz)
    leg_px = _leg_length_px(cleaned, pose.image_height)
    to_body = _body_frame(pose, cleaned["ankle"], facing, leg_px)
    body = {name: to_body(a) for name, a in cleaned.items()}
    pitch = head_pitch(to_body(_clean_nose(pose, fs, cutoff_hz)), body["ear"], body["shoulder"], body["hip"])
    angles = joint_angles(body)
    noise = _angle_noise(joint_angles({name: to_body(a) for name, a in raw.items()}), angles)
    core = ("shoulder", "hip", "knee", "ankle")
    valid = np.all([np.all(np.isfinite(body[j]), axis=1) for j in core], axis=0)
    view, view_conf = estimate_view(pose)
    return KinematicSeries(
        t_s=pose.t_s.astype(float),
        frame_index=pose.frame_index,
        side=side,
        facing=facing,
        hip_flexion_deg=angles["hip_flexion_deg"],
        knee_flexion_deg=angles["knee_flexion_deg"],
        torso_angle_deg=angles["torso_angle_deg"],
        shin_angle_deg=angles["shin_angle_deg"],
        neck_angle_deg=angles["neck_angle_deg"],
        torso_lean_back_deg=angles["torso_lean_back_deg"],
        hip_x_leg=body["hip"][:, 0],
        hip_y_leg=body["hip"][:, 1],
        shoulder_x_leg=body["shoulder"][:, 0],
        shoulder_y_leg=body["shoulder"][:, 1],
        wrist_x_leg=body["wrist"][:, 0],
        wrist_y_leg=body["wrist"][:, 1],
        torso_length_leg=np.linalg.norm(body["shoulder"] - body["hip"], axis=1),
        valid=valid,
        leg_length_px=leg_px,
        angle_noise_deg=noise,
        view=view,
        view_confidence=view_conf,
        in_frame_fraction=_in_frame(pose, pts),
        head_in_frame_fraction=_in_frame(pose, pts, ("nose", "ear")),
        ankle_x_leg=body["ankle"][:, 0],
        ankle_y_leg=body["ankle"][:, 1],
        keypoint_conf=pose.conf[:, [pts[j] for j in core]].mean(axis=1),
        head_pitch_deg=pitch,
        ear_y_leg=body["ear"][:, 1],
        shoulder_conf=pose.conf[:, pts["shoulder"]].astype(float),
        ankle_conf=(
            pose.conf[:, [KP["left_ankle"], KP["right_ankle"]]].max(axis=1)
            if stance is not None
            else pose.conf[:, pts["ankle"]]
        ).astype(float),
        single_leg=stance is not None,
    )


def _in_frame(
    pose: PoseSeries, pts: dict[str, int], joints: tuple[str, ...] = ("shoulder", "hip", "knee", "ankle")
) -> float:
    """Share of frames (where the hip is seen) with all ``joints`` seen inside the image.

    The default is the body the angles need (shoulders to ankles); a head that
    leaves the frame at lockout only switches off the head checks.
    """
    if not len(pose):
        return 0.0
    need = [KP["nose"] if j == "nose" else pts[j] for j in joints]
    xy = pose.xy[:, need]
    margin = 2.0
    inside = (
        np.isfinite(xy).all(axis=(1, 2))
        & (xy[..., 0] > margin).all(axis=1)
        & (xy[..., 0] < pose.image_width - margin).all(axis=1)
        & (xy[..., 1] > margin).all(axis=1)
        & (xy[..., 1] < pose.image_height - margin).all(axis=1)
    )
    present = np.isfinite(pose.xy[:, pts["hip"]]).all(axis=1)
    return float(inside.sum() / max(present.sum(), 1))
