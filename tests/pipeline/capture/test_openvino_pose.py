"""The OpenVINO runner without PyTorch (pipeline.capture.openvino_pose) gives Ultralytics' answers.

Pure parts (letterbox, NMS, decoding) on made-up inputs with known answers and
against Ultralytics' own functions; then the real export on real frames,
compared box for box and keypoint for keypoint with Ultralytics' predictor on
the same export.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import models
from pipeline.capture.openvino_pose import Letterbox, decode, nms
from pipeline.capture.pose import _xml_in
from tests.support.paths import CLIPS_DIR, REPO

CLIPS = CLIPS_DIR


@pytest.mark.parametrize("frame_hw", [(1080, 1920), (1920, 1080), (234, 416), (360, 640), (417, 333), (416, 416)])
def test_letterbox_matches_ultralytics_pixel_for_pixel(frame_hw):
    # given a frame of some shape with a gradient and Ultralytics' letterbox for a 416 square input
    from ultralytics.data.augment import LetterBox

    h, w = frame_hw
    image = (np.add.outer(np.arange(h), np.arange(w))[..., None] * [1, 3, 7] % 251).astype(np.uint8)
    theirs = LetterBox((416, 416), auto=False, stride=32)(image=image)
    # when ours letterboxes it
    ours = Letterbox.of((h, w), (416, 416)).apply(image)
    # then every pixel is the same
    assert ours.shape == theirs.shape == (416, 416, 3)
    assert np.array_equal(ours, theirs)


def test_letterbox_maps_model_pixels_back_to_the_frame():
    # given a 1080x1920 frame in a 416 square: scale 416/1920, 91 px of grey above and below
    box = Letterbox.of((1080, 1920), (416, 416))
    assert (box.resized_wh, box.top, box.bottom, box.left, box.right) == ((416, 234), 91, 91, 0, 0)
    # when the model's centre and a point past the edge are mapped back
    out = box.to_frame(np.array([[208.0, 208.0], [500.0, -5.0]], np.float32))
    # then the centre is the frame's centre and the outside point is clipped to the frame
    assert out[0] == pytest.approx([960.0, (208 - 91) * 1080 / 234], abs=1e-3)
    assert out[1].tolist() == [1920.0, 0.0]


def test_nms_keeps_the_best_of_overlapping_boxes_and_separate_ones():
    # given two heavily overlapping boxes, one separate box and one that overlaps the best by exactly 0.5
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [0, 5, 10, 15]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    # when suppressed at IoU 0.7
    keep = nms(boxes, scores, 0.7)
    # then the weaker twin goes (IoU 0.82) and the half-overlap (IoU 0.33) stays, best first
    assert keep.tolist() == [0, 2, 3]


def test_nms_agrees_with_torchvision_on_random_boxes():
    import torch
    import torchvision

    rng = np.random.default_rng(7)
    for _ in range(20):
        xy = rng.uniform(0, 300, (60, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(5, 120, (60, 2))], axis=1).astype(np.float32)
        scores = rng.uniform(0.25, 1, 60).astype(np.float32)
        theirs = torchvision.ops.nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.7).numpy()
        assert nms(boxes, scores, 0.7).tolist() == theirs.tolist()


def test_decode_filters_suppresses_and_rescales():
    # given a raw head output (xywh, score, 17 x (x, y, conf)) for a 416 square holding a 1080x1920 frame
    anchors = np.zeros((56, 4), np.float32)
    anchors[:5, 0] = [208, 208, 100, 40, 0.9]  # a person at the centre
    anchors[:5, 1] = [209, 208, 100, 40, 0.8]  # the same person again
    anchors[:5, 2] = [50, 150, 20, 20, 0.1]  # below the confidence threshold
    anchors[:5, 3] = [350, 150, 20, 20, 0.3]
    anchors[5:, 0] = np.tile([208, 208, 0.95], 17)
    box = Letterbox.of((1080, 1920), (416, 416))
    # when decoded at a 0.25 detection threshold
    people = decode(anchors, box, 0.25)
    # then two people remain, best first, with the centre person's box and keypoints in frame pixels
    assert people.box_conf.tolist() == pytest.approx([0.9, 0.3])
    scale = 1920 / 416
    assert people.boxes_xyxy[0] == pytest.approx(
        [158 * scale, (188 - 91) * scale, 258 * scale, (228 - 91) * scale], rel=1e-5
    )
    assert people.keypoints_xy.shape == (2, 17, 2)
    assert people.keypoints_xy[0, 0] == pytest.approx([960.0, (208 - 91) * 1080 / 234], abs=1e-3)
    assert people.keypoint_conf[0].tolist() == pytest.approx([0.95] * 17)


def test_decode_of_nothing_is_no_people():
    people = decode(np.zeros((56, 100), np.float32), Letterbox.of((480, 640), (416, 416)), 0.25)
    assert len(people.box_conf) == 0 and people.keypoints_xy.shape == (0, 17, 2)


@pytest.fixture(scope="module")
def openvino_estimator():
    """The model on OpenVINO whatever ``auto`` measured fastest here (under load it may pick another backend),
    its export made if missing: the runner's own tests need it, not the fastest."""
    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    from pipeline.capture.pose import PoseEstimator

    found = PoseEstimator(device="cpu", backend="openvino")
    assert found.backend == "openvino" and found._cached_export("openvino") is not None
    return found


@pytest.mark.e2e
def test_the_runner_gives_ultralytics_answers_on_real_frames(openvino_estimator, monkeypatch):
    """Given real frames of three fixture clips, when the OpenVINO export runs through our runner and through
    Ultralytics' predictor (both in float32), then the same people come out with the same boxes, keypoints
    and confidences."""
    import openvino as ov
    from ultralytics import YOLO

    from pipeline.capture.openvino_pose import COMPILE_CONFIG

    compile_model = ov.Core.compile_model

    def in_float32(self, model, device_name="CPU", config=None):  # Ultralytics would take bfloat16 where it can
        return compile_model(self, model, device_name, {**(config or {}), **COMPILE_CONFIG})

    monkeypatch.setattr(ov.Core, "compile_model", in_float32)

    from pipeline.capture.openvino_pose import OpenVinoPose
    from pipeline.capture.video import iter_frames

    clips = sorted(CLIPS.glob("*.mp4"))[:3]
    if not clips:
        pytest.skip("needs the fixture clips")
    export = openvino_estimator._cached_export("openvino")
    ours, theirs = OpenVinoPose(_xml_in(export)), YOLO(str(export), task="pose")
    compared = 0
    for clip in clips:
        for frame in iter_frames(clip, every_s=1.0, max_side=640):
            mine = ours(frame.image)
            r = theirs.predict(frame.image, imgsz=416, conf=0.25, verbose=False, classes=[0], rect=False)[0]
            assert len(mine.box_conf) == len(r.boxes)
            np.testing.assert_allclose(mine.boxes_xyxy, r.boxes.xyxy.numpy(), atol=1e-3)
            np.testing.assert_allclose(mine.box_conf, r.boxes.conf.numpy(), atol=1e-5)
            np.testing.assert_allclose(mine.keypoints_xy, r.keypoints.xy.numpy(), atol=1e-3)
            np.testing.assert_allclose(mine.keypoint_conf, r.keypoints.conf.numpy(), atol=1e-5)
            compared += len(mine.box_conf)
    assert compared >= 10


@pytest.mark.e2e
def test_the_runner_asks_for_float32_on_every_processor(openvino_estimator):
    # given the runner compiled on this machine (bfloat16 would be OpenVINO's own choice on AVX512-BF16 or AMX)
    from pipeline.capture.openvino_pose import OpenVinoPose

    runner = OpenVinoPose(_xml_in(openvino_estimator._cached_export("openvino")))
    # then it runs in float32
    assert str(runner._compiled.get_property("INFERENCE_PRECISION_HINT")) == "<Type: 'float32'>"


@pytest.mark.e2e
def test_a_cached_export_loads_without_pytorch_or_ultralytics(estimator):
    # given the OpenVINO export made and measured fastest on this machine (the session's estimator did that)
    if estimator.backend != "openvino" or not Path("/proc").is_dir() or Path("/dev/nvidiactl").exists():
        pytest.skip("needs a Linux machine without a GPU where OpenVINO was measured fastest")
    code = (
        "import sys, numpy as np\n"
        "from pipeline.capture.pose import PoseEstimator\n"
        "e = PoseEstimator()\n"
        "people = e.detect([np.full((360, 640, 3), 114, np.uint8)])\n"
        "print(e.backend, 'torch' in sys.modules, 'ultralytics' in sys.modules)\n"
    )
    # when a fresh process loads the model and runs it
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    # then it ran on OpenVINO and never imported PyTorch or Ultralytics
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["openvino", "False", "False"]


@pytest.fixture
def runner_and_frames(openvino_estimator):
    """A fresh OpenVINO runner and real frames of a fixture clip (one a second)."""
    from pipeline.capture.openvino_pose import OpenVinoPose
    from pipeline.capture.video import iter_frames

    clips = sorted(CLIPS.glob("*.mp4"))[:1]
    if not clips:
        pytest.skip("needs the fixture clips")
    runner = OpenVinoPose(_xml_in(openvino_estimator._cached_export("openvino")))
    return runner, [f.image for f in iter_frames(clips[0], every_s=1.0, max_side=640)]


@pytest.mark.e2e
def test_two_threads_sharing_the_runner_get_each_frame_s_own_answer(runner_and_frames):
    # given one runner and real frames of a clip
    from concurrent.futures import ThreadPoolExecutor

    runner, frames = runner_and_frames
    alone = [runner(f) for f in frames]
    # when two threads run it on the frames at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(runner, frames * 2))
    # then every frame gets the answer it got alone
    for mine, ref in zip(together, alone * 2):
        np.testing.assert_array_equal(mine.keypoints_xy, ref.keypoints_xy)
        np.testing.assert_array_equal(mine.box_conf, ref.box_conf)


@pytest.mark.e2e
def test_frames_run_together_get_the_answers_they_get_one_at_a_time(runner_and_frames):
    # given one runner and five real frames of a clip
    runner, frames = runner_and_frames
    frames = frames[:5]
    alone = [runner(f) for f in frames]
    # when they run as one list (the inference requests taking turns; odd and even lengths)
    for some in (frames, frames[:4]):
        together = runner.run_all(some)
        # then each frame has exactly its own answer, in order
        assert len(together) == len(some)
        for mine, ref in zip(together, alone):
            np.testing.assert_array_equal(mine.keypoints_xy, ref.keypoints_xy)
            np.testing.assert_array_equal(mine.boxes_xyxy, ref.boxes_xyxy)
    assert runner.run_all([]) == []


@pytest.mark.e2e
def test_a_first_load_exports_the_model_in_a_child_and_stays_without_pytorch(tmp_path):
    # given the weights alone in a folder: no export made yet (a fresh machine)
    import shutil

    found = models.find_local()
    if found is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    if Path("/dev/nvidiactl").exists():
        pytest.skip("a GPU machine loads PyTorch for CUDA")
    weights = tmp_path / "yolo11n-pose.pt"
    shutil.copy(found, weights)
    code = (
        "import sys, numpy as np\n"
        "from pipeline.capture.pose import PoseEstimator\n"
        f"e = PoseEstimator({str(weights)!r}, 'cpu', backend='openvino')\n"
        "people = e.detect([np.full((360, 640, 3), 114, np.uint8)])[0]\n"
        "print(e.backend, type(e._model).__name__, people.xy.shape[1:], 'torch' in sys.modules)\n"
    )
    # when a process loads the model on OpenVINO
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=REPO)
    # then the export is made beside the weights (by a child) and run by our runner, PyTorch never imported here
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "yolo11n-pose-416_openvino_model").is_dir()
    assert proc.stdout.split() == ["openvino", "OpenVinoPose", "(17,", "2)", "False"]
