"""Fitted levels: the fitting rule, the shipped file, and what the scorecard says about each check."""

from __future__ import annotations

import sys
from types import MappingProxyType

import pytest

from pipeline.judge.calibration import (
    ANY_FAMILY,
    EMPTY,
    Calibration,
    CheckRecord,
    load_calibration,
    parse,
    to_toml,
)
from pipeline.judge.coaching import load_catalogue
from pipeline.judge.rules import RULES, thresholds_for
from tests.support.paths import REPO

sys.path.insert(0, str(REPO / "bench"))
from calibrate import BOUNDS, fit_level

ROW = {r.row_id: r for r in RULES}


def test_fit_level_catches_the_most_faults_without_false_alarms():
    # given faulty clips at 18, 25, 31 and clean ones up to 12 (one clean outlier at 26)
    rule = ROW["rounded_back.back_curve"]
    faulty, clean = [18.0, 25.0, 31.0], [-8.0, -3.0, 2.0, 7.0, 9.0, 12.0, 26.0, 0.0, 1.0, 4.0, 5.0]
    # when fitted with a 10% false-alarm budget (1 of 11 allowed)
    level = fit_level(rule, faulty, clean, 0.10)
    # then the level sits midway between the highest clean value it may pass and the lowest fault
    assert level == pytest.approx(15.0)


def test_fit_level_with_no_budget_passes_every_clean_clip():
    rule = ROW["rounded_back.back_curve"]
    level = fit_level(rule, [18.0, 25.0, 31.0], [-8.0, 2.0, 12.0, 26.0, 0.0], 0.0)
    assert level == pytest.approx(28.5)


def test_fit_level_calls_no_clean_clip_faulty_when_it_need_not():
    # given a budget that would allow one of four clean clips (16) to be called faulty
    rule = ROW["rounded_back.back_curve"]
    level = fit_level(rule, [18.0, 25.0, 31.0], [0.0, 5.0, 12.0, 16.0], 0.25)
    # then the level passes it anyway, since all three faults are caught above it
    assert level == pytest.approx(17.0)


def test_fit_level_stays_inside_plausible_bounds_and_needs_enough_clips():
    rule = ROW["rounded_back.back_curve"]
    lo, hi = BOUNDS[rule.row_id]
    assert fit_level(rule, [3.0, 4.0], [-9.0, -8.0, -7.0, -6.0], 0.0) == lo
    assert fit_level(rule, [30.0], [0.0, 1.0, 2.0, 3.0], 0.0) is None  # one faulty clip is too few


def test_fit_level_below_rules_mirror():
    # given a "below" rule (hinge ratio: faulty clips bend less at the hips)
    rule = ROW["squatting.hinge_ratio"]
    level = fit_level(rule, [0.40, 0.45], [0.60, 0.62, 0.65, 0.70], 0.0)
    assert level == pytest.approx(0.525)


def test_toml_round_trip():
    cal = Calibration(
        MappingProxyType(
            {
                ("rounded_back.back_curve", "floor_pull"): (10.0, 15.0),
                ("rounded_back.back_curve", ANY_FAMILY): (20.0, 25.0),
            }
        ),
        MappingProxyType({"rounded_back": CheckRecord(3, 5, 1, 15)}),
        "test clips",
    )
    import tomllib

    back = parse(tomllib.loads(to_toml(cal)))
    assert back == cal


def test_family_levels_win_over_any_and_defaults():
    cat = load_catalogue()
    cal = Calibration(
        MappingProxyType(
            {
                ("rounded_back.back_curve", "floor_pull"): (10.0, 15.0),
                ("rounded_back.back_curve", ANY_FAMILY): (20.0, 25.0),
            }
        )
    )
    rule = ROW["rounded_back.back_curve"]
    assert thresholds_for(rule, cat["conventional_deadlift"], cal) == (10.0, 15.0)
    assert thresholds_for(rule, cat["dumbbell_rdl"], cal) == (20.0, 25.0)
    assert thresholds_for(rule, cat["dumbbell_rdl"], EMPTY) == (rule.warn, rule.fail)


def test_record_sentence_reads_plainly():
    assert CheckRecord(7, 9, 2, 20).sentence() == (
        "On labelled real clips: caught 7 of 9 labelled clips showing it; false alarm on 2 of 20 clean lifts."
    )
    assert CheckRecord(0, 0, 0, 0).sentence() == "Not yet measured on labelled clips."


def test_shipped_calibration_loads_and_stays_in_bounds():
    cal = load_calibration()
    assert cal.records, "pipeline/judge/calibration.toml is missing or empty: run python bench/calibrate.py"
    for (row_id, _family), (warn, fail) in cal.levels.items():
        lo, hi = BOUNDS[row_id]
        assert lo <= fail <= hi and lo <= warn <= hi
        assert warn <= fail if ROW[row_id].direction != "below" else warn >= fail
