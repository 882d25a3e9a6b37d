"""Where the lifter is on a frame: the box around their keypoints, padded, for key frames cut to the lifter
(the report's, where a whole portrait frame leaves the lifter too small to read the angles on paper).

Pure: keypoints in image pixels in, a box out; ``cut`` takes that box out of an image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.capture.bars import ContentBox

PAD = 0.25  # of the keypoints box's longer side, on every side: room for the head and the angle labels
MIN_POINTS = 4  # fewer confident keypoints than this: the lifter is not found, the whole frame is kept


@dataclass(frozen=True)
class Box(ContentBox):
    """A rectangle of an image in whole pixels: columns ``x0`` to ``x1`` and rows ``y0`` to ``y1`` (ends
    excluded), never empty."""

    def __post_init__(self) -> None:
        if not (0 <= self.x0 < self.x1 and 0 <= self.y0 < self.y1):
            raise ValueError(f"an empty or negative box: {self}")

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1


def lifter_box(
    keypoints_xy: np.ndarray,
    conf: np.ndarray,
    image_size: tuple[int, int],
    *,
    min_conf: float = 0.3,
    pad: float = PAD,
) -> Box | None:
    """The box around the confident keypoints (``keypoints_xy`` (17, 2) in pixels of an image of
    ``image_size`` (width, height)), padded by ``pad`` of its longer side and kept inside the image; None
    when fewer than ``MIN_POINTS`` keypoints are confident."""
    xy = np.asarray(keypoints_xy, dtype=float)
    ok = np.isfinite(xy).all(axis=1) & np.isfinite(conf) & (np.asarray(conf) >= min_conf)
    if int(ok.sum()) < MIN_POINTS:
        return None
    (lo_x, lo_y), (hi_x, hi_y) = xy[ok].min(axis=0), xy[ok].max(axis=0)
    margin = pad * max(hi_x - lo_x, hi_y - lo_y, 1.0)
    width, height = image_size
    x0, y0 = max(0, int(np.floor(lo_x - margin))), max(0, int(np.floor(lo_y - margin)))
    x1, y1 = min(width, int(np.ceil(hi_x + margin)) + 1), min(height, int(np.ceil(hi_y + margin)) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    return Box(x0, y0, x1, y1)


def cut(image: np.ndarray, box: Box) -> np.ndarray:
    """The part of ``image`` inside ``box`` (a copy)."""
    return np.ascontiguousarray(image[box.y0 : box.y1, box.x0 : box.x1].copy())
