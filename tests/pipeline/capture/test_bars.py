"""Black bars: the model sees the picture inside them, and every point comes back in the clip's pixels."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from pipeline.capture.bars import ContentBox, box_of
from pipeline.capture.framing import find_framing
from pipeline.capture.posetrack import decode_side, estimate_pose
from pipeline.capture.video import probe
from pipeline.types import AnalysisConfig
from tests.pipeline.capture.test_posetrack import FrameSpanningEstimator

RNG = np.random.default_rng(7)


def _pillarboxed(h: int = 100, w: int = 200, left: int = 40, right: int = 40, frames: int = 5) -> list[np.ndarray]:
    """Frames of a picture (random texture) between black bars that carry encoder-like noise."""
    out = []
    for _ in range(frames):
        f = RNG.integers(0, 12, (h, w, 3), dtype=np.uint8)  # the bars: dark, never exactly 0
        f[:, left : w - right] = RNG.integers(30, 255, (h, w - left - right, 3), dtype=np.uint8)
        out.append(f)
    return out


def test_the_picture_between_side_bars_is_found():
    # given frames with 40 px black bars on either side of a 120 px picture
    # then the box is the picture
    assert box_of(_pillarboxed()) == ContentBox(40, 0, 160, 100)


def test_a_caption_on_a_bar_leaves_it_a_bar():
    # given a bar carrying a tiny bright logo (a few pixels in one frame)
    frames = _pillarboxed(h=400)
    frames[2][10, 5] = 255
    # then it is still cut off
    assert box_of(frames) == ContentBox(40, 0, 160, 400)


def test_a_dark_edge_on_one_side_only_is_picture_not_a_bar():
    # given a picture whose top 30 rows are a dark ceiling, with side bars of 40 and 46 px
    frames = _pillarboxed(h=100, left=40, right=46)
    for f in frames:
        f[:30] = 5
    # then the sides are cut by the narrower bar (40 px) on both, and the ceiling stays
    assert box_of(frames) == ContentBox(40, 0, 160, 100)


@pytest.mark.parametrize(
    "frames",
    [
        _pillarboxed(left=3, right=3),  # bars under 4 % of the width together: not worth a cut
        [np.zeros((100, 200, 3), np.uint8)] * 3,  # a black clip is not "all bars"
        [],
    ],
)
def test_no_box_without_bars_worth_cutting(frames):
    assert box_of(frames) is None


def test_frames_with_bars_are_decoded_larger_so_the_picture_keeps_its_pixels():
    # given a 1280x720 clip whose picture is the middle 408 px (a phone clip posted in landscape)
    meta = probe_like(width=1280, height=720)
    box = ContentBox(436, 0, 844, 720)
    # then frames are decoded so the picture's long side (720) gets the 640 px it would get alone
    assert decode_side(meta, 416, None) == 640
    assert decode_side(meta, 416, box) == int(np.ceil(640 * 1280 / 720))


def probe_like(width: int, height: int):
    from pipeline.types import VideoMeta

    return VideoMeta("x.mp4", 30.0, 300, width, height, 0, 10.0, "h264", False)


def write_barred_clip(
    path: Path,
    width: int = 640,
    height: int = 360,
    picture: tuple[int, int] = (220, 420),
    long: int | None = None,
    blur_px: int = 0,
) -> Path:
    """A 2 s clip: a moving textured picture between columns ``picture``, black bars either side. With
    ``long``, the frame is ``width`` x ``height`` turned upright: ``height`` columns wide and ``long`` rows
    tall, the picture between rows ``picture``. ``blur_px``: the texture smoothed like a filmed scene (pixel
    noise rings past the picture's edge in H.264, a filmed picture hardly does)."""
    frame_w, frame_h = (height, long) if long else (width, height)
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = frame_w, frame_h, "yuv420p"
    stream.codec_context.time_base = Fraction(1, 10)
    for i in range(20):
        img = np.zeros((frame_h, frame_w, 3), np.uint8)
        a, b = picture
        where = (slice(a, b), slice(None)) if long else (slice(None), slice(a, b))
        texture = RNG.integers(40, 255, img[where].shape, dtype=np.uint8)
        img[where] = cv2.GaussianBlur(texture, (0, 0), blur_px) if blur_px else texture
        img[where + (1,)] = 60 + 8 * i
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def test_the_bars_are_cut_to_the_pixel_in_a_tall_frame(tmp_path):
    # given a 854 x 480 picture posted in a 854 x 1520 portrait frame: bars of 520 rows above and below,
    # where frames looked at 640 px high put the edges between two of their rows
    path = write_barred_clip(
        tmp_path / "portrait.mp4", width=480, height=854, picture=(520, 1000), long=1520, blur_px=2
    )
    meta = probe(path)
    # when the picture is found
    box = find_framing(meta.path, meta.duration_s, meta.width, meta.height, crop_bars=True, estimator=None).picture
    # then it is exactly the picture's rows, so the model is shown the pixels the clip had without bars
    assert box == ContentBox(0, 520, 854, 1000)


def test_the_model_sees_the_picture_and_points_come_back_in_clip_pixels(tmp_path):
    # given a landscape clip whose picture is the middle 200 columns
    meta = probe(write_barred_clip(tmp_path / "barred.mp4"))
    box = find_framing(meta.path, meta.duration_s, meta.width, meta.height, crop_bars=True, estimator=None).picture
    assert box is not None and abs(box.x0 - 220) <= 4 and abs(box.x1 - 420) <= 4 and (box.y0, box.y1) == (0, 360)
    fake = FrameSpanningEstimator()
    # when the clip runs through decode + detect
    pose, _ = estimate_pose(meta, fake, AnalysisConfig(analysis_fps=10))
    # then the model was given the picture only (portrait-shaped), and each point lands on the picture's
    # far corner in the clip's own pixels
    ((w, h),) = fake.sizes
    assert h > w
    assert np.allclose(pose.xy[..., 0], box.x1, atol=2.0) and np.allclose(pose.xy[..., 1], meta.height, atol=2.0)
    # and with cutting switched off, the model sees the whole frame again
    whole = FrameSpanningEstimator()
    estimate_pose(meta, whole, AnalysisConfig(analysis_fps=10, crop_bars=False))
    ((w2, h2),) = whole.sizes
    assert w2 > h2
