"""Decode + detect: detections come back in the clip's pixels; the decode thread never outlives the call.

A fake estimator stands in for the model (this module tests the plumbing, not
the network): it reports one person whose box and keypoints span the decoded
image it was given.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from pipeline.capture.pose import Detections
from pipeline.capture.posetrack import estimate_pose
from pipeline.capture.video import probe
from pipeline.types import AnalysisConfig
from tests.pipeline.capture.test_video import write_clip


class FrameSpanningEstimator:
    """One person per frame: box = the whole decoded image, keypoints on its far corner."""

    batch_size = 4

    def __init__(self, fail_after_calls: int | None = None) -> None:
        self.calls = 0
        self.fail_after_calls = fail_after_calls
        self.sizes: set[tuple[int, int]] = set()
        self.mirrored: set[bool] = set()

    def detect(self, images, *, mirror_average=False):
        self.calls += 1
        self.mirrored.add(mirror_average)
        if self.fail_after_calls is not None and self.calls > self.fail_after_calls:
            raise RuntimeError("model failed mid-clip")
        out = []
        for image in images:
            h, w = image.shape[:2]
            self.sizes.add((w, h))
            xy = np.tile(np.array([w, h], float), (1, 17, 1))
            out.append(Detections(np.array([[0.0, 0.0, w, h]]), np.array([0.9]), xy, np.full((1, 17), 0.9)))
        return out


def _decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_decode_thread" in t.name]


def test_detections_are_scaled_back_to_clip_pixels_on_each_axis(tmp_path):
    # given a wide clip whose decoded size rounds differently on the two axes
    meta = probe(write_clip(tmp_path / "wide.mp4", width=1000, height=462, seconds=2.0, fps=10))
    fake = FrameSpanningEstimator()
    # when the clip runs through decode + detect
    pose, _ = estimate_pose(meta, fake, AnalysisConfig(analysis_fps=10))
    # then the model saw a smaller frame, and every point lands on the clip's own far corner
    ((w, h),) = fake.sizes
    assert w < meta.width and abs(meta.width / w - meta.height / h) > 1e-3
    assert np.allclose(pose.xy[..., 0], meta.width) and np.allclose(pose.xy[..., 1], meta.height)


@pytest.mark.parametrize("mirror_average", [False, True])
def test_the_setting_for_the_mirror_average_reaches_the_model(tmp_path, mirror_average):
    # given a short clip and the setting on or off
    meta = probe(write_clip(tmp_path / "clip.mp4", width=320, height=240, seconds=1.0, fps=10))
    fake = FrameSpanningEstimator()
    # when its pose is taken
    estimate_pose(meta, fake, AnalysisConfig(analysis_fps=10, mirror_average=mirror_average))
    # then every call to the model asked for it (or not) as set
    assert fake.mirrored == {mirror_average}


def test_a_failing_model_stops_the_decode_thread(tmp_path):
    # given a longer clip (more frames than the queue holds) and a model that fails on its second batch
    meta = probe(write_clip(tmp_path / "long.mp4", width=320, height=240, seconds=8.0, fps=30))
    before = len(_decode_threads())
    # when the analysis fails part-way
    with pytest.raises(RuntimeError, match="mid-clip"):
        estimate_pose(meta, FrameSpanningEstimator(fail_after_calls=1), AnalysisConfig(analysis_fps=30))
    # then no decode thread is left blocked on the full queue
    assert len(_decode_threads()) == before


class _Frame:
    def __init__(self, nbytes: int):
        self.image = np.zeros(nbytes, np.uint8)


def _puts_without_waiting(q, frames, timeout_s: float = 2.0) -> int:
    """How many of ``frames`` a decoder thread put before it had to wait (``timeout_s``)."""
    done = []

    def fill():
        for f in frames:
            q.put(f)
            done.append(f)

    t = threading.Thread(target=fill, daemon=True)
    t.start()
    t.join(timeout_s)
    return len(done)


def test_while_the_model_loads_the_decoder_runs_ahead_within_its_memory_budget(monkeypatch):
    from pipeline.capture import posetrack

    # given a model still loading, then the decoder may queue far more than the frames in flight ...
    loading = posetrack._FrameQueue(lambda: False)
    assert _puts_without_waiting(loading, [_Frame(1000) for _ in range(200)]) == 200
    # ... but no more than the byte budget (here 50 frames' worth)
    monkeypatch.setattr(posetrack, "AHEAD_BYTES", 50 * 1000)
    assert _puts_without_waiting(posetrack._FrameQueue(lambda: False), [_Frame(1000) for _ in range(80)], 0.5) == 50
    # and once the model runs, only the frames in flight
    running = posetrack._FrameQueue(lambda: True)
    assert _puts_without_waiting(running, [_Frame(1000) for _ in range(200)], 0.5) == posetrack.IN_FLIGHT_FRAMES
    # and a consumer taking one frame makes room for exactly one more (the waiting decoder's next)
    running.get()
    deadline = time.monotonic() + 2.0
    while running.qsize() < posetrack.IN_FLIGHT_FRAMES and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert running.qsize() == posetrack.IN_FLIGHT_FRAMES


def test_a_model_that_becomes_ready_stops_the_run_ahead():
    from pipeline.capture import posetrack

    ready = threading.Event()
    q = posetrack._FrameQueue(ready.is_set)
    assert _puts_without_waiting(q, [_Frame(10) for _ in range(100)]) == 100
    ready.set()
    assert _puts_without_waiting(q, [_Frame(10)], 0.3) == 0  # over the in-flight count: waits for the model
