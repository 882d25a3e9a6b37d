"""Link per-frame detections into tracks and pick the lifter.

Pure NumPy: detections in, ``PoseSeries`` out. Tracks are built by greedy
box-overlap matching that tolerates short misses. The lifter is the track that
is present most of the clip, stays roughly in place, and whose torso folds and
unfolds the most (the repeated hinge) - not a bystander walking through nor a
coach standing still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from pipeline.capture.boxes import area, intersection, iou
from pipeline.errors import InputError
from pipeline.types import KP, NUM_KEYPOINTS, PoseSeries

if TYPE_CHECKING:
    from pipeline.capture.pose import Detections

MAX_MISSED_FRAMES = 8
MIN_SIMILARITY = 0.3
MAX_STITCH_GAP_FRAMES = 30
MAX_STITCH_OVERLAP_FRAMES = 3
CONTAINED = 0.8
MIN_PERSON_COVERAGE = 0.1
TORSO_PER_HEIGHT = 3.0  # standing height in torso (shoulder-hip) lengths, near enough for ranking people
SURE_KEYPOINT_CONF = 0.5  # body keypoints seen at least this surely: a person, not a shape the model half-believes


@dataclass
class _Track:
    track_id: int
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    xy: list[np.ndarray] = field(default_factory=list)
    conf: list[np.ndarray] = field(default_factory=list)

    @property
    def last_box(self) -> np.ndarray:
        return self.boxes[-1]

    @property
    def last_frame(self) -> int:
        return self.frames[-1]


@dataclass(frozen=True)
class TrackSummary:
    track_id: int
    coverage: float  # share of analysed frames the track is present in
    height_frac: float  # median box height / image height
    travel: float  # horizontal range of the box centre in box widths
    fold_activity: float  # spread of the torso's uprightness (vertical extent over length), 0..1
    score: float
    keypoint_conf: float = 1.0  # mean confidence of the body's 12 keypoints (shoulders to ankles)
    size_frac: float = 0.0  # body size / image height: 3 torso lengths (box height where the torso isn't seen)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Box overlap plus centre closeness (relative to body height): (N,M) in 0..1.5.

    Overlap alone fails when a lifter folds quickly (a tall box becomes a wide
    one between two sampled frames); the centre term keeps such a match.
    """
    ca = (a[:, None, :2] + a[:, None, 2:]) / 2
    cb = (b[None, :, :2] + b[None, :, 2:]) / 2
    height = np.maximum(a[:, None, 3] - a[:, None, 1], b[None, :, 3] - b[None, :, 1])
    dist = np.linalg.norm(ca - cb, axis=-1) / np.maximum(height, 1.0)
    sim: np.ndarray = iou(a, b) + 0.5 * np.clip(1.0 - 2.0 * dist, 0.0, None)
    return sim


def dedupe(det: Detections) -> Detections:
    """Drop a box that lies mostly inside a more confident one (a second,
    partial detection of the same body)."""
    n = len(det)
    if n < 2:
        return det
    b = det.boxes_xyxy
    contained = intersection(b, b) / np.maximum(area(b)[:, None], 1e-9)  # share of box i inside box j
    keep = np.ones(n, bool)
    for i in np.argsort(det.box_conf):
        others = keep.copy()
        others[i] = False
        if np.any(others & (contained[i] > CONTAINED) & (det.box_conf >= det.box_conf[i])):
            keep[i] = False
    if keep.all():
        return det
    return type(det)(det.boxes_xyxy[keep], det.box_conf[keep], det.xy[keep], det.kp_conf[keep])


def build_tracks(per_frame: Sequence[Detections]) -> list[_Track]:
    """Greedy association of each frame's detections to live tracks."""
    tracks: list[_Track] = []
    live: list[_Track] = []
    next_id = 1
    for fi, det in enumerate(per_frame):
        det = dedupe(det)
        live = [t for t in live if fi - t.last_frame <= MAX_MISSED_FRAMES]
        n = len(det)
        assigned = np.full(n, -1)
        if n and live:
            overlap = similarity(det.boxes_xyxy, np.stack([t.last_box for t in live]))
            used_tracks: set[int] = set()
            for flat in np.argsort(-overlap, axis=None):
                d, t = np.unravel_index(flat, overlap.shape)
                if overlap[d, t] < MIN_SIMILARITY:
                    break
                if assigned[d] >= 0 or t in used_tracks:
                    continue
                assigned[d] = t
                used_tracks.add(int(t))
        for d in range(n):
            if assigned[d] >= 0:
                track = live[assigned[d]]
            else:
                track = _Track(next_id)
                next_id += 1
                tracks.append(track)
                live.append(track)
            track.frames.append(fi)
            track.boxes.append(det.boxes_xyxy[d])
            track.xy.append(det.xy[d])
            track.conf.append(det.kp_conf[d])
    return stitch(tracks)


def stitch(tracks: list[_Track]) -> list[_Track]:
    """Join a track to an earlier one that ended shortly before, close by.

    Detection misses longer than the association tolerance split one person
    into fragments; this rejoins them.
    """
    merged: list[_Track] = []
    for track in sorted(tracks, key=lambda t: t.frames[0]):
        best, best_sim = None, MIN_SIMILARITY
        for earlier in merged:
            gap = track.frames[0] - earlier.frames[-1]
            if gap < -MAX_STITCH_OVERLAP_FRAMES or gap > MAX_STITCH_GAP_FRAMES:
                continue
            first_new = next((k for k, f in enumerate(track.frames) if f > earlier.frames[-1]), None)
            if first_new is None:
                continue
            sim = float(similarity(earlier.boxes[-1][None], track.boxes[first_new][None])[0, 0])
            if sim > best_sim:
                best, best_sim = earlier, sim
        if best is None:
            merged.append(track)
            continue
        k = next(k for k, f in enumerate(track.frames) if f > best.frames[-1])
        best.frames += track.frames[k:]
        best.boxes += track.boxes[k:]
        best.xy += track.xy[k:]
        best.conf += track.conf[k:]
    return merged


def _mean_pair(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    """Midpoint (T, 2) of a left/right keypoint pair (the one seen when only one is), NaN where both are missing."""
    pair = xy[:, [KP[a], KP[b]]]
    count = np.isfinite(pair).sum(axis=1)
    mid: np.ndarray = np.where(count > 0, np.nansum(pair, axis=1) / np.maximum(count, 1), np.nan)
    return mid


def _fold_activity(xy: np.ndarray) -> float:
    """How far the torso tips from upright: the spread (90th - 10th percentile) of its uprightness, the
    shoulder-to-hip line's vertical extent over its length (1 upright, 0.7 tipped 45 deg, 0 level). A ratio
    of the torso to itself, so the hinge shows at any size and angle; the person's box would not do (it
    shrinks as the lifter bends, so the torso's height over the box's hardly moves: a lifter filmed from
    45 deg read 0.09 while a small passer-by's jitter read 0.20)."""
    sh = _mean_pair(xy, "left_shoulder", "right_shoulder")
    hip = _mean_pair(xy, "left_hip", "right_hip")
    d = hip - sh
    length = np.hypot(d[:, 0], d[:, 1])
    upright = d[:, 1] / np.maximum(length, 1.0)
    upright = upright[np.isfinite(upright)]
    if upright.size < 5:
        return 0.0
    return float(np.percentile(upright, 90) - np.percentile(upright, 10))


def _torso_px(xy: np.ndarray) -> float:
    """Median shoulder-to-hip distance (pair midpoints), NaN when seen on fewer than 3 frames."""
    length = np.linalg.norm(
        _mean_pair(xy, "left_shoulder", "right_shoulder") - _mean_pair(xy, "left_hip", "right_hip"), axis=1
    )
    length = length[np.isfinite(length)]
    return float(np.median(length)) if length.size >= 3 else float("nan")


def summarize(tracks: Sequence[_Track], n_frames: int, image_height: int) -> list[TrackSummary]:
    """Each track's evidence of being the lifter, best first.

    The score favours a track present throughout (coverage), large in the frame (size:
    torso length, which bending over or a plate hiding the legs does not shrink as it
    does the box), folding at the hips, staying in place and seen surely.
    """
    out = []
    for t in tracks:
        boxes = np.asarray(t.boxes)
        xy = np.asarray(t.xy)
        coverage = len(t.frames) / max(n_frames, 1)
        widths = np.maximum(boxes[:, 2] - boxes[:, 0], 1.0)
        centres = (boxes[:, 0] + boxes[:, 2]) / 2
        travel = float((np.percentile(centres, 95) - np.percentile(centres, 5)) / np.median(widths))
        height_frac = float(np.median(boxes[:, 3] - boxes[:, 1]) / max(image_height, 1))
        torso = _torso_px(xy) / max(image_height, 1)
        size = TORSO_PER_HEIGHT * torso if np.isfinite(torso) else height_frac
        fold = _fold_activity(xy)
        # a tall plate or mirror at the frame's edge can pass for a person with every keypoint a guess
        seen = float(np.mean(np.asarray(t.conf)[:, KP["left_shoulder"] :])) if len(t.conf) else 0.0
        score = (
            coverage
            * np.sqrt(size)
            * (0.05 + fold)
            / (1.0 + max(0.0, travel - 1.0))
            * min(1.0, seen / SURE_KEYPOINT_CONF)
        )
        out.append(TrackSummary(t.track_id, coverage, height_frac, travel, fold, float(score), seen, size))
    return sorted(out, key=lambda s: -s.score)


def select_lifter(
    per_frame: Sequence[Detections],
    t_s: np.ndarray,
    frame_index: np.ndarray,
    image_width: int,
    image_height: int,
    track_id: int | None = None,
) -> tuple[PoseSeries, list[TrackSummary]]:
    """The chosen lifter's keypoints over every analysed frame (NaN where absent)."""
    n = len(per_frame)
    tracks = build_tracks(per_frame)
    summaries = summarize(tracks, n, image_height)
    xy = np.full((n, NUM_KEYPOINTS, 2), np.nan)
    conf = np.zeros((n, NUM_KEYPOINTS))
    chosen: int | None = None
    if summaries:
        ids = [s.track_id for s in summaries]
        if track_id is not None and track_id not in ids:
            raise InputError(
                f"There is no person with track id {track_id} in this clip; the ids found are "
                f"{', '.join(map(str, sorted(ids)))}."
            )
        chosen = track_id if track_id is not None else summaries[0].track_id
        track = next(t for t in tracks if t.track_id == chosen)
        xy[track.frames] = np.asarray(track.xy)
        conf[track.frames] = np.asarray(track.conf)
    # people seen together, counting only those present for a tenth of the clip
    # (a one-off false detection is not a second person)
    persistent = {s.track_id for s in summaries if s.coverage >= MIN_PERSON_COVERAGE}
    per_frame_count = np.zeros(n, dtype=int)
    for t in tracks:
        if t.track_id in persistent:
            per_frame_count[t.frames] += 1
    people_max = int(per_frame_count.max()) if n else 0
    pose = PoseSeries(
        t_s=np.asarray(t_s, dtype=float),
        frame_index=np.asarray(frame_index, dtype=np.int64),
        xy=xy,
        conf=conf,
        image_width=image_width,
        image_height=image_height,
        lifter_track_id=chosen,
        track_ids=tuple(s.track_id for s in summaries if s.track_id in persistent),
        people_max=people_max,
    )
    return pose, summaries
