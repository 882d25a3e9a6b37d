"""Next-step advice never contradicts itself: one lift named as the next step, on the ladder
next to the set's lift or its fault's drill, for every lift in the catalogue and every fault."""

from __future__ import annotations

import pytest

from pipeline.judge.coaching import load_catalogue, suggest
from pipeline.judge.grading import FLOOR_PULL_NAME
from pipeline.judge.rules import FAULTS
from pipeline.types import Suggestion
from tests.support.grading import grade_reps, make_rep

CAT = load_catalogue()
NAMES = sorted(((e.name, e.id) for e in CAT), key=lambda n: -len(n[0]))  # longest first: no name inside another


def lifts_named(text: str) -> set[str]:
    """Catalogue ids whose names appear in ``text``."""
    found, rest = set(), text.lower()
    for name, ex_id in NAMES:
        if name.lower() in rest:
            found.add(ex_id)
            rest = rest.replace(name.lower(), "#")
    return found


def assert_one_next_step(s: Suggestion, lift_id: str, fault: str | None) -> None:
    allowed = {lift_id} | ({s.exercise_id} if s.exercise_id else set())
    for text in (s.reason, s.move_on_rule):
        assert lifts_named(text) <= allowed, (lift_id, fault, text)
    if s.next_session is not None:
        assert lifts_named(s.next_session.text) <= allowed and len(lifts_named(s.next_session.text)) <= 1
    if s.exercise_id is None:
        return
    on_ladder = {lift_id, getattr(CAT.next(lift_id), "id", None), getattr(CAT.previous(lift_id), "id", None)}
    regression = {f.drill for f in FAULTS if f.code == fault}
    lower = {e.id for e in CAT if e.level < CAT[lift_id].level}  # a scale-back rung below the set's lift
    assert s.exercise_id in on_ladder | regression | lower, (lift_id, fault, s.exercise_id)


@pytest.mark.parametrize("lift_id", [e.id for e in CAT])
@pytest.mark.parametrize("fault", [None] + [f.code for f in FAULTS])
def test_every_lift_and_fault_gets_one_next_step(lift_id, fault):
    # given a set of this lift, clean or showing this fault on most reps
    s = suggest(lift_id, (fault,) if fault else (), clean_reps=0 if fault else 10, full_reps=10)
    # then the advice names one lift to go to, next to this one on the ladder or the fault's drill
    assert_one_next_step(s, lift_id, fault)


@pytest.mark.parametrize("fault", [None, "rounded_back", "squatting", "incomplete_lockout", "head_misaligned"])
def test_an_assumed_floor_pull_names_one_lift_everywhere(fault):
    # given a pull from the floor graded without the lift picked (kettlebell? barbell?)
    fields = {
        None: {},
        "rounded_back": dict(back_line_deviation_deg=40.0, back_curve_deg=45.0),
        "squatting": dict(knee_flexion_bottom_deg=120.0, shin_angle_bottom_deg=40.0, hinge_ratio=0.4),
        "incomplete_lockout": dict(lockout_hip_flexion_deg=45.0),
        "head_misaligned": dict(neck_angle_bottom_deg=80.0),
    }[fault]
    fields = {"knee_flexion_bottom_deg": 45.0, **fields}  # knees bent like a deadlift: read as a floor pull
    card = grade_reps([make_rep(i, **fields) for i in range(1, 11)], exercise="auto")
    s = card.suggestions
    # then no text sends the lifter to a lift named by the implement the video could not see
    assert card.exercise_name == FLOOR_PULL_NAME
    for text in (s.reason, s.move_on_rule, s.next_session.text if s.next_session else ""):
        assert "conventional_deadlift" not in lifts_named(text), text
    if s.exercise_name == FLOOR_PULL_NAME:
        assert s.kind == "stay" and lifts_named(s.next_session.text if s.next_session else "") == set()
