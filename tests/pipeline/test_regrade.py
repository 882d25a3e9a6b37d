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
    return replace(synthetic_result(), config=AnalysisConfig(exercise=exercise), pose=a.pose, kinematics=a.kinematics,
                   segmentation=a.segmentation, metrics=a.metrics, set_metrics=a.set_metrics, scorecard=a.scorecard,
                   back_curves=a.back_curves)


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
