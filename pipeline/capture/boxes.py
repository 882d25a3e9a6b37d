"""Box geometry shared by the tracker and the mirror average: xyxy boxes, areas, overlaps."""

from __future__ import annotations

import numpy as np


def area(boxes: np.ndarray) -> np.ndarray:
    """Area of each box (N,4) -> (N,)."""
    out: np.ndarray = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return out


def intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overlap area between boxes ``a`` (N,4) and ``b`` (M,4) -> (N,M)."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter: np.ndarray = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    return inter


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between boxes ``a`` (N,4) and ``b`` (M,4) -> (N,M)."""
    inter = intersection(a, b)
    out: np.ndarray = inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-9)
    return out
