"""The picture inside a clip's black bars: a landscape video posted as a portrait one (or the other way
round) carries bars the pose model would otherwise spend most of its input on.

``box_of`` looks at a few frames spread over the clip (``sample_times``; ``pipeline.capture.framing``
decodes them at the clip's own size, one at a time, keeping only ``dark_pixels``): a row or column is a
bar when it stays near black in every one of them; a pair of such runs at both ends of a side (the picture centred in its
frame) is cut off when it is wide enough to matter. The pose model then sees the lifter as large as the
picture itself allows, whatever frame it was posted in (``bench/accuracy.py --variants``: portrait).
Read at full size the picture comes out to the pixel (a 854 x 480 clip posted in a 854 x 1520 frame gives
rows 520-1000 back, not the 517-1003 that frames looked at 640 px high gave), so the model is shown the
same pixels as when the clip came without bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BAR_SAMPLES = 5  # frames looked at, spread evenly over the clip
BAR_LEVEL = 24  # 0-255 grey: a bar pixel is darker than this in every frame looked at (encoders add a little noise)
BAR_DARK_SHARE = 0.995  # ... for this share of its row or column at least (a logo or a caption may sit on a bar)
MIN_BAR_SHARE = 0.04  # bars together narrower than this share of the side are left alone
BAR_LOOK_SIDE = 640  # the people on those frames are looked for at this size (long side)
MIN_CONTENT_SHARE = 0.2  # a "picture" narrower than this share is a dark clip, not bars


@dataclass(frozen=True)
class ContentBox:
    """The picture's rectangle in the clip's (display) pixels: x0 <= x < x1, y0 <= y < y1."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def _runs(dark: np.ndarray) -> tuple[int, int]:
    """(leading, trailing) counts of True in a 1-D mask."""
    n = len(dark)
    lead = n if dark.all() else int(np.argmin(dark))
    trail = n if dark.all() else int(np.argmin(dark[::-1]))
    return lead, trail


def _cut(dark_share: np.ndarray) -> tuple[int, int]:
    """Where the picture starts and ends along one side, given each line's share of dark pixels. Bars
    come in pairs (the picture is centred in its frame): the narrower of the two dark edges is cut
    from both ends, so a dark ceiling above the lifter is never taken for a bar."""
    n = len(dark_share)
    lead, trail = _runs(dark_share >= BAR_DARK_SHARE)
    bar = min(lead, trail)
    if 2 * bar < MIN_BAR_SHARE * n or n - 2 * bar < MIN_CONTENT_SHARE * n:
        return 0, n
    return bar, n - bar


def dark_pixels(frame: np.ndarray) -> np.ndarray:
    """(H, W) True where a BGR or grey frame is near black (its brightest channel: colour is not a bar)."""
    return (frame.max(axis=2) if frame.ndim == 3 else frame) < BAR_LEVEL


def box_of(frames: list[np.ndarray]) -> ContentBox | None:
    """The picture inside the bars shared by ``frames`` (BGR or grey, same size); None without bars."""
    if not frames:
        return None
    return box_of_dark(np.logical_and.reduce([dark_pixels(f) for f in frames]))


def box_of_dark(dark: np.ndarray) -> ContentBox | None:
    """The picture inside the bars, given the (H, W) pixels dark in every frame looked at; None without bars."""
    y0, y1 = _cut(dark.mean(axis=1))
    x0, x1 = _cut(dark.mean(axis=0))
    h, w = dark.shape
    if (x0, y0, x1, y1) == (0, 0, w, h):
        return None
    return ContentBox(x0, y0, x1, y1)


def sample_times(duration_s: float) -> list[float]:
    """The ``BAR_SAMPLES`` moments looked at, spread over the clip."""
    return list(np.linspace(0.05 * duration_s, 0.95 * duration_s, BAR_SAMPLES)) if duration_s > 0 else [0.0]
