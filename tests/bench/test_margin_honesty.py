"""bench/scoring.py margin_honesty: how far a reading moves between two inputs of the same clip, in units
of the rule's margin (its stated error). Given readings whose difference is known, z is exact."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.judge.rules import RULES, margin_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from scoring import margin_honesty

KNEE = next(r for r in RULES if r.row_id == "squatting.knee")  # margin: 1 x the rep's angle error


def rep(knee_deg: float, uncertainty_deg: float = 3.0) -> SimpleNamespace:
    # (a steady knee: its own error is the angle error)
    return SimpleNamespace(
        knee_flexion_bottom_deg=knee_deg, angle_uncertainty_deg=uncertainty_deg, knee_flexion_error_deg=uncertainty_deg
    )


def assessment(*reps: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(metrics=reps)


def test_z_is_the_difference_over_the_combined_margin():
    # given one rep read 60 and 70 deg, each with a 3 deg angle error
    pairs = [(assessment(rep(60.0)), assessment(rep(70.0)))]
    # when the margins are checked
    honesty = margin_honesty(pairs)["squatting.knee"]
    # then z = 10 / hypot(3, 3), and it is over 2
    combined = float((2 * margin_for(KNEE, 3.0) ** 2) ** 0.5)
    assert honesty["reps"] == 1
    assert honesty["median_z"] == pytest.approx(10.0 / combined)
    assert honesty["over_2"] == 1.0


def test_refusals_and_other_rep_counts_are_left_out():
    # given a refusal and a pair whose rep counts differ, beside one rep read the same twice
    pairs = [
        ("refused", assessment(rep(60.0))),
        (assessment(rep(60.0)), assessment(rep(60.0), rep(61.0))),
        (assessment(rep(50.0)), assessment(rep(50.0))),
    ]
    # when the margins are checked
    honesty = margin_honesty(pairs)["squatting.knee"]
    # then only the matched rep counts, with z = 0
    assert honesty == {"reps": 1, "median_z": 0.0, "over_2": 0.0}
