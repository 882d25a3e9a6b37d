"""The annotated frames pages show are cached for every session of the server as JPEG, not as pixels."""

from __future__ import annotations

import cv2
import numpy as np

from drawing import frames as render
from tests.support import factories
from workspace import session


def test_given_a_set_when_its_frames_are_asked_for_then_the_cache_keeps_jpegs_a_fraction_of_their_pixels(tmp_path):
    # given an analysed set and its clip
    clip = factories.write_synthetic_clip(tmp_path / "set.mp4", duration_s=3.0)
    result = factories.synthetic_result(clip)
    times = (0.5, 1.5, 2.5)
    # when the pages ask for its frames at three moments
    cached = session.frames_at("set", str(clip), times, result)
    # then each is a JPEG of the annotated frame: the same picture, in a fraction of its pixels' bytes
    drawn = render.render_frames(result, times, str(clip))
    assert len(cached) == len(drawn) == 3
    for jpeg, rgb in zip(cached, drawn):
        assert isinstance(jpeg, bytes) and jpeg[:2] == b"\xff\xd8"
        decoded = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        assert decoded.shape == rgb.shape
        assert np.abs(decoded.astype(int) - rgb.astype(int)).mean() < 3.0
        assert len(jpeg) < rgb.nbytes / 5
