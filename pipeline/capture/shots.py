"""Jump cuts in edited clips: find them, and keep each continuous shot apart.

Social-media clips splice several shots together (a front view, a close-up,
then the side view). Joints jump across a cut, so tracking, rep finding and
angles must each work inside one continuous shot. A cut is a sampled frame
whose small grey thumbnail differs from the previous one far more than the
clip's frames usually differ from each other (a person moving changes a few
tiles; a new shot changes the whole picture), in one step (a camera pan or an
exposure change spreads over several frames).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from pipeline.types import PoseSeries

THUMB_PX = 16
CUT_MIN_DIFF = 0.03  # mean absolute thumbnail change (0..1) a cut must reach (real cuts: 0.05-0.07;
# the largest change without a cut seen on the labelled clips: 0.02)...

CUT_MEDIAN_RATIO = 6.0  # ...and this many times the clip's typical change
CUT_ISOLATION_RATIO = 2.5  # ...and this many times the change just before and after it
MIN_SHOT_S = 0.5  # shorter shots are too short for a rep


def frame_signature(image: np.ndarray) -> np.ndarray:
    """A (16, 16) grey thumbnail in 0..1, brightness-normalised, for comparing frames."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    thumb = cv2.resize(grey, (THUMB_PX, THUMB_PX), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    signature: np.ndarray = thumb - thumb.mean() + 0.5
    return signature


def find_cuts(signatures: np.ndarray, t_s: np.ndarray) -> tuple[float, ...]:
    """Times (s) of the first frame of each new shot; ``signatures`` is (T, 16, 16)."""
    if len(signatures) < 3:
        return ()
    diffs = np.abs(np.diff(signatures, axis=0)).mean(axis=(1, 2))
    typical = float(np.median(diffs))
    padded = np.concatenate([[0.0], diffs, [0.0]])
    neighbours = np.maximum(padded[:-2], padded[2:])  # a cut is one sharp step; a pan or a fade spreads over several
    cut = (
        (diffs > CUT_MIN_DIFF)
        & (diffs > CUT_MEDIAN_RATIO * max(typical, 1e-3))
        & (diffs > CUT_ISOLATION_RATIO * neighbours)
    )
    return tuple(float(t_s[i + 1]) for i in np.flatnonzero(cut))


def shot_bounds(t_s: np.ndarray, cuts: tuple[float, ...]) -> list[tuple[int, int]]:
    """[start, stop) sample ranges of the continuous shots."""
    edges = [0] + [int(np.searchsorted(t_s, c)) for c in cuts] + [len(t_s)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def slice_pose(pose: PoseSeries, start: int, stop: int) -> PoseSeries:
    """One shot of a PoseSeries (times kept as they are in the clip)."""
    inside = tuple(c for c in pose.cut_times_s if pose.t_s[start] < c <= pose.t_s[stop - 1])
    return replace(
        pose,
        t_s=pose.t_s[start:stop],
        frame_index=pose.frame_index[start:stop],
        xy=pose.xy[start:stop],
        conf=pose.conf[start:stop],
        cut_times_s=inside,
    )


def shots(pose: PoseSeries) -> list[PoseSeries]:
    """The clip's continuous shots long enough to hold a rep (the whole clip when it has no cut)."""
    if not pose.cut_times_s:
        return [pose]
    out = [slice_pose(pose, a, b) for a, b in shot_bounds(pose.t_s, pose.cut_times_s)]
    return [p for p in out if len(p) >= 3 and p.t_s[-1] - p.t_s[0] >= MIN_SHOT_S - 1e-9]
