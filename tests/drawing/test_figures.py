"""Plotly figures and per-rep tables built from the synthetic three-rep set."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from drawing import figures
from tests.support import factories


@pytest.fixture(scope="module")
def result():
    return factories.synthetic_result()


def test_angles_figure_has_the_three_angle_traces_with_the_data(result):
    fig = figures.angles_figure(result)
    by_name = {t.name: t for t in fig.data}
    for field, (name, _) in figures.SERIES.items():
        np.testing.assert_allclose(by_name[name].y, getattr(result.kinematics, field))
        np.testing.assert_allclose(by_name[name].x, result.kinematics.t_s)
        assert "%{y" in by_name[name].hovertemplate


def test_angles_figure_marks_rep_bands_bottoms_and_lockouts(result):
    fig = figures.angles_figure(result)
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(b.x0, b.x1) for b in bands] == [(r.start_s, r.end_s) for r in result.reps]
    bottoms = next(t for t in fig.data if t.name == "Bottom")
    assert list(bottoms.x) == [r.bottom_s for r in result.reps]
    # the bottom marker sits on the hip curve (about 90° at the synthetic bottom)
    assert all(80 < y <= 90.5 for y in bottoms.y)
    lockouts = next(t for t in fig.data if t.name == "Lockout")
    assert list(lockouts.x) == [r.lockout_s for r in result.reps]
    assert {a.text for a in fig.layout.annotations} >= {"Rep 1 · A", "Rep 3 · C"}


def test_angles_figure_draws_graded_angle_levels_only(result):
    # given knee bend graded against 40° (a level) and hip range against 45° (a range: no line)
    lines = figures.threshold_lines(result)
    assert [(line.series, line.value) for line in lines] == [("knee_flexion_deg", 40.0)]
    fig = figures.angles_figure(result)
    hlines = [s for s in fig.layout.shapes if s.type == "line" and s.y0 == s.y1]
    assert [s.y0 for s in hlines] == [40.0]


def test_angles_figure_hides_invalid_samples(result):
    kin = result.kinematics
    valid = kin.valid.copy()
    valid[5:10] = False
    import dataclasses

    broken = dataclasses.replace(result, kinematics=dataclasses.replace(kin, valid=valid))
    hip = next(t for t in figures.angles_figure(broken).data if t.name == "Hip flexion")
    assert np.isnan(np.asarray(hip.y, float)[5:10]).all() and np.isfinite(np.asarray(hip.y, float)[10])


def test_hand_path_has_one_trace_per_rep_from_the_wrist_series(result):
    fig = figures.hand_path_figure(result)
    assert [t.name for t in fig.data] == ["Rep 1", "Rep 2", "Rep 3"]
    r = result.reps[1]
    np.testing.assert_allclose(fig.data[1].x, result.kinematics.wrist_x_leg[r.start_i : r.end_i + 1])
    np.testing.assert_allclose(fig.data[1].customdata, result.kinematics.t_s[r.start_i : r.end_i + 1])


def test_rep_bars_are_coloured_by_grade(result):
    fig = figures.rep_bars_figure(result, "back_line_deviation_deg")
    bar = fig.data[0]
    assert list(bar.y) == [m.back_line_deviation_deg for m in result.metrics]
    assert list(bar.marker.color) == [figures.GRADE_COLOURS[g] for g in "ABC"]
    assert list(bar.text) == ["A", "B", "C"]


def test_rep_rows_and_csv_carry_grades_and_metrics(result):
    rows = figures.rep_rows(result)
    assert [r["Grade"] for r in rows] == ["A", "B", "C"]
    assert rows[2]["Faults"] == "Flat back" and rows[1]["Watch"] == "Flat back" and rows[0]["Faults"] == ""
    parsed = list(csv.DictReader(io.StringIO(figures.rep_metrics_csv(result))))
    assert [p["rep"] for p in parsed] == ["1", "2", "3"]
    assert float(parsed[0]["hip_flexion_bottom_deg"]) == 90.0
    assert parsed[2]["faults"] == "rounded_back"


def test_figures_cope_with_no_reps_and_no_scorecard(result):
    import dataclasses

    empty = dataclasses.replace(
        result,
        segmentation=dataclasses.replace(result.segmentation, reps=()),
        metrics=(),
        scorecard=None,
    )
    assert len(figures.angles_figure(empty).data) == 5
    assert figures.hand_path_figure(empty).data == ()
    assert figures.rep_rows(empty) == []
    assert figures.rep_metrics_csv(empty).count("\n") == 1


def test_fault_groups_collect_each_fault_over_the_reps(result):
    (group,) = figures.fault_groups(result)
    assert group.rule == "rounded_back" and group.status == "fail"
    assert group.message == "The upper back rounded at the bottom."
    assert [(f.rep, f.status) for f in group.seen] == [(2, "warn"), (3, "fail")]
    assert group.seen[1].evidence_s == result.reps[2].bottom_s


def test_skipped_checks_name_what_no_rep_could_measure(result):
    from dataclasses import replace

    from pipeline.types import Criterion

    # given a set where the head was never seen, so the head check could not be made on any rep
    head = Criterion(
        rule="head_misaligned",
        label="Head out of line",
        status="not_gradable",
        value=None,
        unit="",
        threshold=None,
        message="Head out of line: head tilted back at the bottom could not be measured in this clip.",
    )
    sc = result.scorecard
    reps = tuple(replace(g, criteria=g.criteria + (head,)) for g in sc.reps)
    changed = replace(result, scorecard=replace(sc, reps=reps))
    # then that check, and only it, is listed as skipped, in plain words
    assert figures.skipped_checks(changed) == [head.message.rstrip(".")]
    assert figures.skipped_checks(result) == []


def test_the_chart_opens_on_the_measure_that_decided_the_main_fault(result):
    # given the synthetic set: rounded back, decided on the head-back line, its main fault
    assert result.scorecard.faults[0] == "rounded_back"
    # then that measure is the main fault's, and the chart opens on it unless a link asks for another
    assert figures.fault_measure(result) == "back_line_deviation_deg"
    assert figures.opening_measure(result) == "back_line_deviation_deg"
    assert figures.opening_measure(result, "rep_duration_s") == "rep_duration_s"
    assert figures.opening_measure(result, "no_such_measure") == "back_line_deviation_deg"


def test_a_fault_decided_on_a_measure_the_chart_does_not_usually_offer_is_offered_by_its_glossary_name(result):
    # given a set whose rounded back was decided on the shin tilt (a measure the bar chart does not list)
    from dataclasses import replace

    from pipeline.measure.glossary import measure

    sc = result.scorecard
    reps = tuple(
        replace(rg, criteria=tuple(replace(c, metric="shin_angle_bottom_deg") for c in rg.criteria)) for rg in sc.reps
    )
    shin = replace(result, scorecard=replace(sc, reps=reps))
    # then the chart offers it, by the glossary's heading, and opens on it
    assert figures.chart_measures(shin)["shin_angle_bottom_deg"] == measure("shin_angle_bottom_deg").heading
    assert figures.opening_measure(shin) == "shin_angle_bottom_deg"
    assert (
        measure("shin_angle_bottom_deg").heading
        in figures.rep_bars_figure(shin, "shin_angle_bottom_deg").layout.title.text
    )


def test_a_clean_set_opens_the_chart_on_the_first_measure(result):
    from dataclasses import replace

    clean = replace(result, scorecard=replace(result.scorecard, faults=()))
    assert figures.fault_measure(clean) is None
    assert figures.opening_measure(clean) == next(iter(figures.BAR_MEASURES))
