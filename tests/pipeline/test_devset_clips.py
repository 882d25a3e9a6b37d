"""Real devset clips (../shared/fixtures/devset) that pin the single-leg, single-rep and view cases.

Each clip is short; the real model runs on each once per test process.
"""

from __future__ import annotations

from tests.support.paths import DEVSET_DIR
from tests.support.real_clips import analysed

DEVSET = DEVSET_DIR


def _analysed(name: str, estimator):
    return analysed(name, estimator, DEVSET)


def test_a_single_leg_rdl_is_one_graded_rep_named_as_such(estimator):
    """Given a 4 s single-leg RDL whose free leg the model names left and right by turns,
    when analysed, then it is one full rep, graded, and named a single-leg RDL."""
    r = _analysed("tobefrank_single-leg-rdl_side.mp4", estimator)
    assert r.rep_count == 1
    assert r.scorecard.gradable
    assert r.scorecard.exercise_id == "single_leg_rdl"
    assert r.scorecard.exercise_name.startswith("Single-leg")


def test_a_pull_filmed_from_set_up_to_lockout_is_one_rep(estimator):
    """Given a barbell pull that starts at the floor and ends at lockout, then it is one graded rep."""
    r = _analysed("bichraix_bad006_side.mp4", estimator)
    assert r.rep_count == 1
    assert r.scorecard.gradable


def test_a_front_view_is_refused_with_the_view_and_how_to_film(estimator):
    """Given an edited front-view clip, then the refusal names the view and says to film from the side."""
    r = _analysed("bichraix_good005_front-cuts.mp4", estimator)
    assert not r.scorecard.gradable
    assert "front" in r.scorecard.reason.lower()
    assert any("side" in tip.lower() for tip in r.scorecard.refilm_tips)


def test_the_lifter_behind_the_plate_is_followed_not_the_smaller_person_behind(estimator):
    """Given a low camera where the plate hides the lifter's legs and a smaller person trains in the
    background, then the lifter's one rep is found and graded (not "hidden for 38% of the clip")."""
    r = _analysed("yfgd_bad2_side.mp4", estimator)
    assert r.rep_count == 1
    assert r.scorecard.gradable
