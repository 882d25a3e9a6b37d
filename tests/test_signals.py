"""pipeline.signals on hand-built points and synthetic lifters with exact angles."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.signals import choose_side, estimate_view, head_pitch, joint_angles, kinematics
from pipeline.types import KP, PoseSeries
from tests import synth


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
    for got, want in ((kin.hip_flexion_deg, s.angles["hip"]), (kin.knee_flexion_deg, s.angles["knee"]),
                      (kin.shin_angle_deg, s.angles["shin"]), (kin.torso_angle_deg, s.angles["torso_angle"]),
                      (kin.neck_angle_deg, s.angles["neck"])):
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
