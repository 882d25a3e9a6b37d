"""The lift picker's entries: every lift a video can grade, grouped by family, common lifts first and
drills last (pure: no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.judge.coaching import Exercise

AUTO = "auto"
AUTO_LABEL = "Detect automatically"
DRILL_STAGES = frozenset({"activation", "pattern drill", "feedback drill"})
# family (pipeline.judge.coaching.Exercise.family) -> group, in the order the picker lists them
GROUPS = {
    "floor_pull": "Deadlifts",
    "loaded_hinge": "Romanian deadlifts",
    "swing": "Swings",
    "drill": "Other hinges",
}
DRILLS = "Drills"
ROLE_ORDER = ("primary", "secondary", "accessory", "warmup")  # how often a lift is programmed: most first


def group_of(ex: Exercise) -> str:
    """The picker's group of a lift: its family's, or Drills for activation and pattern/feedback drills."""
    return DRILLS if ex.stage in DRILL_STAGES else GROUPS.get(ex.family, GROUPS["drill"])


def _order(ex: Exercise) -> tuple[int, int, int, str]:
    group = group_of(ex)
    rank = [*GROUPS.values(), DRILLS].index(group)
    role = ROLE_ORDER.index(ex.role) if ex.role in ROLE_ORDER else len(ROLE_ORDER)
    return rank, role, ex.level, ex.name


def lift_options(catalogue: Iterable[Exercise]) -> dict[str, str]:
    """Lift id -> "Group · Name": automatic first, then each group (deadlifts, Romanian deadlifts, swings,
    other hinges, drills), the lifts programmed most first within one. Only lifts a side-on video can grade.
    The group in the label lets a search for "deadlift" or "drill" find them all."""
    options = {AUTO: AUTO_LABEL}
    for ex in sorted((e for e in catalogue if e.video_gradable), key=_order):
        options[ex.id] = f"{group_of(ex)} · {ex.name}"
    return options
