"""The set's verdict: a check fails only past its level by more than the rep's measurement error;
readings inside that error make a set "borderline"; what is not in view is neither passed nor failed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pipeline.judge.coaching import load_catalogue
from pipeline.judge.grading import LOCKOUT_NOT_IN_VIEW, grade
from pipeline.judge.rules import FAULT_BY_CODE, RULES, evaluate_row, margin_for, thresholds_for
from tests.support.grading import crit, grade_reps, make_kin, make_rep, make_seg, make_set

LOCKOUT_RULE = next(r for r in RULES if r.row_id == "incomplete_lockout.hip")
KBDL = load_catalogue()["kettlebell_deadlift"]
UNCERTAINTY_DEG = 3.0  # make_rep's angle_uncertainty_deg


# ------------------------------------------------------------- one reading
@pytest.mark.parametrize(
    "value, status, in_margin",
    [
        (12.1, "warn", False),  # past warn, short of the level: a watch item, and nothing rests on it
        (15.0, "warn", False),  # on the level, not past it
        (15.1, "warn", True),  # past the level, inside the margin
        (18.0, "warn", True),  # past the level, still inside the margin
        (18.1, "fail", False),  # past the level by more than the error
        (9.0, "pass", False),
    ],
)
def test_a_reading_fails_only_past_its_level_by_more_than_the_error(value, status, in_margin):
    # given a rule flagging above 10 and failing above 15, measured with a 3-unit error
    # when a reading is evaluated
    row = evaluate_row(LOCKOUT_RULE, value, 10.0, 15.0, 3.0)
    # then it fails only beyond 15 + 3, and is "inside the margin" past 15 by up to 3
    assert (row.status, row.in_margin) == (status, in_margin)


def test_below_rules_mirror_the_margin():
    rule = dataclasses.replace(LOCKOUT_RULE, direction="below")
    assert evaluate_row(rule, 5.9, 20.0, 10.0, 4.0).status == "fail"
    assert evaluate_row(rule, 6.0, 20.0, 10.0, 4.0).in_margin
    assert evaluate_row(rule, 9.9, 20.0, 10.0, 4.0).in_margin
    assert not evaluate_row(rule, 10.0, 20.0, 10.0, 4.0).in_margin
    assert not evaluate_row(rule, 14.1, 20.0, 10.0, 4.0).in_margin


# --------------------------------------------------------------- a whole set
def _lockout_levels() -> tuple[float, float, float]:
    warn, fail = thresholds_for(LOCKOUT_RULE, KBDL, None)
    return warn, fail, margin_for(LOCKOUT_RULE, UNCERTAINTY_DEG)


@pytest.mark.parametrize(
    "offset, verdict",
    [
        (-10.0, "clean"),  # well short of the level
        (-0.5, "clean"),  # just short of it: a watch item at most, the level is not passed
        (+0.5, "borderline"),  # just past it, still within the error
        (+1.1, "faulty"),  # past the level by more than the error (in margin units)
    ],
)
def test_the_set_verdict_says_when_it_rests_on_readings_inside_the_error(offset, verdict):
    # given ten reps whose hips stay bent at the top by the same amount, near the lockout level
    warn, fail, margin = _lockout_levels()
    value = fail + offset * margin if abs(offset) <= 2 else fail + offset
    reps = [make_rep(i, lockout_hip_flexion_deg=value) for i in range(1, 11)]
    # when the set is graded
    card = grade_reps(reps)
    # then the verdict is clean, borderline or faulty, and only a faulty set names the fault
    assert card.verdict == verdict
    assert ("incomplete_lockout" in card.faults) == (verdict == "faulty")
    if verdict == "borderline":
        c = crit(card.reps[0], "incomplete_lockout")
        assert c.status == "warn" and c.borderline
        assert card.overall_grade in ("A", "B")


def test_a_borderline_set_is_borderline_under_two_percent_noise_of_its_readings():
    # given readings that wobble a little past the level, inside the error every time
    warn, fail, margin = _lockout_levels()
    wobble = [0.6, 0.3, 0.8, 0.4, 0.1, 0.7, 0.2, 0.05, 0.9, 0.35]
    reps = [make_rep(i, lockout_hip_flexion_deg=fail + w * margin) for i, w in enumerate(wobble, start=1)]
    # then the verdict does not flip between clean and faulty: it says "borderline"
    assert grade_reps(reps).verdict == "borderline"


BACK_CURVE_RULE = next(r for r in RULES if r.row_id == "rounded_back.back_curve")


@pytest.mark.parametrize(
    "curve_deg, error_deg, status",
    [
        (23.0, 2.0, "fail"),  # 3 past the 20 deg level: more than its frames' 2 deg error
        (23.0, 4.0, "warn"),  # the same reading, but its frames disagree by more: a watch item
        (22.9, None, "warn"),  # no error of its own measured: the rep's 3 deg angle error stands in
        (23.1, None, "fail"),
    ],
)
def test_an_outline_reading_fails_only_past_its_own_frames_error(curve_deg, error_deg, status):
    # given ten reps whose outline reads the same back curve, with that reading's own error
    reps = [make_rep(i, back_curve_deg=curve_deg, back_curve_error_deg=error_deg) for i in range(1, 11)]
    # when the set is graded
    card = grade_reps(reps)
    # then the back curve fails only beyond 20 + its own error (or the angle error when it has none)
    assert margin_for(BACK_CURVE_RULE, UNCERTAINTY_DEG, error_deg) == (error_deg or UNCERTAINTY_DEG)
    assert crit(card.reps[0], "rounded_back").status == status
    assert card.verdict == ("faulty" if status == "fail" else "borderline")


def test_the_head_back_line_margin_is_its_samples_spread_when_that_is_larger():
    from pipeline.measure.metrics import deepest_index, rep_metrics
    from pipeline.measure.reps import segment_reps
    from pipeline.measure.signals import kinematics
    from tests.support import synth

    kin = kinematics(synth.make_set(1, pattern=synth.HINGE, bottom_s=0.6).pose)
    rep = segment_reps(kin).reps[0]
    b = deepest_index(kin, rep)

    def hinge_kinematics_with_neck(line_deg: list[float]):
        neck = kin.neck_angle_deg.copy()
        neck[b - 2 : b + 3] = line_deg
        return dataclasses.replace(kin, neck_angle_deg=neck), rep

    # given the same rep twice, its ear-shoulder-hip line reading 18 deg at the bottom: steady over the five
    # samples there, or wobbling +-14 deg between them (a turning head)
    steady_kin, rep = hinge_kinematics_with_neck([18.0, 18.0, 18.0, 18.0, 18.0])
    wobbly_kin, _ = hinge_kinematics_with_neck([4.0, 32.0, 18.0, 4.0, 32.0])
    steady, wobbly = rep_metrics(steady_kin, rep), rep_metrics(wobbly_kin, rep)
    # then both read 18, the steady one with the angle error, the wobbly one with its spread's error
    assert steady.back_line_deviation_deg == wobbly.back_line_deviation_deg == 18.0
    assert steady.back_line_error_deg == steady.angle_uncertainty_deg
    spread = 1.2533 * float(np.std([4.0, 32.0, 18.0, 4.0, 32.0], ddof=1)) / np.sqrt(5)
    assert wobbly.back_line_error_deg == pytest.approx(max(spread, wobbly.angle_uncertainty_deg))
    # and graded, 18 fails the 12 deg level when steady and is a watch item when wobbling
    assert crit(grade_reps([steady] * 10).reps[0], "rounded_back").status == "fail"
    assert crit(grade_reps([wobbly] * 10).reps[0], "rounded_back").status == "warn"


def test_an_unread_set_has_no_verdict():
    card = grade_reps([make_rep(i) for i in range(1, 4)], view="front")
    assert not card.gradable and card.verdict == "not_graded"


# ------------------------------------------------------- not in view, not failed
def test_a_lockout_the_clip_never_shows_is_not_in_view_never_failed():
    # given a single rep whose clip ends on the way up: hips still bent 45 degrees at the last frame
    rep = make_rep(1, partial=True, lockout_hip_flexion_deg=45.0, lockout_lean_back_deg=0.0)
    seg = make_seg(1, partial=(1,))
    seg = dataclasses.replace(seg, reps=(dataclasses.replace(seg.reps[0], lockout_in_view=False),))
    # when graded
    card = grade([rep], make_set(1, partial_count=1), seg, make_kin(1), "dumbbell_rdl")
    # then the lockout checks are skipped and named, not failed, and the set is not faulty for them
    for code in ("incomplete_lockout", "hyperextension"):
        c = crit(card.reps[0], code)
        assert c.status == "not_gradable"
        assert c.message == f"{FAULT_BY_CODE[code].title}: {LOCKOUT_NOT_IN_VIEW}."
    assert "incomplete_lockout" not in card.faults and card.verdict != "faulty"


def test_the_same_bent_lockout_in_view_is_failed():
    rep = make_rep(1, lockout_hip_flexion_deg=45.0)
    card = grade([rep], make_set(1), make_seg(1), make_kin(1), "dumbbell_rdl")
    assert crit(card.reps[0], "incomplete_lockout").status == "fail" and card.verdict == "faulty"


def test_back_shape_from_an_angle_is_not_readable_rather_than_passed():
    # given a clearly rounded back, filmed at an angle
    reps = [make_rep(i, back_line_deviation_deg=40.0, back_curve_deg=45.0) for i in range(1, 6)]
    card = grade_reps(reps, view="angled")
    # then the back check says it could not be read from this angle instead of passing it
    c = crit(card.reps[0], "rounded_back")
    assert c.status == "not_gradable" and "not readable from this angle" in c.message


RISE_RULE = next(r for r in RULES if r.row_id == "hips_rise_first.ratio")


@pytest.mark.parametrize(
    "ratio, error, status",
    [
        (2.5, 0.1, "fail"),  # past 2.0 by more than 0.2 + its 0.1 spread
        (2.5, 0.4, "warn"),  # the same reading moving by 0.4 as its window moves: inside its error
        (2.15, None, "warn"),  # no spread measured: 0.2 alone
        (2.25, None, "fail"),
    ],
)
def test_hips_rise_first_fails_only_past_its_readings_own_spread(ratio, error, status):
    # given ten reps whose hips rise ``ratio`` times faster than the shoulders, with that reading's spread
    reps = [make_rep(i, hip_shoulder_rise_ratio=ratio, hip_shoulder_rise_error=error) for i in range(1, 11)]
    # when the set is graded
    card = grade_reps(reps)
    # then hips-rise-first fails only beyond 2.0 + 0.2 + its own spread
    assert margin_for(RISE_RULE, UNCERTAINTY_DEG, error) == pytest.approx(0.2 + (error or 0.0))
    assert crit(card.reps[0], "hips_rise_first").status == status


def test_the_knee_margin_is_its_samples_spread_when_that_is_larger():
    from pipeline.judge.rules import RULES, rep_margin
    from pipeline.measure.metrics import deepest_index, rep_metrics
    from pipeline.measure.reps import segment_reps
    from pipeline.measure.signals import kinematics
    from tests.support import synth

    kin = kinematics(synth.make_set(1, pattern=synth.HINGE, bottom_s=0.6).pose)
    rep = segment_reps(kin).reps[0]
    b = deepest_index(kin, rep)
    at_bottom = float(kin.knee_flexion_deg[b])

    def with_knee(offsets: list[float]):
        knee = kin.knee_flexion_deg.copy()
        knee[b - 2 : b + 3] = at_bottom + np.array(offsets)
        return rep_metrics(dataclasses.replace(kin, knee_flexion_deg=knee), rep)

    # given the same rep twice, its knee reading the same at the bottom sample: steady over the five samples
    # there, or jumping +-15 deg between them (a plate hiding the knee)
    steady, jumpy = with_knee([0.0] * 5), with_knee([-15.0, 15.0, 0.0, -15.0, 15.0])
    # then both read the same knee angle, the steady one with the rep's angle error, the jumpy one with its spread's
    assert steady.knee_flexion_bottom_deg == jumpy.knee_flexion_bottom_deg == pytest.approx(at_bottom)
    assert steady.knee_flexion_error_deg == steady.angle_uncertainty_deg
    spread = 1.2533 * float(np.std([-15.0, 15.0, 0.0, -15.0, 15.0], ddof=1)) / np.sqrt(5)
    assert jumpy.knee_flexion_error_deg == pytest.approx(max(spread, jumpy.angle_uncertainty_deg))
    # and the squatting check's knee row asks the jumpy one to be past its level by that much more
    knee_row = next(r for r in RULES if r.row_id == "squatting.knee")
    assert rep_margin(knee_row, jumpy) == pytest.approx(
        rep_margin(knee_row, steady) + spread - steady.angle_uncertainty_deg
    )
