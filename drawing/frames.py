"""Annotated frames and the annotated video: data in, image or file out.

``annotate`` draws the analysed side's skeleton, the torso line and angle arcs
with their values onto a copy of a BGR image. ``pose_at`` interpolates the
analysed pose (a few frames per second) to any video time, so
``write_annotated_video`` can stream every frame of the clip, draw the pose
and encode H.264 for the browser without holding the video in memory.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol, cast

import av
import cv2
import numpy as np

from drawing.crop import cut, lifter_box
from pipeline.measure.backcurve import BackCurve
from pipeline.measure.glossary import MEASURES
from pipeline.types import KP, AnalysisResult, Rep

# BGR colours.
BONE = (255, 255, 255)
JOINT = (0, 200, 255)  # amber
HIP_ARC = (80, 220, 60)  # green
KNEE_ARC = (255, 160, 40)  # blue
TORSO = (60, 60, 255)  # red
TEXT_BG = (20, 20, 20)

SEGMENTS = (
    ("ear", "shoulder"),
    ("shoulder", "elbow"),
    ("elbow", "wrist"),
    ("shoulder", "hip"),
    ("hip", "knee"),
    ("knee", "ankle"),
)
JOINTS = ("ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle")


@dataclass(frozen=True)
class FrameAngles:
    """The angles shown on a frame (degrees, NaN when unknown)."""

    hip_flexion_deg: float = math.nan
    knee_flexion_deg: float = math.nan
    torso_angle_deg: float = math.nan


@dataclass(frozen=True)
class PoseAt:
    """The lifter's keypoints and angles interpolated to one video time."""

    t_s: float
    xy: np.ndarray  # (17, 2) pixels of the analysed frame size
    conf: np.ndarray  # (17,)
    angles: FrameAngles
    side: str
    image_size: tuple[int, int]  # (width, height) the xy refer to


@dataclass(frozen=True)
class KeyFrame:
    """One moment worth looking at: a rep's start, bottom or lockout."""

    rep: int
    moment: str  # "start" | "bottom" | "lockout"
    t_s: float


@dataclass(frozen=True)
class EncodedVideo:
    """What ``write_annotated_video`` wrote."""

    path: Path
    codec: str  # encoder name, e.g. "libx264"
    mime: str  # for st.video(format=...)
    frames: int
    width: int
    height: int
    fps: float


def _side_index(side: str, joint: str) -> int:
    return KP[f"{side}_{joint}"]


def _scale(image: np.ndarray) -> float:
    scale: float = max(0.5, min(image.shape[:2]) / 480.0)
    return scale


def _point(xy: np.ndarray, conf: np.ndarray, i: int, min_conf: float) -> np.ndarray | None:
    p: np.ndarray = xy[i]
    if not np.all(np.isfinite(p)) or not np.isfinite(conf[i]) or conf[i] < min_conf:
        return None
    return p


def _label(
    image: np.ndarray,
    text: str,
    org: tuple[int, int],
    colour: tuple[int, int, int],
    s: float,
    taken: list[tuple[int, int, int, int]] | None = None,
) -> None:
    """Text on a dark box at ``org``, nudged down (then up) off boxes already in ``taken``."""
    font, fs, th = cv2.FONT_HERSHEY_SIMPLEX, 0.55 * s, max(1, int(round(1.5 * s)))
    (w, h), base = cv2.getTextSize(text, font, fs, th)
    x = int(np.clip(org[0], 3, max(3, image.shape[1] - w - 4)))
    y0 = int(np.clip(org[1], h + 4, image.shape[0] - base - 2))
    step = h + base + 8
    candidates = [y0] + [y0 + k * step for k in range(1, 6)] + [y0 - k * step for k in range(1, 6)]
    y = y0
    for cand in candidates:
        if not (h + 4 <= cand <= image.shape[0] - base - 2):
            continue
        box = (x - 3, cand - h - 4, x + w + 3, cand + base + 2)
        if not taken or all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in taken):
            y = cand
            break
    box = (x - 3, y - h - 4, x + w + 3, y + base + 2)
    if taken is not None:
        taken.append(box)
    cv2.rectangle(image, box[:2], box[2:], TEXT_BG, -1)
    cv2.putText(image, text, (x, y), font, fs, colour, th, cv2.LINE_AA)


def _arc(
    image: np.ndarray,
    centre: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    colour: tuple[int, int, int],
    radius: int,
    th: int,
) -> float:
    """Arc at ``centre`` from the direction of ``a`` to that of ``b``; returns the mid-direction (radians)."""
    ang_a = math.degrees(math.atan2(a[1] - centre[1], a[0] - centre[0]))
    ang_b = math.degrees(math.atan2(b[1] - centre[1], b[0] - centre[0]))
    delta = (ang_b - ang_a + 180) % 360 - 180  # shortest way round
    c = (int(round(centre[0])), int(round(centre[1])))
    cv2.ellipse(image, c, (radius, radius), 0, ang_a, ang_a + delta, colour, th, cv2.LINE_AA)
    return math.radians(ang_a + delta / 2)


def _fmt(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.0f}°"


def annotate(
    image: np.ndarray,
    keypoints_xy: np.ndarray,
    conf: np.ndarray,
    angles: FrameAngles = FrameAngles(),
    *,
    side: str = "right",
    min_conf: float = 0.3,
    title: str = "",
) -> np.ndarray:
    """A copy of ``image`` with the skeleton of ``side``, torso line and angle arcs.

    ``keypoints_xy`` (17, 2) must already be in ``image`` pixels. Arc geometry
    comes from the keypoints; the printed values come from ``angles`` (the
    filtered kinematics, so they match the charts).
    """
    out = np.ascontiguousarray(image.copy())
    s = _scale(out)
    th = max(1, int(round(2 * s)))
    pts = {j: _point(keypoints_xy, conf, _side_index(side, j), min_conf) for j in JOINTS}

    def ipt(p: np.ndarray) -> tuple[int, int]:
        return int(round(p[0])), int(round(p[1]))

    for a, b in SEGMENTS:
        pa, pb = pts[a], pts[b]
        if pa is not None and pb is not None:
            colour = TORSO if (a, b) == ("shoulder", "hip") else BONE
            cv2.line(out, ipt(pa), ipt(pb), colour, th + (1 if colour == TORSO else 0), cv2.LINE_AA)

    hip, knee, shoulder, ankle = pts["hip"], pts["knee"], pts["shoulder"], pts["ankle"]
    taken: list[tuple[int, int, int, int]] = []
    radius = int(round(32 * s))
    if hip is not None and knee is not None and shoulder is not None:
        # Hip flexion: angle between the thigh's line extended above the hip and the torso.
        up = hip + (hip - knee)
        mid = _arc(out, hip, up, shoulder, HIP_ARC, radius, th)
        pos = hip + (radius + 14 * s) * np.array([math.cos(mid), math.sin(mid)])
        _label(out, f"hip {_fmt(angles.hip_flexion_deg)}", ipt(pos), HIP_ARC, s, taken)
    if knee is not None and hip is not None and ankle is not None:
        ext = knee + (knee - ankle)
        mid = _arc(out, knee, ext, hip, KNEE_ARC, radius, th)
        pos = knee + (radius + 14 * s) * np.array([math.cos(mid), math.sin(mid)])
        _label(out, f"knee {_fmt(angles.knee_flexion_deg)}", ipt(pos), KNEE_ARC, s, taken)
    if hip is not None and shoulder is not None:
        centre = (hip + shoulder) / 2
        _label(out, f"torso {_fmt(angles.torso_angle_deg)}", ipt(centre + np.array([8 * s, -8 * s])), TORSO, s, taken)
    for j in JOINTS:  # joints last, so labels never hide them
        p = pts[j]
        if p is not None:
            cv2.circle(out, ipt(p), max(2, int(round(4 * s))), JOINT, -1, cv2.LINE_AA)
    if title:
        _label(out, title, (int(8 * s), int(24 * s)), (255, 255, 255), s)
    return out


def _interp(t: np.ndarray, values: np.ndarray, t_s: float) -> float:
    ok = np.isfinite(values)
    if not ok.any():
        return math.nan
    i = int(np.searchsorted(t, t_s))
    if i <= 0 or i >= len(t):
        j = 0 if i <= 0 else len(t) - 1
        return float(values[j])
    a, b = values[i - 1], values[i]
    if not (np.isfinite(a) and np.isfinite(b)):
        return float(a if abs(t[i - 1] - t_s) <= abs(t[i] - t_s) else b)
    w = (t_s - t[i - 1]) / (t[i] - t[i - 1]) if t[i] > t[i - 1] else 0.0
    return float(a + w * (b - a))


def pose_at(result: AnalysisResult, t_s: float, *, max_gap_s: float = 0.5) -> PoseAt | None:
    """Keypoints and angles at ``t_s``, linearly interpolated between analysed frames.

    None when no analysed frame lies within ``max_gap_s``.
    """
    pose, kin = result.pose, result.kinematics
    if len(pose) == 0:
        return None
    t = pose.t_s
    i = int(np.searchsorted(t, t_s))
    lo, hi = max(0, i - 1), min(len(t) - 1, i)
    if min(abs(t[lo] - t_s), abs(t[hi] - t_s)) > max_gap_s:
        return None
    if lo == hi or t[hi] <= t[lo]:
        xy, conf = pose.xy[lo].copy(), pose.conf[lo].copy()
    else:
        w = float(np.clip((t_s - t[lo]) / (t[hi] - t[lo]), 0.0, 1.0))
        a, b = pose.xy[lo], pose.xy[hi]
        xy = np.where(np.isfinite(a) & np.isfinite(b), a + w * (b - a), a if w < 0.5 else b)
        conf = np.minimum(pose.conf[lo], pose.conf[hi])
    kt = kin.t_s
    angles = (
        FrameAngles(
            hip_flexion_deg=_interp(kt, kin.hip_flexion_deg, t_s),
            knee_flexion_deg=_interp(kt, kin.knee_flexion_deg, t_s),
            torso_angle_deg=_interp(kt, kin.torso_angle_deg, t_s),
        )
        if len(kt)
        else FrameAngles()
    )
    return PoseAt(
        t_s=float(t_s), xy=xy, conf=conf, angles=angles, side=kin.side, image_size=(pose.image_width, pose.image_height)
    )


BOTTOM_SPAN_S = 0.25  # the bottom as shown: the segmenter's pause and this long either side (the frames it is read on)


def shown_phases(rep: Rep) -> list[tuple[str, tuple[float, float]]]:
    """The rep's phases as titles name them: ``Rep.phases`` with the bottom widened by ``BOTTOM_SPAN_S``
    each way, so the frames the bottom's angles and back were read on (up to two samples from the deepest
    point) are called "bottom", not "descent" or "ascent", where a touch-and-go rep's pause is one sample."""
    b0, b1 = rep.phases["bottom"]
    lo = max(rep.start_s, b0 - BOTTOM_SPAN_S)
    hi = max(lo, min(rep.lockout_s, b1 + BOTTOM_SPAN_S))
    return [
        ("descent", (rep.start_s, lo)),
        ("bottom", (lo, hi)),
        ("ascent", (hi, rep.lockout_s)),
        ("lockout", rep.phases["lockout"]),
    ]


def rep_at(reps: Sequence[Rep], t_s: float) -> tuple[Rep | None, str]:
    """The rep and phase name (``shown_phases``) at ``t_s``; (None, "") between reps."""
    for rep in reps:
        if rep.start_s <= t_s <= rep.end_s:
            phases = shown_phases(rep)
            for name, (a, b) in phases:
                if a <= t_s < b:
                    return rep, name
            return rep, phases[-1][0]
    return None, ""


def frame_title(result: AnalysisResult, t_s: float) -> str:
    rep, phase = rep_at(result.reps, t_s)
    where = f"Rep {rep.index}" + (f" · {phase}" if phase else "") if rep else "between reps"
    return f"{t_s:.2f} s · {where}"


BACK = (255, 0, 200)  # BGR magenta: the traced back
BACK_MATCH_S = 0.15  # a traced back is drawn on frames this close to its moment


def draw_back(image: np.ndarray, curve: BackCurve, scale_xy: np.ndarray) -> np.ndarray:
    """The dorsal contour, its lumbar and thoracic lines with the angle between them, and the
    pelvis-to-neck line with the back's highest bulge above it."""
    out = np.ascontiguousarray(image)
    s = _scale(out)
    th = max(1, int(round(2 * s)))
    pts = curve.contour_xy * scale_xy
    ok = np.isfinite(pts).all(axis=1)
    for a, b in zip(pts[:-1][ok[:-1] & ok[1:]], pts[1:][ok[:-1] & ok[1:]]):
        cv2.line(out, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), BACK, th, cv2.LINE_AA)
    words = []
    if np.isfinite(curve.back_curve_deg):
        for line in (curve.lower_xy, curve.upper_xy):
            a, b = (line * scale_xy).round().astype(int)
            cv2.line(out, tuple(a), tuple(b), (255, 255, 255), max(1, th - 1), cv2.LINE_AA)
        words.append(f"{MEASURES['back_curve_deg'].name} {MEASURES['back_curve_deg'].format(curve.back_curve_deg)}")
    hump = curve.hump_xy * scale_xy
    if np.isfinite(curve.back_hump_ratio) and np.isfinite(hump).all():
        start, end, top = hump.round().astype(int)
        cv2.line(out, tuple(start), tuple(end), (255, 255, 255), max(1, th - 1), cv2.LINE_AA)  # pelvis to neck
        t = np.clip(np.dot(top - start, end - start) / max(float(np.dot(end - start, end - start)), 1e-9), 0, 1)
        foot = np.round(start + t * (end - start)).astype(int)
        cv2.line(out, tuple(foot), tuple(top), BACK, th, cv2.LINE_AA)  # the bulge above that line
        words.append(f"{MEASURES['back_hump_ratio'].name} {MEASURES['back_hump_ratio'].format(curve.back_hump_ratio)}")
    if words:  # one label, so the two readings never cover each other
        anchor = curve.upper_xy[1] * scale_xy if np.isfinite(curve.back_curve_deg) else hump[2]
        _label(out, _ascii(" · ".join(words)), (int(anchor[0]), int(anchor[1] - 10 * s)), BACK, s)
    return out


HAND_PATH = (255, 255, 0)  # BGR cyan: where the hands (the load) travelled, against the mid-foot line


def midfoot_x_px(result: AnalysisResult) -> float | None:
    """The mid-foot line's x in analysed-frame pixels (the line the hands should stay over)."""
    kin, pose = result.kinematics, result.pose
    if len(pose) != len(kin) or not len(kin):
        return None
    wrist_px = pose.xy[:, KP[f"{kin.side}_wrist"], 0]
    line = wrist_px - kin.facing * kin.wrist_x_leg * kin.leg_length_px
    line = line[np.isfinite(line)]
    return float(np.median(line)) if line.size else None


def draw_hand_path(image: np.ndarray, result: AnalysisResult, t_s: float, scale_xy: np.ndarray) -> np.ndarray:
    """The hands' path from the start of the rep under way to ``t_s``, and the mid-foot line."""
    rep, _ = rep_at(result.reps, t_s)
    x_mid = midfoot_x_px(result)
    if rep is None or x_mid is None:
        return image
    out = np.ascontiguousarray(image)
    s = _scale(out)
    pose, kin = result.pose, result.kinematics
    ankle_y = np.nanmedian(pose.xy[:, KP[f"{kin.side}_ankle"], 1])
    shoulder_y = np.nanmin(pose.xy[:, KP[f"{kin.side}_shoulder"], 1])
    if np.isfinite(ankle_y) and np.isfinite(shoulder_y):
        x = int(round(x_mid * scale_xy[0]))
        y0, y1 = int(round(ankle_y * scale_xy[1])), int(round(shoulder_y * scale_xy[1]))
        for y in range(min(y0, y1), max(y0, y1), max(4, int(12 * s))):  # dashed
            cv2.line(out, (x, y), (x, min(y + int(6 * s) + 1, max(y0, y1))), HAND_PATH, max(1, int(s)), cv2.LINE_AA)
        _label(out, "mid-foot", (x + int(4 * s), y0 - int(6 * s)), HAND_PATH, s)
    sel = (pose.t_s >= rep.start_s) & (pose.t_s <= t_s)
    path = pose.xy[sel, KP[f"{kin.side}_wrist"]] * scale_xy
    path = path[np.isfinite(path).all(axis=1)]
    if len(path) >= 2:
        cv2.polylines(out, [np.round(path).astype(np.int32)], False, HAND_PATH, max(1, int(round(2 * s))), cv2.LINE_AA)
    return out


@dataclass(frozen=True)
class EvidenceMark:
    """The measurement that decided a fault on this frame: drawn and named as the glossary names it."""

    metric: str  # a RepMetrics field
    value: float | None
    status: str  # "fail" | "warn"

    @property
    def text(self) -> str:
        m = MEASURES.get(self.metric)
        name = m.name if m else self.metric
        value = m.format(self.value) if m and self.value is not None and math.isfinite(self.value) else "not measured"
        return f"{'FAULT' if self.status == 'fail' else 'WATCH'} · {name} {value}"


MARK_COLOURS = {"fail": (40, 40, 230), "warn": (0, 170, 250)}  # BGR red, amber


def _ascii(text: str) -> str:
    """OpenCV's fonts draw ASCII only: degrees and the middle dot spelled out."""
    return text.replace("°/s", " deg/s").replace("°", " deg").replace("·", "-")


# The keypoints each angle is read from, drawn as its two segments on the fault's frame (RepMetrics field ->
# the side's joints in order); a measure not listed here is named on the frame, its lines drawn elsewhere
# (the back's outline, the hands' path).
EVIDENCE_JOINTS: dict[str, tuple[str, str, str]] = {
    "back_line_deviation_deg": ("ear", "shoulder", "hip"),
    "lockout_hip_flexion_deg": ("knee", "hip", "shoulder"),
    "knee_flexion_bottom_deg": ("hip", "knee", "ankle"),
}


def draw_evidence(
    image: np.ndarray, p: PoseAt | None, mark: EvidenceMark, scale_xy: np.ndarray, *, label: bool = True
) -> np.ndarray:
    """The deciding measurement on its frame: the two segments of the angle it reads (``EVIDENCE_JOINTS``)
    where the keypoints ``p`` show them, and (``label``) its name and value (drawn even where the pose is
    missing at that moment)."""
    out = np.ascontiguousarray(image)
    s = _scale(out)
    colour = MARK_COLOURS.get(mark.status, (255, 255, 255))
    joints = EVIDENCE_JOINTS.get(mark.metric)
    if p is not None and joints is not None:
        a, b, c = (p.xy[_side_index(p.side, j)] * scale_xy for j in joints)
        if np.isfinite([*a, *b, *c]).all():
            for u, v in ((a, b), (b, c)):
                cv2.line(
                    out,
                    tuple(np.round(u).astype(int)),
                    tuple(np.round(v).astype(int)),
                    colour,
                    max(2, int(round(3 * s))),
                    cv2.LINE_AA,
                )
    return evidence_label(out, mark) if label else out


def evidence_label(image: np.ndarray, mark: EvidenceMark) -> np.ndarray:
    """The deciding measurement's name and value, at the frame's bottom left."""
    out = np.ascontiguousarray(image)
    s = _scale(out)
    _label(out, _ascii(mark.text), (int(8 * s), out.shape[0] - int(12 * s)), MARK_COLOURS.get(mark.status, BONE), s)
    return out


def _title(image: np.ndarray, text: str) -> np.ndarray:
    s = _scale(image)
    _label(image, text, (int(8 * s), int(24 * s)), (255, 255, 255), s)
    return image


def annotate_at(
    result: AnalysisResult,
    image: np.ndarray,
    t_s: float,
    *,
    title: bool = True,
    mark: EvidenceMark | None = None,
    crop: bool = False,
) -> np.ndarray:
    """``annotate`` with the pose interpolated to ``t_s``, scaled to ``image``'s size; the traced
    back is drawn on the rep bottoms where it was measured, and ``mark`` (a fault's deciding
    measurement) on top. ``crop``: cut to the lifter (``crop.lifter_box``: their keypoints' box, padded),
    the title and the measurement's words then written on the cut; the whole frame where no lifter is
    found."""
    p = pose_at(result, t_s)
    label = frame_title(result, t_s) if title else ""
    if p is None:
        out = annotate(image, np.full((17, 2), np.nan), np.zeros(17), title=label)
        return out if mark is None else draw_evidence(out, None, mark, np.ones(2))
    sx = image.shape[1] / max(1, p.image_size[0])
    sy = image.shape[0] / max(1, p.image_size[1])
    xy = p.xy * np.array([sx, sy])
    min_conf = result.config.keypoint_conf
    box = lifter_box(xy, p.conf, (image.shape[1], image.shape[0]), min_conf=min_conf) if crop else None
    out = draw_hand_path(np.ascontiguousarray(image.copy()), result, t_s, np.array([sx, sy]))
    out = annotate(out, xy, p.conf, p.angles, side=p.side, min_conf=min_conf, title="" if box else label)
    near = [c for c in result.back_curves if abs(c.t_s - t_s) <= BACK_MATCH_S]
    if near:
        out = draw_back(out, min(near, key=lambda c: abs(c.t_s - t_s)), np.array([sx, sy]))
    if mark is not None:
        out = draw_evidence(out, p, mark, np.array([sx, sy]), label=box is None)
    if box is None:
        return out
    out = cut(out, box)
    if label:
        out = _title(out, label)
    return out if mark is None else evidence_label(out, mark)


def blank_canvas(result: AnalysisResult, max_side: int = 720) -> np.ndarray:
    """A dark frame the size of the analysed video, for when the clip is not at hand."""
    w, h = result.pose.image_width or result.video.width, result.pose.image_height or result.video.height
    scale = min(1.0, max_side / max(w, h, 1))
    return np.full((max(2, int(h * scale)), max(2, int(w * scale)), 3), 32, np.uint8)


def key_frames(result: AnalysisResult) -> list[KeyFrame]:
    """Start, bottom and lockout of every rep, in time order. The bottom is the frame its back was traced
    on (drawn there), else the deepest point its angles were read at, else the segmenter's bottom: the
    first of these that the titles call "bottom" (``shown_phases``)."""
    deepest = {m.index: m.bottom_s for m in result.metrics}
    out: list[KeyFrame] = []
    for rep in result.reps:
        traced = [c.t_s for c in result.back_curves if rep.start_s <= c.t_s <= rep.lockout_s]
        candidates = [*traced[:1], deepest.get(rep.index, rep.bottom_s), rep.bottom_s]
        bottom_s = next((t for t in candidates if rep_at([rep], t)[1] == "bottom"), rep.bottom_s)
        out += [
            KeyFrame(rep.index, "start", rep.start_s),
            KeyFrame(rep.index, "bottom", bottom_s),
            KeyFrame(rep.index, "lockout", rep.lockout_s),
        ]
    return out


def render_frames(
    result: AnalysisResult,
    times_s: Sequence[float],
    video_path: str | Path | None = None,
    *,
    max_side: int = 720,
    marks: Sequence[EvidenceMark | None] | None = None,
    crop: bool = False,
) -> list[np.ndarray]:
    """Annotated RGB images at ``times_s`` (each with its ``marks`` entry drawn; ``crop``: each cut to the
    lifter); on a blank canvas when the clip is missing."""
    from pipeline.capture.video import read_frames_at

    path = Path(video_path) if video_path else None
    marks = list(marks) if marks is not None else [None] * len(times_s)
    if path is not None and path.is_file():
        frames = read_frames_at(path, list(times_s), max_side=max_side)
        images = [annotate_at(result, f.image, t, mark=m, crop=crop) for f, t, m in zip(frames, times_s, marks)]
    else:
        canvas = blank_canvas(result, max_side)
        images = [annotate_at(result, canvas, t, mark=m, crop=crop) for t, m in zip(times_s, marks)]
    return [cv2.cvtColor(im, cv2.COLOR_BGR2RGB) for im in images]


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    """An RGB image as JPEG (a 720 px frame: ~0.1 MB against 0.9 MB of pixels), for caches, pages and reports."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode a frame as JPEG")
    return bytes(buf.tobytes())


# --- video -----------------------------------------------------------------

BROWSER_CODECS: tuple[tuple[str, str, str], ...] = (
    # (encoder, container format, mime)
    ("libx264", "mp4", "video/mp4"),
    ("h264", "mp4", "video/mp4"),  # whichever H.264 encoder FFmpeg maps the name to
    ("libopenh264", "mp4", "video/mp4"),
    ("libvpx-vp9", "webm", "video/webm"),
    ("libvpx", "webm", "video/webm"),
)


_ENCODER_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"crf": "23", "preset": "veryfast", "profile": "main"},
    "libvpx-vp9": {"crf": "33", "b": "0", "deadline": "realtime", "cpu-used": "8"},
    "libvpx": {"crf": "10", "b": "1M", "deadline": "realtime", "cpu-used": "8"},
}


def _can_encode(name: str) -> bool:
    try:
        return av.codec.Codec(name, "w").is_encoder
    except Exception:  # unknown name or decoder only
        return False


def choose_codec(preferred: str | None = None) -> tuple[str, str, str]:
    """The first browser-playable encoder this PyAV build has: (encoder, format, mime)."""
    options = [c for c in BROWSER_CODECS if preferred is None or c[0] == preferred]
    for enc, fmt, mime in options:
        if enc in av.codecs_available and _can_encode(enc):
            return enc, fmt, mime
    raise RuntimeError(f"No browser-playable video encoder available (wanted {preferred or 'any'}).")


def _even(v: int) -> int:
    return max(2, v - v % 2)


class TimedImage(Protocol):
    """A frame to draw on: its clip time and BGR pixels (``pipeline.capture.video.Frame`` is one)."""

    @property
    def t_s(self) -> float: ...

    @property
    def image(self) -> np.ndarray: ...


def write_annotated_video(
    result: AnalysisResult,
    out_path: str | Path,
    on_progress: Callable[[float], None] | None = None,
    *,
    video_path: str | Path | None = None,
    max_side: int = 720,
    max_fps: float = 30.0,
    codec: str | None = None,
    frames: Iterable[TimedImage] | None = None,
) -> EncodedVideo:
    """Stream the clip, draw the interpolated pose on each frame, encode for the browser.

    Frames come one at a time from ``pipeline.capture.video.iter_frames`` (or ``frames``,
    objects with ``t_s`` and a BGR ``image``); output is H.264 yuv420p with even
    dimensions and the moov atom up front, timestamps kept from the source so
    ``st.video(start_time=rep.start_s)`` lands on the rep. ``on_progress``
    gets the fraction done. With no H.264 encoder the file is VP9 WebM and the
    suffix of ``out_path`` is changed to match.
    """
    from pipeline.capture.video import iter_frames

    enc, fmt, mime = choose_codec(codec)
    out_path = Path(out_path).with_suffix("." + fmt)
    src = video_path or result.video.path
    duration = max(result.video.duration_s, 1e-6)
    every = 1.0 / max_fps if result.video.fps and result.video.fps > max_fps * 1.05 else None
    source: Iterable[TimedImage] = frames if frames is not None else iter_frames(src, every_s=every, max_side=max_side)
    fps = min(max_fps, result.video.fps or max_fps)

    # a part file of this writer's own: a page rerun can start a second writer of the same video while the
    # first, interrupted, still removes its part file (a shared name lost the second writer's file mid-write)
    fd, part = tempfile.mkstemp(dir=out_path.parent, prefix=out_path.stem + ".", suffix=".part" + out_path.suffix)
    os.close(fd)
    tmp = Path(part)
    count, size = 0, (0, 0)
    last_pts = -1
    options = {"movflags": "+faststart"} if fmt == "mp4" else {}
    container = av.open(str(tmp), "w", format=fmt, options=options)
    try:
        stream = None
        for frame in source:
            image = frame.image
            if stream is None:
                h, w = image.shape[:2]
                size = (_even(w), _even(h))
                stream = cast(
                    av.VideoStream,  # enc is always a video encoder (choose_codec)
                    container.add_stream(
                        enc, rate=Fraction(round(fps * 1000), 1000), options=_ENCODER_OPTIONS.get(enc, {})
                    ),
                )
                stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
                stream.codec_context.time_base = Fraction(1, 1000)
            if image.shape[1] != size[0] or image.shape[0] != size[1]:
                image = image[: size[1], : size[0]]
            drawn = annotate_at(result, image, frame.t_s)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(drawn), format="bgr24")
            pts = max(int(round(frame.t_s * 1000)), last_pts + 1)
            vf.pts, vf.time_base = pts, Fraction(1, 1000)
            last_pts = pts
            for packet in stream.encode(vf):
                container.mux(packet)
            count += 1
            if on_progress is not None and count % 10 == 0:
                on_progress(min(0.99, frame.t_s / duration))
        if stream is None:
            raise ValueError("The video has no frames to annotate.")
        for packet in stream.encode():
            container.mux(packet)
    except BaseException:
        container.close()
        tmp.unlink(missing_ok=True)
        raise
    container.close()
    os.replace(tmp, out_path)
    if on_progress is not None:
        on_progress(1.0)
    return EncodedVideo(path=out_path, codec=enc, mime=mime, frames=count, width=size[0], height=size[1], fps=fps)
