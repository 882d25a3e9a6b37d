"""The lift a person names, resolved once where it enters: an upload, a regrade, the command line.

People type ids, names and aliases ("kb deadlift", "RDL", "trap bar"); everything past
the boundary carries a ``LiftChoice``: a catalogue id, or automatic (the lift is read
from how the reps moved). The job, the grading, the coaching and the store all take
``LiftChoice.requested`` ("auto" or the id), so a name is never cleaned up twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import InputError
from pipeline.judge.coaching import Catalogue, load_catalogue, normalise_name

AUTO = "auto"
MAX_NAME_CHARS = 64  # longer text is no lift name


class UnknownLift(InputError):
    """The named lift is not in the catalogue; the message says so and what to do."""


@dataclass(frozen=True)
class LiftChoice:
    """A catalogue exercise id, or ``None`` to recognise the lift from the reps."""

    exercise_id: str | None = None

    @property
    def auto(self) -> bool:
        return self.exercise_id is None

    @property
    def requested(self) -> str:
        """What a job, a config and a stored result keep: the id, or "auto"."""
        return self.exercise_id or AUTO


AUTOMATIC = LiftChoice()


def find_lift(text: str | None, catalogue: Catalogue | None = None) -> LiftChoice | None:
    """The lift meant by an id, name or alias; ``AUTOMATIC`` for "auto" or nothing; None if unknown."""
    key = normalise_name((text or "")[: MAX_NAME_CHARS + 1])
    if not key or key == AUTO:
        return AUTOMATIC
    if len(key) > MAX_NAME_CHARS:
        return None
    for ex in catalogue or load_catalogue():
        if key in {normalise_name(ex.id), normalise_name(ex.name), *(normalise_name(a) for a in ex.aliases)}:
            return LiftChoice(ex.id)
    return None


def choose_lift(text: str | None, catalogue: Catalogue | None = None) -> LiftChoice:
    """``find_lift``, refusing an unknown name with a plain message (the boundary's one check)."""
    found = find_lift(text, catalogue)
    if found is None:
        raise UnknownLift(
            f"There is no lift called {(text or '').strip()[:MAX_NAME_CHARS]!r}: pick one from the list, "
            "or leave it on automatic."
        )
    return found
