"""Key frames cut to the lifter: the box around their keypoints, and frames drawn inside it."""

from __future__ import annotations

import numpy as np
import pytest

from drawing import crop
from drawing import frames as render
from pipeline.types import KP
from tests.support import factories


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("crop") / "lifter.mp4", duration_s=4.0)


@pytest.fixture(scope="module")
def result(clip):
    return factories.synthetic_result(clip)


def _confident(result, t_s: float) -> np.ndarray:
    """The lifter's confident keypoints at ``t_s``, in the analysed frame's pixels."""
    p = render.pose_at(result, t_s)
    ok = np.isfinite(p.xy).all(axis=1) & (p.conf >= result.config.keypoint_conf)
    return p.xy[ok]


def _joint_near(image: np.ndarray, xy: np.ndarray, colour_rgb, radius: int = 3) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = image[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].reshape(-1, 3)
    return bool((np.abs(patch.astype(int) - np.array(colour_rgb)).sum(axis=1) < 60).any())


def test_the_lifters_box_holds_every_confident_keypoint_padded_and_inside_the_image():
    # given four confident keypoints and one that is not
    xy = np.array([[100.0, 200.0], [140.0, 200.0], [100.0, 400.0], [140.0, 400.0], [5.0, 5.0]])
    conf = np.array([0.9, 0.9, 0.9, 0.9, 0.1])
    # when the box is taken with a quarter of its longer side as padding
    box = crop.lifter_box(xy, conf, (320, 480), min_conf=0.3, pad=0.25)
    # then it holds the four, padded by 50 px, the doubtful point left out, cut at the image's edges
    assert box == crop.Box(50, 150, 191, 451)
    assert all(box.contains(x, y) for x, y in xy[:4]) and not box.contains(5.0, 5.0)
    assert crop.lifter_box(xy, conf, (160, 420), min_conf=0.3) == crop.Box(50, 150, 160, 420)
    # and with too few confident keypoints there is no lifter to cut to
    assert crop.lifter_box(xy, np.array([0.9, 0.9, 0.1, 0.1, 0.1]), (320, 480)) is None
    assert crop.lifter_box(np.full((17, 2), np.nan), np.ones(17), (320, 480)) is None


def test_a_key_frame_cut_to_the_lifter_is_smaller_than_the_frame_and_shows_every_keypoint(result, clip):
    # given rep 1's bottom on the synthetic clip
    t = result.reps[0].bottom_s
    whole, cut = render.render_frames(result, [t], clip)[0], render.render_frames(result, [t], clip, crop=True)[0]
    # then the cut is smaller than the whole frame
    assert cut.shape[0] <= whole.shape[0] and cut.shape[1] <= whole.shape[1]
    assert cut.shape[0] * cut.shape[1] < 0.8 * whole.shape[0] * whole.shape[1]
    # and it is the lifter's box, which holds every confident keypoint, each drawn as a joint inside the cut
    points = _confident(result, t)
    p = render.pose_at(result, t)
    box = crop.lifter_box(p.xy, p.conf, (whole.shape[1], whole.shape[0]), min_conf=result.config.keypoint_conf)
    assert cut.shape[:2] == (box.height, box.width) and len(points) >= crop.MIN_POINTS
    assert all(box.contains(x, y) for x, y in points)
    joint_rgb = render.JOINT[::-1]
    drawn = [f"right_{j}" for j in ("hip", "knee", "ankle", "shoulder")]
    for name in drawn:
        x, y = p.xy[KP[name]]
        assert _joint_near(cut, np.array([x - box.x0, y - box.y0]), joint_rgb), name


def test_a_cut_key_frame_keeps_its_title_and_the_deciding_measurement_in_words(result, clip):
    # given a fault's evidence frame with its deciding measurement
    t = result.reps[2].bottom_s
    mark = render.EvidenceMark("back_line_deviation_deg", 24.0, "fail")
    plain, marked = render.render_frames(result, [t, t], clip, marks=[None, mark], crop=True)
    # then the words are written inside the cut: its bottom-left corner differs from the unmarked cut
    h = plain.shape[0]
    assert plain.shape == marked.shape
    assert np.abs(marked[h - 30 :, :120].astype(int) - plain[h - 30 :, :120].astype(int)).sum() > 0
    # and the title sits on its top-left corner, as on a whole frame (dark box behind white words)
    assert (plain[:30, :120] > 230).all(axis=2).any()


def test_without_a_pose_the_whole_frame_is_kept(result, clip):
    # given a moment far outside the analysed span, when cut to the lifter, then the whole frame comes back
    whole = render.render_frames(result, [0.0], None, crop=False)[0]
    assert render.render_frames(result, [100.0], None, crop=True)[0].shape == whole.shape
