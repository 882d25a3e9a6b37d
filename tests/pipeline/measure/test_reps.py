"""pipeline.measure.reps on synthetic sets whose rep times and angles are known exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pipeline.measure.metrics import all_rep_metrics
from pipeline.measure.reps import segment_reps
from pipeline.measure.signals import kinematics
from tests.support import synth

DT = 1.0 / synth.FPS + 1e-9  # one sample period (plus float rounding)


def _run(s: synth.Synth):
    kin = kinematics(s.pose)
    return kin, segment_reps(kin)


@pytest.mark.parametrize("facing", [1, -1])
def test_clean_hinges_count_and_bottoms(facing: int) -> None:
    s = synth.make_set(5, facing=facing)
    kin, seg = _run(s)
    assert seg.movement == "hinge"
    assert len(seg.reps) == 5 and not any(r.partial for r in seg.reps)
    for r, tr in zip(seg.reps, s.reps):
        assert tr.bottom_start_s - DT <= r.bottom_s <= tr.bottom_end_s + DT
        assert r.start_s < r.bottom_s < r.lockout_s
        assert kin.hip_flexion_deg[r.bottom_i] == pytest.approx(synth.HINGE.hip[1], abs=0.5)


def test_clean_hinges_start_and_lockout_within_one_sample() -> None:
    s = synth.make_set(5)
    _, seg = _run(s)
    for r, tr in zip(seg.reps, s.reps):
        assert abs(r.start_s - tr.start_s) <= DT
        assert abs(r.lockout_s - tr.lockout_s) <= DT


def test_clean_hinges_start_and_lockout_bias_is_bounded() -> None:
    """Start never before the true start, lockout never after the true lockout (and both close);
    the one-sample test above is the tight version."""
    s = synth.make_set(5)
    _, seg = _run(s)
    for r, tr in zip(seg.reps, s.reps):
        assert tr.start_s - DT <= r.start_s <= tr.start_s + 0.25
        assert tr.lockout_s - 0.25 <= r.lockout_s <= tr.lockout_s + DT


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_dropouts_and_spikes_keep_the_count(seed: int) -> None:
    """2 px noise, a 0.3 s gap mid-rep (rep 3's descent), a 2 s gap in the tail, spikes."""
    s0 = synth.make_set(5, tail_s=3.5)
    rep3 = s0.reps[2]
    last = s0.reps[-1].lockout_s
    s = synth.make_set(
        5,
        tail_s=3.5,
        noise_px=2.0,
        seed=seed,
        dropouts=[(rep3.start_s + 0.4, 0.3), (last + 1.0, 2.0)],
        spikes=[
            (s0.reps[0].start_s + 0.5, "left_shoulder"),
            (s0.reps[1].bottom_s, "left_hip"),
            (s0.reps[3].lockout_s - 0.3, "left_knee"),
        ],
    )
    _, seg = _run(s)
    assert len(seg.reps) == 5 and not any(r.partial for r in seg.reps)
    assert seg.movement == "hinge"


def test_set_from_the_floor() -> None:
    s = synth.make_set(4, from_floor=True, bottom_s=0.5)
    _, seg = _run(s)
    assert len(seg.reps) == 4
    assert seg.reps[0].from_floor and not any(r.from_floor for r in seg.reps[1:])


def test_parking_the_weight_at_the_end_is_not_a_rep() -> None:
    s = synth.make_set(3, park_at_end=True, tail_s=2.0)
    _, seg = _run(s)
    assert len(seg.reps) == 3
    assert seg.reps[-1].lockout_s <= s.reps[-1].lockout_s + DT


def test_shallow_rep_among_deep_ones_is_partial() -> None:
    s = synth.make_set(5, depths=[1.0, 1.0, 0.5, 1.0, 1.0])
    _, seg = _run(s)
    assert [r.partial for r in seg.reps] == [False, False, True, False, False]


def test_pauses_at_top_and_bottom() -> None:
    s = synth.make_set(4, bottom_s=1.0, top_s=1.5)
    kin, seg = _run(s)
    assert len(seg.reps) == 4
    for m in all_rep_metrics(kin, seg.reps):
        # the bottom phase spans samples within max(3 deg, 8% of depth) of the deepest: ~0.17 s wider each side
        assert 1.0 - DT <= m.bottom_pause_s <= 1.0 + 0.4


def test_walking_in_is_not_counted() -> None:
    s = synth.make_set(3, walk_in_s=3.0)
    _, seg = _run(s)
    assert len(seg.reps) == 3
    assert seg.reps[0].start_s >= 3.0 - DT


def test_squat_pattern_is_a_squat() -> None:
    s = synth.make_set(4, pattern=synth.SQUAT)
    _, seg = _run(s)
    assert seg.movement == "squat" and len(seg.reps) == 4


@pytest.mark.parametrize("walk", [0.0, 6.0], ids=["standing", "walking"])
def test_no_lift_is_none(walk: float) -> None:
    s = synth.make_set(0, walk_in_s=walk, knots=[(0.0, 0.0), (6.0, 0.0)])
    _, seg = _run(s)
    assert seg.movement == "none" and seg.reps == ()


def test_pull_from_the_floor_counts_when_the_hips_shift_during_set_up():
    # given a clip that opens at the bottom of a pull: for a second the lifter sets up, hips sinking
    # back while the shoulders stay low (one frame's hip keypoint badly off), then pulls to lockout
    from dataclasses import replace

    pose = synth.make_set(0, knots=[(0.0, 1.0), (1.0, 1.0), (2.0, 0.0), (2.8, 0.0)]).pose
    xy = pose.xy.copy()
    setup = pose.t_s < 1.0
    for name in ("left_hip", "right_hip"):
        xy[setup, synth.KP[name], 0] += np.linspace(0.0, -60.0, setup.sum())
        xy[1, synth.KP[name], 0] += 120.0
    # when segmented
    seg = segment_reps(kinematics(replace(pose, xy=xy)))
    # then the pull is one full rep from the floor (the set-up is not held against it)
    assert [(bool(r.from_floor), r.partial) for r in seg.reps] == [(True, False)]


def test_a_clip_that_stops_on_the_way_up_does_not_count_that_rep():
    # given two full reps, then a third whose clip ends 40 % of the way short of the top
    knots = [
        (0.0, 0.0),
        (1.0, 0.0),
        (2.2, 1.0),
        (3.2, 0.0),
        (4.0, 0.0),
        (5.2, 1.0),
        (6.2, 0.0),
        (7.0, 0.0),
        (8.2, 1.0),
        (9.0, 0.4),
    ]
    s = synth.make_set(0, knots=knots)
    # when segmented
    reps = segment_reps(kinematics(s.pose)).reps
    # then the two finished reps count and the unfinished one is only partial
    assert [r.partial for r in reps] == [False, False, True]


def test_a_single_pull_from_the_floor_locks_out_when_the_hips_first_reach_the_top():
    # given a clip that opens at the bottom, pulls to lockout at 1.2 s and stands, leaning back a
    # little for a moment at 2.5 s
    s = synth.make_set(0, knots=[(0.0, 1.0), (0.2, 1.0), (1.2, 0.0), (2.3, 0.0), (2.5, -0.08), (2.7, 0.0), (3.0, 0.0)])
    # when segmented
    reps = segment_reps(kinematics(s.pose)).reps
    # then one rep from the floor, locked out at 1.2 s (not at the end of the standing)
    assert [(bool(r.from_floor), r.partial) for r in reps] == [(True, False)]
    assert abs(reps[0].lockout_s - 1.2) <= 2 * DT


def _occluded_dip(pose, t0: float, t1: float, drop_px: float, shoulder_conf: float | None):
    """The shoulder and hip points sag ``drop_px`` between t0 and t1 while the head stays put:
    keypoints guessed behind a weight plate, the lifter standing still."""
    from dataclasses import replace

    xy, conf = pose.xy.copy(), pose.conf.copy()
    sel = (pose.t_s >= t0) & (pose.t_s <= t1)
    bump = np.sin(np.pi * (pose.t_s[sel] - t0) / (t1 - t0)) * drop_px
    for name in ("left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_elbow", "right_elbow"):
        xy[sel, synth.KP[name], 1] += bump
        xy[sel, synth.KP[name], 0] -= bump * 0.6
        if shoulder_conf is not None and "shoulder" in name:
            conf[sel, synth.KP[name]] = shoulder_conf
    return replace(pose, xy=xy, conf=conf)


def test_shoulders_sagging_behind_a_plate_while_the_head_stays_put_is_no_rep():
    # given one real pull from the floor, then the lifter standing while the shoulder points sag and return
    s = synth.make_set(0, knots=[(0.0, 1.0), (0.2, 1.0), (1.2, 0.0), (4.0, 0.0)])
    pose = _occluded_dip(s.pose, 2.0, 2.6, drop_px=100.0, shoulder_conf=None)
    # when segmented
    reps = segment_reps(kinematics(pose)).reps
    # then only the pull counts
    assert len(reps) == 1 and reps[0].from_floor


def test_a_cycle_on_barely_seen_shoulders_is_no_rep():
    # given the same sag with the head out of view and the model unsure of the shoulders (conf 0.4)
    from dataclasses import replace

    s = synth.make_set(0, knots=[(0.0, 1.0), (0.2, 1.0), (1.2, 0.0), (4.0, 0.0)])
    pose = _occluded_dip(s.pose, 2.0, 2.6, drop_px=100.0, shoulder_conf=0.4)
    xy = pose.xy.copy()
    for name in ("nose", "left_ear", "right_ear", "left_eye", "right_eye"):
        xy[(pose.t_s >= 1.8) & (pose.t_s <= 2.8), synth.KP[name]] = np.nan
    # when segmented
    reps = segment_reps(kinematics(replace(pose, xy=xy))).reps
    # then only the pull counts
    assert len(reps) == 1 and reps[0].from_floor


def test_a_plate_hiding_the_feet_at_the_floor_does_not_refuse_the_pull():
    # given a pull from the floor whose ankle points, guessed behind the plate (confidence 0.6), ride
    # up 0.45 leg lengths during the set-up and drop back as the bar leaves the floor
    from dataclasses import replace

    s = synth.make_set(0, knots=[(0.0, 1.0), (1.2, 1.0), (2.2, 0.0), (3.0, 0.0)])
    xy, conf = s.pose.xy.copy(), s.pose.conf.copy()
    setup = s.pose.t_s < 1.4
    bump = np.sin(np.pi * s.pose.t_s[setup] / 1.4) * 0.45 * synth.LEG_PX
    for name in ("left_ankle", "right_ankle"):
        xy[setup, synth.KP[name], 1] -= bump
        conf[setup, synth.KP[name]] = 0.6
    # when segmented
    reps = segment_reps(kinematics(replace(s.pose, xy=xy, conf=conf))).reps
    # then it is one full pull from the floor
    assert [(bool(r.from_floor), r.partial) for r in reps] == [(True, False)]
    # and the same rise on ankles seen surely (a hop) still refuses it
    conf[setup, synth.KP["left_ankle"]] = conf[setup, synth.KP["right_ankle"]] = 0.95
    assert segment_reps(kinematics(replace(s.pose, xy=xy, conf=conf))).reps == ()


def test_a_long_set_up_with_the_hips_wandering_does_not_refuse_the_pull():
    # given a clip that opens with 2.2 s of set-up at the floor where the hip points (legs half hidden)
    # slide 30 px forward and back, the hip angle dipping ~30 deg, while the shoulders stay low;
    # then a 0.9 s pull to lockout
    from dataclasses import replace

    s = synth.make_set(0, knots=[(0.0, 1.0), (2.2, 1.0), (3.1, 0.0), (3.6, 0.0)])
    xy, t = s.pose.xy.copy(), s.pose.t_s
    setup = (t > 0.1) & (t < 2.2)
    shift = 30.0 * np.sqrt(np.sin(np.pi * (t[setup] - 0.1) / 2.1))
    for name in ("left_hip", "right_hip"):
        xy[setup, synth.KP[name], 0] += shift
        xy[setup, synth.KP[name], 1] += 0.6 * shift
    # when segmented
    reps = segment_reps(kinematics(replace(s.pose, xy=xy))).reps
    # then the pull counts: it is judged from where the shoulders leave the bottom
    assert [(bool(r.from_floor), r.partial) for r in reps] == [(True, False)]


def test_a_single_leg_rdl_whose_leg_points_jump_to_the_free_leg_at_the_bottom_counts():
    # given one single-leg RDL where, for 0.75 s around the bottom, the model puts both legs' knee
    # and ankle points on the free leg (the knee then reads bent backwards)
    s = synth.make_set(1, lead_s=0.8, tail_s=0.8, descent_s=1.6, ascent_s=1.2, bottom_s=0.5)
    bottom = np.flatnonzero((s.t >= s.reps[0].bottom_start_s - 0.15) & (s.t <= s.reps[0].bottom_end_s + 0.1))
    pose = synth.with_free_leg(s, both_free=list(bottom))
    kin = kinematics(pose)
    assert np.nanmin(kin.knee_flexion_deg[bottom]) < -25.0
    # when segmented
    reps = segment_reps(kin).reps
    # then it is one full rep
    assert [r.partial for r in reps] == [False]


def test_a_clip_that_stops_on_the_way_up_has_its_last_lockout_out_of_view() -> None:
    # given two full reps, then a third that the clip cuts off on the way up (shoulders back within 30 %
    # of the depth, short of the top)
    knots = [
        (0.0, 0.0),
        (1.5, 0.0),
        (2.7, 1.0),
        (3.7, 0.0),
        (4.5, 0.0),
        (5.7, 1.0),
        (6.7, 0.0),
        (7.5, 0.0),
        (8.7, 1.0),
        (9.5, 0.4),
    ]
    s = synth.make_set(0, knots=knots)
    # when the reps are found
    _, seg = _run(s)
    # then the earlier lockouts are in view and the last one is not (it is neither missed nor seen)
    assert len(seg.reps) == 3
    assert [r.lockout_in_view for r in seg.reps] == [True, True, False]
    assert seg.reps[-1].partial


KNEE_DOMINANT = synth.Pattern(hip=(5.0, 80.0), knee=(5.0, 120.0), shin=(2.0, 35.0))


def test_a_knee_dominant_pull_with_the_weight_in_the_hands_is_a_hinge() -> None:
    # given reps whose knees do most of the bending while the hands hang with the weight
    s = synth.make_set(4, pattern=KNEE_DOMINANT)
    # when classified
    _, seg = _run(s)
    # then it is a (faulty) hinge, for the grading's squatting check, not "not a hinge"
    assert seg.movement == "hinge" and len(seg.reps) == 4
    assert seg.hinge_ratio < 0.45


def test_the_same_knee_bend_with_the_hands_at_the_shoulders_is_a_squat() -> None:
    s = synth.make_set(4, pattern=dataclasses.replace(KNEE_DOMINANT, hands="shoulders"))
    _, seg = _run(s)
    assert seg.movement == "squat"
