"""The set's verdict: a check fails only past its level by more than the rep's measurement error;
readings inside that error make a set "borderline"; what is not in view is neither passed nor failed."""

from __future__ import annotations

import dataclasses

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
        (11.9, "warn", False),  # past warn, short of the margin below the level (15 - 3)
        (12.1, "warn", True),  # inside the margin, below the level
        (15.0, "warn", True),  # on the level
        (18.0, "warn", True),  # past the level, still inside the margin
        (18.1, "fail", False),  # past the level by more than the error
        (9.0, "pass", False),
    ],
)
def test_a_reading_fails_only_past_its_level_by_more_than_the_error(value, status, in_margin):
    # given a rule flagging above 10 and failing above 15, measured with a 3-unit error
    # when a reading is evaluated
    row = evaluate_row(LOCKOUT_RULE, value, 10.0, 15.0, 3.0)
    # then it fails only beyond 15 + 3, and is "inside the margin" within 3 of 15 either side
    assert (row.status, row.in_margin) == (status, in_margin)


def test_below_rules_mirror_the_margin():
    rule = dataclasses.replace(LOCKOUT_RULE, direction="below")
    assert evaluate_row(rule, 5.9, 20.0, 10.0, 4.0).status == "fail"
    assert evaluate_row(rule, 6.0, 20.0, 10.0, 4.0).in_margin
    assert not evaluate_row(rule, 14.1, 20.0, 10.0, 4.0).in_margin


# --------------------------------------------------------------- a whole set
def _lockout_levels() -> tuple[float, float, float]:
    warn, fail = thresholds_for(LOCKOUT_RULE, KBDL, None)
    return warn, fail, margin_for(LOCKOUT_RULE, UNCERTAINTY_DEG)


@pytest.mark.parametrize(
    "offset, verdict",
    [
        (-10.0, "clean"),  # well short of the level
        (-0.5, "borderline"),  # just short of it: within the error
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
    # given readings that wobble a little around the level, inside the error every time
    warn, fail, margin = _lockout_levels()
    wobble = [-0.4, 0.3, -0.2, 0.4, 0.1, -0.3, 0.2, 0.0, -0.1, 0.35]
    reps = [make_rep(i, lockout_hip_flexion_deg=fail + w * margin) for i, w in enumerate(wobble, start=1)]
    # then the verdict does not flip between clean and faulty: it says "borderline"
    assert grade_reps(reps).verdict == "borderline"


BACK_CURVE_RULE = next(r for r in RULES if r.row_id == "rounded_back.back_curve")


@pytest.mark.parametrize(
    "curve_deg, error_deg, status",
    [
        (23.0, 2.0, "fail"),  # 3 past the 20 deg level: more than its frames' 2 deg error
        (23.0, 4.0, "warn"),  # the same reading, but its frames disagree by more: a watch item
        (21.0, None, "fail"),  # no error measured: nothing added to the level
    ],
)
def test_an_outline_reading_fails_only_past_its_own_frames_error(curve_deg, error_deg, status):
    # given ten reps whose outline reads the same back curve, with that reading's own error
    reps = [make_rep(i, back_curve_deg=curve_deg, back_curve_error_deg=error_deg) for i in range(1, 11)]
    # when the set is graded
    card = grade_reps(reps)
    # then the back curve fails only beyond 20 + its own error, never by the keypoints' angle error
    assert margin_for(BACK_CURVE_RULE, UNCERTAINTY_DEG, error_deg) == (error_deg or 0.0)
    assert crit(card.reps[0], "rounded_back").status == status
    assert card.verdict == ("faulty" if status == "fail" else "borderline")


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
