"""One answer for a frame and its mirror image: the model's two readings averaged.

A pose model is not mirror-symmetric: the same lift filmed from the other side
(or a phone's mirrored selfie video) moves its knee, hip and head angles at the
bottom by 5-6 deg at the median (docs/accuracy.md). Running the model on the
frame and on its mirror image, flipping the second answer back (x -> width - x,
left and right swapped) and averaging the two makes a mirrored clip's pose the
exact mirror of the original's, and averages two partly independent errors.

People are paired by box overlap; within a person each left/right pair is taken
in the order that puts the two readings nearer each other (a side view's far
limb can carry either label); points are averaged weighted by the model's
confidence, and a point is kept where the mean confidence passes the threshold.
Where the two readings name a pair's points the other way round, the one more
sure of that pair names them, so the answer does not depend on which of the two
images was the original.
"""

from __future__ import annotations

import numpy as np

from pipeline.capture.boxes import iou
from pipeline.capture.openvino_pose import RawPose

# COCO-17: nose, then (left, right) pairs of eyes, ears, shoulders, elbows, wrists, hips, knees, ankles
MIRRORED = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15])
PAIRS = tuple((left, left + 1) for left in range(1, 17, 2))
MATCH_IOU = 0.5  # a person seen in both images: boxes overlapping this much after flipping back
SAME_PERSON_IOU = 0.3  # a person found in one image only, overlapping someone kept this much, is that person


def flip_image(image: np.ndarray) -> np.ndarray:
    """The frame's mirror image (left-right), contiguous for the model's input."""
    return np.ascontiguousarray(image[:, ::-1])


def _float64(raw: RawPose) -> RawPose:
    """``raw`` in float64 copies (the runtimes answer in float32)."""
    return RawPose(*(np.array(part, dtype=np.float64) for part in vars(raw).values()))


def flip_back(raw: RawPose, width: int) -> RawPose:
    """A mirror image's answer in the original frame's pixels, left and right labels swapped."""
    raw = _float64(raw)
    boxes = raw.boxes_xyxy.copy()
    boxes[:, [0, 2]] = width - raw.boxes_xyxy[:, [2, 0]]
    xy = raw.keypoints_xy[:, MIRRORED]
    xy[..., 0] = width - xy[..., 0]
    return RawPose(boxes, raw.box_conf, xy, raw.keypoint_conf[:, MIRRORED])


def _pairs(a: RawPose, b: RawPose) -> list[tuple[int, int]]:
    """Greedy best-overlap pairing of the people in ``a`` and ``b`` (IoU >= MATCH_IOU), in ``a``'s order."""
    if not len(a.box_conf) or not len(b.box_conf):
        return []
    overlap = iou(a.boxes_xyxy, b.boxes_xyxy)
    pairs: list[tuple[int, int]] = []
    while overlap.size and overlap.max() >= MATCH_IOU:
        i, j = np.unravel_index(int(np.argmax(overlap)), overlap.shape)
        pairs.append((int(i), int(j)))
        overlap[i, :] = -1.0
        overlap[:, j] = -1.0
    return sorted(pairs)


def _align_sides(
    xy_a: np.ndarray, c_a: np.ndarray, xy_b: np.ndarray, c_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """``b``'s keypoints with each left/right pair swapped where that puts them nearer ``a``'s, and the
    pairs whose labels the more confident reading (``b``) should give the average."""
    xy_b, c_b = xy_b.copy(), c_b.copy()
    relabel = []
    for left, right in PAIRS:
        same = np.hypot(*(xy_a[left] - xy_b[left])) + np.hypot(*(xy_a[right] - xy_b[right]))
        swapped = np.hypot(*(xy_a[left] - xy_b[right])) + np.hypot(*(xy_a[right] - xy_b[left]))
        if swapped < same:
            xy_b[[left, right]] = xy_b[[right, left]]
            c_b[[left, right]] = c_b[[right, left]]
            if c_b[left] + c_b[right] > c_a[left] + c_a[right]:
                relabel.append((left, right))
    return xy_b, c_b, relabel


def _average_person(
    xy_a: np.ndarray, c_a: np.ndarray, xy_b: np.ndarray, c_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence-weighted mean of one person's two readings, and the mean confidence."""
    w_a, w_b = np.clip(c_a, 1e-6, None)[:, None], np.clip(c_b, 1e-6, None)[:, None]
    xy = (w_a * xy_a + w_b * xy_b) / (w_a + w_b)
    return xy, (c_a + c_b) / 2.0


def mirror_average(original: RawPose, mirrored: RawPose, width: int) -> RawPose:
    """The people of a frame from its own answer and its mirror image's (still mirrored: flipped back
    here). A person found in only one of the two is kept as found where no one kept overlaps them; the
    result does not depend on which of the two images was the original, up to the order of the people."""
    back, a = flip_back(mirrored, width), _float64(original)
    pairs = _pairs(a, back)
    boxes, box_conf, xy, kconf = [], [], [], []
    for i, j in pairs:
        xy_b, c_b, relabel = _align_sides(
            a.keypoints_xy[i], a.keypoint_conf[i], back.keypoints_xy[j], back.keypoint_conf[j]
        )
        p_xy, p_conf = _average_person(a.keypoints_xy[i], a.keypoint_conf[i], xy_b, c_b)
        for left, right in relabel:  # the two readings disagree on which is left: the surer one names them
            p_xy[[left, right]] = p_xy[[right, left]]
            p_conf[[left, right]] = p_conf[[right, left]]
        boxes.append((a.boxes_xyxy[i] + back.boxes_xyxy[j]) / 2.0)
        box_conf.append((a.box_conf[i] + back.box_conf[j]) / 2.0)
        xy.append(p_xy)
        kconf.append(p_conf)
    # found in one image only: kept, most confident first, unless it overlaps someone kept (the same
    # person boxed differently in the two images would else come twice)
    alone = [
        (raw, k)
        for raw, used in ((a, {i for i, _ in pairs}), (back, {j for _, j in pairs}))
        for k in range(len(raw.box_conf))
        if k not in used
    ]
    for raw, k in sorted(alone, key=lambda rk: -float(rk[0].box_conf[rk[1]])):
        if boxes and iou(raw.boxes_xyxy[k : k + 1], np.array(boxes)).max() >= SAME_PERSON_IOU:
            continue
        boxes.append(raw.boxes_xyxy[k])
        box_conf.append(raw.box_conf[k])
        xy.append(raw.keypoints_xy[k])
        kconf.append(raw.keypoint_conf[k])
    if not boxes:
        return RawPose.empty()
    return RawPose(np.array(boxes), np.array(box_conf), np.array(xy), np.array(kconf))
