"""The model input's shape (pipeline.capture.pose.letterbox_shape) and the frame-shaped letterbox on real weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import models
from pipeline.capture.pose import letterbox_shape
from pipeline.errors import ModelError
from tests.support.paths import CLIPS_DIR

CLIP = CLIPS_DIR / "formfit_deadlift_side_good.mp4"


@pytest.mark.parametrize(
    ("height", "width", "expected"),
    [
        (1080, 1920, (256, 416)),  # 16:9 landscape: 234 px high, padded up to 256
        (1920, 1080, (416, 256)),  # portrait phone video
        (480, 640, (320, 416)),  # 4:3: 312 -> 320
        (720, 720, (416, 416)),
        (234, 416, (256, 416)),  # frames already decoded at 416 px
    ],
)
def test_frame_letterbox_pads_only_up_to_the_stride(height, width, expected):
    assert letterbox_shape(height, width, 416, "frame") == expected
    assert letterbox_shape(height, width, 416, "square") == (416, 416)


def _lifter_points(estimator, image: np.ndarray) -> np.ndarray:
    det = estimator.detect([image])[0]
    return det.xy[int(np.argmax(det.box_conf))]


def test_frame_letterbox_gives_one_answer_on_every_backend_and_moves_points_little(estimator):
    """Given a portrait frame of a lifter, when the frame-shaped letterbox runs on OpenVINO and on
    PyTorch, then their keypoints agree to a pixel, and lie within a few pixels of the square input's."""
    from pipeline.capture.pose import PoseEstimator
    from pipeline.capture.video import iter_frames

    if not CLIP.is_file():
        pytest.skip(f"clip missing: {CLIP}")
    weights = str(models.find_local())
    image = next(iter(iter_frames(CLIP, every_s=1.0, max_side=416))).image
    assert letterbox_shape(*image.shape[:2], 416, "frame") == (416, 288)  # a portrait phone clip
    frame_ov = PoseEstimator(weights, "cpu", backend="openvino", letterbox="frame")
    frame_pt = PoseEstimator(weights, "cpu", backend="torch", letterbox="frame")
    square = PoseEstimator(weights, "cpu", backend="openvino")
    ov, pt, sq = (_lifter_points(e, image) for e in (frame_ov, frame_pt, square))
    seen = np.isfinite(ov).all(axis=1) & np.isfinite(pt).all(axis=1) & np.isfinite(sq).all(axis=1)
    assert seen.sum() >= 12
    assert np.max(np.linalg.norm(ov[seen] - pt[seen], axis=1)) < 1.0
    assert np.median(np.linalg.norm(ov[seen] - sq[seen], axis=1)) < 4.0
    assert frame_ov.model_name.endswith("(frame letterbox)") and square.model_name == Path(weights).name


def test_unknown_letterbox_is_a_model_error():
    from pipeline.capture.pose import PoseEstimator

    with pytest.raises(ModelError, match="letterbox"):
        PoseEstimator(letterbox="round")
