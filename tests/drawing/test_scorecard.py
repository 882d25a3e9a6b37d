"""The grade as every surface shows it (``grade_view``, ``scorecard_view``) and how it is explained."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drawing.scorecard import GRADE_LEGEND, CoachComment, CoachReview, grade_view, scorecard_view
from pipeline.judge.grading import GRADE_BANDS, letter
from pipeline.types import AnalysisResult, Criterion, RepGrade
from tests.support import factories

REVIEW = CoachReview(
    grade="D",
    reason="Rep 3 rounds more than the camera shows",
    by="Cora",
    when="2 Dec 2026, 00:41 UTC",
    comments=(CoachComment("Cora", "Rep 3 · 8.2 s", "2 Dec 2026, 00:40 UTC", "Brace before the pull."),),
)


def _with_reps(scores: list[float], score: float, *, partial: tuple[int, ...] = (), set_fail: bool = False):
    """The synthetic set with ``scores`` as its reps' scores (rep 1 first) and ``score`` as the set's."""
    result = factories.synthetic_result()
    base = result.metrics[0]
    metrics = tuple(replace(base, index=i + 1, partial=i + 1 in partial) for i in range(len(scores)))
    reps = tuple(RepGrade(i + 1, s, letter(s), (), ()) for i, s in enumerate(scores))
    checks = result.scorecard.set_criteria
    if set_fail:
        checks += (Criterion("back_drift", "Back rounding over the set", "fail", 18.0, "deg", 12.0, "It drifted."),)
    card = replace(result.scorecard, reps=reps, overall_score=score, overall_grade=letter(score), set_criteria=checks)
    return replace(result, metrics=metrics, scorecard=card)


# --- the grade in words ------------------------------------------------------------------


def test_given_a_coachs_grade_when_presented_then_it_comes_first_labelled_with_the_measured_one_beside_it():
    # given the synthetic set (measured B) that the coach graded D with a reason
    result = factories.synthetic_result()
    # when presented
    grade = scorecard_view(result, REVIEW).grade
    # then the coach's grade counts and is labelled as theirs, the measured grade beside it
    assert grade.letter == "D"
    assert grade.text == "D from your coach · B measured"
    assert grade.short == "D (coach) · B measured"
    assert grade.words == grade.text
    # and the big figures are one letter each (never cut off), the coach's first
    assert grade.metrics == (("Grade from your coach", "D"), ("Measured grade", "B"))
    # and who set it, when and why are said
    assert grade.note == (
        "Your coach Cora graded this set D on 2 Dec 2026, 00:41 UTC: Rep 3 rounds more than the camera shows. "
        "The video measured B."
    )


def test_given_no_coachs_grade_when_presented_then_the_measured_grade_stands_alone():
    grade = scorecard_view(factories.synthetic_result()).grade
    assert (grade.letter, grade.text, grade.short, grade.words, grade.note) == ("B", "B", "B", "grade B", "")
    assert grade.metrics == (("Overall grade", "B"),)
    # a review where the coach kept the measured grade reads the same
    assert scorecard_view(factories.synthetic_result(), replace(REVIEW, grade="")).grade == grade


def test_given_a_set_the_video_could_not_grade_when_the_coach_graded_it_then_both_are_said():
    ungraded = factories.synthetic_result(gradable=False)
    assert scorecard_view(ungraded).grade.text == "not graded"
    assert scorecard_view(ungraded).grade.metrics == (("Overall grade", "–"),)
    grade = scorecard_view(ungraded, REVIEW).grade
    assert grade.text == "D from your coach · not graded from the video"
    assert grade.note.endswith("The video was not graded.")


@pytest.mark.parametrize(
    "measured, coach, short",
    [("C", "D", "D (coach) · C measured"), ("C", None, "C"), (None, None, "not graded"), ("B", "", "B")],
)
def test_an_inbox_row_is_worded_like_the_scorecard(measured, coach, short):
    assert grade_view(measured, coach).short == short


def test_the_comment_thread_travels_with_the_scorecard():
    view = scorecard_view(factories.synthetic_result(), REVIEW)
    (comment,) = view.comments
    assert (
        comment.heading == "Cora · Rep 3 · 8.2 s · 2 Dec 2026, 00:40 UTC" and comment.text == "Brace before the pull."
    )
    assert scorecard_view(factories.synthetic_result()).comments == ()


# --- the grade explained -------------------------------------------------------------------


def test_the_legend_gives_each_letters_band_as_the_grading_sets_it():
    assert GRADE_LEGEND == (
        "A: 90 to 100",
        "B: 80 to under 90",
        "C: 70 to under 80",
        "D: 60 to under 70",
        "F: under 60",
    )
    # every band's lowest score takes its letter, and the point below takes the next one
    for lo, g in GRADE_BANDS[:-1]:
        assert letter(lo) == g and letter(lo - 0.1) != g


def test_given_five_60s_and_five_86s_when_explained_then_the_set_score_is_their_middle():
    # given a set of five reps scoring 60 and five scoring 86, set score 73 (a C)
    result = _with_reps([60.0] * 5 + [86.0] * 5, 73.0)
    # when explained
    steps = scorecard_view(result).explanation.steps
    # then the set score is said to be the middle of the reps' scores, with no set-level penalty, and the letter's band
    assert steps[0] == "Set score 73: the middle of 10 rep scores (60–86), minus 0 for whole-set checks."
    assert "one odd rep neither sinks nor lifts the set" in steps[1]
    assert steps[-1] == "Grade C: a set score of 73 is in C's band (70 to under 80)."


def test_given_a_clean_set_with_one_90_rep_when_explained_then_why_it_still_scores_100_is_said():
    steps = scorecard_view(_with_reps([90.0, 100.0, 100.0, 100.0, 100.0], 100.0)).explanation.steps
    assert steps[0] == "Set score 100: the middle of 5 rep scores (90–100), minus 0 for whole-set checks."
    assert "each rep's own score is in the rep table" in steps[1]
    assert steps[-1] == "Grade A: a set score of 100 is in A's band (90 to 100)."


def test_given_a_failed_set_check_and_a_partial_rep_when_explained_then_both_are_counted_in_words():
    # given reps scoring 80, 80, 40 (rep 3 partial) and a failed whole-set check costing 10
    result = _with_reps([80.0, 80.0, 40.0], 70.0, partial=(3,), set_fail=True)
    steps = scorecard_view(result).explanation.steps
    assert steps[0] == (
        "Set score 70: the middle of 2 rep scores (all 80), minus 10 for whole-set checks (Back rounding over the set)."
    )
    assert "1 partial rep left out of the set score." in steps
    assert "odd rep" not in " ".join(steps)


def test_given_every_rep_partial_when_explained_then_the_partial_reps_make_the_score():
    steps = scorecard_view(_with_reps([70.0], 70.0, partial=(1,))).explanation.steps
    assert steps[0] == "Set score 70: the score of its one rep (70), minus 0 for whole-set checks."
    assert "Every rep was partial, so the partial reps make the set score." in steps


def test_given_a_set_not_graded_when_explained_then_no_steps_are_invented():
    result: AnalysisResult = factories.synthetic_result(gradable=False)
    explanation = scorecard_view(result).explanation
    assert explanation.steps == () and explanation.legend == GRADE_LEGEND
