"""The exercise catalogue: complete, linked into one gap-free ladder, validated."""

from __future__ import annotations

import pytest

from pipeline.judge.coaching import CatalogueError, load_catalogue, parse_catalogue
from pipeline.judge.lifts import find_lift
from pipeline.judge.rules import FAULTS, RULES, SCALE_BACK_ACTIONS

SEED_EXERCISES = (
    "glute_bridge",
    "glute_bridge_elevated",
    "glute_bridge_weighted",
    "kneeling_hinge",
    "kneeling_dowel_hinge",
    "kneeling_kb_behind_back_hinge",
    "standing_kb_behind_back_hinge",
    "wall_tap_hinge",
    "standing_dowel_hinge",
    "banded_hinge",
    "chain_loaded_good_morning",
    "banded_good_morning",
    "toes_elevated_kb_good_morning",
    "cable_pull_through",
    "kettlebell_deadlift",
    "double_kettlebell_deadlift",
    "dumbbell_rdl",
    "kettlebell_rdl",
    "landmine_rdl",
    "trap_bar_deadlift",
    "barbell_rdl",
    "good_morning",
    "single_leg_rdl",
    "kettlebell_swing",
    "sumo_deadlift",
    "conventional_deadlift",
)

GOOD = """
[exercise.a]
name = "A"
level = 1
stage = "pattern drill"
role = "warmup"
equipment = []
focus = "x"
prev = ""
next = "b"
knee_bottom_deg = [5, 30]
torso_bottom_deg = [0, 40]
hip_range_min_deg = 50
descent_s = [2, 4]

[exercise.b]
name = "B"
level = 2
stage = "loaded basics"
role = "secondary"
equipment = ["kettlebell"]
focus = "y"
prev = "a"
next = ""
knee_bottom_deg = [30, 70]
torso_bottom_deg = [10, 45]
hip_range_min_deg = 60
descent_s = [1, 3]
"""


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_every_seed_exercise_is_in_the_catalogue(cat):
    # given the packaged catalogue / then every exercise the seeds name is there
    assert set(SEED_EXERCISES) <= {e.id for e in cat}


def test_every_exercise_has_a_level_and_neighbours_except_at_ladder_ends(cat):
    for e in cat:
        assert e.level >= 1
        assert e.prev or e.level == 1, e.id
        if e.prev:
            assert cat[e.prev].level < e.level
        if e.next:
            assert cat[e.next].level > e.level
    tops = {e.id for e in cat if not e.next}
    assert tops == {"conventional_deadlift", "kettlebell_swing", "single_leg_rdl"}
    assert {e.id for e in cat if not e.prev} == {"glute_bridge"}


def test_ladder_has_no_gaps_and_every_exercise_reaches_the_bottom_and_a_top(cat):
    levels = {e.level for e in cat}
    assert levels == set(range(1, max(levels) + 1))
    for e in cat:
        assert cat.path_down(e.id)[-1].id == "glute_bridge"
        assert not cat.path_up(e.id)[-1].next


def test_main_ladder_follows_the_seed_order(cat):
    # glute bridge -> kneeling hinge -> dowel -> band -> pull-through -> KB deadlift
    up = [e.id for e in cat.path_up("glute_bridge")]
    for a, b in [
        ("glute_bridge", "kneeling_hinge"),
        ("banded_hinge", "cable_pull_through"),
        ("cable_pull_through", "kettlebell_deadlift"),
        ("trap_bar_deadlift", "sumo_deadlift"),
        ("sumo_deadlift", "conventional_deadlift"),
    ]:
        assert up.index(a) < up.index(b)
    assert cat.previous("kettlebell_swing").id == "kettlebell_deadlift"


def test_lift_specific_ranges_differ(cat):
    kbdl, rdl, swing = cat["kettlebell_deadlift"], cat["dumbbell_rdl"], cat["kettlebell_swing"]
    assert kbdl.knee_bottom_deg[1] > rdl.knee_bottom_deg[1]
    assert swing.ballistic and not kbdl.ballistic
    assert rdl.control_tempo and not swing.control_tempo
    assert swing.descent_s[1] < rdl.descent_s[0]


def test_every_fault_has_cue_drill_and_regression(cat):
    for f in FAULTS:
        assert len(f.cue) > 20, f.code
        assert f.drill in cat, f.code
        assert f.scale_back in SCALE_BACK_ACTIONS, f.code
        assert any(r.code == f.code for r in RULES), f.code


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("rdl", "dumbbell_rdl"),
        ("KB Deadlift", "kettlebell_deadlift"),
        ("trap bar", "trap_bar_deadlift"),
        ("hex-bar deadlift", "trap_bar_deadlift"),
        ("kettlebell_swing", "kettlebell_swing"),
        ("Conventional deadlift", "conventional_deadlift"),
        ("auto", None),
        ("zercher squat", None),
    ],
)
def test_find_lift_accepts_ids_names_and_aliases(typed, expected):
    got = find_lift(typed)
    assert (got.exercise_id if got else None) == expected


def test_small_good_catalogue_parses():
    cat = parse_catalogue(GOOD)
    assert cat.next("a").id == "b" and cat.previous("b").id == "a"


@pytest.mark.parametrize(
    "bad, message",
    [
        (GOOD.replace('next = "b"', 'next = "zz"'), "unknown exercise"),
        (GOOD.replace("level = 2", "level = 3"), "gaps"),
        (GOOD.replace('prev = "a"', 'prev = ""'), "only level 1"),
        (GOOD.replace('next = ""', 'next = "a"'), "higher level"),
        (GOOD.replace('stage = "loaded basics"', 'stage = "expert"'), "stage"),
        (GOOD.replace("hip_range_min_deg = 60", 'hip_range_min_deg = "sixty"'), "wrong type"),
        (GOOD.replace("knee_bottom_deg = [30, 70]", "knee_bottom_deg = [70, 30]"), "knee_bottom_deg"),
        (GOOD.replace('focus = "y"', 'focus = "y"\ncolour = "red"'), "unknown keys"),
        (GOOD.replace('name = "B"', 'name = "A"'), "used by both"),
        (GOOD.replace("[exercise.b]", '[exercise.b]\nskip_rules = ["no_such_rule"]'), "unknown rules"),
        (GOOD + "\n[exercise.c", "not valid TOML"),
        ("", "at least one"),
    ],
)
def test_validation_rejects_bad_data_with_a_clear_message(bad, message):
    from pipeline.judge.rules import RULE_NAMES

    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(bad, known_rules=RULE_NAMES)


def test_cycle_is_rejected():
    text = (
        GOOD.replace('prev = "a"', 'prev = "c"')
        + """
[exercise.c]
name = "C"
level = 1
stage = "pattern drill"
role = "warmup"
equipment = []
focus = "z"
prev = "b"
next = "b"
knee_bottom_deg = [5, 30]
torso_bottom_deg = [0, 40]
hip_range_min_deg = 50
descent_s = [2, 4]
"""
    )
    with pytest.raises(CatalogueError):
        parse_catalogue(text)


def test_every_rule_reads_a_real_metric_field():
    import dataclasses

    from pipeline.types import RepMetrics, SetMetrics

    rep_fields = {f.name for f in dataclasses.fields(RepMetrics)}
    set_fields = {f.name for f in dataclasses.fields(SetMetrics)}
    for r in RULES:
        assert r.metric in (set_fields if r.scope == "set" else rep_fields), r.row_id
        assert r.row_id.startswith(r.code + "."), r.row_id
