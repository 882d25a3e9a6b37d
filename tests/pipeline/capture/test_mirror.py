"""The mirror average: a frame's answer and its mirror image's made one, symmetric by construction."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.capture.mirror import MIRRORED, PAIRS, flip_back, flip_image, mirror_average
from pipeline.capture.openvino_pose import RawPose

WIDTH = 640


def _person(
    x0: float, y0: float, rng: np.random.Generator, conf: float = 0.9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xy = np.stack([x0 + rng.uniform(0, 80, 17), y0 + rng.uniform(0, 200, 17)], axis=1)
    box = np.array([xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()])
    return xy, box, np.full(17, conf)


def _raw(*people: tuple[np.ndarray, np.ndarray, np.ndarray]) -> RawPose:
    if not people:
        return RawPose(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 17, 2)), np.zeros((0, 17)))
    return RawPose(
        np.array([p[1] for p in people]),
        np.full(len(people), 0.8),
        np.array([p[0] for p in people]),
        np.array([p[2] for p in people]),
    )


def _mirror_of(raw: RawPose) -> RawPose:
    """What a mirror-exact model would answer on the flipped frame."""
    return flip_back(raw, WIDTH)  # flipping is its own inverse


def test_mirrored_index_swaps_every_left_right_pair_and_keeps_the_nose() -> None:
    # given COCO-17's order, when mirrored twice, then nothing moved; once, each pair is swapped
    assert (MIRRORED[MIRRORED] == np.arange(17)).all()
    assert MIRRORED[0] == 0
    for left, right in PAIRS:
        assert (MIRRORED[left], MIRRORED[right]) == (right, left)


def test_flip_image_is_a_contiguous_left_right_mirror() -> None:
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    flipped = flip_image(image)
    assert flipped.flags["C_CONTIGUOUS"]
    assert (flipped[:, 0] == image[:, 2]).all()


def test_a_mirror_exact_model_gives_its_own_answer_back() -> None:
    # given a model whose answer on the mirror image is the exact mirror of its answer
    rng = np.random.default_rng(0)
    original = _raw(_person(100, 50, rng), _person(400, 80, rng))
    # when the two are averaged, then the points are the original's
    out = mirror_average(original, _mirror_of(original), WIDTH)
    assert len(out.box_conf) == 2
    np.testing.assert_allclose(out.keypoints_xy, original.keypoints_xy)
    np.testing.assert_allclose(out.boxes_xyxy, original.boxes_xyxy)


def test_points_are_averaged_weighted_by_confidence() -> None:
    # given a knee read 10 px apart on the two images, twice as sure on the original
    rng = np.random.default_rng(1)
    xy, box, conf = _person(200, 100, rng)
    seen = _raw((xy, box, conf))
    moved = xy.copy()
    moved[13, 0] += 10.0
    mirror_conf = conf.copy()
    mirror_conf[13] = conf[13] / 2
    other = _mirror_of(_raw((moved, box, mirror_conf)))
    # when averaged, then the knee sits a third of the way toward the mirror's reading
    out = mirror_average(seen, other, WIDTH)
    assert out.keypoints_xy[0, 13, 0] == pytest.approx(xy[13, 0] + 10.0 / 3.0, abs=1e-9)
    assert out.keypoint_conf[0, 13] == pytest.approx((conf[13] + conf[13] / 2) / 2)


def test_the_answer_does_not_depend_on_which_image_was_the_original() -> None:
    # given two readings that disagree on positions and on which knee is the left one
    rng = np.random.default_rng(2)
    xy, box, conf = _person(250, 60, rng)
    other_xy = xy + rng.normal(0, 3, xy.shape)
    other_xy[[13, 14]] = other_xy[[14, 13]]  # the mirror calls the knees the other way round
    other_conf = np.clip(conf + rng.normal(0, 0.05, 17), 0, 1)
    a = _raw((xy, box, conf))
    b = _raw((other_xy, box, other_conf))
    # when each is taken as the original in turn (the other flipped, as the mirror image's answer)
    one = mirror_average(a, _mirror_of(b), WIDTH)
    two = flip_back(mirror_average(_mirror_of(b), a, WIDTH), WIDTH)
    # then the two answers are the same people and points
    np.testing.assert_allclose(one.keypoints_xy, two.keypoints_xy, atol=1e-9)
    np.testing.assert_allclose(one.keypoint_conf, two.keypoint_conf, atol=1e-12)
    # and the knees were paired by position, not by label: each average is near one knee of both readings
    knees = one.keypoints_xy[0, [13, 14]]
    for k in (13, 14):
        assert min(np.hypot(*(knee - xy[k])) for knee in knees) < 15.0
        assert min(np.hypot(*(knee - other_xy[k])) for knee in knees) < 15.0


def test_a_person_found_in_one_image_only_is_kept_as_found() -> None:
    # given a bystander the mirror image does not show
    rng = np.random.default_rng(3)
    lifter, bystander = _person(100, 50, rng), _person(450, 40, rng, conf=0.4)
    out = mirror_average(_raw(lifter, bystander), _mirror_of(_raw(lifter)), WIDTH)
    # when averaged, then both are there, the bystander unchanged
    assert len(out.box_conf) == 2
    kept = [k for k in range(2) if np.allclose(out.keypoints_xy[k], bystander[0])]
    assert len(kept) == 1


def test_no_people_in_either_image_gives_no_people() -> None:
    out = mirror_average(_raw(), _raw(), WIDTH)
    assert out.keypoints_xy.shape == (0, 17, 2)


def test_the_same_person_boxed_apart_in_the_two_images_comes_once() -> None:
    # given the lifter matched in both images, and the mirror image also giving a second, looser box on
    # the same lifter (overlapping 0.4: too little to pair, too much to be someone else)
    rng = np.random.default_rng(4)
    xy, box, conf = _person(100, 50, rng)
    loose = box + np.array([0.0, 0.0, 0.0, box[3] - box[1]]) * 1.5  # the box run on below the feet
    original = _raw((xy, box, conf))
    mirrored = _raw((xy, box, conf), (xy + 5.0, loose, conf * 0.6))
    # when averaged, then one person comes out
    out = mirror_average(original, _mirror_of(mirrored), WIDTH)
    assert len(out.box_conf) == 1
