"""Suggestions: faults and the ladder in, regression / progression / plan out."""

from __future__ import annotations

import pytest

from pipeline.judge.coaching import SCHEMES, load_catalogue, suggest
from pipeline.judge.rules import FAULT_BY_CODE, FAULTS
from tests.support.grading import grade_reps, make_rep

# (lift, faults, expected kind, expected exercise, words the reason must hold)
SCALE_BACK_CASES = [
    # back rounding -> shorter range / a rung down
    ("kettlebell_deadlift", ["rounded_back"], "regression", "cable_pull_through", "range"),
    # squatting the hinge -> the hips-back wall drill
    ("kettlebell_deadlift", ["squatting"], "regression", "wall_tap_hinge", "drill"),
    # balance (weight on the toes) -> support equipment
    ("kettlebell_deadlift", ["weight_on_toes"], "regression", "cable_pull_through", "support"),
    # lower-back strain signs -> form drills
    ("kettlebell_deadlift", ["hips_rise_first"], "regression", "cable_pull_through", "drill"),
    ("conventional_deadlift", ["hyperextension"], "regression", "sumo_deadlift", "drill"),
    # limited mobility -> raise the start
    ("kettlebell_deadlift", ["shallow_hinge"], "regression", "kettlebell_deadlift", "raise"),
    # fatigue -> lower the intensity
    ("trap_bar_deadlift", ["fatigue_drift"], "regression", "trap_bar_deadlift", "load"),
    ("dumbbell_rdl", ["rushed_tempo"], "regression", "dumbbell_rdl", "slow"),
    # detail faults -> stay and fix
    ("kettlebell_deadlift", ["incomplete_lockout"], "stay", "kettlebell_deadlift", "clean up"),
    ("kettlebell_deadlift", ["head_misaligned"], "stay", "kettlebell_deadlift", "clean up"),
    # the worst fault decides: rounding outranks the head position
    ("kettlebell_deadlift", ["head_misaligned", "rounded_back"], "regression", "cable_pull_through", "range"),
    # at the bottom of the ladder there is nowhere lower to go
    ("glute_bridge", ["rounded_back"], "regression", "glute_bridge", "range"),
]


@pytest.mark.parametrize("lift, faults, kind, target, word", SCALE_BACK_CASES)
def test_faults_give_the_seed_scale_back(lift, faults, kind, target, word):
    # given a set whose reps mostly showed these faults / when we ask what next
    s = suggest(lift, faults, clean_reps=0, full_reps=10)
    # then the scale-back matches the fault and names drills, cues and a plan
    assert (s.kind, s.exercise_id) == (kind, target)
    assert word in s.reason.lower()
    assert s.exercise_name == load_catalogue()[target].name
    for code in faults:
        fault = FAULT_BY_CODE[code]
        assert load_catalogue()[fault.drill].name in s.drills
        assert fault.cue in s.cues
    assert s.next_session is not None and "48-72 h" in s.next_session.text
    assert s.move_on_rule


def test_regression_uses_control_tempo():
    s = suggest("kettlebell_deadlift", ["rounded_back"], full_reps=10)
    assert "3 s down, 2 s up" in s.next_session.text


@pytest.mark.parametrize(
    "lift, expected_next, scheme",
    [
        ("standing_dowel_hinge", "banded_hinge", ("2", "8-10", "30-45")),  # warm-up drill
        ("cable_pull_through", "kettlebell_deadlift", ("3", "8-12", "90")),  # secondary
        ("double_kettlebell_deadlift", "trap_bar_deadlift", ("3-5", "3-6", "120-180")),  # primary
        ("kettlebell_rdl", "single_leg_rdl", ("2-3", "12-15", "60")),  # accessory
    ],
)
def test_clean_set_progresses_with_the_move_on_rule(lift, expected_next, scheme):
    # given every full rep clean / when we ask what next
    s = suggest(lift, [], clean_reps=10, full_reps=10)
    # then the next rung, the 8-12 clean reps rule and that rung's sets x reps x rest
    assert s.kind == "progression" and s.exercise_id == expected_next
    assert "8-12" in s.move_on_rule and "clean" in s.move_on_rule
    assert (s.next_session.sets, s.next_session.reps, s.next_session.rest_s) == scheme


def test_control_drills_get_the_slow_tempo_and_warmup_scheme():
    s = suggest("kneeling_dowel_hinge", [], clean_reps=10, full_reps=10)
    assert s.exercise_id == "standing_dowel_hinge"
    assert "3 s down, 2 s up" in s.next_session.text
    assert (s.next_session.sets, s.next_session.reps) == ("2", "8-10")


def test_short_clean_set_says_to_prove_it_over_8_to_12():
    s = suggest("kettlebell_deadlift", [], clean_reps=5, full_reps=5)
    assert s.kind == "progression" and "only 5 reps" in s.reason


@pytest.mark.parametrize("lift", ["conventional_deadlift", "kettlebell_swing", "single_leg_rdl"])
def test_clean_set_at_a_ladder_top_stays_and_adds_load(lift):
    s = suggest(lift, [], clean_reps=10, full_reps=10)
    assert s.kind == "stay" and s.exercise_id == lift and "load" in s.reason


def test_warnings_become_polish_cues_on_a_clean_progression():
    s = suggest("kettlebell_deadlift", [], warnings=["head_misaligned"], clean_reps=10, full_reps=10)
    assert s.kind == "progression"
    assert s.cues == (FAULT_BY_CODE["head_misaligned"].cue,)


def test_every_fault_gets_a_suggestion_for_every_gradable_lift():
    cat = load_catalogue()
    for ex in cat:
        for fault in FAULTS:
            s = suggest(ex.id, [fault.code], full_reps=10)
            assert s.exercise_id in cat and s.next_session.sets in {v[0] for v in SCHEMES.values()}
            assert cat[s.exercise_id].level <= ex.level, (ex.id, fault.code)


def test_scorecard_carries_the_suggestion_end_to_end():
    # given a KB deadlift set that squats most reps
    reps = [
        make_rep(i, knee_flexion_bottom_deg=110.0, shin_angle_bottom_deg=34.0, hinge_ratio=0.42) for i in range(1, 9)
    ] + [make_rep(i) for i in (9, 10)]
    # when graded
    card = grade_reps(reps)
    # then squatting is the set fault and the wall drill is next
    assert card.faults == ("squatting",)
    assert card.suggestions.kind == "regression"
    assert card.suggestions.exercise_id == "wall_tap_hinge"
    assert card.overall_score == pytest.approx(65.0)  # the typical (median) rep


def test_one_odd_rep_does_not_sink_a_clean_set():
    """Given three clean reps and a fourth that squats far past the lift's range (the weight put
    down at the end, say), when graded, then the set is an A with no set fault, and that rep
    keeps its own low grade and failed checks in the rep table."""
    reps = [make_rep(i) for i in (1, 2, 3)] + [
        make_rep(
            4,
            knee_flexion_bottom_deg=150.0,
            shin_angle_bottom_deg=40.0,
            hinge_ratio=0.3,
            back_line_deviation_deg=35.0,
            wrist_drift_max_leg=0.6,
        )
    ]
    card = grade_reps(reps)
    assert card.faults == ()
    assert card.overall_grade == "A"
    assert card.reps[3].grade == "F" and card.reps[3].score < 40  # the mean of the four would be a C
    assert any(c.status == "fail" for c in card.reps[3].criteria)
