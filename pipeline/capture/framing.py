"""Where the pose model looks: the picture inside any black bars, narrowed to the people in it.

A lifter filmed small (a wide gym shot, the lifter 40 % of the frame's height) fills a small part of the
model's input, and each keypoint's few pixels of error become degrees of joint angle. A hinge is done in
place, so the people seen on a few frames spread over the clip, with a wide margin, bound everywhere the
lifter goes: the model is given that box (decoded so it keeps its pixels), the lifter up to twice as
large. The box is kept only where it gains enough; a lifter found at its edge afterwards (a step, a walk
in) has the clip analysed again on the whole picture (``pipeline.capture.posetrack``).

Off by default (``AnalysisConfig.frame_people``): measured on the labelled clips it did not make the
readings steadier where it counts (docs/accuracy.md, third session); ``bench/accuracy.py --frame-people``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline.capture.bars import BAR_LOOK_SIDE, ContentBox, box_of_dark, dark_pixels, sample_times
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.capture.video import iter_frames_at

PERSON_CONF = 0.25  # a detection counts toward the box from this box confidence (the tracker's own floor)
PEOPLE_PAD_SHARE = 0.25  # margin on every side, as a share of the people box's long side (a swing's arms, the bar)
MIN_GAIN = 1.25  # the box must enlarge what the model sees at least this much, or the picture stays whole
EDGE_PX = 2.0  # a keypoint this close to a narrowed box's inner edge (clip pixels) touches it
MAX_EDGE_SHARE = 0.05  # frames whose lifter touches the box's edge, beyond which the whole picture is used


@dataclass(frozen=True)
class Framing:
    """What the model is shown: ``box`` (clip pixels; None: the whole frame) and the bars' picture it lies in."""

    box: ContentBox | None
    picture: ContentBox | None  # the picture inside the black bars (None: no bars, or not cutting them)

    @property
    def narrowed(self) -> bool:
        """The box is narrower than the picture: it was chosen around the people."""
        return self.box is not None and self.box != self.picture


def _scaled(box: ContentBox, sx: float, sy: float, width: int, height: int) -> ContentBox:
    """``box`` times (sx, sy), rounded outward (a sliver of bar is harmless, a cut-off heel is not) and kept
    inside the frame."""
    return ContentBox(
        max(0, int(np.floor(box.x0 * sx))),
        max(0, int(np.floor(box.y0 * sy))),
        min(width, int(np.ceil(box.x1 * sx))),
        min(height, int(np.ceil(box.y1 * sy))),
    )


def people_box(boxes_xyxy: np.ndarray, within: ContentBox) -> ContentBox | None:
    """The union of the people's boxes with ``PEOPLE_PAD_SHARE`` of its long side around it, inside
    ``within``; None when it would not enlarge the model's view by ``MIN_GAIN``."""
    if not len(boxes_xyxy):
        return None
    lo, hi = boxes_xyxy[:, :2].min(axis=0), boxes_xyxy[:, 2:].max(axis=0)
    pad = PEOPLE_PAD_SHARE * float(max(hi - lo))
    x0, y0 = max(within.x0, int(np.floor(lo[0] - pad))), max(within.y0, int(np.floor(lo[1] - pad)))
    x1, y1 = min(within.x1, int(np.ceil(hi[0] + pad))), min(within.y1, int(np.ceil(hi[1] + pad)))
    if x1 <= x0 or y1 <= y0:
        return None
    box = ContentBox(x0, y0, x1, y1)
    gain = max(within.width, within.height) / max(box.width, box.height)
    return box if gain >= MIN_GAIN else None


def find_framing(
    path: str | Path,
    duration_s: float,
    width: int,
    height: int,
    *,
    crop_bars: bool,
    estimator: PoseEstimatorLike | None,
) -> Framing:
    """The bars' picture (``crop_bars``) and, with an ``estimator``, the people's box inside it, from the
    same few frames spread over the clip. The frames are decoded at the clip's size, one at a time (only
    which pixels are dark is kept, and a ``BAR_LOOK_SIDE`` copy for the people), so the bars are cut to
    the pixel."""
    dark: np.ndarray | None = None
    small: list[np.ndarray] = []  # the frames at BAR_LOOK_SIDE, where the people are looked for
    shrink = min(1.0, BAR_LOOK_SIDE / max(width, height))
    look_size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    for _, f in iter_frames_at(path, sample_times(duration_s)):
        image = f.image
        if image.shape[:2] != (height, width):  # (the display size; a clip's frames have it)
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        d = dark_pixels(image)
        dark = d if dark is None else dark & d
        if estimator is not None:
            small.append(cv2.resize(image, look_size, interpolation=cv2.INTER_AREA))
    if dark is None:
        return Framing(None, None)
    picture = box_of_dark(dark) if crop_bars else None
    if estimator is None:
        return Framing(picture, picture)
    sx, sy = width / look_size[0], height / look_size[1]
    look = picture or ContentBox(0, 0, width, height)
    seen = _scaled(look, 1 / sx, 1 / sy, *look_size)  # the picture on the small frames
    found = [
        d.boxes_xyxy[d.box_conf >= PERSON_CONF] + np.array([seen.x0, seen.y0] * 2, float)
        for d in estimator.detect([f[seen.y0 : seen.y1, seen.x0 : seen.x1] for f in small])
    ]
    people = people_box(np.concatenate(found), seen) if found else None
    if people is None:
        return Framing(picture, picture)
    box = _scaled(people, sx, sy, width, height)
    return Framing(
        ContentBox(max(box.x0, look.x0), max(box.y0, look.y0), min(box.x1, look.x1), min(box.y1, look.y1)), picture
    )


def touches_edge(xy: np.ndarray, box: ContentBox, width: int, height: int) -> float:
    """Share of frames (rows of ``xy``, (T, 17, 2) clip pixels) with a keypoint at an edge of ``box`` that is
    not the frame's own edge: there the lifter may go on beyond what the model was shown."""
    if not len(xy):
        return 0.0
    x, y = xy[..., 0], xy[..., 1]
    near = np.zeros(x.shape, bool)
    if box.x0 > 0:
        near |= x <= box.x0 + EDGE_PX
    if box.y0 > 0:
        near |= y <= box.y0 + EDGE_PX
    if box.x1 < width:
        near |= x >= box.x1 - EDGE_PX
    if box.y1 < height:
        near |= y >= box.y1 - EDGE_PX
    return float(near.any(axis=1).mean())
