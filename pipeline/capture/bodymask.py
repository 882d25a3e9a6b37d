"""The lifter's body outline from a learned person mask (BlazePose full, run with LiteRT).

The YOLO skeleton has no point on the spine; the back's shape is read from the
outline of the body instead (``pipeline.measure.backcurve``). BlazePose's
landmark model gives, besides its own 39 landmarks (not used here), a 256 x 256
person mask of its input crop. Like MediaPipe's own pipeline, the crop is turned so the trunk
stands upright in it (hip midpoint to shoulder pointing up, the way the model
was trained): a hinged lifter cut out level, trunk across the picture, is
mostly missed (tried on the labelled clips: legs and arms found, the back not).
The model reads the crop and its mirror image and the two masks' logits are averaged, so a
mirrored clip gives the mirrored outline, as the pose is averaged over the frame and its mirror
(``pipeline.capture.mirror``): a lifter facing left is read as one facing right.

The model file comes from ``models.ensure_body_mask`` (pinned, sha256 checked);
the mediapipe package is never imported.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

import models
from pipeline.errors import ModelError

SIDE_PX = 256  # the model's input and mask size
ROI_SCALE = 1.25  # the crop's half-side over the furthest keypoint's distance from the hip
MASK_LOGIT = 0.0  # logit above which a pixel is the person's (probability 0.5)
THREADS = 2
MIRROR_AVERAGE = True  # read each crop and its mirror image, average the logits


@dataclass(frozen=True)
class BodyOutline:
    """The person mask of one upright crop, and the affine that took frame pixels to the crop's."""

    mask: np.ndarray  # (256, 256) bool, True on the person
    to_crop: np.ndarray  # (2, 3): frame pixel (x, y, 1) -> crop pixel


def upright_crop(image: np.ndarray, pts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The 256 x 256 crop centred on the hip with the hip-to-shoulder line pointing straight up, as RGB
    floats in 0..1, and the affine that maps frame pixels to it. ``pts`` needs ``hip`` and ``shoulder``;
    every point given is kept inside the crop."""
    hip, shoulder = pts["hip"], pts["shoulder"]
    reach = max(float(np.max(np.linalg.norm(np.array(list(pts.values())) - hip, axis=1))), 1.0)
    scale = SIDE_PX / (2.0 * ROI_SCALE * reach)
    up = np.degrees(np.arctan2(shoulder[1] - hip[1], shoulder[0] - hip[0]))  # image angle of hip -> shoulder
    turn = cv2.getRotationMatrix2D((float(hip[0]), float(hip[1])), 90.0 + up, scale)
    to_crop = np.asarray(turn, np.float64) + np.column_stack([np.zeros((2, 2)), SIDE_PX / 2.0 - hip])
    crop = cv2.warpAffine(image, to_crop, (SIDE_PX, SIDE_PX), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0, to_crop


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """The process's standard error (file descriptor 2) sent to the null device meanwhile. LiteRT's runtime
    writes "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." there when a model loads, with no
    setting to stop it, and the command line's standard error carries only its own lines. Load errors still
    arrive, as Python exceptions."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class BodyMasker:
    """One loaded LiteRT interpreter; ``outline`` is safe to call from several threads (one at a time runs)."""

    def __init__(self, path: Path | None = None, threads: int = THREADS, mirror_average: bool = MIRROR_AVERAGE):
        try:
            path = path or models.ensure_body_mask()
        except models.WeightsNotFound as exc:
            raise ModelError(str(exc)) from exc
        from ai_edge_litert.interpreter import Interpreter  # the runtime only, not the mediapipe package

        self.path = path
        with _native_stderr_silenced():
            self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        self._mask = outputs["Identity_2"]  # segmentation logits; "Identity" holds the landmarks
        self._lock = threading.Lock()
        self.mirror_average = mirror_average

    def outline(self, image: np.ndarray, pts: dict[str, np.ndarray]) -> BodyOutline:
        """The lifter's mask in the upright crop around ``pts`` (frame pixels, BGR frame)."""
        return self.read(*upright_crop(image, pts))

    def read(self, crop: np.ndarray, to_crop: np.ndarray) -> BodyOutline:
        """The mask of one ``upright_crop`` (with ``mirror_average``, the mean of its and its mirror's logits)."""
        logits = self.logits(crop)
        if self.mirror_average:
            logits = (logits + self.logits(np.ascontiguousarray(crop[:, ::-1]))[:, ::-1]) / 2.0
        return BodyOutline(logits > MASK_LOGIT, to_crop)

    def logits(self, crop: np.ndarray) -> np.ndarray:
        """The model's (256, 256) person logits for one 256 x 256 RGB crop."""
        with self._lock:
            self._interpreter.set_tensor(self._input, crop[None])
            self._interpreter.invoke()
            return np.array(self._interpreter.get_tensor(self._mask)[0, :, :, 0], np.float32)
