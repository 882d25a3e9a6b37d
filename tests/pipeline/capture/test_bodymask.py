"""The body outline (BlazePose full's person mask, run with LiteRT) on real fixture frames, and its model file."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

import models
from pipeline.capture.bodymask import SIDE_PX, BodyMasker, upright_crop
from pipeline.capture.video import iter_frames_at
from pipeline.errors import ModelError
from pipeline.measure.backcurve import JOINTS, trace_back
from pipeline.types import KP
from tests.support.paths import REPO

# (clip, time at a rep's bottom, the side facing the camera): a kettlebell deadlift in a hoodie against
# a white wall, and a barbell pull from the floor in a gym
BOTTOMS = [
    ("tby66_kb-deadlift_roundedback_side.mp4", 2.9, "left"),
    ("tby66_kb-deadlift_correct_side.mp4", 2.8, "left"),
    ("formfit_deadlift_side_good.mp4", 0.626, "right"),
]


@pytest.fixture(scope="module")
def masker() -> BodyMasker:
    try:
        models.body_mask_file()
    except models.WeightsNotFound as exc:
        pytest.skip(f"body-outline model not fetched: {exc}")
    return BodyMasker()


def _lifter(estimator, clips_dir, clip: str, t_s: float, side: str):
    """The frame at ``t_s`` and the biggest person's side keypoints, from the real pose model."""
    [(_, frame)] = list(iter_frames_at(clips_dir / clip, [t_s]))
    [found] = estimator.detect([frame.image])
    k = int(
        np.argmax((found.boxes_xyxy[:, 2] - found.boxes_xyxy[:, 0]) * (found.boxes_xyxy[:, 3] - found.boxes_xyxy[:, 1]))
    )
    pts = {j: found.xy[k, KP[f"{side}_{j}"]] for j in JOINTS}
    return frame.image, pts


@pytest.mark.parametrize("clip, t_s, side", BOTTOMS)
def test_the_mask_covers_the_lifter_s_trunk_and_leaves_the_crop_s_corners(
    masker, estimator, clips_dir, clip, t_s, side
):
    # given a real frame at a rep's bottom and the lifter's keypoints from the pose model
    image, pts = _lifter(estimator, clips_dir, clip, t_s, side)
    # when the body outline is read
    outline = masker.outline(image, pts)
    # then the hip, the shoulder and the middle of the trunk are on the body, and no corner of the crop is
    for where in (pts["hip"], pts["shoulder"], (pts["hip"] + pts["shoulder"]) / 2):
        x, y = (outline.to_crop[:, :2] @ where + outline.to_crop[:, 2]).astype(int)
        assert outline.mask[y, x], f"{clip}: {where} is off the mask"
    assert not outline.mask[[0, 0, -1, -1], [0, -1, 0, -1]].any()
    assert outline.mask.shape == (SIDE_PX, SIDE_PX) and 0.05 < outline.mask.mean() < 0.6


@pytest.mark.parametrize("clip, t_s, side", BOTTOMS)
def test_the_back_s_contour_is_found_on_the_mask(masker, estimator, clips_dir, clip, t_s, side):
    # given the outline of a real lifter at a rep's bottom
    image, pts = _lifter(estimator, clips_dir, clip, t_s, side)
    outline = masker.outline(image, pts)
    # when the back is traced on it
    curve = trace_back(outline.mask, outline.to_crop, pts, t_s)
    # then most of the contour is found, on the back's side, and both readings are made
    found = np.isfinite(curve.contour_xy).all(axis=1)
    assert found.mean() > 0.8
    assert np.isfinite(curve.back_curve_deg) and np.isfinite(curve.back_hump_ratio)
    assert -30.0 < curve.back_curve_deg < 60.0 and 0.0 <= curve.back_hump_ratio < 0.3


@pytest.mark.parametrize("clip, t_s, side", BOTTOMS[:1])
def test_a_mirrored_crop_gives_the_mirrored_mask(masker, estimator, clips_dir, clip, t_s, side):
    # given the upright crop of a real lifter at a rep's bottom, and the same crop mirrored left to right
    image, pts = _lifter(estimator, clips_dir, clip, t_s, side)
    crop, to_crop = upright_crop(image, pts)
    flipped = np.ascontiguousarray(crop[:, ::-1])
    # when both are read
    mask, mirrored = masker.read(crop, to_crop).mask, masker.read(flipped, to_crop).mask
    # then the two masks are mirror images, pixel for pixel (the logits are averaged over both orientations)
    assert np.array_equal(mirrored[:, ::-1], mask)
    # and reading one orientation only, as before, they differ along the outline
    one_way = BodyMasker(mirror_average=False)
    assert not np.array_equal(one_way.read(flipped, to_crop).mask[:, ::-1], one_way.read(crop, to_crop).mask)


def test_the_crop_stands_the_trunk_upright_with_every_point_inside():
    # given a trunk lying level to the right of the hip (a hinge's bottom) in a 1920 x 1080 frame
    image = np.zeros((1080, 1920, 3), np.uint8)
    pts = {"hip": np.array([900.0, 600.0]), "shoulder": np.array([1200.0, 560.0]), "ankle": np.array([1000.0, 1000.0])}
    # when the upright crop is cut
    crop, to_crop = upright_crop(image, pts)
    hip, shoulder, ankle = (to_crop[:, :2] @ p + to_crop[:, 2] for p in pts.values())
    # then the hip is at the centre, the shoulder straight above it, and every point inside the crop
    np.testing.assert_allclose(hip, [SIDE_PX / 2, SIDE_PX / 2], atol=1e-9)
    assert abs(shoulder[0] - hip[0]) < 1e-6 and shoulder[1] < hip[1]
    assert all(0 <= v < SIDE_PX for v in (*shoulder, *ankle))
    assert crop.shape == (SIDE_PX, SIDE_PX, 3) and crop.dtype == np.float32


def test_an_altered_model_file_is_refused_with_what_to_do(tmp_path, monkeypatch):
    # given a models folder whose body-outline file is not the pinned one
    monkeypatch.setattr(models, "MODELS_DIR", tmp_path)
    (tmp_path / models.BODY_MASK).write_bytes(b"not the model")
    # when the masker is loaded
    with pytest.raises(ModelError) as caught:
        BodyMasker()
    # then the message names the checksum and the command that puts it right, and the file is left as it was
    assert "sha256" in caught.value.message and "python -m models fetch" in caught.value.message
    assert (tmp_path / models.BODY_MASK).read_bytes() == b"not the model"


def test_a_missing_model_file_that_cannot_be_fetched_says_how_to_get_it(tmp_path, monkeypatch):
    # given an empty models folder and no package index (pip download fails)
    monkeypatch.setattr(models, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(models, "BODY_MASK_WHEEL_SPEC", "mediapipe==0.0.0.does-not-exist")
    # when the masker is loaded
    with pytest.raises(ModelError) as caught:
        BodyMasker()
    # then the message says what is missing and how to get it
    assert models.BODY_MASK in caught.value.message and "python -m models fetch" in caught.value.message


def test_the_shipped_model_file_is_the_pinned_one(masker):
    # given the file `python -m models fetch` extracted from the pinned mediapipe wheel
    data = masker.path.read_bytes()
    # then it is the pinned file, and the model's input and mask are the sizes the code assumes
    assert hashlib.sha256(data).hexdigest() == models.BODY_MASK_SHA256
    assert masker._interpreter.get_input_details()[0]["shape"].tolist() == [1, SIDE_PX, SIDE_PX, 3]


def test_loading_the_model_writes_nothing_to_standard_error(masker):
    # given a fresh process (LiteRT announces its CPU delegate on the process's standard error)
    code = "from pipeline.capture.bodymask import BodyMasker; BodyMasker(); print('loaded')"
    # when it loads the body-outline model
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    # then it loads, and standard error stays clean (the command line's progress lines are all it carries)
    assert proc.returncode == 0 and proc.stdout.strip() == "loaded", proc.stderr
    assert proc.stderr == ""


def test_a_back_traced_without_a_masker_lets_its_model_go_afterwards(monkeypatch, estimator):
    # given a real clip's analysis, and every body masker that tracing makes watched by a weak reference
    import gc
    import weakref

    import pipeline.run
    from tests.support import real_clips

    result = real_clips.analysed(real_clips.CORRECT, estimator)
    made: list[weakref.ref] = []

    def watched() -> BodyMasker:
        masker = BodyMasker()
        made.append(weakref.ref(masker))
        return masker

    monkeypatch.setattr(pipeline.run, "BodyMasker", watched)
    # when its backs are traced with no masker handed in (as ``analyze`` does)
    clip = real_clips.CLIPS_DIR / real_clips.CORRECT
    backs = pipeline.run.trace_backs(clip, result.pose, result.kinematics, result.reps)
    gc.collect()
    # then the same backs are read, by a masker loaded for the call and gone once it returns (a long-lived
    # worker keeps only its pose model between jobs)
    assert [b.back_curve_deg for b in backs] == pytest.approx(
        [b.back_curve_deg for b in result.back_curves], nan_ok=True
    )
    assert len(made) == 1 and made[0]() is None
