"""Fault-rule levels fitted on labelled real clips, and how well each check did there.

``pipeline/judge/calibration.toml`` is written by ``bench/calibrate.py`` (never by
hand): per rule row and lift family, the warn and fail levels chosen from the
labelled clips, plus the check's measured record (faults caught out of clips
that showed it, false alarms out of clean clips), which the scorecard shows
so a coach knows how far to trust each check. A row absent here keeps the
rule table's default levels.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

CALIBRATION_FILE = Path(__file__).with_name("calibration.toml")
ANY_FAMILY = "any"


@dataclass(frozen=True)
class CheckRecord:
    """How a fault's check did on the labelled clips."""

    caught: int  # clips showing the fault where it was flagged
    shown: int  # clips showing the fault
    false_alarms: int  # clean clips where it was flagged
    clean: int  # clean clips graded

    def sentence(self) -> str:
        if not self.shown and not self.clean:
            return "Not yet measured on labelled clips."
        parts = []
        if self.shown:
            parts.append(
                f"caught {self.caught} of {self.shown} labelled clip{'s' if self.shown != 1 else ''} showing it"
            )
        if self.clean:
            parts.append(f"false alarm on {self.false_alarms} of {self.clean} clean lifts")
        return "On labelled real clips: " + "; ".join(parts) + "."


@dataclass(frozen=True)
class Calibration:
    """Fitted (warn, fail) levels by (rule row, lift family) and each fault's record."""

    levels: Mapping[tuple[str, str], tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))
    records: Mapping[str, CheckRecord] = field(default_factory=lambda: MappingProxyType({}))
    fitted_on: str = ""

    def levels_for(self, row_id: str, family: str) -> tuple[float, float] | None:
        return self.levels.get((row_id, family)) or self.levels.get((row_id, ANY_FAMILY))


EMPTY = Calibration()


def parse(doc: dict[str, Any]) -> Calibration:
    levels = {}
    for row_id, families in doc.get("levels", {}).items():
        for family, pair in families.items():
            warn, fail = (float(v) for v in pair)
            levels[(row_id, family)] = (warn, fail)
    records = {code: CheckRecord(**{k: int(v) for k, v in rec.items()}) for code, rec in doc.get("records", {}).items()}
    return Calibration(MappingProxyType(levels), MappingProxyType(records), str(doc.get("fitted_on", "")))


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The shipped calibration (empty when the file is missing)."""
    if not path.is_file():
        return EMPTY
    with open(path, "rb") as fh:
        return parse(tomllib.load(fh))


def to_toml(cal: Calibration) -> str:
    """The calibration as TOML text (what ``bench/calibrate.py`` writes)."""
    lines = [
        "# Written by bench/calibrate.py from the labelled clips; do not edit by hand.",
        f'fitted_on = "{cal.fitted_on}"',
        "",
        "[levels]",
    ]
    by_row: dict[str, dict[str, tuple[float, float]]] = {}
    for (row_id, family), pair in sorted(cal.levels.items()):
        by_row.setdefault(row_id, {})[family] = pair
    for row_id, families in by_row.items():
        inner = ", ".join(f"{fam} = [{w:.4g}, {f:.4g}]" for fam, (w, f) in families.items())
        lines.append(f'"{row_id}" = {{ {inner} }}')
    lines += ["", "[records]"]
    for code, r in sorted(cal.records.items()):
        lines.append(
            f"{code} = {{ caught = {r.caught}, shown = {r.shown}, false_alarms = {r.false_alarms}, clean = {r.clean} }}"
        )
    return "\n".join(lines) + "\n"
