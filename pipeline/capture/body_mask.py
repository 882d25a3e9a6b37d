"""The lifter's body outline (person mask) and 39 BlazePose landmarks, from one frame.

BlazePose full (``pose_landmark_full.tflite``, taken out of the pinned mediapipe
wheel by ``python -m models fetch``) runs on LiteRT over a square crop around
the lifter: the box padded by ``BOX_PAD`` of its long side, black where the
square leaves the frame, resized to 256 x 256, RGB in [0, 1]. Its segmentation
logits give the mask; its landmarks (x, y in crop pixels, then z, visibility and
presence logits) are mapped back to frame pixels. The crop may be turned
(``rotation_deg``) so the body stands upright in it, as BlazePose's own tracker
does: the landmarks are much closer to the joints then (bent-over lifters).

The mask is kept at the model's 256 x 256 with the crop's placement (an affine
``frame_from_cell``): ``frame_mask`` gives it in frame pixels, ``contains``
reads it at frame points.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

import models

INPUT_SIDE_PX = 256  # the model's square input
BOX_PAD = 0.25  # share of the box's long side added on every side of the crop
MASK_THRESHOLD = 0.5  # probability above which a pixel is the person
NUM_THREADS = 2
NUM_LANDMARKS = 39  # 33 body points + 6 auxiliary (ROI) points
LANDMARK_NAMES: dict[str, int] = {
    "nose": 0,
    "left_ear": 7,
    "right_ear": 8,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_foot_index": 31,
    "right_foot_index": 32,
}

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class BodyMaskModel:
    """One LiteRT interpreter for the BlazePose model; calls are serialised (the interpreter is not re-entrant)."""

    def __init__(self, path: Path, num_threads: int = NUM_THREADS) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        self._input = int(self._interpreter.get_input_details()[0]["index"])
        self._landmarks, self._segmentation, self._presence = self._find_outputs(self._interpreter.get_output_details())
        self._lock = threading.Lock()

    @staticmethod
    def _find_outputs(details: list[dict[str, Any]]) -> tuple[int, int, int]:
        """Output indices by shape: landmarks (1, 195) ``Identity``, segmentation logits (1, 256, 256, 1)
        ``Identity_2``, pose presence (1, 1) ``Identity_1``; heatmaps and world landmarks unused."""
        by_shape = {tuple(int(n) for n in d["shape"]): int(d["index"]) for d in details}
        try:
            return (by_shape[(1, NUM_LANDMARKS * 5)], by_shape[(1, INPUT_SIDE_PX, INPUT_SIDE_PX, 1)], by_shape[(1, 1)])
        except KeyError as exc:
            raise models.WeightsNotFound(
                f"The body-outline model has unexpected outputs {sorted(by_shape)}: "
                "run `python -m models fetch` to put the pinned one back."
            ) from exc

    def __call__(self, rgb01: npt.NDArray[np.float32]) -> tuple[FloatArray, FloatArray, float]:
        """Raw landmarks (39, 5), segmentation logits (256, 256) and pose-presence probability for one input."""
        with self._lock:
            self._interpreter.set_tensor(self._input, rgb01[None])
            self._interpreter.invoke()
            landmarks = self._interpreter.get_tensor(self._landmarks).reshape(NUM_LANDMARKS, 5)
            logits = self._interpreter.get_tensor(self._segmentation)[0, :, :, 0]
            presence = float(self._interpreter.get_tensor(self._presence).ravel()[0])
        return landmarks.astype(np.float64), logits.astype(np.float64), presence


_LOAD_LOCK = threading.Lock()


def load_model(models_dir: Path | None = None) -> BodyMaskModel:
    """The model in ``models_dir`` (``models/`` by default), loaded once per process and folder.

    Raises ``models.WeightsNotFound`` (which says to run ``python -m models fetch``) when
    ``pose_landmark_full.tflite`` is missing or not the pinned file (sha256 checked first).
    """
    with _LOAD_LOCK:  # the tracing threads may all ask at once: load it once
        return _load(models_dir)


@cache
def _load(models_dir: Path | None) -> BodyMaskModel:
    return BodyMaskModel(models.body_mask_model_path(models_dir))


def _sigmoid(x: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))
    return out


@dataclass(frozen=True)
class BodyMask:
    """The person mask and landmarks of one crop.

    The mask stays in the model's 256 x 256 cells; ``frame_from_cell`` places them:
    frame pixel = ``frame_from_cell @ (u, v, 1)`` for cell coordinates (u, v) in
    [0, 256] (cell (col, row) spans u in [col, col + 1]; pixel edges, not centres).
    Without rotation that is an origin and one scale, the crop being square.
    """

    probability: npt.NDArray[np.float32]  # (256, 256) the model's person probability per cell
    threshold: float  # probability above which a cell is the person
    frame_from_cell: FloatArray  # (2, 3) affine: cell coordinates -> frame pixels
    landmarks_xy_px: FloatArray  # (39, 2) BlazePose landmarks in frame pixels
    landmarks_visibility: FloatArray  # (39,) probability each landmark is visible (not occluded)
    landmarks_presence: FloatArray  # (39,) probability each landmark is within the crop
    person_score: float  # the model's own pose-presence score for the crop

    @property
    def mask(self) -> BoolArray:
        """(256, 256) the person's cells (row, col)."""
        out: BoolArray = self.probability > self.threshold
        return out

    @property
    def px_per_cell(self) -> float:
        """Frame pixels per mask cell (the same along both axes)."""
        return float(np.hypot(self.frame_from_cell[0, 0], self.frame_from_cell[1, 0]))

    def cell_of(self, xy_px: FloatArray) -> FloatArray:
        """Cell coordinates (u, v) of frame points (..., 2)."""
        a, b = self.frame_from_cell[:, :2], self.frame_from_cell[:, 2]
        out: FloatArray = (np.asarray(xy_px, float) - b) @ np.linalg.inv(a).T
        return out

    def contains(self, xy_px: FloatArray) -> BoolArray:
        """Whether each frame point (..., 2) falls on the person (False outside the crop)."""
        cell = np.floor(self.cell_of(xy_px))
        inside = np.all((cell >= 0) & (cell < INPUT_SIDE_PX) & np.isfinite(cell), axis=-1)
        col = np.where(inside, cell[..., 0], 0).astype(int)
        row = np.where(inside, cell[..., 1], 0).astype(int)
        out: BoolArray = inside & self.mask[row, col]
        return out

    def frame_mask(self, shape_hw: tuple[int, int], origin_xy_px: FloatArray | None = None) -> BoolArray:
        """The mask over ``shape_hw`` frame pixels (height, width) whose top-left pixel is
        ``origin_xy_px`` (0, 0 by default: the whole frame); the probability is interpolated
        bilinearly before the threshold so the outline is not blocky."""
        origin = np.zeros(2) if origin_xy_px is None else np.asarray(origin_xy_px, float)
        # pixel index (x, y) -> its centre in frame pixels -> cell coordinates -> cell index
        to_cell = np.linalg.inv(np.vstack([self.frame_from_cell, [0.0, 0.0, 1.0]]))
        index_to_frame = np.array([[1.0, 0.0, origin[0] + 0.5], [0.0, 1.0, origin[1] + 0.5], [0.0, 0.0, 1.0]])
        cell_to_index = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])
        m = (cell_to_index @ to_cell @ index_to_frame)[:2]
        prob = cv2.warpAffine(
            self.probability,
            m,
            (int(shape_hw[1]), int(shape_hw[0])),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )
        out: BoolArray = prob > self.threshold
        return out


def crop_placement(box_xyxy: FloatArray, pad: float = BOX_PAD, rotation_deg: float = 0.0) -> FloatArray:
    """``frame_from_cell`` of the square crop around a box: centred on it, its side the box's
    long side plus ``pad`` of it on each side, turned by ``rotation_deg`` (clockwise on screen,
    the crop's up then points that way from the frame's up)."""
    x0, y0, x1, y1 = (float(v) for v in box_xyxy)
    side_px = max(x1 - x0, y1 - y0, 1.0) * (1.0 + 2.0 * pad)
    s = side_px / INPUT_SIDE_PX
    r = np.radians(rotation_deg)
    a = s * np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    centre = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    out: FloatArray = np.hstack([a, (centre - a @ np.full(2, INPUT_SIDE_PX / 2.0))[:, None]])
    return out


def _cut(image: npt.NDArray[np.uint8], frame_from_cell: FloatArray) -> npt.NDArray[np.uint8]:
    """The model's input: the placed square sampled from the frame, black beyond it.

    The frame region under the square is first shrunk by a whole factor (area average)
    so that the bilinear warp never skips pixels."""
    corners = np.array([[0, 0, 1], [INPUT_SIDE_PX, 0, 1], [0, INPUT_SIDE_PX, 1], [INPUT_SIDE_PX, INPUT_SIDE_PX, 1]])
    span = corners @ frame_from_cell.T
    h, w = image.shape[:2]
    k = max(1, int(np.floor(float(np.hypot(frame_from_cell[0, 0], frame_from_cell[1, 0])))))
    margin = 2 * k  # real pixels around the square, for the interpolation at its edges
    x0, y0 = (max(0, int(np.floor(v)) - margin) for v in span.min(axis=0))
    x1 = min(w, int(np.ceil(span[:, 0].max())) + margin)
    y1 = min(h, int(np.ceil(span[:, 1].max())) + margin)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((INPUT_SIDE_PX, INPUT_SIDE_PX, 3), np.uint8)
    region = image[y0:y1, x0:x1]
    if k > 1:
        region = np.asarray(
            cv2.resize(region, ((x1 - x0) // k or 1, (y1 - y0) // k or 1), interpolation=cv2.INTER_AREA), np.uint8
        )
    ky, kx = (y1 - y0) / region.shape[0], (x1 - x0) / region.shape[1]
    # output index (i, j) -> cell centre -> frame pixels -> region index
    cell_from_index = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    frame = np.vstack([frame_from_cell, [0.0, 0.0, 1.0]])
    region_from_frame = np.array([[1.0 / kx, 0.0, -x0 / kx - 0.5], [0.0, 1.0 / ky, -y0 / ky - 0.5], [0.0, 0.0, 1.0]])
    m = (region_from_frame @ frame @ cell_from_index)[:2]
    out = np.asarray(
        cv2.warpAffine(
            region,
            m,
            (INPUT_SIDE_PX, INPUT_SIDE_PX),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0),
        ),
        np.uint8,
    )
    return out


def segment_person(
    image_bgr: npt.NDArray[np.uint8],
    box_xyxy: FloatArray,
    *,
    rotation_deg: float = 0.0,
    threshold: float = MASK_THRESHOLD,
    pad: float = BOX_PAD,
    model: BodyMaskModel | None = None,
) -> BodyMask:
    """The lifter's mask and landmarks, from the frame and the lifter's box (x0, y0, x1, y1 pixels);
    ``rotation_deg`` turns the crop (see ``crop_placement``) so the body can stand upright in it."""
    net = load_model() if model is None else model
    frame_from_cell = crop_placement(np.asarray(box_xyxy, float), pad, rotation_deg)
    rgb01 = cv2.cvtColor(_cut(image_bgr, frame_from_cell), cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    raw, logits, presence = net(rgb01)
    uv1 = np.hstack([raw[:, :2], np.ones((NUM_LANDMARKS, 1))])
    return BodyMask(
        probability=_sigmoid(logits).astype(np.float32),
        threshold=float(threshold),
        frame_from_cell=frame_from_cell,
        landmarks_xy_px=uv1 @ frame_from_cell.T,
        landmarks_visibility=_sigmoid(raw[:, 3]),
        landmarks_presence=_sigmoid(raw[:, 4]),
        person_score=float(np.clip(presence, 0.0, 1.0)),  # already a probability (no logit)
    )


def upright_rotation_deg(hip_xy_px: FloatArray, shoulder_xy_px: FloatArray) -> float:
    """The crop rotation that puts the hip-to-shoulder line straight up in the crop
    (as BlazePose's own tracking aligns its crops); 0 when either point is missing."""
    d = np.asarray(shoulder_xy_px, float) - np.asarray(hip_xy_px, float)
    if not np.all(np.isfinite(d)) or not np.any(d):
        return 0.0
    return float(np.degrees(np.arctan2(d[0], -d[1])))


def lifter_box_xyxy(points_xy_px: FloatArray) -> FloatArray:
    """The box (x0, y0, x1, y1) around a person's seen keypoints (NaN rows skipped); NaN when none."""
    pts = np.asarray(points_xy_px, float).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if not len(pts):
        return np.full(4, np.nan)
    out: FloatArray = np.concatenate([pts.min(axis=0), pts.max(axis=0)])
    return out


def midfoot_xy_px(body: BodyMask, side: str, min_visibility: float = 0.5) -> FloatArray:
    """Mid-point of the heel and the toe (foot index) landmarks of ``side`` ("left"/"right":
    the side facing the camera); NaN when either is less visible than ``min_visibility``."""
    heel, toe = LANDMARK_NAMES[f"{side}_heel"], LANDMARK_NAMES[f"{side}_foot_index"]
    if min(body.landmarks_visibility[heel], body.landmarks_visibility[toe]) < min_visibility:
        return np.full(2, np.nan)
    out: FloatArray = (body.landmarks_xy_px[heel] + body.landmarks_xy_px[toe]) / 2.0
    return out
