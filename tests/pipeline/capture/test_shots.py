"""Jump cuts: found on frame thumbnails, and each continuous shot judged on its own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.capture.shots import find_cuts, frame_signature, shot_bounds, shots
from pipeline.run import assess
from pipeline.types import PoseSeries
from tests.support import synth


def scene(seed: int, n: int, blob_x: np.ndarray) -> list[np.ndarray]:
    """``n`` frames of one fixed random backdrop with a dark blob moving along ``blob_x``."""
    rng = np.random.default_rng(seed)
    backdrop = (rng.random((12, 16)) * 255).astype(np.uint8)
    backdrop = np.kron(backdrop, np.ones((30, 30), np.uint8))
    frames = []
    for x in blob_x:
        img = np.stack([backdrop] * 3, axis=-1).copy()
        img[150:300, int(x) : int(x) + 60] = 20
        frames.append(img)
    return frames


def test_a_cut_is_found_where_the_picture_changes_and_not_where_the_lifter_moves():
    # given 20 frames of a person moving across one scene, then 15 frames of another scene
    frames = scene(1, 20, np.linspace(100, 300, 20)) + scene(2, 15, np.linspace(200, 260, 15))
    t = np.arange(len(frames)) / 10.0
    # when signatures are compared
    cuts = find_cuts(np.stack([frame_signature(f) for f in frames]), t)
    # then exactly one cut, at the first frame of the second shot
    assert cuts == pytest.approx((2.0,))


def test_no_cut_in_a_continuous_clip_even_with_a_lighting_change():
    frames = scene(3, 30, np.linspace(50, 350, 30))
    frames = [np.clip(f.astype(int) + (40 if i >= 15 else 0), 0, 255).astype(np.uint8) for i, f in enumerate(frames)]
    t = np.arange(len(frames)) / 10.0
    assert find_cuts(np.stack([frame_signature(f) for f in frames]), t) == ()


def test_a_pan_over_several_frames_is_not_a_cut():
    # given one scene whose picture slides sideways over four frames (the camera turning)
    rng = np.random.default_rng(5)
    wide = np.kron((rng.random((12, 40)) * 255).astype(np.uint8), np.ones((30, 30), np.uint8))
    offsets = [0] * 10 + [60, 120, 180, 240] + [240] * 10
    frames = [np.stack([wide[:, o : o + 480]] * 3, axis=-1) for o in offsets]
    t = np.arange(len(frames)) / 10.0
    # then no cut is reported
    assert find_cuts(np.stack([frame_signature(f) for f in frames]), t) == ()


def test_shot_bounds_split_at_each_cut():
    t = np.arange(50) / 10.0
    assert shot_bounds(t, (1.0, 3.05)) == [(0, 10), (10, 31), (31, 50)]
    assert shot_bounds(t, ()) == [(0, 50)]


def _spliced(first: PoseSeries, second: PoseSeries) -> PoseSeries:
    """``first`` then ``second`` as one edited clip, with the cut between them."""
    dt = float(first.t_s[1] - first.t_s[0])
    t2 = second.t_s - second.t_s[0] + first.t_s[-1] + dt
    return replace(
        first,
        t_s=np.concatenate([first.t_s, t2]),
        frame_index=np.concatenate([first.frame_index, second.frame_index + first.frame_index[-1] + 1]),
        xy=np.concatenate([first.xy, second.xy]),
        conf=np.concatenate([first.conf, second.conf]),
        cut_times_s=(float(t2[0]),),
    )


def test_edited_clip_is_judged_on_its_best_shot_and_says_so():
    # given a 2 s shot of someone standing still, cut to a side-view set of 3 hinge reps
    standing = synth.make_set(0, knots=[(0.0, 0.0), (2.0, 0.0)], origin_x=500.0).pose
    lifting = synth.make_set(3).pose
    pose = _spliced(standing, lifting)
    # when assessed
    a = assess(pose)
    # then only the lifting shot is judged: its 3 reps, and the note names the cut and the shot
    assert sum(not r.partial for r in a.segmentation.reps) == 3
    assert a.kinematics.t_s[0] == pytest.approx(pose.cut_times_s[0])
    assert "jump cut" in a.shots_note and f"{pose.cut_times_s[0]:.1f} s" in a.shots_note
    assert len(shots(pose)) == 2


def test_clip_without_cuts_is_one_shot_and_no_note():
    pose = synth.make_set(2).pose
    assert shots(pose) == [pose]
    assert assess(pose).shots_note == ""


@pytest.mark.parametrize("ascent_s, tail_s", [(0.8, 0.6), (0.6, 0.1), (0.5, 0.05)])
def test_single_pull_from_the_floor_is_one_rep(ascent_s, tail_s):
    # given one pull filmed from set-up (at the bottom) to lockout, fast ones included
    s = synth.make_set(1, from_floor=True, bottom_s=0.1, ascent_s=ascent_s, tail_s=tail_s, lead_s=0.0)
    # when assessed
    a = assess(s.pose)
    # then it is one full rep, from the floor, graded as a hinge
    reps = [r for r in a.segmentation.reps if not r.partial]
    assert len(reps) == 1 and reps[0].from_floor
    assert a.segmentation.movement == "hinge" and a.scorecard.gradable
