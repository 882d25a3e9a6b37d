"""pipeline.measure.signals on hand-built points and synthetic lifters with exact angles."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.measure.signals import choose_side, estimate_view, head_pitch, joint_angles, kinematics
from pipeline.types import KP, PoseSeries
from tests.support import synth


def _pts(**kw) -> dict[str, np.ndarray]:
    return {k: np.array([v], dtype=float) for k, v in kw.items()}


def test_joint_angles_standing_tall_is_all_zero() -> None:
    p = _pts(ankle=(0, 0), knee=(0, 0.5), hip=(0, 1), shoulder=(0, 1.6), ear=(0, 1.8))
    a = joint_angles(p)
    for name in ("hip_flexion_deg", "knee_flexion_deg", "shin_angle_deg", "neck_angle_deg", "torso_lean_back_deg"):
        assert a[name][0] == pytest.approx(0.0, abs=1e-9), name
    assert a["torso_angle_deg"][0] == pytest.approx(90.0)


def test_joint_angles_horizontal_torso_is_90_hip_flexion() -> None:
    p = _pts(ankle=(0, 0), knee=(0, 0.5), hip=(0, 1), shoulder=(0.6, 1), ear=(0.8, 1))
    a = joint_angles(p)
    assert a["hip_flexion_deg"][0] == pytest.approx(90.0)
    assert a["torso_angle_deg"][0] == pytest.approx(0.0)
    assert a["neck_angle_deg"][0] == pytest.approx(0.0)


def test_joint_angles_knee_and_shin_signs() -> None:
    """Knee 0.1 forward of the ankle, hip straight over the ankle: shin +, knee flexed +."""
    d = np.degrees(np.arctan2(0.1, 0.5))
    p = _pts(ankle=(0, 0), knee=(0.1, 0.5), hip=(0, 1.0), shoulder=(0, 1.6), ear=(0, 1.8))
    a = joint_angles(p)
    assert a["shin_angle_deg"][0] == pytest.approx(d)
    assert a["knee_flexion_deg"][0] == pytest.approx(2 * d)
    assert a["hip_flexion_deg"][0] == pytest.approx(d)  # thigh points forward from the hip


@pytest.mark.parametrize("pattern", [synth.HINGE, synth.SQUAT], ids=["hinge", "squat"])
def test_generator_geometry_matches_joint_angles_exactly(pattern) -> None:
    s = synth.make_set(2, pattern=pattern)
    a = joint_angles(s.body)
    for name in ("hip", "knee", "shin", "neck"):
        key = {"shin": "shin_angle_deg"}.get(name, f"{name}_flexion_deg" if name != "neck" else "neck_angle_deg")
        np.testing.assert_allclose(a[key], s.angles[name], atol=1e-9)
    np.testing.assert_allclose(a["torso_angle_deg"], s.angles["torso_angle"], atol=1e-9)


@pytest.mark.parametrize("facing", [1, -1])
def test_kinematics_recovers_the_prescribed_angles(facing: int) -> None:
    """Given a clean 12 Hz hinge set, then every angle is within 0.5 deg away from the clip ends."""
    s = synth.make_set(3, facing=facing)
    kin = kinematics(s.pose)
    core = slice(6, -6)
    assert kin.facing == facing
    for got, want in (
        (kin.hip_flexion_deg, s.angles["hip"]),
        (kin.knee_flexion_deg, s.angles["knee"]),
        (kin.shin_angle_deg, s.angles["shin"]),
        (kin.torso_angle_deg, s.angles["torso_angle"]),
        (kin.neck_angle_deg, s.angles["neck"]),
    ):
        assert np.max(np.abs(got[core] - want[core])) < 0.5
    assert kin.valid.all()


@pytest.mark.parametrize("facing", [1, -1])
def test_kinematics_on_a_squat_recovers_big_knee_flexion(facing: int) -> None:
    s = synth.make_set(2, pattern=synth.SQUAT, facing=facing)
    kin = kinematics(s.pose)
    core = slice(6, -6)
    assert np.max(np.abs(kin.knee_flexion_deg[core] - s.angles["knee"][core])) < 0.5
    assert np.nanmax(kin.knee_flexion_deg) > 110


@pytest.mark.parametrize("near", ["left", "right"])
def test_choose_side_picks_the_more_confident_side(near: str) -> None:
    body = synth.make_set(1).body
    xy, conf = synth.to_pixels(body, facing=1, origin_x=300.0, near=near)
    pose = PoseSeries(np.arange(len(xy)) / 12.0, np.arange(len(xy)), xy, conf, 960, 640)
    assert choose_side(pose) == near


def test_estimate_view_side_for_a_profile_and_front_when_shoulders_are_wide() -> None:
    s = synth.make_set(1)
    view, conf = estimate_view(s.pose)
    assert view == "side" and conf >= 0.5
    xy = s.pose.xy.copy()  # spread left and right 0.25 leg either side of the body line
    for name in ("shoulder", "hip"):
        xy[:, KP[f"left_{name}"], 0] -= 50
        xy[:, KP[f"right_{name}"], 0] += 50
    front = PoseSeries(s.pose.t_s, s.pose.frame_index, xy, s.pose.conf, 960, 640)
    assert estimate_view(front)[0] == "front"


@pytest.mark.parametrize("pitch", [-20.0, 0.0, 25.0])
def test_head_pitch_sign(pitch: float) -> None:
    """Looking up is positive, chin tucked negative, at any torso lean."""
    for lean in (0.0, 60.0):
        pat = synth.Pattern(hip=(lean, lean), knee=(0, 0), shin=(0, 0), pitch=(pitch, pitch))
        s = synth.make_set(1, pattern=pat, lead_s=0.5, tail_s=0.5)
        b = s.body
        got = head_pitch(b["nose"], b["ear"], b["shoulder"], b["hip"])
        np.testing.assert_allclose(got, pitch, atol=1e-9)
        kin = kinematics(s.pose)
        assert np.nanmedian(kin.head_pitch_deg) == pytest.approx(pitch, abs=0.5)


@pytest.mark.parametrize("facing", [1, -1])
def test_single_leg_hinge_follows_the_standing_leg_whatever_the_model_calls_it(facing: int) -> None:
    """Given a single-leg hinge whose free leg swings back in line with the torso, with the leg
    names swapped in some frames and both names on the free leg in two frames at the bottom,
    when the kinematics are computed, then it is flagged single-leg, the hip angle is the
    standing leg's where that leg is named (within 0.5 deg) and the planted foot never moves."""
    s = synth.make_set(1, facing=facing)
    n = len(s.t)
    bottom = int(np.argmax(s.angles["hip"]))
    swapped = list(range(bottom - 6, bottom - 2)) + list(range(bottom + 3, bottom + 6))
    both_free = [bottom - 1, bottom]
    kin = kinematics(synth.with_free_leg(s, swapped=swapped, both_free=both_free))
    assert kin.single_leg
    named = np.array([i not in both_free and 3 <= i < n - 3 and abs(i - bottom) > 3 for i in range(n)])
    assert np.max(np.abs(kin.hip_flexion_deg[named] - s.angles["hip"][named])) < 0.5
    assert np.ptp(kin.ankle_x_leg) < 0.01 and np.ptp(kin.ankle_y_leg) < 0.01


def test_a_two_legged_hinge_is_not_single_leg() -> None:
    """Given a two-legged hinge with noisy points, then it is not flagged single-leg."""
    s = synth.make_set(3, noise_px=2.0, seed=4)
    assert not kinematics(s.pose).single_leg


def test_walking_is_not_a_single_leg_hinge() -> None:
    """Given legs that split while the torso stays upright (a stride), then it is not single-leg."""
    s = synth.make_set(1, pattern=synth.Pattern(hip=(5.0, 8.0), knee=(5.0, 6.0), shin=(2.0, 2.0)))
    legs_apart = synth.with_free_leg(s)
    xy = legs_apart.xy.copy()
    far = "right"
    xy[:, KP[f"{far}_knee"], 0] -= 0.4 * synth.LEG_PX  # the back leg a stride behind
    xy[:, KP[f"{far}_ankle"], 0] -= 0.8 * synth.LEG_PX
    from dataclasses import replace

    assert not kinematics(replace(legs_apart, xy=xy)).single_leg
