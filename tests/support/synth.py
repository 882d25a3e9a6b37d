"""Synthetic side-view lifters with exactly known angles, for engine tests.

A 2-D stick figure (COCO-17 keypoints in pixels, image y down) is posed from
prescribed sagittal angles with the feet planted, using the conventions of
``pipeline.measure.signals.joint_angles``:

* ``shin``  ankle->knee from vertical, + knee forward of the ankle;
* ``knee``  knee flexion = thigh forward-from-straight-down + shin angle;
* ``hip``   hip flexion = torso forward lean from vertical + thigh forward
  from straight down (so torso lean = hip - knee + shin);
* ``neck``  shoulder->ear against the torso, + head dropped forward;
* ``pitch`` ear->nose against the chest's normal, + looking up.

Positions are built in a body frame (x forward, y up, ankle at the origin,
lengths in leg lengths = thigh + shank) and mapped to pixels with the lifter
facing image right (``facing=+1``) or left (``-1``). Segment lengths are
fixed, so ``joint_angles`` on the generated points returns the prescribed
angles to floating-point precision.

``make_set`` builds a whole clip from a rep schedule and returns the
``PoseSeries`` plus the ground truth (angle arrays sampled at the frame
times and true phase times of every rep). ``detections_for`` turns one or
more people into per-frame ``Detections`` for tracking tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.types import KP, NUM_KEYPOINTS, PoseSeries

# segment lengths in leg lengths (thigh + shank = 1)
SHANK, THIGH, TORSO, NECK, FACE = 0.5, 0.5, 0.62, 0.16, 0.09
UPPER_ARM, FOREARM = 0.32, 0.3
LEG_PX = 200.0
FPS = 12.0
IMAGE_W, IMAGE_H = 960, 640
GROUND_Y = 600.0

NEAR_CONF, FAR_CONF, HEAD_CONF = 0.95, 0.6, 0.9
FAR_OFFSET_LEG = 0.04  # the far-side joints sit this far behind the near ones (depth cue)


@dataclass(frozen=True)
class Pattern:
    """Angles (degrees) at the top and at the bottom of a rep."""

    hip: tuple[float, float]
    knee: tuple[float, float]
    shin: tuple[float, float]
    neck: tuple[float, float] = (5.0, 10.0)
    pitch: tuple[float, float] = (0.0, 0.0)
    hands: str = "hang"  # "hang": arms straight down; "shoulders": wrists at the shoulders (front squat)


HINGE = Pattern(hip=(5.0, 95.0), knee=(5.0, 25.0), shin=(2.0, 8.0))
SQUAT = Pattern(hip=(5.0, 100.0), knee=(5.0, 115.0), shin=(2.0, 35.0), hands="shoulders")


def body_points(hip, knee, shin, neck, pitch, hands: str = "hang") -> dict[str, np.ndarray]:
    """(T,2) body-frame points (x forward, y up, ankle at 0) from (T,) angle arrays."""
    hip, knee, shin, neck, pitch = (np.radians(np.asarray(a, dtype=float)) for a in (hip, knee, shin, neck, pitch))

    def unit(a: np.ndarray) -> np.ndarray:  # direction ``a`` from straight up, + forward
        return np.stack([np.sin(a), np.cos(a)], axis=1)

    n = len(hip)
    ankle = np.zeros((n, 2))
    knee_p = ankle + SHANK * unit(shin)
    thigh_fwd = knee - shin  # knee flexion = thigh_fwd + shin
    hip_p = knee_p - THIGH * np.stack([np.sin(thigh_fwd), -np.cos(thigh_fwd)], axis=1)
    torso_fwd = hip - thigh_fwd
    shoulder = hip_p + TORSO * unit(torso_fwd)
    ear = shoulder + NECK * unit(torso_fwd + neck)
    face = pitch - torso_fwd  # chest normal is -torso_fwd from the forward horizontal
    nose = ear + FACE * np.stack([np.cos(face), np.sin(face)], axis=1)
    if hands == "hang":
        elbow = shoulder + np.array([0.0, -UPPER_ARM])
        wrist = elbow + np.array([0.0, -FOREARM])
    else:  # racked: elbows forward-down, hands back at the shoulders
        elbow = shoulder + UPPER_ARM * unit(torso_fwd + np.radians(150.0))
        wrist = shoulder + np.array([0.08, 0.02])
    return {
        "ankle": ankle,
        "knee": knee_p,
        "hip": hip_p,
        "shoulder": shoulder,
        "ear": ear,
        "nose": nose,
        "elbow": elbow,
        "wrist": wrist,
    }


def to_pixels(
    body: dict[str, np.ndarray],
    *,
    facing: int,
    origin_x,
    origin_y=GROUND_Y,
    near: str | None = None,
    far_offset_leg: float = FAR_OFFSET_LEG,
    near_conf: float = NEAR_CONF,
    far_conf: float = FAR_CONF,
) -> tuple[np.ndarray, np.ndarray]:
    """COCO-17 (T,17,2) pixels and (T,17) confidences; ``origin_x`` may vary per frame."""
    n = len(body["ankle"])
    near = near or ("left" if facing > 0 else "right")
    far = "right" if near == "left" else "left"
    ox = np.broadcast_to(np.asarray(origin_x, dtype=float), (n,))
    xy = np.full((n, NUM_KEYPOINTS, 2), np.nan)
    conf = np.zeros((n, NUM_KEYPOINTS))

    def px(p: np.ndarray, back: float = 0.0) -> np.ndarray:
        return np.stack([ox + facing * LEG_PX * (p[:, 0] - back), origin_y - LEG_PX * p[:, 1]], axis=1)

    for joint in ("ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
        xy[:, KP[f"{near}_{joint}"]] = px(body[joint])
        conf[:, KP[f"{near}_{joint}"]] = near_conf
        xy[:, KP[f"{far}_{joint}"]] = px(body[joint], far_offset_leg)
        conf[:, KP[f"{far}_{joint}"]] = far_conf
    xy[:, KP["nose"]] = px(body["nose"])
    conf[:, KP["nose"]] = HEAD_CONF
    for eye in ("left_eye", "right_eye"):  # between ear and nose
        xy[:, KP[eye]] = 0.3 * xy[:, KP[f"{near}_ear"]] + 0.7 * xy[:, KP["nose"]]
        conf[:, KP[eye]] = HEAD_CONF
    return xy, conf


# --- rep schedules -------------------------------------------------------------


@dataclass(frozen=True)
class TrueRep:
    """True phase times of one rep (seconds)."""

    start_s: float | None  # descent begins (None: pulled from the floor, no descent)
    bottom_start_s: float  # bottom reached
    bottom_end_s: float  # leaves the bottom
    lockout_s: float  # back at the top
    depth: float  # share of the pattern's full range

    @property
    def bottom_s(self) -> float:
        return 0.5 * (self.bottom_start_s + self.bottom_end_s)


@dataclass
class Synth:
    pose: PoseSeries
    t: np.ndarray
    progress: np.ndarray  # 0 top .. 1 full-depth bottom
    angles: dict[str, np.ndarray]  # prescribed hip/knee/shin/neck/pitch + derived torso angles
    reps: list[TrueRep]
    body: dict[str, np.ndarray] = field(default_factory=dict)
    facing: int = 1

    @property
    def dt(self) -> float:
        return float(self.t[1] - self.t[0])


def _ease(u: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0)))


def _progress(t: np.ndarray, knots: list[tuple[float, float]]) -> np.ndarray:
    """Piecewise raised-cosine moves between (time, level) knots, held flat outside."""
    out = np.full(len(t), knots[0][1])
    for (t0, v0), (t1, v1) in zip(knots[:-1], knots[1:]):
        inside = (t >= t0) & (t <= t1)
        if t1 > t0:
            out[inside] = v0 + (v1 - v0) * _ease((t[inside] - t0) / (t1 - t0))
    out[t > knots[-1][0]] = knots[-1][1]
    return out


def schedule(
    n_reps: int = 5,
    *,
    descent_s: float = 1.2,
    bottom_s: float = 0.0,
    ascent_s: float = 1.0,
    top_s: float = 0.8,
    lead_s: float = 1.5,
    tail_s: float = 1.5,
    from_floor: bool = False,
    depths: list[float] | None = None,
    park_at_end: bool = False,
) -> tuple[list[tuple[float, float]], list[TrueRep], float]:
    """Knots of the progress curve, the true reps and the clip duration."""
    depths = list(depths) if depths is not None else [1.0] * n_reps
    assert len(depths) == n_reps
    t = 0.0
    knots: list[tuple[float, float]] = []
    reps: list[TrueRep] = []
    if from_floor:
        knots.append((0.0, depths[0]))
        t = lead_s
        knots.append((t, depths[0]))
        reps.append(TrueRep(None, 0.0, t, t + ascent_s, depths[0]))
        t += ascent_s
        knots.append((t, 0.0))
        t += top_s
        knots.append((t, 0.0))
        rest = depths[1:]
    else:
        knots.append((0.0, 0.0))
        t = lead_s
        knots.append((t, 0.0))
        rest = depths
    for k, d in enumerate(rest):
        start = t
        t += descent_s
        knots.append((t, d))
        b0 = t
        t += bottom_s
        knots.append((t, d))
        b1 = t
        t += ascent_s
        knots.append((t, 0.0))
        reps.append(TrueRep(start, b0, b1, t, d))
        if k < len(rest) - 1:
            t += top_s
            knots.append((t, 0.0))
    t += top_s if (park_at_end or rest) else 0.0
    knots.append((t, 0.0))
    if park_at_end:
        t += descent_s
        knots.append((t, 1.0))
    t += tail_s
    knots.append((t, knots[-1][1]))
    return knots, reps, t


def make_set(
    n_reps: int = 5,
    *,
    pattern: Pattern = HINGE,
    facing: int = 1,
    fps: float = FPS,
    walk_in_s: float = 0.0,
    walk_speed_leg_s: float = 0.6,
    noise_px: float = 0.0,
    dropouts: list[tuple[float, float]] = (),
    spikes: list[tuple[float, str]] = (),
    seed: int = 0,
    origin_x: float | None = None,
    knots=None,
    **sched,
) -> Synth:
    """A clip of ``n_reps`` reps of ``pattern``; see ``schedule`` for the timing options.

    ``walk_in_s``: the lifter first walks in (ankles translate, upright, a small bob)
    for this long before the set's schedule starts. ``dropouts``: (start_s, length_s)
    runs where every keypoint is missing (NaN, conf 0). ``spikes``: (time_s, keypoint
    name) single-frame 80 px jumps. ``knots``: explicit (time, progress) knots
    instead of a schedule (then no true reps).
    """
    if knots is None:
        knots, reps, duration = schedule(n_reps, **sched)
    else:
        reps, duration = [], knots[-1][0]
    total = walk_in_s + duration
    t = np.arange(int(np.floor(total * fps)) + 1) / fps
    p = _progress(t - walk_in_s, knots)
    ang = {}
    for name in ("hip", "knee", "shin", "neck", "pitch"):
        top, bottom = getattr(pattern, name)
        ang[name] = top + p * (bottom - top)
    if origin_x is None:
        origin_x = 250.0 if facing > 0 else IMAGE_W - 250.0
    ox = np.full(len(t), float(origin_x))
    walking = t < walk_in_s
    if walk_in_s > 0:  # walk in from behind, along the facing direction
        back = (walk_in_s - t[walking]) * walk_speed_leg_s * LEG_PX
        ox[walking] -= facing * back
        phase = 2 * np.pi * 1.8 * t[walking]
        ang["knee"][walking] += 8.0 * (1 - np.cos(phase)) / 2  # knee bends of the steps, no hip fold
        ang["hip"][walking] += 8.0 * (1 - np.cos(phase)) / 2
    body = body_points(ang["hip"], ang["knee"], ang["shin"], ang["neck"], ang["pitch"], pattern.hands)
    xy, conf = to_pixels(body, facing=facing, origin_x=ox)
    rng = np.random.default_rng(seed)
    if noise_px > 0:
        xy = xy + rng.normal(0.0, noise_px, xy.shape)
    for when, name in spikes:
        i = int(round(when * fps))
        xy[i, KP[name], 1] += 80.0
    for start, length in dropouts:
        sel = (t >= start) & (t < start + length)
        xy[sel] = np.nan
        conf[sel] = 0.0
    reps = [_shift(r, walk_in_s) for r in reps]
    ang["torso_fwd"] = ang["hip"] - ang["knee"] + ang["shin"]
    ang["torso_angle"] = 90.0 - ang["torso_fwd"]
    pose = PoseSeries(
        t_s=t,
        frame_index=np.round(t * 30).astype(np.int64),
        xy=xy,
        conf=conf,
        image_width=IMAGE_W,
        image_height=IMAGE_H,
        lifter_track_id=1,
        track_ids=(1,),
        people_max=1,
    )
    return Synth(pose=pose, t=t, progress=p, angles=ang, reps=reps, body=body, facing=facing)


def _shift(r: TrueRep, dt: float) -> TrueRep:
    return TrueRep(
        None if r.start_s is None else r.start_s + dt,
        r.bottom_start_s + dt,
        r.bottom_end_s + dt,
        r.lockout_s + dt,
        r.depth,
    )


def standing_person(
    n: int, *, x_px, facing: int = 1, sway_deg: float = 0.0, seed: int = 1, conf_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints of someone standing upright (coach) or walking (``x_px`` varying)."""
    rng = np.random.default_rng(seed)
    zero = np.zeros(n)
    knee = 4.0 + sway_deg * np.abs(np.sin(np.arange(n) * 0.9))
    body = body_points(3.0 + knee, knee, 2.0 + zero, 5.0 + zero, zero)
    xy, conf = to_pixels(
        body, facing=facing, origin_x=x_px, near_conf=NEAR_CONF * conf_scale, far_conf=FAR_CONF * conf_scale
    )
    return xy + rng.normal(0.0, 0.5, xy.shape), conf


def box_of(xy: np.ndarray, margin: float = 12.0) -> np.ndarray:
    """(4,) xyxy box around one person's finite keypoints."""
    pts = xy[np.isfinite(xy).all(axis=1)]
    return np.array(
        [pts[:, 0].min() - margin, pts[:, 1].min() - 2 * margin, pts[:, 0].max() + margin, pts[:, 1].max() + margin]
    )


def detections_for(
    people: list[tuple[np.ndarray, np.ndarray]],
    *,
    missing: dict[int, set[int]] | None = None,
    box_conf: list[float] | None = None,
    make=None,
) -> list:
    """Per-frame detection lists from several people's (T,17,2) keypoints.

    ``missing``: {person index: frames where the detector missed them}.
    ``make``: the Detections class (defaults to ``pipeline.capture.pose.Detections``).
    """
    if make is None:
        from pipeline.capture.pose import Detections as make
    missing = missing or {}
    n = len(people[0][0])
    out = []
    for fi in range(n):
        boxes, bconf, xys, kconf = [], [], [], []
        for k, (xy, conf) in enumerate(people):
            if fi in missing.get(k, set()) or not np.isfinite(xy[fi]).any():
                continue
            boxes.append(box_of(xy[fi]))
            bconf.append(box_conf[k] if box_conf else 0.9)
            xys.append(xy[fi])
            kconf.append(conf[fi])
        out.append(
            make(
                np.array(boxes).reshape(-1, 4),
                np.array(bconf),
                np.array(xys).reshape(-1, NUM_KEYPOINTS, 2),
                np.array(kconf).reshape(-1, NUM_KEYPOINTS),
            )
        )
    return out


def with_free_leg(s: Synth, *, swapped: list[int] = (), both_free: list[int] = ()) -> PoseSeries:
    """``s`` as a single-leg hinge: the far leg swings back in line with the torso.

    ``swapped``: frames where the model names the legs the other way round;
    ``both_free``: frames where both legs' knee and ankle points sit on the free leg.
    """
    b = s.body
    torso_dir = (b["shoulder"] - b["hip"]) / TORSO
    lifted = 0.95  # the free foot just clears the floor
    free = {"knee": b["hip"] - THIGH * torso_dir, "ankle": b["hip"] - lifted * (THIGH + SHANK) * torso_dir}
    xy = s.pose.xy.copy()
    near = "left" if s.facing > 0 else "right"
    far = "right" if near == "left" else "left"
    ox = 250.0 if s.facing > 0 else IMAGE_W - 250.0
    for joint, p in free.items():
        px = np.stack([ox + s.facing * LEG_PX * p[:, 0], GROUND_Y - LEG_PX * p[:, 1]], axis=1)
        stance = xy[:, KP[f"{near}_{joint}"]].copy()
        xy[:, KP[f"{far}_{joint}"]] = px
        for i in swapped:
            xy[i, KP[f"{near}_{joint}"]], xy[i, KP[f"{far}_{joint}"]] = px[i], stance[i]
        for i in both_free:
            xy[i, KP[f"{near}_{joint}"]] = xy[i, KP[f"{far}_{joint}"]] = px[i]
    from dataclasses import replace

    return replace(s.pose, xy=xy)
