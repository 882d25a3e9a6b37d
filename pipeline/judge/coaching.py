"""The coaching brain's knowledge: the exercise ladder and what to do next.

The ladder lives in ``exercises.toml`` (package data). ``load_catalogue`` parses
and validates it; ``resolve_exercise`` maps what a user typed to an exercise;
``suggest`` turns a set's faults into a regression, a progression or "stay".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from pipeline.types import NextSession, Suggestion

STAGES = ("activation", "pattern drill", "feedback drill", "loaded basics", "intermediate", "advanced")
ROLES = ("warmup", "secondary", "primary", "accessory")
FLAG_FIELDS = ("video_gradable", "ballistic", "control_tempo", "kneeling", "hand_load", "from_floor")


class CatalogueError(ValueError):
    """The exercise catalogue is malformed; the message says where and why."""


@dataclass(frozen=True)
class Exercise:
    """One rung of the hinge ladder and what is expected of a good rep."""

    id: str
    name: str
    level: int
    stage: str
    role: str
    equipment: tuple[str, ...]
    focus: str
    prev: str  # "" at the bottom of the ladder
    next: str  # "" at the top of a branch
    knee_bottom_deg: tuple[float, float]
    torso_bottom_deg: tuple[float, float]
    hip_range_min_deg: float
    descent_s: tuple[float, float]
    aliases: tuple[str, ...] = ()
    video_gradable: bool = True
    ballistic: bool = False
    control_tempo: bool = False
    kneeling: bool = False
    hand_load: bool = False
    from_floor: bool = False
    skip_rules: tuple[str, ...] = ()
    thresholds: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def family(self) -> str:
        """Lift family the calibrated levels are fitted per (see pipeline.judge.calibration)."""
        if self.ballistic:
            return "swing"
        if self.from_floor:
            return "floor_pull"
        if self.hand_load:
            return "loaded_hinge"
        return "drill"

    @property
    def flags(self) -> frozenset[str]:
        """Names of the true boolean traits, e.g. {"ballistic", "hand_load"}."""
        return frozenset(f for f in FLAG_FIELDS if getattr(self, f))


@dataclass(frozen=True)
class Catalogue:
    exercises: Mapping[str, Exercise]

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def previous(self, exercise_id: str) -> Exercise | None:
        """One rung easier, or None at the bottom."""
        prev = self.exercises[exercise_id].prev
        return self.exercises[prev] if prev else None

    def next(self, exercise_id: str) -> Exercise | None:
        """One rung harder, or None at the top of the branch."""
        nxt = self.exercises[exercise_id].next
        return self.exercises[nxt] if nxt else None

    def path_up(self, exercise_id: str) -> tuple[Exercise, ...]:
        """This exercise and every progression after it, to the top."""
        out = [self.exercises[exercise_id]]
        while out[-1].next:
            out.append(self.exercises[out[-1].next])
        return tuple(out)

    def path_down(self, exercise_id: str) -> tuple[Exercise, ...]:
        """This exercise and every regression below it, to the bottom."""
        out = [self.exercises[exercise_id]]
        while out[-1].prev:
            out.append(self.exercises[out[-1].prev])
        return tuple(out)


# --------------------------------------------------------------- validation
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "level": int,
    "stage": str,
    "role": str,
    "equipment": list,
    "focus": str,
    "prev": str,
    "next": str,
    "knee_bottom_deg": list,
    "torso_bottom_deg": list,
    "hip_range_min_deg": (int, float),
    "descent_s": list,
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "aliases": list,
    "skip_rules": list,
    "thresholds": dict,
    **{f: bool for f in FLAG_FIELDS},
}


def _range(eid: str, key: str, value: list[Any], lo: float, hi: float) -> tuple[float, float]:
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise CatalogueError(f"{eid}.{key} must be two numbers [min, max], got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not (lo <= a <= b <= hi):
        raise CatalogueError(f"{eid}.{key} = {value!r} must satisfy {lo} <= min <= max <= {hi}")
    return a, b


def _check_keys(eid: str, raw: Any) -> None:
    """The id is lower_snake_case, the entry a table with every required key, no unknown one, each of its type."""
    if not _ID_RE.match(eid):
        raise CatalogueError(f"exercise id {eid!r} must be lower_snake_case")
    if not isinstance(raw, dict):
        raise CatalogueError(f"{eid} must be a table")
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CatalogueError(f"{eid} has unknown keys: {sorted(unknown)}")
    for key, typ in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in raw:
            if key in _REQUIRED:
                raise CatalogueError(f"{eid} is missing {key!r}")
            continue
        value = raw[key]
        if not isinstance(value, typ) or (typ in (int, (int, float)) and isinstance(value, bool)):
            raise CatalogueError(f"{eid}.{key} has the wrong type ({type(value).__name__})")


def _check_values(eid: str, raw: dict[str, Any]) -> float:
    """Name and focus given, level, stage and role valid; the minimum hip range, checked."""
    if not raw["name"].strip() or not raw["focus"].strip():
        raise CatalogueError(f"{eid} needs a non-empty name and focus")
    if raw["level"] < 1:
        raise CatalogueError(f"{eid}.level must be >= 1")
    if raw["stage"] not in STAGES:
        raise CatalogueError(f"{eid}.stage {raw['stage']!r} is not one of {STAGES}")
    if raw["role"] not in ROLES:
        raise CatalogueError(f"{eid}.role {raw['role']!r} is not one of {ROLES}")
    hip_min = float(raw["hip_range_min_deg"])
    if not 0 < hip_min < 180:
        raise CatalogueError(f"{eid}.hip_range_min_deg must be between 0 and 180")
    return hip_min


def _thresholds(eid: str, raw: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The exercise's own (warn, fail) levels by rule row."""
    thresholds: dict[str, tuple[float, float]] = {}
    for row_id, pair in raw.get("thresholds", {}).items():
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
        ):
            raise CatalogueError(f"{eid}.thresholds[{row_id!r}] must be [warn, fail]")
        thresholds[row_id] = (float(pair[0]), float(pair[1]))
    return thresholds


def _check_rules(eid: str, named: Sequence[str], known_rules: frozenset[str] | None) -> None:
    """Every rule the exercise skips or sets levels for exists (when the rule names are known)."""
    if known_rules is not None:
        bad = [s for s in named if s not in known_rules]
        if bad:
            raise CatalogueError(f"{eid} names unknown rules: {bad}")


def _parse_exercise(eid: str, raw: Any, known_rules: frozenset[str] | None) -> Exercise:
    """One ``[exercise.<id>]`` table, validated; raises CatalogueError."""
    _check_keys(eid, raw)
    hip_min = _check_values(eid, raw)
    skip = tuple(str(s) for s in raw.get("skip_rules", ()))
    thresholds = _thresholds(eid, raw)
    _check_rules(eid, [*skip, *thresholds], known_rules)
    return Exercise(
        id=eid,
        name=raw["name"].strip(),
        level=raw["level"],
        stage=raw["stage"],
        role=raw["role"],
        equipment=tuple(str(e) for e in raw["equipment"]),
        focus=raw["focus"].strip(),
        prev=raw["prev"],
        next=raw["next"],
        knee_bottom_deg=_range(eid, "knee_bottom_deg", raw["knee_bottom_deg"], 0, 180),
        torso_bottom_deg=_range(eid, "torso_bottom_deg", raw["torso_bottom_deg"], -10, 90),
        hip_range_min_deg=hip_min,
        descent_s=_range(eid, "descent_s", raw["descent_s"], 0, 20),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        video_gradable=raw.get("video_gradable", True),
        ballistic=raw.get("ballistic", False),
        control_tempo=raw.get("control_tempo", False),
        kneeling=raw.get("kneeling", False),
        hand_load=raw.get("hand_load", False),
        from_floor=raw.get("from_floor", False),
        skip_rules=skip,
        thresholds=MappingProxyType(thresholds),
    )


def _check_ladder(ex: Mapping[str, Exercise]) -> None:
    """Links exist, go the right way, levels have no gaps, no cycles."""
    for e in ex.values():
        for key in ("prev", "next"):
            target = getattr(e, key)
            if target and target not in ex:
                raise CatalogueError(f"{e.id}.{key} points to unknown exercise {target!r}")
            if target == e.id:
                raise CatalogueError(f"{e.id}.{key} points to itself")
        if e.prev and ex[e.prev].level >= e.level:
            raise CatalogueError(f"{e.id}.prev {e.prev!r} must sit on a lower level")
        if e.next and ex[e.next].level <= e.level:
            raise CatalogueError(f"{e.id}.next {e.next!r} must sit on a higher level")
        if not e.prev and e.level != 1:
            raise CatalogueError(f"{e.id} has no prev but is on level {e.level}: only level 1 may be a ladder bottom")
    for start in ex:
        for key in ("next", "prev"):
            seen = {start}
            cur = getattr(ex[start], key)
            while cur:
                if cur in seen:
                    raise CatalogueError(f"cycle in the ladder through {cur!r} ({key} links)")
                seen.add(cur)
                cur = getattr(ex[cur], key)
    levels = sorted({e.level for e in ex.values()})
    missing = sorted(set(range(1, levels[-1] + 1)) - set(levels))
    if missing:
        raise CatalogueError(f"the ladder has gaps: no exercise on level(s) {missing}")
    names: dict[str, str] = {}
    for e in ex.values():
        for key in (e.id, e.name, *e.aliases):
            norm = normalise_name(key)
            if norm in names and names[norm] != e.id:
                raise CatalogueError(f"name or alias {key!r} is used by both {names[norm]} and {e.id}")
            names[norm] = e.id


def parse_catalogue(text: str, known_rules: frozenset[str] | None = None) -> Catalogue:
    """Parse and validate catalogue TOML text; raises CatalogueError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"exercise catalogue is not valid TOML: {exc}") from exc
    table = data.get("exercise")
    if not isinstance(table, dict) or not table:
        raise CatalogueError("exercise catalogue needs at least one [exercise.<id>] table")
    unknown_top = set(data) - {"exercise"}
    if unknown_top:
        raise CatalogueError(f"unknown top-level keys in catalogue: {sorted(unknown_top)}")
    exercises = {eid: _parse_exercise(eid, raw, known_rules) for eid, raw in table.items()}
    _check_ladder(exercises)
    return Catalogue(exercises=MappingProxyType(exercises))


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue, validated against the fault-rule table."""
    from pipeline.judge.rules import RULE_NAMES  # local: rules imports nothing from here

    text = resources.files("pipeline.judge").joinpath("exercises.toml").read_text(encoding="utf-8")
    return parse_catalogue(text, known_rules=RULE_NAMES)


def normalise_name(name: str) -> str:
    """Lower case, words only: "KB-Deadlift " -> "kb deadlift"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


# --------------------------------------------------------------- suggestions
MOVE_ON_RULE = "Move up a step once you can do several sets of 8-12 reps in a row with every rep clean."
RECOVERY_NOTE = "Leave 48-72 h before your next hard hinge session."
CONTROL_TEMPO = "3 s down, 2 s up"
MAX_DRILL_DROP = 4  # a fault's drill replaces the lift only if at most this many rungs lower

# (sets, reps, rest_s) by how an exercise is programmed (from the seeds' workout table).
SCHEMES: dict[str, tuple[str, str, str]] = {
    "warmup": ("2", "8-10", "30-45"),
    "secondary": ("3", "8-12", "90"),
    "primary": ("3-5", "3-6", "120-180"),
    "accessory": ("2-3", "12-15", "60"),
}

# What each scale-back action means: (sentence, where it goes).
# "prev" = one rung down the ladder, "drill" = the fault's drill, "same" = keep the lift.
SCALE_BACK: dict[str, tuple[str, str]] = {
    "shorten_range": (
        "Your back rounded, so shorten the range: start from a raised position "
        "or step back a rung until the back stays flat the whole way.",
        "prev",
    ),
    "support": (
        "Balance is slipping, so add support: a wall, a band anchored in front or a mirror to check yourself.",
        "prev",
    ),
    "form_drills": ("The pattern needs grooving before more load: spend a session or two on the drill below.", "drill"),
    "lower_intensity": ("Form faded as you tired, so drop the load or the reps and keep every rep crisp.", "same"),
    "elevate": (
        "Range is limited, so raise the start (bell on a step or blocks) and lower it "
        "bit by bit as your hips loosen up.",
        "same",
    ),
    "slow_down": ("Slow it down so you can feel the hips doing the work.", "same"),
    "stay": ("Stay on this lift and clean up the detail below.", "same"),
}


def _scheme(exercise: Exercise, controlled: bool, lighter: bool = False) -> NextSession:
    sets, reps, rest = SCHEMES[exercise.role]
    parts = [f"{exercise.name}: {sets} sets of {reps}, {rest} s rest"]
    if controlled or exercise.control_tempo:
        parts.append(f"tempo {CONTROL_TEMPO}")
    if lighter:
        parts.append("with a lighter load than today")
    text = ", ".join(parts) + ". " + RECOVERY_NOTE
    return NextSession(sets=sets, reps=reps, rest_s=rest, text=text)


def session_plan(exercise: Exercise, controlled: bool, lighter: bool = False) -> NextSession:
    """Next session's sets, reps, rest (and tempo) for ``exercise``, in words."""
    return _scheme(exercise, controlled, lighter)


def _drill_names(codes: Sequence[str], cat: Catalogue) -> tuple[str, ...]:
    from pipeline.judge.rules import FAULT_BY_CODE

    out: list[str] = []
    for code in codes:
        fault = FAULT_BY_CODE.get(code)
        if fault and fault.drill in cat and cat[fault.drill].name not in out:
            out.append(cat[fault.drill].name)
    return tuple(out)


def _cues(codes: Sequence[str]) -> tuple[str, ...]:
    from pipeline.judge.rules import FAULT_BY_CODE

    return tuple(dict.fromkeys(FAULT_BY_CODE[c].cue for c in codes if c in FAULT_BY_CODE))


def _by_priority(codes: Sequence[str]) -> list[str]:
    from pipeline.judge.rules import FAULTS

    order = {f.code: i for i, f in enumerate(FAULTS)}
    return sorted(dict.fromkeys(c for c in codes if c in order), key=order.__getitem__)


def _scale_back_target(ex: Exercise, where: str, drill: str, cat: Catalogue) -> Exercise:
    """Where a fault's scale-back goes: one rung down ("prev"), the fault's drill when it is at most
    ``MAX_DRILL_DROP`` rungs lower ("drill", else one rung down), or the same lift."""
    if where == "prev" and (prev := cat.previous(ex.id)) is not None:
        return prev
    if where == "drill" and drill in cat and 0 < ex.level - cat[drill].level <= MAX_DRILL_DROP:
        return cat[drill]
    if where == "drill" and (prev := cat.previous(ex.id)) is not None:
        return prev
    return ex


def _regression(ex: Exercise, faults: list[str], warnings: list[str], cat: Catalogue) -> Suggestion:
    """Faults seen: scale back as the first fault says (or stay when every fault is a detail)."""
    from pipeline.judge.rules import FAULT_BY_CODE

    main = FAULT_BY_CODE[faults[0]]
    sentence, where = SCALE_BACK[main.scale_back]
    target = _scale_back_target(ex, where, main.drill, cat)
    kind: Literal["stay", "regression"] = (
        "stay"
        if main.scale_back == "stay" and all(FAULT_BY_CODE[c].scale_back == "stay" for c in faults)
        else "regression"
    )
    names = ", ".join(FAULT_BY_CODE[c].title.lower() for c in faults)
    reason = f"Most reps showed: {names}. {sentence}"
    if target.id != ex.id:
        reason += f" Next time: {target.name}."
    controlled = kind == "regression"
    lighter = main.scale_back in ("lower_intensity", "elevate") and target.id == ex.id
    return Suggestion(
        kind=kind,
        exercise_id=target.id,
        exercise_name=target.name,
        reason=reason,
        drills=_drill_names(faults + warnings, cat),
        cues=_cues(faults + warnings),
        next_session=_scheme(target, controlled, lighter),
        move_on_rule=(
            f"Go back to {ex.name} once the fix holds for every rep."
            if target.id != ex.id
            else f"Stay on {ex.name} until the fix holds for every rep. {MOVE_ON_RULE}"
        ),
    )


def _top_of_branch(ex: Exercise, warnings: list[str], cat: Catalogue) -> Suggestion:
    """A clean set of the top rung: stay and add load."""
    return Suggestion(
        kind="stay",
        exercise_id=ex.id,
        exercise_name=ex.name,
        reason=(
            f"Clean set. {ex.name} is the top of its branch of the ladder: add load in small "
            "steps and keep every rep this tidy."
        ),
        drills=_drill_names(warnings, cat),
        cues=_cues(warnings) or (ex.focus,),
        next_session=_scheme(ex, False),
        move_on_rule="Add load only when every rep of every set stays clean.",
    )


def _progression(nxt: Exercise, warnings: list[str], clean_reps: int, full_reps: int, cat: Catalogue) -> Suggestion:
    """A clean set: the next rung, ``nxt``, once this one is owned over full sets."""
    reason = (
        f"Every full rep was clean ({clean_reps} of {full_reps}). Next step on the ladder: "
        f"{nxt.name}. Switch once you own this lift for several sets of 8-12."
    )
    if full_reps < 8:
        reason += f" This set had only {full_reps} reps, so prove it over a full set of 8-12 first."
    return Suggestion(
        kind="progression",
        exercise_id=nxt.id,
        exercise_name=nxt.name,
        reason=reason,
        drills=_drill_names(warnings, cat),
        cues=_cues(warnings) or (nxt.focus,),
        next_session=_scheme(nxt, nxt.control_tempo),
        move_on_rule=MOVE_ON_RULE,
    )


def suggest(
    exercise_id: str,
    faults: Sequence[str],
    warnings: Sequence[str] = (),
    clean_reps: int = 0,
    full_reps: int = 0,
    catalogue: Catalogue | None = None,
) -> Suggestion:
    """What to do next session.

    ``faults``: codes seen in most reps (the scorecard's faults); ``warnings``:
    codes that only warned. Faults -> regression (or "stay" when the only faults
    are details such as the head position or the lockout); no faults and at
    least one clean rep -> progression to the next rung with the move-on rule.
    """
    cat = catalogue or load_catalogue()
    ex = cat[exercise_id]
    seen = _by_priority(faults)
    only_warned = [w for w in _by_priority(warnings) if w not in seen]
    if seen:
        return _regression(ex, seen, only_warned, cat)
    if clean_reps == 0 and full_reps == 0:
        return Suggestion(
            kind="stay",
            exercise_id=ex.id,
            exercise_name=ex.name,
            reason="No full reps to judge yet; film a set of 8-12 reps.",
            cues=(ex.focus,),
            next_session=_scheme(ex, ex.control_tempo),
            move_on_rule=MOVE_ON_RULE,
        )
    nxt = cat.next(ex.id)
    if nxt is None:
        return _top_of_branch(ex, only_warned, cat)
    return _progression(nxt, only_warned, clean_reps, full_reps, cat)
