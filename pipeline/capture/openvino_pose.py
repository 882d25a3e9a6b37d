"""YOLO-pose on the OpenVINO runtime alone: no PyTorch, no Ultralytics predictor.

Loading PyTorch and setting up Ultralytics' predictor took about 3 s of every
model load on the CPU, and the predictor adds per-frame work around the
OpenVINO call. This module does what that predictor does for a fixed-shape
pose export, step for step in NumPy and OpenCV: the same letterbox (linear
resize, grey 114 padding split round(d - 0.1) / round(d + 0.1)), the same
input scaling, confidence filter, greedy NMS (IoU 0.7, 300 boxes) and
rescaling to the frame's pixels. ``tests/pipeline/capture/test_openvino_pose.py`` checks the
answers against Ultralytics' own on real frames. Unlike Ultralytics it asks for
float32 on every processor (see ``COMPILE_CONFIG``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    import openvino as ov

PAD_VALUE = 114
IOU_THRESHOLD = 0.7  # Ultralytics' predict default
MAX_DETECTIONS = 300
KEYPOINTS = 17


@dataclass(frozen=True)
class Letterbox:
    """How a frame of ``frame_hw`` is fitted into the model's ``input_hw``."""

    frame_hw: tuple[int, int]
    input_hw: tuple[int, int]
    resized_wh: tuple[int, int]
    top: int
    bottom: int
    left: int
    right: int

    @classmethod
    def of(cls, frame_hw: tuple[int, int], input_hw: tuple[int, int]) -> Letterbox:
        h, w = frame_hw
        r = min(input_hw[0] / h, input_hw[1] / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        dw, dh = (input_hw[1] - new_w) / 2, (input_hw[0] - new_h) / 2
        return cls(
            frame_hw, input_hw, (new_w, new_h), round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
        )

    def apply(self, image: np.ndarray) -> np.ndarray:
        if image.shape[1::-1] != self.resized_wh:
            image = cv2.resize(image, self.resized_wh, interpolation=cv2.INTER_LINEAR)
        return cv2.copyMakeBorder(
            image, self.top, self.bottom, self.left, self.right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
        )

    def to_frame(self, xy: np.ndarray) -> np.ndarray:
        """Model-input pixels (..., 2) to the frame's, clipped to it (as Ultralytics' scale_boxes/scale_coords)."""
        h, w = self.frame_hw
        new_w, new_h = self.resized_wh
        out = np.empty_like(xy)
        out[..., 0] = np.clip((xy[..., 0] - self.left) / np.float32(new_w / w), 0, w)
        out[..., 1] = np.clip((xy[..., 1] - self.top) / np.float32(new_h / h), 0, h)
        return out


@dataclass(frozen=True)
class RawPose:
    """One frame's people: boxes (N, 4) xyxy, box confidence (N,), keypoints (N, 17, 2) and their confidence (N, 17)."""

    boxes_xyxy: np.ndarray
    box_conf: np.ndarray
    keypoints_xy: np.ndarray
    keypoint_conf: np.ndarray

    @classmethod
    def empty(cls) -> RawPose:
        """No people."""
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros((0, KEYPOINTS, 2)), np.zeros((0, KEYPOINTS)))


def nms(boxes_xyxy: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best score first (torchvision's rule: drop IoU > threshold)."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = (boxes_xyxy[:, k] for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
        ih = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
        inter = iw * ih
        iou = inter / (areas[i] + areas[rest] - inter)
        order = rest[~(iou > iou_threshold)]
    return np.asarray(keep, dtype=np.int64)


def decode(output: np.ndarray, box: Letterbox, det_conf: float) -> RawPose:
    """One image's raw head output (4 + 1 + 17*3, anchors) to people in the frame's pixels."""
    x = output.T  # (anchors, 56)
    x = x[x[:, 4] > det_conf]
    xy, half_wh = x[:, 0:2], x[:, 2:4] / 2
    boxes = np.concatenate([xy - half_wh, xy + half_wh], axis=1)
    keep = nms(boxes, x[:, 4], IOU_THRESHOLD)[:MAX_DETECTIONS]
    boxes, x = boxes[keep], x[keep]
    kpts = x[:, 5:].reshape(len(x), KEYPOINTS, 3)
    corners = box.to_frame(boxes.reshape(-1, 2, 2)).reshape(-1, 4)
    return RawPose(corners, x[:, 4].copy(), box.to_frame(kpts[..., :2]), kpts[..., 2].copy())


# OpenVINO runs in bfloat16 on processors that have it (AVX512-BF16, AMX) and float32 elsewhere; the two
# disagree on a few verdicts (docs/accuracy.md), so every processor runs float32, as ONNX Runtime and PyTorch do.
COMPILE_CONFIG = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
REQUESTS = 2  # inference requests taking turns in run_all


class OpenVinoPose:
    """A fixed-shape OpenVINO pose export, compiled for the CPU in latency mode and float32."""

    def __init__(self, model_xml: Path, det_conf: float = 0.25):
        import openvino as ov

        core = ov.Core()
        model = core.read_model(model=str(model_xml), weights=str(Path(model_xml).with_suffix(".bin")))
        shape = list(model.input().get_partial_shape())
        if any(d.is_dynamic for d in shape):
            raise ValueError(f"{model_xml} takes inputs of any size; this runner needs a fixed-shape export")
        self.input_hw = (int(shape[2].get_length()), int(shape[3].get_length()))
        self.det_conf = det_conf
        self._compiled = core.compile_model(model, "CPU", COMPILE_CONFIG)
        self._requests = [self._compiled.create_infer_request() for _ in range(REQUESTS)]
        self._lock = threading.Lock()  # callers on other threads take turns

    def __call__(self, image_bgr: np.ndarray) -> RawPose:
        """The people in one BGR frame of any size."""
        return self.run_all([image_bgr])[0]

    def _tensor(self, image_bgr: np.ndarray) -> tuple[Letterbox, np.ndarray]:
        """The frame letterboxed into the model's input: RGB, NCHW, float32 in [0, 1]."""
        box = Letterbox.of(image_bgr.shape[:2], self.input_hw)
        tensor = box.apply(image_bgr)[:, :, ::-1].transpose(2, 0, 1)[None]
        return box, np.ascontiguousarray(tensor).astype(np.float32) / np.float32(255)

    def run_all(self, images_bgr: Sequence[np.ndarray]) -> list[RawPose]:
        """The people in each of several frames, in order. Two inference requests take turns, so one
        frame is letterboxed and the last one's answer decoded while the model runs (about a fifth
        faster per frame than one at a time on 2 cores; the same answers)."""
        out: list[RawPose] = []
        with self._lock:
            in_flight: list[tuple[Letterbox, np.ndarray, ov.InferRequest]] = []
            for k, image in enumerate(images_bgr):
                box, tensor = self._tensor(image)
                if len(in_flight) == len(self._requests):
                    out.append(self._answer(*in_flight.pop(0)))
                request = self._requests[k % len(self._requests)]
                request.start_async({0: tensor})
                in_flight.append((box, tensor, request))  # the tensor stays alive until its answer is read
            out.extend(self._answer(*job) for job in in_flight)
        return out

    def _answer(self, box: Letterbox, tensor: np.ndarray, request: ov.InferRequest) -> RawPose:
        """Wait for ``request`` and decode its answer (``tensor`` is what it was given)."""
        request.wait()
        return decode(request.get_output_tensor(0).data[0].copy(), box, self.det_conf)
