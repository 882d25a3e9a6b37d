"""Grading an analysed set as another lift, without the video or the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.run import assess, regrade
from pipeline.types import AnalysisConfig
from tests.support import synth
from tests.support.factories import synthetic_result


def _result_of(pose, exercise: str = "auto"):
    a = assess(pose, AnalysisConfig(exercise=exercise))
    return replace(
        synthetic_result(),
        config=AnalysisConfig(exercise=exercise),
        pose=a.pose,
        kinematics=a.kinematics,
        segmentation=a.segmentation,
        metrics=a.metrics,
        set_metrics=a.set_metrics,
        scorecard=a.scorecard,
        back_curves=a.back_curves,
    )


@pytest.mark.parametrize("lift", ["barbell_rdl", "kettlebell_swing", "conventional_deadlift", "auto"])
def test_regrading_gives_what_analysing_as_that_lift_gives(lift):
    # given a five-rep hinge analysed with the lift recognised automatically
    pose = synth.make_set(5, noise_px=1.5, seed=3).pose
    auto = _result_of(pose)
    # when it is graded again as another lift
    again = regrade(auto, lift)
    # then the scorecard is the one an analysis with that lift chosen gives, and nothing measured changed
    assert again.scorecard == assess(pose, AnalysisConfig(exercise=lift)).scorecard
    assert again.config.exercise == lift
    assert again.metrics == auto.metrics and again.segmentation == auto.segmentation
    if lift != "auto":
        assert again.scorecard.exercise_id == lift and not again.scorecard.exercise_assumed


def test_regrading_a_squat_as_a_deadlift_still_says_it_is_a_squat():
    # given a set of squats
    squats = _result_of(synth.make_set(4, pattern=synth.SQUAT).pose)
    # when graded as a deadlift from the floor
    card = regrade(squats, "conventional_deadlift").scorecard
    # then no grade is made up: the reason names the squat
    assert not card.gradable and "squat" in card.reason.lower()


def test_a_knee_dominant_kettlebell_deadlift_is_graded_with_the_squatting_fault_and_its_drill():
    # given four pulls whose knees do most of the bending, the kettlebell hanging in the hands
    knee_dominant = synth.Pattern(hip=(5.0, 80.0), knee=(5.0, 120.0), shin=(2.0, 35.0))
    pose = synth.make_set(4, pattern=knee_dominant).pose
    # when assessed as a kettlebell deadlift
    card = assess(pose, AnalysisConfig(exercise="kettlebell_deadlift")).scorecard
    # then it is graded (not refused as a squat), faulty for squatting, with the wall tap hinge to fix it
    assert card.gradable and card.verdict == "faulty" and "squatting" in card.faults
    assert card.suggestions.kind == "regression" and card.suggestions.exercise_id == "wall_tap_hinge"


def test_a_squat_without_a_weight_in_the_hands_stays_not_a_hinge():
    pose = synth.make_set(4, pattern=synth.SQUAT).pose
    card = assess(pose, AnalysisConfig(exercise="kettlebell_deadlift")).scorecard
    assert not card.gradable and "not_a_hinge" in card.faults and card.verdict == "not_graded"
