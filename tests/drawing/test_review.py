"""The Review page's pieces around the player, on the synthetic three-rep set (10 s clip; reps 1-3 graded
A, B, C with bottoms at 2.17, 5.17 and 8.17 s): rep strip, a moment's rep, comment places, the timeline."""

from __future__ import annotations

import pytest

from drawing import review
from drawing.figures import grade_colour
from drawing.scorecard import CoachComment
from tests.support import factories


@pytest.fixture(scope="module")
def result():
    return factories.synthetic_result()


def _comment(text: str = "Brace.", *, rep: int | None = None, t_s: float | None = None, client: bool = False):
    return CoachComment("Ann" if client else "Cora", "", "2 Dec 2026, 00:40 UTC", text, rep, t_s, client)


def test_given_three_reps_when_making_the_strip_then_one_stop_per_rep_seeking_just_before_its_bottom(result):
    stops = review.rep_strip(result)
    assert [s.label for s in stops] == ["Rep 1 · A", "Rep 2 · B", "Rep 3 · C"]
    assert [s.bottom_s for s in stops] == [pytest.approx(r.bottom_s) for r in result.reps]
    # the player seeks whole seconds: the second at or before each bottom, so the bottom is still ahead
    assert [s.seek_s for s in stops] == [2, 5, 8]
    assert all(s.seek_s <= s.bottom_s < s.seek_s + 1 for s in stops)


def test_given_an_ungraded_set_when_making_the_strip_then_the_stops_name_the_reps_only():
    result = factories.synthetic_result(gradable=False)
    assert [s.label for s in review.rep_strip(result)] == [f"Rep {r.index}" for r in result.reps]


@pytest.mark.parametrize(("t_s", "seek"), [(-3.0, 0), (0.0, 0), (4.99, 4), (9.9, 9), (10.0, 9), (42.0, 9)])
def test_given_any_time_when_seeking_then_a_whole_second_inside_the_clip(t_s, seek):
    assert review.seek_s(t_s, 10.0) == seek


@pytest.mark.parametrize(
    ("t_s", "rep"), [(1.0, 1), (2.17, 1), (5.5, 2), (9.4, 3), (0.5, None), (3.7, None), (9.9, None)]
)
def test_given_a_moment_when_asking_its_rep_then_the_rep_it_falls_in_or_none_between_reps(result, t_s, rep):
    assert review.rep_of(result, t_s) == rep


def test_given_comments_when_placed_on_the_clip_then_their_time_else_their_reps_bottom_else_nowhere(result):
    assert review.comment_time(result, _comment(rep=2, t_s=4.4)) == 4.4
    assert review.comment_time(result, _comment(rep=3)) == pytest.approx(result.reps[2].bottom_s)
    assert review.comment_time(result, _comment()) is None


def test_given_comments_when_drawing_the_timeline_then_a_marker_at_each_placed_comment_coach_and_client_apart(
    result,
):
    comments = (
        _comment("Hips back first.", rep=2, t_s=5.2),
        _comment("Brace before the pull.", rep=3),
        _comment("Nice set overall."),  # the whole set: no place on the clip
        _comment("Should I go lighter?", rep=2, t_s=5.2, client=True),
    )
    fig = review.timeline_figure(result, comments)
    coach, client = fig.data
    assert list(coach.x) == [5.2, pytest.approx(result.reps[2].bottom_s)]
    assert [d[2] for d in coach.customdata] == ["Hips back first.", "Brace before the pull."]
    assert list(client.x) == [5.2] and client.customdata[0][0] == "Ann"
    assert coach.marker.color != client.marker.color and min(coach.y) > max(client.y)


def test_given_the_set_when_drawing_the_timeline_then_the_reps_are_bands_in_their_grades_colour_over_the_clip(
    result,
):
    fig = review.timeline_figure(result, (), at_s=5.5)
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(b.x0, b.x1) for b in bands] == [(r.start_s, r.end_s) for r in result.reps]
    assert [b.fillcolor for b in bands] == [grade_colour(g) for g in "ABC"]
    assert [a.text for a in fig.layout.annotations] == ["Rep 1", "Rep 2", "Rep 3"]
    assert tuple(fig.layout.xaxis.range) == (0, 10.0)
    # and the moment picked is a line
    (line,) = [s for s in fig.layout.shapes if s.type == "line"]
    assert line.x0 == line.x1 == 5.5
    assert not any(s.type == "line" for s in review.timeline_figure(result).layout.shapes)


def test_given_a_long_comment_when_drawn_then_its_hover_is_cut_to_one_short_line(result):
    fig = review.timeline_figure(result, (_comment("word\n" * 60, t_s=1.0),))
    text = fig.data[0].customdata[0][2]
    assert len(text) == review.SNIPPET_CHARS and text.endswith("…") and "\n" not in text
