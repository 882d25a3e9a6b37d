"""The inbox thumbnail: the bottom of the worst rep, small, as a JPEG."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from drawing.frames import key_frames
from drawing.thumbnail import THUMB_SIDE_PX, thumbnail_jpeg, thumbnail_time_s, worst_rep
from tests.support import factories


def test_the_worst_rep_is_the_lowest_scoring_one():
    result = factories.synthetic_result()  # rep 1 clean (A), rep 2 warn (B), rep 3 rounded back (C)
    assert worst_rep(result).index == 3
    bottom = next(k.t_s for k in key_frames(result) if k.rep == 3 and k.moment == "bottom")
    assert thumbnail_time_s(result) == pytest.approx(bottom)


def test_an_ungraded_set_shows_its_first_full_rep_and_a_set_without_reps_its_middle():
    ungraded = factories.synthetic_result(gradable=False)
    ungraded = replace(ungraded, scorecard=None)
    assert worst_rep(ungraded).index == 1
    bare = replace(ungraded, segmentation=replace(ungraded.segmentation, reps=()))
    assert worst_rep(bare) is None and thumbnail_time_s(bare) == pytest.approx(bare.video.duration_s / 2)


def test_the_thumbnail_is_a_small_jpeg_with_or_without_the_clip(tmp_path):
    clip = factories.write_synthetic_clip(tmp_path / "set.mp4", duration_s=10.0)
    result = factories.synthetic_result(clip)
    for source in (clip, None):
        jpeg = thumbnail_jpeg(result, source)
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert jpeg.startswith(b"\xff\xd8") and max(image.shape[:2]) == THUMB_SIDE_PX and len(jpeg) < 20_000
