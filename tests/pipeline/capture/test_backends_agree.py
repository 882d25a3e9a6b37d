"""One answer everywhere: the model's backends give the same keypoints, so the same reps and verdicts.

The same weights run through PyTorch, ONNX Runtime and OpenVINO on the CPU (and CUDA half
precision where a GPU is present). Measured on the fixture frames the CPU backends agree to
0.0003 px (2026-12-06), far inside any level, so comparing the keypoints themselves on frames
of every labelled clip is the strict check; one whole analysis per backend then shows each
runs the full path to the same reps and verdict. The backend the CLI picks by itself is
graded on every clip by the end-to-end tests.
"""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

import models
from pipeline.types import AnalysisConfig
from tests.support.paths import CLIPS_DIR, FIXTURES, REPO

pytestmark = pytest.mark.e2e

BACKENDS = [("cpu", "openvino"), ("cpu", "onnx"), ("cpu", "torch")]
FRAMES_PER_CLIP = 4
CPU_TOLERANCE_PX = 0.01  # float32 everywhere: the backends differ in rounding only
CUDA_TOLERANCE_PX = 2.0  # half precision on the GPU: about one pixel of the 416-px input
WHOLE_PATH_CLIP = "aigym_trap-bar-deadlift_side.mp4"  # a short labelled clip: 4.6 s, 2 reps


def _clips() -> list[str]:
    table = FIXTURES / "labels.csv"
    if not table.is_file():
        return []
    with open(table, newline="") as fh:
        return [row["file"] for row in csv.DictReader(fh)]


def _frames(name: str) -> list[np.ndarray]:
    """``FRAMES_PER_CLIP`` frames spread through the clip (its ends left out)."""
    cap = cv2.VideoCapture(str(CLIPS_DIR / name))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    frames = []
    for index in np.linspace(0, count - 1, FRAMES_PER_CLIP + 2)[1:-1].astype(int):
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
        ok, frame = cap.read()
        if ok:
            frames.append(frame)
    cap.release()
    return frames


def _backends() -> list[tuple[str, str]]:
    from pipeline.capture.pose import cuda_available

    return BACKENDS + ([("cuda", "torch")] if cuda_available() else [])


def _estimator(device: str, backend: str):
    from pipeline.capture.pose import PoseEstimator

    return PoseEstimator.from_config(AnalysisConfig(device=device, backend=backend))


@pytest.fixture(scope="module")
def estimators():
    if not _clips():
        pytest.skip(f"real clips not found at {FIXTURES}")
    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    found = {pair: _estimator(*pair) for pair in _backends()}
    for (device, backend), estimator in found.items():
        assert (estimator.device, estimator.backend) == (device, backend), "a backend fell back to another"
    return found


def _most_confident(detections) -> int:
    return int(np.argmax(detections.box_conf))


def test_every_backend_finds_the_same_keypoints(estimators):
    # given frames from every labelled clip
    frames = {name: _frames(name) for name in _clips()}
    assert all(frames.values()), "a clip gave no frames"
    (ref_name, ref_model), *others = estimators.items()
    reference = {name: ref_model.detect(images, mirror_average=True) for name, images in frames.items()}
    for name, model in others:
        tolerance = CUDA_TOLERANCE_PX if name[0] == "cuda" else CPU_TOLERANCE_PX
        for clip, images in frames.items():
            # when the backend detects them with the shipped settings (mirror average on)
            found = model.detect(images, mirror_average=True)
            for index, (want, got) in enumerate(zip(reference[clip], found)):
                where = f"{name} vs {ref_name}, {clip} frame {index}"
                # then the same people are found, and the lifter's keypoints agree within the tolerance
                assert len(got) == len(want), f"{where}: {len(got)} people, not {len(want)}"
                if not len(want):
                    continue
                a, b = want.xy[_most_confident(want)], got.xy[_most_confident(got)]
                assert np.array_equal(np.isnan(a), np.isnan(b)), f"{where}: a different set of keypoints passed"
                shift_px = np.linalg.norm(a - b, axis=1)
                assert np.nanmax(shift_px, initial=0.0) <= tolerance, f"{where}: keypoints {shift_px.round(4)} px apart"


def _verdict(result) -> tuple:
    sc = result.scorecard
    graded = bool(sc and sc.gradable)
    return result.rep_count, result.segmentation.movement, graded, sc.verdict if graded else None


def test_every_backend_runs_the_whole_analysis_to_the_same_verdict(estimators):
    from pipeline.run import analyze

    # given a short labelled clip
    clip = CLIPS_DIR / WHOLE_PATH_CLIP
    # when each backend analyses it end to end
    verdicts = {
        name: _verdict(analyze(clip, AnalysisConfig(device=name[0], backend=name[1]), estimator=model))
        for name, model in estimators.items()
    }
    # then reps, movement, grading and verdict are the same on all of them
    assert len(set(verdicts.values())) == 1, verdicts


def test_the_model_runs_without_deprecation_warnings():
    """Given Ultralytics imported first (its log not yet quietened, as in a user's own script), when the
    model is loaded and run on every CPU backend, then Ultralytics prints no deprecation warning."""
    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    import subprocess
    import sys

    code = (
        "import ultralytics, numpy as np\n"
        "from pipeline.capture.pose import PoseEstimator\n"
        f"for device, backend in {BACKENDS!r}:\n"
        "    PoseEstimator(device=device, backend=backend).detect([np.full((240, 320, 3), 114, np.uint8)] * 2)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "deprecated" not in (proc.stdout + proc.stderr).lower(), proc.stdout + proc.stderr
