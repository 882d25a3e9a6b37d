"""Phase alignment of two reps: hand-built reps with exact timing, gaps, measures, time map, real clips."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline import compare
from pipeline.compare import PhaseTimes, TimeMap
from pipeline.types import KinematicSeries, Rep
from tests.support import factories, real_clips

RATE_HZ = 100.0


def _triangle(t: np.ndarray, start_s: float, bottom_s: float, lockout_s: float, low: float, high: float) -> np.ndarray:
    """``low`` at start and lockout, ``high`` at the bottom, straight lines between (linear in each phase)."""
    return np.interp(t, [start_s, bottom_s, lockout_s], [low, high, low])


def _kin(
    t: np.ndarray, hip: np.ndarray, knee: np.ndarray, torso: np.ndarray, valid: np.ndarray | None = None
) -> KinematicSeries:
    n = len(t)
    zeros = np.zeros(n)
    return KinematicSeries(
        t_s=t,
        frame_index=np.arange(n),
        side="left",
        facing=1,
        hip_flexion_deg=hip,
        knee_flexion_deg=knee,
        torso_angle_deg=torso,
        shin_angle_deg=zeros,
        neck_angle_deg=zeros,
        torso_lean_back_deg=zeros,
        hip_x_leg=zeros,
        hip_y_leg=zeros,
        shoulder_x_leg=zeros,
        shoulder_y_leg=zeros,
        wrist_x_leg=zeros,
        wrist_y_leg=zeros,
        torso_length_leg=zeros,
        valid=np.ones(n, bool) if valid is None else valid,
        leg_length_px=100.0,
        angle_noise_deg=1.0,
    )


def _rep(t: np.ndarray, start_s: float, bottom_s: float, lockout_s: float, index: int = 1) -> Rep:
    def i(x: float) -> int:
        return int(np.argmin(np.abs(t - x)))

    return Rep(
        index=index,
        start_i=i(start_s),
        bottom_i=i(bottom_s),
        lockout_i=i(lockout_s),
        end_i=i(lockout_s),
        start_s=start_s,
        bottom_s=bottom_s,
        lockout_s=lockout_s,
        end_s=lockout_s,
        bottom_start_s=bottom_s,
        bottom_end_s=bottom_s,
    )


def _set(
    start_s: float, bottom_s: float, lockout_s: float, *, hip_bottom: float = 90.0, duration_s: float = 6.0
) -> tuple[KinematicSeries, Rep]:
    """One rep: hip 10 -> hip_bottom -> 10, knee 5 -> 30 -> 5, torso 90 -> 20 -> 90, linear in each phase."""
    t = np.round(np.arange(0.0, duration_s, 1.0 / RATE_HZ), 6)
    kin = _kin(
        t,
        _triangle(t, start_s, bottom_s, lockout_s, 10.0, hip_bottom),
        _triangle(t, start_s, bottom_s, lockout_s, 5.0, 30.0),
        _triangle(t, start_s, bottom_s, lockout_s, 90.0, 20.0),
    )
    return kin, _rep(t, start_s, bottom_s, lockout_s)


# --- alignment -----------------------------------------------------------------------


def test_reps_at_different_tempos_meet_at_the_bottom():
    # given rep A 2 s down / 1 s up and rep B 1 s down / 2 s up, same joint angles at the same phase
    kin_a, rep_a = _set(1.0, 3.0, 4.0)
    kin_b, rep_b = _set(0.5, 1.5, 3.5)
    # when both are aligned on their phases
    a = compare.align_rep(kin_a, rep_a)
    b = compare.align_rep(kin_b, rep_b)
    # then both bottoms sit at 50 %, and the curves coincide everywhere
    mid = int(np.flatnonzero(a.grid_pct == 50.0)[0])
    assert a.t_s[mid] == pytest.approx(3.0) and b.t_s[mid] == pytest.approx(1.5)
    assert int(np.argmax(a.hip_flexion_deg)) == mid == int(np.argmax(b.hip_flexion_deg))
    assert a.hip_flexion_deg[mid] == pytest.approx(90.0) and b.torso_angle_deg[mid] == pytest.approx(20.0)
    for name in compare.ANGLES:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=1e-6)
    # a quarter of the way is halfway down: 1 s into A's descent, 0.5 s into B's
    quarter = int(np.flatnonzero(a.grid_pct == 25.0)[0])
    assert a.t_s[quarter] == pytest.approx(2.0) and b.t_s[quarter] == pytest.approx(1.0)
    assert a.hip_flexion_deg[quarter] == pytest.approx(50.0)


def test_differences_are_b_minus_a_on_the_grid():
    # given rep B reaching 20° more hip flexion at the bottom than rep A
    kin_a, rep_a = _set(1.0, 3.0, 4.0, hip_bottom=90.0)
    kin_b, rep_b = _set(0.5, 1.5, 3.5, hip_bottom=110.0)
    m = factories.synthetic_result().metrics[0]
    # when compared
    cmp = compare.compare_reps(kin_a, rep_a, m, kin_b, rep_b, m)
    # then the hip difference grows linearly to +20° at the bottom and back to 0 at lockout; other angles agree
    np.testing.assert_allclose(cmp.hip_flexion_change_deg, 20.0 * (1 - np.abs(cmp.grid_pct - 50.0) / 50.0), atol=1e-6)
    np.testing.assert_allclose(cmp.change_deg("knee_flexion_deg"), 0.0, atol=1e-6)
    np.testing.assert_allclose(cmp.torso_angle_change_deg, 0.0, atol=1e-6)


def test_gaps_in_the_angles_stay_gaps_on_the_grid():
    # given rep A (1 s to 3 s down, 4 s lockout) with hip flexion missing from 1.50 s to 1.80 s
    kin, rep = _set(1.0, 3.0, 4.0)
    hip = kin.hip_flexion_deg.copy()
    hip[(kin.t_s >= 1.5) & (kin.t_s <= 1.8)] = np.nan
    # and every angle flagged invalid from 3.30 s to 3.50 s
    valid = ~((kin.t_s >= 3.3) & (kin.t_s <= 3.5))
    kin_gap = _kin(kin.t_s, hip, kin.knee_flexion_deg, kin.torso_angle_deg, valid=valid)
    # when aligned
    a = compare.align_rep(kin_gap, rep)
    # then exactly the grid points whose time touches a missing sample are NaN
    hip_gap = (a.t_s > 1.49 + 1e-9) & (a.t_s < 1.81 - 1e-9)
    invalid = (a.t_s > 3.29 + 1e-9) & (a.t_s < 3.51 - 1e-9)
    assert hip_gap.sum() >= 7 and invalid.sum() >= 10
    np.testing.assert_array_equal(np.isnan(a.hip_flexion_deg), hip_gap | invalid)
    np.testing.assert_array_equal(np.isnan(a.knee_flexion_deg), invalid)
    np.testing.assert_array_equal(np.isnan(a.torso_angle_deg), invalid)
    # and the difference against a whole rep is NaN there too, and zero elsewhere
    kin_b, rep_b = _set(0.5, 1.5, 3.5)
    m = factories.synthetic_result().metrics[0]
    cmp = compare.compare_reps(kin_gap, rep, m, kin_b, rep_b, m)
    np.testing.assert_array_equal(np.isnan(cmp.hip_flexion_change_deg), hip_gap | invalid)
    np.testing.assert_allclose(cmp.hip_flexion_change_deg[~(hip_gap | invalid)], 0.0, atol=1e-6)


def test_a_rep_that_starts_at_the_bottom_has_no_descent_curve():
    # given a set that begins at the bottom: start == bottom
    kin, rep = _set(1.0, 1.0, 2.5)
    # when aligned
    a = compare.align_rep(kin, rep)
    # then the first half is empty and the way up is there
    assert np.isnan(a.hip_flexion_deg[a.grid_pct < 50]).all()
    assert np.isfinite(a.hip_flexion_deg[a.grid_pct >= 50]).all()
    assert a.hip_flexion_deg[-1] == pytest.approx(10.0)


def test_sample_at_is_nan_outside_the_series():
    t = np.array([0.0, 1.0, 2.0])
    y = np.array([0.0, 10.0, 20.0])
    out = compare.sample_at(t, y, np.array([-0.1, 0.0, 0.5, 2.0, 2.1]))
    np.testing.assert_allclose(out, [np.nan, 0.0, 5.0, 20.0, np.nan])


def test_phase_times_must_be_in_order():
    with pytest.raises(ValueError):
        PhaseTimes(1.0, 3.0, 2.0)
    with pytest.raises(ValueError):
        PhaseTimes(1.0, 1.0, 1.0)


# --- time map ------------------------------------------------------------------------


def test_time_map_plays_the_phases_in_step():
    # given A: 1 s start, 3 s bottom, 4 s lockout; B: 0.5, 1.5, 3.5
    tm = TimeMap(PhaseTimes(1.0, 3.0, 4.0), PhaseTimes(0.5, 1.5, 3.5))
    # then the phases land on each other, and the phase fraction in between is kept
    np.testing.assert_allclose(tm.b_time_s(np.array([1.0, 2.0, 3.0, 3.5, 4.0])), [0.5, 1.0, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(tm.a_time_s(np.array([0.5, 1.0, 1.5, 2.5, 3.5])), [1.0, 2.0, 3.0, 3.5, 4.0])
    # times outside the rep clamp to its ends
    np.testing.assert_allclose(tm.b_time_s(np.array([0.0, 9.0])), [0.5, 3.5])
    # two thirds of A's time (start to lockout) is A's bottom, so B's bottom
    assert float(tm.b_time_at_fraction(2 / 3)) == pytest.approx(1.5)
    assert tm.a.knots_s == (1.0, 3.0, 4.0) and tm.b.knots_s == (0.5, 1.5, 3.5)


# --- measures ------------------------------------------------------------------------


def _metrics(**changes):
    import dataclasses

    return dataclasses.replace(factories.synthetic_result().metrics[0], **changes)


def test_a_change_counts_when_it_exceeds_the_combined_error():
    # given angle errors of 2° and 3° (combined sqrt(13) = 3.61°)
    a = _metrics(
        angle_uncertainty_deg=2.0,
        hip_flexion_bottom_deg=90.0,
        knee_flexion_bottom_deg=30.0,
        back_curve_deg=None,
        ascent_s=1.0,
        descent_s=2.0,
    )
    b = _metrics(
        angle_uncertainty_deg=3.0,
        hip_flexion_bottom_deg=94.0,
        knee_flexion_bottom_deg=33.0,
        back_curve_deg=12.0,
        ascent_s=2.0,
        descent_s=2.1,
    )
    # and both series sampled at 10 Hz: a duration's error is sqrt(2) x 0.1 s each, 0.2 s combined
    rows = {
        m.field: m
        for m in compare.measure_changes(a, b, time_error_a_s=math.sqrt(2) / 10, time_error_b_s=math.sqrt(2) / 10)
    }
    # then a 4° change is beyond the error and a 3° change is not
    hip, knee = rows["hip_flexion_bottom_deg"], rows["knee_flexion_bottom_deg"]
    assert hip.change == pytest.approx(4.0) and hip.error == pytest.approx(math.sqrt(13)) and hip.beyond_error
    assert knee.change == pytest.approx(3.0) and knee.beyond_error is False
    # a missing value gives no verdict; a ratio has no error model
    assert rows["back_curve_deg"].change is None and rows["back_curve_deg"].beyond_error is None
    assert rows["hinge_ratio"].error is None and rows["hinge_ratio"].beyond_error is None
    # durations use the time error
    assert rows["ascent_s"].error == pytest.approx(0.2) and rows["ascent_s"].beyond_error is True
    assert rows["descent_s"].change == pytest.approx(0.1) and rows["descent_s"].beyond_error is False


def test_time_error_is_two_samples_of_the_series():
    kin, _ = _set(1.0, 3.0, 4.0)
    assert compare.time_error_s(kin) == pytest.approx(math.sqrt(2) / RATE_HZ)


def test_measure_rows_format_values_change_and_verdict():
    result = factories.synthetic_result()
    cmp = compare.compare_results(result, 1, result, 3, label_a="set · rep 1", label_b="set · rep 3")
    rows = {r["Measure"]: r for r in compare.measure_rows(cmp)}
    hip = rows["Hip bend at the bottom"]
    # synthetic rep 1 reaches 90°, rep 3 81°; both reps have 2.5° error -> 3.5° combined
    assert (hip["A"], hip["B"], hip["Change"], hip["Error ±"], hip["Beyond error"]) == (
        "90°",
        "81°",
        "-9.0°",
        "3.5°",
        "yes",
    )
    assert rows["Hinge ratio"]["Error ±"] == "no error model"
    assert cmp.a.label == "set · rep 1" and cmp.b.rep_index == 3


def test_compare_results_rejects_an_unknown_rep():
    result = factories.synthetic_result()
    with pytest.raises(ValueError, match="no rep 7"):
        compare.compare_results(result, 1, result, 7)


# --- real clips ------------------------------------------------------------------------


@pytest.mark.e2e
def test_clean_rep_against_rounded_back_rep_of_the_same_lifter(estimator):
    # given the same lifter's clean set and rounded-back set
    good = real_clips.analysed(real_clips.CORRECT, estimator)
    bad = real_clips.analysed(real_clips.ROUNDED, estimator)
    # when rep 2 of each is compared
    cmp = compare.compare_results(good, 2, bad, 2, label_a="clean", label_b="rounded")
    # then both curves are mostly there and each rep's deepest hip flexion sits near 50 %
    for side in (cmp.a, cmp.b):
        assert np.isfinite(side.hip_flexion_deg).mean() > 0.9
        assert abs(side.grid_pct[int(np.nanargmax(side.hip_flexion_deg))] - 50.0) <= 10.0
    # and the rounded-back set bends the hips further with a flatter torso, beyond measurement error
    rows = {m.field: m for m in cmp.measures}
    assert rows["hip_flexion_bottom_deg"].change > 0 and rows["hip_flexion_bottom_deg"].beyond_error
    assert rows["torso_angle_bottom_deg"].change < 0 and rows["torso_angle_bottom_deg"].beyond_error
    assert np.nanmean(cmp.torso_angle_change_deg[40:61]) < 0
    # and the time map takes A's bottom to B's
    rep_a = next(r for r in good.reps if r.index == 2)
    rep_b = next(r for r in bad.reps if r.index == 2)
    assert float(cmp.time_map.b_time_s(rep_a.bottom_s)) == pytest.approx(rep_b.bottom_s)
