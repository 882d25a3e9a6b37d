"""The learned body outline (BlazePose on LiteRT): real fixture frames, the crop geometry, the pinned file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import models
from pipeline.capture.body_mask import (
    INPUT_SIDE_PX,
    BodyMask,
    crop_placement,
    lifter_box_xyxy,
    load_model,
    midfoot_xy_px,
    segment_person,
    upright_rotation_deg,
)
from pipeline.measure.backcurve import JOINTS, trace_back
from pipeline.types import KP

# (clip, time in s): a lifter bent over at the bottom of a hinge, side view
BENT_OVER = [("tby66_kb-deadlift_roundedback_side.mp4", 5.0), ("formfit_deadlift_side_good.mp4", 0.5)]


@pytest.fixture(scope="module")
def body_model():
    """The pinned BlazePose model from models/, or a skip saying how to get it."""
    try:
        return load_model()
    except models.WeightsNotFound as exc:
        pytest.skip(f"body-outline model not found: {exc}")


def _frame_and_lifter(
    clips_dir: Path, name: str, t_s: float, estimator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The frame nearest ``t_s``, the biggest person's YOLO box and 17 keypoints in it, and the
    side the model saw better (as ``pipeline.measure.signals.choose_side``: the one facing the camera)."""
    from pipeline.capture.video import iter_frames_at

    path = clips_dir / name
    if not path.is_file():
        pytest.skip(f"clip missing: {path}")
    ((_, frame),) = list(iter_frames_at(path, [t_s]))
    det = estimator.detect([frame.image])[0]
    assert len(det), f"no person found in {name} at {t_s} s"
    area = (det.boxes_xyxy[:, 2] - det.boxes_xyxy[:, 0]) * (det.boxes_xyxy[:, 3] - det.boxes_xyxy[:, 1])
    k = int(np.argmax(area))
    conf = {s: float(np.mean([det.kp_conf[k, KP[f"{s}_{j}"]] for j in JOINTS])) for s in ("left", "right")}
    side = max(conf, key=lambda s: conf[s])
    assert all(np.all(np.isfinite(det.xy[k, KP[f"{side}_{j}"]])) for j in JOINTS)
    return frame.image, det.boxes_xyxy[k], det.xy[k], side


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "t_s"), BENT_OVER)
def test_mask_covers_the_torso_and_not_the_corners(clips_dir, estimator, body_model, name, t_s):
    # given a real side-view frame of a lifter at the bottom of a hinge, and the pose model's box
    image, box, xy, side = _frame_and_lifter(clips_dir, name, t_s, estimator)
    rotation = upright_rotation_deg(xy[KP[f"{side}_hip"]], xy[KP[f"{side}_shoulder"]])
    # when the lifter is segmented on a crop turned so the trunk stands upright
    body = segment_person(image, box, rotation_deg=rotation, model=body_model)
    full = body.frame_mask(image.shape[:2])
    # then the shoulder and hip keypoints lie on the mask, in the crop and in the frame-sized mask
    torso = np.array([xy[KP[f"{side}_{j}"]] for j in ("shoulder", "hip")])
    assert body.contains(torso).all()
    assert all(full[int(y), int(x)] for x, y in torso)
    # and the frame's corners are background, the mask a plausible share of the box
    h, w = image.shape[:2]
    assert not body.contains(np.array([[1.0, 1.0], [w - 2.0, 1.0], [1.0, h - 2.0], [w - 2.0, h - 2.0]])).any()
    assert not (full[0, 0] or full[0, -1] or full[-1, 0] or full[-1, -1])
    box_area = float((box[2] - box[0]) * (box[3] - box[1]))
    assert 0.2 < full.sum() / box_area < 1.2
    # and the model says it saw a person, with its hip landmark near the pose model's hip
    assert body.person_score > 0.5 and body.threshold == 0.5
    trunk_px = float(np.linalg.norm(torso[0] - torso[1]))
    hip_lm = body.landmarks_xy_px[23 if side == "left" else 24]
    assert np.linalg.norm(hip_lm - torso[1]) < 0.5 * trunk_px


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "t_s"), BENT_OVER)
def test_back_is_traced_on_the_learned_mask(clips_dir, estimator, body_model, name, t_s):
    # given the same frame, its mask from the box of the lifter's keypoints (as the pipeline does)
    image, _, xy, side = _frame_and_lifter(clips_dir, name, t_s, estimator)
    pts = {j: xy[KP[f"{side}_{j}"]] for j in JOINTS}
    body = segment_person(
        image, lifter_box_xyxy(xy), model=body_model, rotation_deg=upright_rotation_deg(pts["hip"], pts["shoulder"])
    )
    # when the back is traced on that mask instead of GrabCut's cut
    curve = trace_back(image, pts, t_s, silhouette=body.frame_mask(image.shape[:2]))
    # then a back contour is found and measured
    assert np.isfinite(curve.back_curve_deg) and abs(curve.back_curve_deg) < 90
    assert np.isfinite(curve.contour_xy).all(axis=1).sum() >= 20


@pytest.mark.e2e
def test_midfoot_from_heel_and_toe_sits_at_the_seen_foot(clips_dir, estimator, body_model):
    # given a frame whose near foot is in plain view (kettlebell deadlift, side view)
    name, t_s = BENT_OVER[0]
    image, _, xy, side = _frame_and_lifter(clips_dir, name, t_s, estimator)
    hip, shoulder, ankle = (xy[KP[f"{side}_{j}"]] for j in ("hip", "shoulder", "ankle"))
    body = segment_person(
        image, lifter_box_xyxy(xy), rotation_deg=upright_rotation_deg(hip, shoulder), model=body_model
    )
    # when the mid-foot is taken from the heel and toe landmarks of the side facing the camera
    foot = midfoot_xy_px(body, side)
    # then both were seen, and it lies within a fifth of a trunk length of the pose model's ankle
    assert np.all(np.isfinite(foot))
    assert np.linalg.norm(foot - ankle) < 0.2 * float(np.linalg.norm(shoulder - hip))


# --------------------------------------------------------------------------- crop geometry (no model)


def _fake_mask(frame_from_cell: np.ndarray, cells: tuple[slice, slice]) -> BodyMask:
    prob = np.zeros((INPUT_SIDE_PX, INPUT_SIDE_PX), np.float32)
    prob[cells] = 1.0
    nan = np.full(39, np.nan)
    return BodyMask(prob, 0.5, frame_from_cell, np.full((39, 2), np.nan), nan, nan, 0.0)


@pytest.mark.parametrize("rotation_deg", [0.0, -70.0])
def test_frame_mask_and_contains_agree_on_the_crop_placement(rotation_deg):
    # given a crop around a box, turned or not, whose middle cells are the person
    placement = crop_placement(np.array([300.0, 100.0, 500.0, 400.0]), rotation_deg=rotation_deg)
    body = _fake_mask(placement, (slice(96, 160), slice(96, 160)))
    # when the mask is drawn over the frame and read at points
    full = body.frame_mask((600, 800))
    ys, xs = np.nonzero(full)
    # then the crop's centre is the box's centre and is on the mask; a frame corner is not
    assert body.contains(np.array([400.0, 250.0])) and full[250, 400]
    assert not body.contains(np.array([0.0, 0.0]))
    # and nearly every pixel of the frame-sized mask is on the mask by ``contains`` too
    assert body.contains(np.stack([xs + 0.5, ys + 0.5], axis=1)).mean() > 0.97
    # and the mask's area is the cells' area in frame pixels (64 x 64 cells)
    assert full.sum() == pytest.approx((64 * body.px_per_cell) ** 2, rel=0.05)


def test_crop_past_the_frame_edge_is_black():
    # given a white frame and a box at its top-left corner (the padded square leaves the frame)
    from pipeline.capture.body_mask import _cut

    image = np.full((200, 300, 3), 255, np.uint8)
    crop = _cut(image, crop_placement(np.array([0.0, 0.0, 100.0, 100.0])))
    # then the crop is the model's size, black where the square is outside the frame and white inside
    assert crop.shape == (INPUT_SIDE_PX, INPUT_SIDE_PX, 3)
    assert (crop[:20, :20] == 0).all() and (crop[200:, 200:] == 255).all()


# --------------------------------------------------------------------------- the pinned file


def _assert_says_how_to_get(exc: models.WeightsNotFound) -> None:
    assert "python -m models fetch" in str(exc) and models.BODY_MASK_MODEL in str(exc)


def test_missing_model_raises_a_clear_error(tmp_path):
    # given a models folder without the BlazePose file
    # when the model is loaded
    with pytest.raises(models.WeightsNotFound) as info:
        load_model(tmp_path)
    # then the message says how to get it (no LiteRT traceback)
    _assert_says_how_to_get(info.value)


def test_altered_model_raises_a_clear_error_before_litert_sees_it(tmp_path):
    # given a models folder whose BlazePose file is not the pinned one (one byte changed)
    real = models.MODELS_DIR / models.BODY_MASK_MODEL
    altered = tmp_path / models.BODY_MASK_MODEL
    if real.is_file():
        shutil.copy(real, altered)
        data = bytearray(altered.read_bytes())
        data[len(data) // 2] ^= 0xFF
        altered.write_bytes(bytes(data))
    else:
        altered.write_bytes(b"TFL3 but not the model")
    assert hashlib.sha256(altered.read_bytes()).hexdigest() != models.BODY_MASK_SHA256
    # when the model is loaded
    with pytest.raises(models.WeightsNotFound) as info:
        load_model(tmp_path)
    # then the message names the sha256 mismatch and says how to put the right file back
    _assert_says_how_to_get(info.value)
    assert "sha256" in str(info.value)
