"""Grading: synthetic reps in, grades, fault codes and refilm verdicts out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pipeline.judge.coaching import load_catalogue
from pipeline.judge.grading import (
    FLOOR_PULL_ID,
    FLOOR_PULL_NAME,
    FRONT_VIEW_REASON,
    REFILM_TIPS,
    choose_exercise,
    grade,
    grade_rep,
    letter,
    set_faults,
)
from pipeline.judge.rules import FAULT_BY_CODE, RULES, thresholds_for
from pipeline.types import RepSegmentation
from tests.support.grading import (  # noqa: F401  (shared factories)
    CLEAN_KB_DEADLIFT,
    RDL,
    SQUAT,
    SWING,
    crit,
    grade_reps,
    make_kin,
    make_rep,
    make_seg,
    make_set,
)

KBDL = load_catalogue()["kettlebell_deadlift"]


# ------------------------------------------------------------------- clean set
def test_clean_kb_deadlift_set_scores_an_a_and_progresses():
    # given ten clean reps filmed from the side
    reps = [make_rep(i) for i in range(1, 11)]
    # when graded as a kettlebell deadlift
    card = grade_reps(reps)
    # then every criterion passes, the set gets an A and the next rung is suggested
    assert card.gradable and card.overall_score == 100.0 and card.overall_grade == "A"
    assert card.faults == ()
    assert all(c.status == "pass" for g in card.reps for c in g.criteria)
    assert card.suggestions.kind == "progression"
    assert card.suggestions.exercise_id == "double_kettlebell_deadlift"
    assert "8-12" in card.suggestions.move_on_rule
    assert card.caution == "" and not card.exercise_assumed


@pytest.mark.parametrize(
    "score, expected", [(100, "A"), (90, "A"), (89.9, "B"), (80, "B"), (70, "C"), (60, "D"), (59.9, "F"), (0, "F")]
)
def test_letter_bands(score, expected):
    assert letter(score) == expected


# ------------------------------------------------ thresholds and their margin
# (code, field, value, expected status) with angle_uncertainty_deg = 3, side view.
# Each row: just inside warn -> pass, past warn -> warn, past fail but inside the
# margin -> warn, beyond fail + margin -> fail.
# Lockout hip angle: unfinished warn 12, fail 20 (+3 margin); pushed past the line (hyperextension)
# warn -15, fail -20 (-3).
# Back line (rounded back, one row): warn 8, fail 12 (+3).
# Head pitch: up warn 50, fail 65 (+3); down (chin tucked) warn -20, fail -35 (-3).
# Shallow (KB deadlift min 60): warn <60, fail <45 (-3).
# Hips rise: warn 1.6, fail 2.0 (+0.2). Bar drift: warn .30, fail .40 (+.03).
# Hands forward (weight on toes): warn .30, fail .40 (+.03).
SINGLE_ROW_CASES = [
    ("incomplete_lockout", "lockout_hip_flexion_deg", 11.9, "pass"),
    ("incomplete_lockout", "lockout_hip_flexion_deg", 12.5, "warn"),
    ("incomplete_lockout", "lockout_hip_flexion_deg", 22.0, "warn"),  # past fail, inside margin
    ("incomplete_lockout", "lockout_hip_flexion_deg", 23.5, "fail"),
    ("hyperextension", "lockout_hip_flexion_deg", -14.5, "pass"),
    ("hyperextension", "lockout_hip_flexion_deg", -17.0, "warn"),
    ("hyperextension", "lockout_hip_flexion_deg", -22.0, "warn"),  # past fail, inside margin
    ("hyperextension", "lockout_hip_flexion_deg", -23.5, "fail"),
    ("rounded_back", "back_line_deviation_deg", -2.0, "pass"),  # flat back on a real clip
    ("rounded_back", "back_line_deviation_deg", 7.9, "pass"),
    ("rounded_back", "back_line_deviation_deg", 10.0, "warn"),
    ("rounded_back", "back_line_deviation_deg", 14.5, "warn"),  # past fail, inside margin
    ("rounded_back", "back_line_deviation_deg", 15.5, "fail"),  # fails alone: no second proxy needed
    ("rounded_back", "back_line_deviation_deg", 17.0, "fail"),  # rounded back on a real clip
    ("rounded_back", "back_line_deviation_deg", None, "not_gradable"),
    ("head_misaligned", "neck_angle_bottom_deg", 15.0, "pass"),  # looking ahead is fine
    ("head_misaligned", "neck_angle_bottom_deg", 48.0, "pass"),
    ("head_misaligned", "neck_angle_bottom_deg", 55.0, "warn"),
    ("head_misaligned", "neck_angle_bottom_deg", 67.0, "warn"),  # past fail, inside margin
    ("head_misaligned", "neck_angle_bottom_deg", 69.0, "fail"),
    ("head_misaligned", "neck_angle_bottom_deg", -19.0, "pass"),
    ("head_misaligned", "neck_angle_bottom_deg", -25.0, "warn"),
    ("head_misaligned", "neck_angle_bottom_deg", -37.0, "warn"),  # past fail, inside margin
    ("head_misaligned", "neck_angle_bottom_deg", -39.0, "fail"),
    ("shallow_hinge", "hip_flexion_range_deg", 61.0, "pass"),
    ("shallow_hinge", "hip_flexion_range_deg", 50.0, "warn"),
    ("shallow_hinge", "hip_flexion_range_deg", 43.0, "warn"),
    ("shallow_hinge", "hip_flexion_range_deg", 41.5, "fail"),
    ("hips_rise_first", "hip_shoulder_rise_ratio", 1.5, "pass"),
    ("hips_rise_first", "hip_shoulder_rise_ratio", 2.1, "warn"),
    ("hips_rise_first", "hip_shoulder_rise_ratio", 2.3, "fail"),
    ("hips_rise_first", "hip_shoulder_rise_ratio", None, "not_gradable"),
    ("bar_drift", "wrist_drift_max_leg", 0.29, "pass"),
    ("bar_drift", "wrist_drift_max_leg", 0.35, "warn"),
    ("bar_drift", "wrist_drift_max_leg", 0.42, "warn"),  # past fail, inside margin
    ("bar_drift", "wrist_drift_max_leg", 0.44, "fail"),
    ("bar_drift", "wrist_drift_max_leg", None, "not_gradable"),
    ("weight_on_toes", "wrist_forward_bottom_leg", 0.29, "pass"),
    ("weight_on_toes", "wrist_forward_bottom_leg", 0.35, "warn"),
    ("weight_on_toes", "wrist_forward_bottom_leg", 0.42, "warn"),  # past fail, inside margin
    ("weight_on_toes", "wrist_forward_bottom_leg", 0.44, "fail"),
    ("weight_on_toes", "wrist_forward_bottom_leg", None, "not_gradable"),
]


@pytest.mark.parametrize("code, field, value, expected", SINGLE_ROW_CASES)
def test_single_metric_thresholds_respect_the_measurement_margin(code, field, value, expected):
    # given a clean rep with one metric moved to the edge of its threshold
    rep = make_rep(**{field: value})
    # when it is graded as a kettlebell deadlift
    g = grade_rep(rep, KBDL)
    # then the criterion has the expected status and names its value and limit
    c = crit(g, code)
    assert c.status == expected
    assert (code in g.faults) == (expected == "fail")
    if expected == "not_gradable":
        assert c.value is None and c.evidence_s is None
    else:
        assert c.value == pytest.approx(value) and c.threshold is not None
    if expected in ("warn", "fail"):
        assert c.cue and c.drill in load_catalogue()
        want = rep.lockout_s if code in ("incomplete_lockout", "hyperextension") else rep.bottom_s
        assert c.evidence_s == pytest.approx(want)


def test_bigger_angle_uncertainty_widens_the_margin():
    # given the same 23.5 deg unfinished lockout, measured precisely vs. from an angle
    precise = grade_rep(make_rep(lockout_hip_flexion_deg=23.5, angle_uncertainty_deg=3.0), KBDL)
    noisy = grade_rep(make_rep(lockout_hip_flexion_deg=23.5, angle_uncertainty_deg=6.0), KBDL)
    # then only the precise one fails
    assert crit(precise, "incomplete_lockout").status == "fail"
    assert crit(noisy, "incomplete_lockout").status == "warn"


@pytest.mark.parametrize(
    "back_line, shortening, uncertainty, expected",
    [
        (-2.0, 17.0, 3.0, "pass"),  # flat back, big chord shrink (a real clean clip): shortening is not graded
        (7.9, 28.0, 3.0, "pass"),  # however much the chord shrinks
        (17.0, 13.0, 2.5, "fail"),  # the rounded real clip, side view: back line alone decides
        (17.0, 0.0, 2.5, "fail"),  # no second proxy needed any more
        (17.0, 0.0, 6.0, "warn"),  # same bend measured less precisely: 12 + 6 margin not passed
        (18.5, 0.0, 6.0, "fail"),
    ],
)
def test_rounded_back_rests_on_the_back_line_alone(back_line, shortening, uncertainty, expected):
    # given a rep with this ear-shoulder-hip bend and torso shortening
    rep = make_rep(
        back_line_deviation_deg=back_line, torso_shortening_pct=shortening, angle_uncertainty_deg=uncertainty
    )
    # when graded from the side
    c = crit(grade_rep(rep, KBDL), "rounded_back")
    # then only the back line decides, within its measurement margin
    assert c.status == expected
    assert c.metric == "back_line_deviation_deg" and c.value == pytest.approx(back_line)


# Squatting on a KB deadlift (knee range max 75): knee warn 85 / fail 95 (+3); shin warn 30 / fail 38 (+3);
# hinge ratio warn <.55 / fail <.50 (-.03); hips back warn <.25 / fail <.15 (-.03);
# torso (max 45) warn >55 / fail >65 (+3). A fail needs a second row at warn or worse.
@pytest.mark.parametrize(
    "overrides, expected",
    [
        (dict(knee_flexion_bottom_deg=84.0), "pass"),
        (dict(knee_flexion_bottom_deg=100.0), "warn"),  # knees alone: warn only
        (dict(knee_flexion_bottom_deg=100.0, shin_angle_bottom_deg=31.0), "fail"),
        (dict(knee_flexion_bottom_deg=97.0, shin_angle_bottom_deg=31.0), "warn"),  # inside margin
        (dict(shin_angle_bottom_deg=29.5), "pass"),
        (dict(shin_angle_bottom_deg=34.0), "warn"),
        (dict(shin_angle_bottom_deg=42.0), "warn"),  # past fail + margin, but alone
        (dict(shin_angle_bottom_deg=42.0, hinge_ratio=0.53), "fail"),
        (dict(shin_angle_bottom_deg=40.0, hinge_ratio=0.53), "warn"),  # 38 + 3 margin not passed
        (dict(hinge_ratio=0.56), "pass"),
        (dict(hinge_ratio=0.52), "warn"),
        (dict(hinge_ratio=0.48, shin_angle_bottom_deg=31.0), "warn"),  # past fail, inside margin
        (dict(hinge_ratio=0.46, shin_angle_bottom_deg=31.0), "fail"),
        (dict(hinge_ratio=0.46), "warn"),  # alone
        (dict(hips_back_ratio=0.26), "pass"),
        (dict(hips_back_ratio=0.20), "warn"),
        (dict(hips_back_ratio=0.13, hinge_ratio=0.53), "warn"),  # past fail, inside margin
        (dict(hips_back_ratio=0.11, hinge_ratio=0.53), "fail"),
        (dict(SQUAT), "fail"),
    ],
)
def test_squatting_combines_knee_shin_and_hip_path(overrides, expected):
    # given a clean rep with squatting signs / when graded from the side
    g = grade_rep(make_rep(**overrides), KBDL)
    # then one sign alone at most warns, two corroborate a fail past the margin
    assert crit(g, "squatting").status == expected
    assert ("squatting" in g.faults) == (expected == "fail")


def test_squatting_threshold_follows_the_lift():
    # given a knee bend of 90 deg, normal for a trap bar pull but not for an RDL
    cat = load_catalogue()
    knee = next(r for r in RULES if r.row_id == "squatting.knee")
    assert thresholds_for(knee, cat["trap_bar_deadlift"])[0] > 90 > thresholds_for(knee, cat["dumbbell_rdl"])[1]
    # then per-exercise overrides from the catalogue win over the default
    ratio = next(r for r in RULES if r.row_id == "squatting.hinge_ratio")
    assert thresholds_for(ratio, cat["trap_bar_deadlift"]) == (0.45, 0.35)
    assert thresholds_for(ratio, cat["kettlebell_deadlift"]) == (ratio.warn, ratio.fail) == (0.55, 0.50)


@pytest.mark.parametrize(
    "exercise, descent, expected",
    [
        ("dumbbell_rdl", 1.6, "pass"),  # RDL expects 2-4 s: warn under 1.5, fail under 1.0 - 0.1
        ("dumbbell_rdl", 1.2, "warn"),
        ("dumbbell_rdl", 0.95, "warn"),
        ("dumbbell_rdl", 0.8, "fail"),
        ("dumbbell_rdl", None, "not_gradable"),
        ("standing_dowel_hinge", 0.6, "fail"),
    ],
)
def test_rushed_tempo_only_for_control_lifts(exercise, descent, expected):
    ex = load_catalogue()[exercise]
    g = grade_rep(make_rep(**dict(RDL, descent_s=descent)), ex)
    assert crit(g, "rushed_tempo").status == expected


@pytest.mark.parametrize("exercise", ["kettlebell_swing", "kettlebell_deadlift"])
def test_rushed_tempo_is_not_a_rule_for_ballistic_or_floor_pulls(exercise):
    g = grade_rep(make_rep(descent_s=0.3), load_catalogue()[exercise])
    assert all(c.rule != "rushed_tempo" for c in g.criteria)


def test_swing_is_not_penalised_for_speed_or_hands_far_out():
    g = grade_rep(make_rep(**SWING), load_catalogue()["kettlebell_swing"])
    assert g.faults == () and g.score == 100.0
    assert {c.rule for c in g.criteria}.isdisjoint({"bar_drift", "weight_on_toes", "rushed_tempo"})


def test_rep_score_subtracts_fail_weights_and_a_share_for_warnings():
    # given a rep with a failed lockout (weight 20) and a head-up warning (weight 10 * 0.35)
    g = grade_rep(make_rep(lockout_hip_flexion_deg=30.0, neck_angle_bottom_deg=55.0), KBDL)
    assert g.score == pytest.approx(100 - 20 - 3.5)
    assert g.grade == "C" and g.faults == ("incomplete_lockout",)
    assert g.evidence_s == pytest.approx(make_rep().lockout_s)


# ---------------------------------------------------------------- set level
@pytest.mark.parametrize(
    "n_bad, n_warn, expected_fault",
    [
        (6, 0, True),  # 6/10 fail
        (5, 0, False),  # exactly half is not "most"
        (4, 3, True),  # 4 + 1.5 > 5
        (0, 10, False),  # warnings alone never make a set fault
    ],
)
def test_set_fault_needs_most_full_reps(n_bad, n_warn, expected_fault):
    reps = (
        [make_rep(i, lockout_hip_flexion_deg=30.0) for i in range(1, n_bad + 1)]
        + [make_rep(i, lockout_hip_flexion_deg=14.0) for i in range(n_bad + 1, n_bad + n_warn + 1)]
        + [make_rep(i) for i in range(n_bad + n_warn + 1, 11)]
    )
    card = grade_reps(reps)
    assert ("incomplete_lockout" in card.faults) == expected_fault


def test_rounded_back_set_regresses_and_scores_low():
    # given ten reps whose back line bends 22 deg (past the fitted fail level and its margin), chord 13 % shorter
    reps = [make_rep(i, back_line_deviation_deg=22.0, torso_shortening_pct=13.0) for i in range(1, 11)]
    # when graded from the side
    card = grade_reps(reps)
    # then rounded back is the set fault (weight 40) and the lift is regressed
    assert card.faults == ("rounded_back",)
    assert card.overall_grade == "D" and card.overall_score == 60.0
    s = card.suggestions
    assert s.kind == "regression" and s.exercise_id == "cable_pull_through"
    assert "range" in s.reason and "Standing dowel hinge" in s.drills
    assert s.next_session is not None and "3 s down" in s.next_session.text


def test_partial_reps_are_graded_but_left_out_of_the_set_score():
    # given 8 clean full reps and 2 partial ones that are shallow
    reps = [make_rep(i) for i in range(1, 9)] + [make_rep(i, partial=True, hip_flexion_range_deg=30.0) for i in (9, 10)]
    card = grade_reps(reps, partial=(9, 10))
    assert len(card.reps) == 10
    assert card.overall_score == 100.0 and card.faults == ()
    assert crit(card.reps[-1], "partial_rep").status == "warn"
    assert crit(card.reps[-1], "shallow_hinge").status == "fail"
    assert card.trusted[0].startswith("Rep count: 8 full reps (+2 partial)")


@pytest.mark.parametrize(
    "set_overrides, rep_count, expected",
    [
        (dict(depth_drift_deg=-9.0), 10, "pass"),
        (dict(depth_drift_deg=-16.0), 10, "warn"),  # within the 3 deg margin of 15
        (dict(depth_drift_deg=-19.0), 10, "fail"),
        (dict(back_drift_deg=16.0), 10, "fail"),
        (dict(tempo_drift_s=1.0), 10, "fail"),
        (dict(depth_drift_deg=None, back_drift_deg=None, tempo_drift_s=None), 10, "not_gradable"),
        (dict(depth_drift_deg=-25.0), 5, "not_gradable"),  # too few reps to call it fatigue
    ],
)
def test_fatigue_drift_over_the_set(set_overrides, rep_count, expected):
    reps = [make_rep(i) for i in range(1, rep_count + 1)]
    card = grade_reps(reps, set_overrides=set_overrides)
    c = next(c for c in card.set_criteria if c.rule == "fatigue_drift")
    assert c.status == expected
    assert ("fatigue_drift" in card.faults) == (expected == "fail")
    if expected == "fail":
        assert card.overall_score == 90.0
        assert card.suggestions.kind == "regression"
        assert card.suggestions.exercise_id == "kettlebell_deadlift"
        assert "lighter" in card.suggestions.next_session.text


# ------------------------------------------------------------ not gradable
@pytest.mark.parametrize(
    "kin_kwargs, seg_movement, reason_word",
    [
        (dict(view="front"), "hinge", "front"),
        (dict(in_frame=0.4), "hinge", "frame"),
        (dict(rate_hz=4.0), "hinge", "frames per second"),
        (dict(valid_fraction=0.3), "hinge", "tracked"),
        (dict(), "squat", "squat"),
    ],
)
def test_capture_that_cannot_support_a_verdict_is_not_graded(kin_kwargs, seg_movement, reason_word):
    # given 5 reps filmed badly (or a squat)
    reps = [make_rep(i, **(SQUAT if seg_movement == "squat" else {})) for i in range(1, 6)]
    card = grade(reps, make_set(5), make_seg(5, movement=seg_movement), make_kin(5, **kin_kwargs), "auto")
    # then no grade, a concrete reason, refilm tips, and the rep count is still trusted
    assert card.gradable is False
    assert card.overall_grade is None and card.overall_score is None and card.reps == ()
    assert reason_word in card.reason.lower()
    assert set(REFILM_TIPS) <= set(card.refilm_tips)
    assert any("side" in t for t in card.refilm_tips)
    assert card.trusted[0] == "Rep count: 5 full reps"
    assert card.trusted[1].startswith("Tempo")
    assert card.suggestions.kind == "refilm"


def test_squat_is_named_not_a_hinge():
    card = grade([make_rep(1, **SQUAT)], make_set(1), make_seg(1, "squat"), make_kin(1), "auto")
    assert card.reason.startswith("This looks like a squat, not a hip hinge")
    assert card.faults == ("not_a_hinge",) and card.exercise_id == "squat" and card.exercise_assumed


def test_squat_when_a_deadlift_was_requested_points_to_the_hinge_drill():
    card = grade([make_rep(1, **SQUAT)], make_set(1), make_seg(1, "squat"), make_kin(1), "kb deadlift")
    assert not card.gradable and "wall tap" in card.reason.lower()
    assert card.exercise_id == "kettlebell_deadlift" and not card.exercise_assumed


def test_no_movement_is_not_a_hinge_with_nothing_trusted():
    seg = RepSegmentation(reps=(), movement="none", movement_confidence=0.8, hinge_ratio=None)
    card = grade([], make_set(0), seg, make_kin(1), "auto")
    assert not card.gradable and card.faults == ("not_a_hinge",) and card.trusted == ()


@pytest.mark.parametrize("deepest_fold_deg, hidden_reason", [(85.0, True), (30.0, False)])
def test_no_reps_with_the_lifter_hidden_names_the_capture_not_the_movement(deepest_fold_deg, hidden_reason):
    # given no reps, the lifter unclear for 40 % of the clip, and a hip fold seen where they were visible
    from dataclasses import replace

    kin = make_kin(1, valid_fraction=0.6)
    hip = np.zeros(len(kin))
    hip[-10:] = deepest_fold_deg
    kin = replace(kin, hip_flexion_deg=hip)
    seg = RepSegmentation(reps=(), movement="none", movement_confidence=0.8, hinge_ratio=None)
    # when graded
    card = grade([], make_set(0), seg, kin, "auto")
    # then a deep fold glimpsed is a filming problem (hidden lifter), a shallow one is no hinge at all
    assert not card.gradable
    assert ("hidden or unclear for 40%" in card.reason) is hidden_reason
    assert (card.faults == ("not_a_hinge",)) is not hidden_reason


def test_lying_exercise_is_not_graded_from_video():
    card = grade_reps([make_rep(1)], exercise="glute bridge")
    assert not card.gradable and "glute bridge" in card.reason.lower()


def test_reps_whose_back_outline_gave_no_reading_are_named_in_the_caution():
    """Given a side-view set whose back was traced, with no outline reading on reps 2 and 3,
    then the caution names those reps and how to film; with readings everywhere, or when the
    back was not traced at all, there is no such note."""
    read = dict(back_curve_deg=5.0, back_hump_ratio=0.04)
    reps = [make_rep(i, **(read if i not in (2, 3) else {})) for i in range(1, 5)]
    card = grade(reps, make_set(4), make_seg(4), make_kin(4), "kettlebell deadlift", back_traced=True)
    assert "reps 2, 3" in card.caution and "plain background" in card.caution
    all_read = [make_rep(i, **read) for i in range(1, 5)]
    assert grade(all_read, make_set(4), make_seg(4), make_kin(4), "kettlebell deadlift", back_traced=True).caution == ""
    assert grade(reps, make_set(4), make_seg(4), make_kin(4), "kettlebell deadlift").caution == ""
    none_read = [make_rep(i) for i in range(1, 5)]
    card = grade(none_read, make_set(4), make_seg(4), make_kin(4), "kettlebell deadlift", back_traced=True)
    assert "on any rep" in card.caution


def test_angled_view_is_graded_with_caution():
    card = grade_reps([make_rep(i) for i in range(1, 6)], view="angled")
    assert card.gradable and card.overall_grade == "A"
    assert "approximate" in card.caution
    assert card.refilm_tips  # how to get a firmer grade next time


SIDE_ONLY_FAULTS = ("rounded_back", "head_misaligned", "bar_drift", "weight_on_toes", "hyperextension", "shallow_hinge")
# every side-only row clearly bad, plus a squat pattern read from joint angles (hinge ratio, shin)
OFF_PROFILE_REP = dict(
    back_line_deviation_deg=25.0,
    neck_angle_bottom_deg=80.0,
    wrist_drift_max_leg=0.6,
    wrist_forward_bottom_leg=0.6,
    lockout_hip_flexion_deg=-30.0,
    hip_flexion_range_deg=30.0,
    hinge_ratio=0.42,
    shin_angle_bottom_deg=34.0,
    hips_back_ratio=0.05,
    torso_angle_bottom_deg=80.0,
    angle_uncertainty_deg=6.25,
)


@pytest.mark.parametrize("view", ["angled", "unknown"])
def test_off_profile_view_leaves_side_only_rows_ungraded(view):
    # given a rep that rounds, cranks the head, lets the bell drift and squats
    rep = make_rep(**OFF_PROFILE_REP)
    # when graded from the side and from an off-profile view
    side = grade_rep(rep, KBDL, view="side")
    off = grade_rep(rep, KBDL, view=view)
    # then the side view fails every one of them...
    assert set(SIDE_ONLY_FAULTS) | {"squatting"} <= set(side.faults)
    # ...while off-profile the side-only faults are not measured, not passed
    for code in SIDE_ONLY_FAULTS:
        c = crit(off, code)
        assert c.status == "not_gradable" and c.value is None and c.evidence_s is None, code
    # and squatting still fails on the rows that do not need a profile
    sq = crit(off, "squatting")
    assert sq.status == "fail" and sq.metric == "hinge_ratio"
    assert off.faults == ("squatting",)
    assert off.score == pytest.approx(100 - 35)


def test_grade_passes_the_clip_view_to_each_rep():
    # given ten rounded-back, squatting reps filmed at an angle
    reps = [
        make_rep(i, back_line_deviation_deg=25.0, hinge_ratio=0.42, shin_angle_bottom_deg=34.0) for i in range(1, 11)
    ]
    # when graded
    angled = grade_reps(reps, view="angled")
    side = grade_reps(reps, view="side")
    # then the angled card cannot call the back, but still calls the squat
    assert all(crit(g, "rounded_back").status == "not_gradable" for g in angled.reps)
    assert angled.faults == ("squatting",) and angled.caution
    assert side.faults == ("rounded_back", "squatting")


# ---------------------------------------------------------- exercise choice
@pytest.mark.parametrize(
    "requested, rep_fields, from_floor, expected",
    [
        ("rdl", {}, False, ("dumbbell_rdl", False)),
        ("Trap Bar", {}, False, ("trap_bar_deadlift", False)),
        ("auto", {}, False, (FLOOR_PULL_ID, True)),
        ("auto", RDL, False, ("dumbbell_rdl", True)),
        ("auto", RDL, True, (FLOOR_PULL_ID, True)),
        ("auto", SWING, False, ("kettlebell_swing", True)),
        ("auto", dict(SWING, wrist_peak_height_leg=None), False, ("kettlebell_swing", True)),
        # fast but with hands low and a pause at the bottom: a quick deadlift, not a swing
        ("auto", dict(SWING, wrist_peak_height_leg=0.7, bottom_pause_s=0.4), False, (FLOOR_PULL_ID, True)),
        # hands known: above 1.4 leg lengths plus any one sign of speed is a swing...
        (
            "auto",
            dict(SWING, wrist_peak_height_leg=1.41, bottom_pause_s=0.4, peak_hip_extension_speed_deg_s=150.0),
            False,
            ("kettlebell_swing", True),
        ),
        (
            "auto",
            dict(SWING, rep_duration_s=2.5, bottom_pause_s=0.4, peak_hip_extension_speed_deg_s=260.0),
            False,
            ("kettlebell_swing", True),
        ),
        # ...but not without one, however high the hands go
        (
            "auto",
            dict(
                SWING,
                wrist_peak_height_leg=1.6,
                rep_duration_s=3.0,
                bottom_pause_s=0.4,
                peak_hip_extension_speed_deg_s=150.0,
            ),
            False,
            (FLOOR_PULL_ID, True),
        ),
        # hands just short of chest height: every timing sign does not outvote them
        ("auto", dict(SWING, wrist_peak_height_leg=1.39), False, (FLOOR_PULL_ID, True)),
        # no hand height: two timing signs out of three are not enough
        ("auto", dict(SWING, wrist_peak_height_leg=None, bottom_pause_s=0.4), False, (FLOOR_PULL_ID, True)),
        (
            "auto",
            dict(SWING, wrist_peak_height_leg=None, peak_hip_extension_speed_deg_s=240.0),
            False,
            (FLOOR_PULL_ID, True),
        ),
        ("no such lift", {}, False, (FLOOR_PULL_ID, True)),
    ],
)
def test_choose_exercise(requested, rep_fields, from_floor, expected):
    reps = [make_rep(i, **rep_fields) for i in range(1, 6)]
    assert choose_exercise(requested, make_seg(5, from_floor=from_floor), reps) == expected


def test_choose_exercise_for_a_squat_and_for_nothing():
    assert choose_exercise("auto", make_seg(3, "squat"), [make_rep(1, **SQUAT)]) == ("squat", True)
    empty = RepSegmentation(reps=(), movement="none", movement_confidence=0.5, hinge_ratio=None)
    assert choose_exercise("auto", empty, []) == ("unknown", True)


def test_one_leg_swung_back_is_a_single_leg_rdl_unless_the_user_named_the_lift():
    """Given reps with one leg swung back, then "auto" names a single-leg RDL; a named lift still wins."""
    reps = [make_rep(i) for i in range(1, 4)]
    assert choose_exercise("auto", make_seg(3), reps, single_leg=True) == ("single_leg_rdl", True)
    assert choose_exercise("kettlebell deadlift", make_seg(3), reps, single_leg=True) == ("kettlebell_deadlift", False)


def test_auto_swing_is_graded_as_a_swing_and_says_it_assumed():
    reps = [make_rep(i, **SWING) for i in range(1, 11)]
    card = grade(reps, make_set(10), make_seg(10), make_kin(10, view="angled"), "auto")
    assert card.exercise_id == "kettlebell_swing" and card.exercise_assumed
    assert "assumed" in card.reason and card.overall_grade == "A"


def test_auto_floor_pull_is_named_by_family_not_as_a_kettlebell():
    # given clean pulls from the floor and no lift picked
    reps = [make_rep(i) for i in range(1, 4)]
    card = grade(reps, make_set(3), make_seg(3, from_floor=True), make_kin(3), "auto")
    # then the card names the family, says why, and asks for the lift instead of naming a next rung
    assert card.exercise_id == FLOOR_PULL_ID and card.exercise_name == FLOOR_PULL_NAME
    assert "kettlebell" not in card.exercise_name.lower()
    assert "Pick the lift" in card.reason
    assert card.suggestions.kind != "progression" and "Pick the lift" in card.suggestions.reason


def test_picked_floor_pull_keeps_its_own_name_and_ladder():
    reps = [make_rep(i) for i in range(1, 4)]
    card = grade(reps, make_set(3), make_seg(3, from_floor=True), make_kin(3), "kettlebell_deadlift")
    assert card.exercise_name == "Kettlebell deadlift" and card.suggestions.kind == "progression"


@pytest.mark.parametrize("movement", ["hinge", "none", "squat"])
def test_front_view_is_refused_for_the_view_with_the_rep_count_kept(movement):
    # given reps filmed from the front, whatever the movement looked like from there
    reps = [make_rep(i) for i in range(1, 4)]
    card = grade(reps, make_set(3), make_seg(3, movement), make_kin(3, view="front"), "auto")
    # then it is not graded because of the view, says how to film, and still counts reps
    assert not card.gradable and card.reason == FRONT_VIEW_REASON
    assert "film from the side" in card.reason.lower() and "hip height" in card.reason
    assert "not_a_hinge" not in card.faults
    assert card.trusted and card.trusted[0].startswith("Rep count: 3")


def test_set_faults_ignores_unmeasured_reps():
    # given 4 reps where hips-rise could not be measured and 3 where it failed
    reps = [make_rep(i, hip_shoulder_rise_ratio=None) for i in range(1, 5)] + [
        make_rep(i, hip_shoulder_rise_ratio=3.0) for i in range(5, 8)
    ]
    grades = [grade_rep(m, KBDL) for m in reps]
    assert "hips_rise_first" in set_faults(grades, ())


@pytest.mark.parametrize("from_floor", [False, True])
def test_hips_rise_first_is_read_on_touch_and_go_reps_and_pulls_from_the_floor(from_floor):
    from pipeline.measure.metrics import rep_metrics

    # given the same steady kinematics, segmented as touch-and-go reps or as pulls from the floor
    kin, seg = make_kin(3), make_seg(3, from_floor=from_floor)
    # when the reps are measured and graded
    metrics = [rep_metrics(kin, r) for r in seg.reps]
    card = grade(metrics, make_set(3), seg, kin, "kettlebell_deadlift")
    # then the early ascent is compared either way (hips shooting up is a floor-pull fault above all)
    assert all(m.hip_shoulder_rise_ratio is not None for m in metrics)
    assert {crit(g, "hips_rise_first").status for g in card.reps} == {"pass"}


def test_every_fault_in_the_table_can_fire():
    # given a clearly bad value for each rep-level fault: it fails on the right lift
    bad = {
        "rounded_back": dict(back_line_deviation_deg=60.0),
        "squatting": SQUAT,
        "weight_on_toes": dict(wrist_forward_bottom_leg=0.5),
        "hips_rise_first": dict(hip_shoulder_rise_ratio=3.0),
        "hyperextension": dict(lockout_hip_flexion_deg=-25.0),
        "bar_drift": dict(wrist_drift_max_leg=0.6),
        "shallow_hinge": dict(hip_flexion_range_deg=30.0),
        "incomplete_lockout": dict(lockout_hip_flexion_deg=35.0),
        "head_misaligned": dict(neck_angle_bottom_deg=75.0),
        "rushed_tempo": dict(RDL, descent_s=0.4),
    }
    cat = load_catalogue()
    for code, fields in bad.items():
        ex = cat["dumbbell_rdl"] if code == "rushed_tempo" else KBDL
        assert code in grade_rep(make_rep(**fields), ex).faults, code
    assert set(bad) | {"fatigue_drift"} == set(FAULT_BY_CODE)
    # and the head fails both ways: cranked back and chin tucked
    assert "head_misaligned" in grade_rep(make_rep(neck_angle_bottom_deg=-45.0), KBDL).faults


def test_criterion_message_names_value_and_limit():
    c = crit(grade_rep(make_rep(lockout_hip_flexion_deg=30.0), KBDL), "incomplete_lockout")
    assert "30°" in c.message and "20°" in c.message
    assert dataclasses.asdict(c)["threshold"] == 20.0


def test_criterion_names_the_metric_that_decided_it():
    g = grade_rep(make_rep(shin_angle_bottom_deg=40.0, knee_flexion_bottom_deg=100.0), KBDL)
    c = crit(g, "squatting")
    assert c.status == "fail" and c.metric in ("knee_flexion_bottom_deg", "shin_angle_bottom_deg")
    assert crit(g, "incomplete_lockout").metric == "lockout_hip_flexion_deg"


def test_scorecard_survives_the_json_round_trip():
    import json

    from pipeline.document.serialize import dumps, from_jsonable
    from pipeline.types import Scorecard

    reps = [make_rep(i, lockout_hip_flexion_deg=30.0) for i in range(1, 7)]
    card = grade_reps(reps, view="angled")
    back = from_jsonable(Scorecard, json.loads(dumps(card)))
    assert back.faults == card.faults and back.overall_grade == card.overall_grade
    assert back.reps[0].criteria[0].rule == card.reps[0].criteria[0].rule
    assert back.suggestions.next_session.reps == card.suggestions.next_session.reps


def test_scorecard_carries_each_checked_faults_record_on_labelled_clips():
    from types import MappingProxyType

    from pipeline.judge.calibration import Calibration, CheckRecord

    # given a calibration whose rounded-back check caught 3 of 5 and false-alarmed on 1 of 15
    cal = Calibration(records=MappingProxyType({"rounded_back": CheckRecord(3, 5, 1, 15)}))
    reps = [make_rep(i) for i in range(1, 4)]
    # when a set is graded
    card = grade(reps, make_set(3), make_seg(3), make_kin(3), "kettlebell_deadlift", calibration=cal)
    # then every checked fault has a note, and the measured one says how it did
    notes = {n.rule: n.text for n in card.check_notes}
    assert "caught 3 of 5" in notes["rounded_back"] and "1 of 15 clean" in notes["rounded_back"]
    assert notes["squatting"] == "Not yet measured on labelled clips."


def test_warnings_alone_never_take_a_rep_below_b():
    # given a rep that only warns, on several faults at once (each just past its warn level)
    m = make_rep(
        1,
        lockout_hip_flexion_deg=14.0,
        neck_angle_bottom_deg=55.0,
        wrist_drift_max_leg=0.33,
        wrist_forward_bottom_leg=0.33,
    )
    g = grade_rep(m, KBDL)
    # then it is at worst a B: a C or lower needs a failed check
    assert {c.status for c in g.criteria} >= {"warn"} and not g.faults
    assert g.grade in ("A", "B") and g.score >= 85.0
