"""The job worker lives long, so it never holds PyTorch: once the OpenVINO export of the pose model exists it
loads that export on the OpenVINO runtime alone, whichever backend was timed fastest, and a missing export is
made by a child process. Each test loads the model the way the worker does (``jobs.runner.LazyEstimator``,
with the worker's modules imported) in a fresh process, runs it on a frame of a real clip, and reports what
that process imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import models
from tests.support.paths import CLIPS_DIR, REPO

CLIP = CLIPS_DIR / "bichraix_good016_side.mp4"
STEM = Path(models.DEFAULT_MODEL).stem
WORKER_LOAD = """
import json, sys
import jobs.worker
from jobs.runner import LazyEstimator
from pipeline.capture.video import iter_frames
from pipeline.types import AnalysisConfig

frames = [f.image for f in iter_frames(sys.argv[2], every_s=1.0, max_side=640)]
model = LazyEstimator(AnalysisConfig(device="cpu", model=sys.argv[1]))
people = model.detect([frames[len(frames) // 2]])[0]
seen = int((people.kp_conf >= model.keypoint_conf).sum(axis=1).max()) if len(people) else 0
print(json.dumps({"backend": model.backend, "keypoints_seen": seen,
                  "torch": "torch" in sys.modules, "ultralytics": "ultralytics" in sys.modules}))
"""


@dataclass(frozen=True)
class Loaded:
    """What a process that loaded the model the worker's way reported."""

    backend: str
    keypoints_seen: int
    torch: bool
    ultralytics: bool


def load_like_the_worker(weights: Path) -> Loaded:
    proc = subprocess.run(
        [sys.executable, "-c", WORKER_LOAD, str(weights), str(CLIP)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "HINGE_REVIEW_WORKER": "off"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Loaded(**json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.fixture
def weights_alone(tmp_path) -> Path:
    """The real weights copied into a folder of their own (no export beside them yet)."""
    found = models.find_local()
    if found is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    if Path("/dev/nvidiactl").exists():
        pytest.skip("a GPU machine loads PyTorch for CUDA")
    if not CLIP.is_file():
        pytest.skip(f"fixture clip not found at {CLIP}")
    weights = tmp_path / models.DEFAULT_MODEL
    shutil.copy(found, weights)
    return weights


def _exports_beside(weights: Path, faster: str) -> None:
    """This repository's cached 416 exports (OpenVINO and ONNX) beside ``weights``, newer than them, and a
    timing record that names ``faster`` as the fastest backend."""
    made = models.MODELS_DIR
    openvino = weights.parent / f"{STEM}-416_openvino_model"
    shutil.copytree(made / openvino.name, openvino)
    shutil.copy(made / f"{STEM}-416.onnx", weights.parent / f"{STEM}-416.onnx")
    os.utime(openvino)  # the folder's own time: made after the weights
    (weights.parent / f"{STEM}-416.timing.json").write_text(json.dumps({"faster": faster}))


@pytest.mark.e2e
def test_given_the_openvino_export_and_onnx_timed_fastest_when_the_worker_loads_the_model_then_no_pytorch(
    weights_alone,
):
    # given the OpenVINO and ONNX exports beside the weights, ONNX measured fastest on this machine
    if not (models.MODELS_DIR / f"{STEM}-416_openvino_model").is_dir():
        pytest.skip("no cached OpenVINO export in models/ to copy")
    _exports_beside(weights_alone, faster="onnx")
    # when a fresh process loads the model the worker's way and runs it on a frame of a real clip
    loaded = load_like_the_worker(weights_alone)
    # then it runs on the OpenVINO runtime alone, PyTorch and Ultralytics never imported, and sees the lifter
    assert loaded == Loaded(backend="openvino", keypoints_seen=loaded.keypoints_seen, torch=False, ultralytics=False)
    assert loaded.keypoints_seen >= 12


@pytest.mark.e2e
def test_given_no_export_yet_when_the_worker_loads_the_model_then_a_child_makes_it_and_no_pytorch_here(
    weights_alone,
):
    # given the weights alone: a first boot
    # when a fresh process loads the model the worker's way and runs it on a frame of a real clip
    loaded = load_like_the_worker(weights_alone)
    # then the OpenVINO export was made beside the weights (by a child), and this process never imported PyTorch
    assert (weights_alone.parent / f"{STEM}-416_openvino_model").is_dir()
    assert loaded == Loaded(backend="openvino", keypoints_seen=loaded.keypoints_seen, torch=False, ultralytics=False)
    assert loaded.keypoints_seen >= 12


def test_given_weights_not_on_this_machine_when_the_worker_loads_the_model_then_a_child_fetches_them_not_it():
    # given a pose model named that is not in models/ and cannot be downloaded here (offline)
    absent = next(name for name in models.KNOWN_POSE_MODELS if not (models.MODELS_DIR / name).exists())
    code = (
        "import sys\n"
        "from jobs.runner import LazyEstimator\n"
        "from pipeline.errors import ModelError\n"
        "from pipeline.types import AnalysisConfig\n"
        "try:\n"
        f"    LazyEstimator(AnalysisConfig(device='cpu', model={absent!r})).get()\n"
        "except ModelError as exc:\n"
        "    print(exc.message)\n"
        "print('torch' in sys.modules, 'ultralytics' in sys.modules)\n"
    )
    # when a fresh process loads the model the worker's way
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "YOLO_OFFLINE": "1", "HINGE_REVIEW_WORKER": "off"},
    )
    # then it says plainly that the weights could not be had, and the download was tried by a child, not by it
    assert proc.returncode == 0, proc.stderr[-3000:]
    reason, imported = proc.stdout.strip().splitlines()[-2:]
    assert absent in reason and "could not be downloaded" in reason
    assert imported == "False False"
