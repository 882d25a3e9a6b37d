"""pipeline.measure.metrics on synthetic reps with known angles and timing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.measure.metrics import all_rep_metrics, set_metrics
from pipeline.measure.reps import segment_reps
from pipeline.measure.signals import kinematics
from tests.support import synth

DT = 1.0 / synth.FPS + 1e-9  # one sample period (plus float rounding)


def _metrics(s: synth.Synth):
    kin = kinematics(s.pose)
    seg = segment_reps(kin)
    return kin, seg, all_rep_metrics(kin, seg.reps)


@pytest.mark.parametrize(
    "pattern", [synth.HINGE, synth.Pattern(hip=(5, 80), knee=(5, 45), shin=(2, 15))], ids=["stiff", "bent-knee"]
)
def test_bottom_angles_and_hinge_ratio(pattern) -> None:
    s = synth.make_set(3, pattern=pattern, bottom_s=0.3)
    _, _, ms = _metrics(s)
    assert len(ms) == 3
    torso = 90 - (pattern.hip[1] - pattern.knee[1] + pattern.shin[1])
    d_hip, d_knee = pattern.hip[1] - pattern.hip[0], pattern.knee[1] - pattern.knee[0]
    for m in ms:
        assert m.hip_flexion_bottom_deg == pytest.approx(pattern.hip[1], abs=0.5)
        assert m.knee_flexion_bottom_deg == pytest.approx(pattern.knee[1], abs=0.5)
        assert m.torso_angle_bottom_deg == pytest.approx(torso, abs=0.5)
        assert m.shin_angle_bottom_deg == pytest.approx(pattern.shin[1], abs=0.5)
        assert m.hinge_ratio == pytest.approx(d_hip / (d_hip + d_knee), abs=0.02)
        assert m.lockout_hip_flexion_deg == pytest.approx(pattern.hip[0], abs=0.5)


def test_phase_durations_within_one_sample() -> None:
    s = synth.make_set(3, descent_s=1.5, bottom_s=0.6, ascent_s=1.0)
    _, _, ms = _metrics(s)
    for m in ms:
        assert m.descent_s == pytest.approx(1.5, abs=DT)
        assert m.bottom_pause_s == pytest.approx(0.6, abs=DT)
        assert m.ascent_s == pytest.approx(1.0, abs=DT)


def test_phase_durations_keep_their_order() -> None:
    """Slow descent, quick ascent, long pause: the measured phases rank the same way."""
    slow = _metrics(synth.make_set(3, descent_s=2.4, bottom_s=1.2, ascent_s=0.8))[2]
    fast = _metrics(synth.make_set(3, descent_s=0.8, bottom_s=0.0, ascent_s=0.8))[2]
    for a, b in zip(slow, fast):
        assert a.descent_s > b.descent_s + 0.8  # true difference 1.6 s
        assert a.bottom_pause_s > b.bottom_pause_s + 0.8  # true difference 1.2 s
        assert a.ascent_s == pytest.approx(b.ascent_s, abs=2 * DT)


def test_lockout_lean_back_is_positive_when_leaning_back() -> None:
    """Top position with the torso 8 deg behind vertical (hip flexion -8)."""
    pat = synth.Pattern(hip=(-8.0, 90.0), knee=(0.0, 20.0), shin=(0.0, 6.0))
    _, _, ms = _metrics(synth.make_set(3, pattern=pat, top_s=1.0))
    for m in ms:
        assert m.lockout_lean_back_deg == pytest.approx(8.0, abs=0.5)
        assert m.lockout_hip_flexion_deg == pytest.approx(-8.0, abs=0.5)
    upright = _metrics(synth.make_set(3, top_s=1.0))[2]
    assert all(m.lockout_lean_back_deg < 0 for m in upright)  # 5 deg forward at the top


def _tilted(s: synth.Synth, deg: float) -> synth.Synth:
    """The same set filmed with the camera rolled by ``deg`` (every point turned about the picture's centre)."""
    c, si = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    centre = np.array([s.pose.image_width / 2, s.pose.image_height / 2])
    xy = (s.pose.xy - centre) @ np.array([[c, si], [-si, c]]) + centre
    return replace(s, pose=replace(s.pose, xy=xy))


def test_the_lockout_hip_angle_does_not_move_with_a_tilted_camera() -> None:
    """Given a finish 18 deg past the knee-hip-shoulder line, when the camera is rolled 12 deg either way,
    then the hip angle read at lockout is the same, while the torso against the picture's vertical is not."""
    pat = synth.Pattern(hip=(-18.0, 90.0), knee=(0.0, 20.0), shin=(0.0, 6.0))
    level = _metrics(synth.make_set(3, pattern=pat, top_s=1.0))[2]
    for deg in (12.0, -12.0):
        tilted = _metrics(_tilted(synth.make_set(3, pattern=pat, top_s=1.0), deg))[2]
        assert len(tilted) == len(level) == 3
        for a, b in zip(level, tilted):
            assert b.lockout_hip_flexion_deg == pytest.approx(-18.0, abs=0.5)
            assert b.lockout_hip_flexion_deg == pytest.approx(a.lockout_hip_flexion_deg, abs=0.5)
            assert abs(b.lockout_lean_back_deg - a.lockout_lean_back_deg) > 8.0


@pytest.mark.parametrize("direction", [1, -1])
def test_set_depth_drift_sign(direction: int) -> None:
    depths = [0.8, 0.85, 0.9, 0.95, 1.0, 1.05][::direction]
    pat = synth.Pattern(hip=(5.0, 85.0), knee=(5.0, 25.0), shin=(2.0, 8.0))
    _, seg, ms = _metrics(synth.make_set(6, pattern=pat, depths=depths))
    sm = set_metrics(ms)
    assert sm.rep_count == 6
    expected = np.mean([d * 80 for d in depths[-2:]]) - np.mean([d * 80 for d in depths[:2]])
    assert np.sign(sm.depth_drift_deg) == direction
    assert sm.depth_drift_deg == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize("jitter_hz", [2.4, 3.0])
def test_back_line_at_the_bottom_is_read_from_five_samples_not_one(jitter_hz: float) -> None:
    # given three reps whose head-to-torso line bends 10 deg at the bottom, and the ear point
    # jittering 12 px up and down (slow enough for the low-pass filter to keep it)
    from dataclasses import replace

    s = synth.make_set(3, bottom_s=0.6)
    xy = s.pose.xy.copy()
    for name in ("left_ear", "right_ear"):
        xy[:, synth.KP[name], 1] += 12.0 * np.sin(2 * np.pi * jitter_hz * s.t)
    _, _, ms = _metrics(replace(s, pose=replace(s.pose, xy=xy)))
    # when measured, then each rep's back line is the 10 deg bend (one sample alone read up to 20 deg off)
    assert len(ms) == 3
    for m in ms:
        assert m.back_line_deviation_deg == pytest.approx(10.0, abs=1.5)


def test_the_rise_ratios_error_is_half_its_spread_as_its_window_moves() -> None:
    """Given hips rising at twice the shoulders' speed all the way up, every window reads 2 and the error is
    0; given shoulders that stall for the first 0.3 s, the windows disagree and the error is half their spread."""
    from pipeline.measure.metrics import EARLY_ASCENT_SHARE, RISE_ERROR_SHARES, _rise_ratio, _rise_ratio_error

    kin, seg, _ = _metrics(synth.make_set(1, ascent_s=1.2, bottom_s=0.3))
    rep = seg.reps[0]
    t0, t1 = rep.bottom_end_s, rep.lockout_s
    up = np.clip((kin.t_s - t0) / (t1 - t0), 0.0, 1.0)  # 0 at the bottom's end, 1 at lockout
    steady = replace(kin, hip_y_leg=0.5 + 0.4 * up, shoulder_y_leg=1.0 + 0.2 * up)
    shares = (RISE_ERROR_SHARES[0], EARLY_ASCENT_SHARE, RISE_ERROR_SHARES[1])
    assert [_rise_ratio(steady, rep, sh) for sh in shares] == pytest.approx([2.0, 2.0, 2.0])
    assert _rise_ratio_error(steady, rep) == pytest.approx(0.0)
    stalled = replace(steady, shoulder_y_leg=1.0 + 0.2 * np.clip((kin.t_s - t0 - 0.15) / (t1 - t0), 0.0, 1.0))
    early, mid, late = (_rise_ratio(stalled, rep, sh) for sh in shares)
    assert early is not None and mid is not None and late is not None
    assert early >= mid >= late > 2.0 and early > late  # the later the window ends, the more the shoulders caught up
    assert _rise_ratio_error(stalled, rep) == pytest.approx((early - late) / 2)
