"""The model is shown a box around the people: larger lifter, same clip pixels, the whole picture when in doubt."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.capture.bars import ContentBox
from pipeline.capture.framing import MIN_GAIN, PEOPLE_PAD_SHARE, people_box, touches_edge
from pipeline.capture.pose import Detections
from pipeline.capture.posetrack import estimate_pose, framing_for
from pipeline.capture.video import probe
from pipeline.types import AnalysisConfig

W, H = 640, 360
BODY = (280, 120, 340, 300)  # x0, y0, x1, y1 of the "person" in clip pixels
PEOPLE = AnalysisConfig(analysis_fps=10, frame_people=True)
REACH_X = 420  # how far the person's arm reaches out, past the margin the box leaves


class BrightBlobEstimator:
    """One person: the box around the bright pixels of the image it is given, its 17 keypoints spread
    along that box's middle row from its left edge to its right. Where the model was shown a crop,
    the points it gives back say exactly which part of the clip it saw."""

    batch_size = 4

    def __init__(self) -> None:
        self.sizes: set[tuple[int, int]] = set()

    def detect(self, images, *, mirror_average=False):
        out = []
        for image in images:
            h, w = image.shape[:2]
            self.sizes.add((w, h))
            ys, xs = np.nonzero(image.max(axis=2) > 200)
            if not xs.size:
                out.append(Detections(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 17, 2)), np.zeros((0, 17))))
                continue
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            xy = np.stack([np.linspace(x0, x1, 17), np.full(17, (y0 + y1) / 2)], axis=1)[None].astype(float)
            out.append(Detections(np.array([[x0, y0, x1, y1]], float), np.array([0.9]), xy, np.full((1, 17), 0.9)))
        return out


def write_person_clip(path: Path, reach_at: tuple[int, ...] = ()) -> Path:
    """A 2 s, 10 fps clip: a bright upright 'person' (``BODY``) on a grey background; on the frames
    ``reach_at`` an arm reaches out to ``REACH_X``."""
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=10)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    stream.codec_context.time_base = Fraction(1, 10)
    for i in range(20):
        img = np.full((H, W, 3), 90, np.uint8)
        x0, y0, x1, y1 = BODY
        img[y0:y1, x0:x1] = 255
        if i in reach_at:
            img[200:210, x1:REACH_X] = 255
        for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def test_the_box_is_the_people_with_a_margin():
    # given one person 60x180 px in a 640x360 picture
    # when the box is chosen
    box = people_box(np.array([[280.0, 120.0, 340.0, 300.0]]), ContentBox(0, 0, W, H))
    # then the box is that person with a quarter of the long side (45 px) on every side, kept in the picture
    pad = PEOPLE_PAD_SHARE * 180
    assert box == ContentBox(int(280 - pad), int(120 - pad), int(np.ceil(340 + pad)), int(np.ceil(300 + pad)))


def test_a_box_that_gains_little_leaves_the_picture_whole():
    # given people spread over nearly the whole picture
    boxes = np.array([[20.0, 40.0, 80.0, 300.0], [520.0, 40.0, 600.0, 300.0]])
    # then no box: the model would see them hardly larger
    assert people_box(boxes, ContentBox(0, 0, W, H)) is None
    assert people_box(np.zeros((0, 4)), ContentBox(0, 0, W, H)) is None


def test_a_point_on_a_box_edge_inside_the_frame_touches_it_and_the_frame_edge_does_not():
    box = ContentBox(100, 0, 300, 360)  # top and bottom are the frame's own edges
    xy = np.full((4, 17, 2), 200.0)
    xy[1, 3] = (299.0, 200.0)  # at the box's right edge
    xy[2, 5] = (200.0, 359.0)  # at the frame's bottom edge: nothing lies beyond it
    xy[3, :] = np.nan  # a frame without the lifter
    assert touches_edge(xy, box, W, H) == pytest.approx(0.25)


def test_the_model_sees_the_people_larger_and_points_come_back_in_clip_pixels(tmp_path):
    # given a clip of a person in the middle third of a wide picture
    meta = probe(write_person_clip(tmp_path / "person.mp4"))
    fake = BrightBlobEstimator()
    framing = framing_for(meta, PEOPLE, fake)
    assert framing.narrowed and framing.box is not None
    gain = W / max(framing.box.width, framing.box.height)
    assert gain >= MIN_GAIN
    # when the clip runs through decode + detect
    pose, _ = estimate_pose(meta, BrightBlobEstimator(), PEOPLE)
    # then the points are the person's own edges in the clip's pixels (within a decoded pixel)
    assert np.allclose(pose.xy[:, 0, 0], BODY[0], atol=2.0) and np.allclose(pose.xy[:, 16, 0], BODY[2], atol=2.0)
    # and the model was shown the box, not the frame: narrower than the whole picture's shape
    whole = BrightBlobEstimator()
    estimate_pose(meta, whole, AnalysisConfig(analysis_fps=10))
    ((w_whole, h_whole),) = whole.sizes
    assert w_whole / h_whole == pytest.approx(W / H, rel=0.02)


def test_a_lifter_reaching_past_the_box_gets_the_whole_picture(tmp_path):
    # given a person who reaches out past the box's margin on 2 of 20 frames, between the frames the box is
    # chosen on (so the box leaves the arm out)
    meta = probe(write_person_clip(tmp_path / "reach.mp4", reach_at=(12, 13)))
    fake = BrightBlobEstimator()
    framing = framing_for(meta, PEOPLE, fake)
    assert framing.narrowed and framing.box is not None and framing.box.x1 < REACH_X
    # when the clip is analysed
    pose, _ = estimate_pose(meta, BrightBlobEstimator(), PEOPLE)
    # then the reach is seen to its end: the clip was analysed again on the whole picture
    assert np.nanmax(pose.xy[..., 0]) >= REACH_X - 2
