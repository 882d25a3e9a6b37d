"""The overlay chart of two aligned reps."""

from __future__ import annotations

import numpy as np

from drawing import compare_figures
from pipeline import compare
from tests.support import factories


def _comparison():
    result = factories.synthetic_result()
    return compare.compare_results(result, 1, result, 3, label_a="Rep 1 (A)", label_b="Rep 3 (C)")


def test_overlay_draws_both_reps_for_each_angle_with_the_difference_shaded():
    # given rep 1 and rep 3 of the synthetic set
    cmp = _comparison()
    # when the overlay is drawn
    fig = compare_figures.overlay_figure(cmp)
    # then each of the three angle rows has rep A's curve, rep B's curve and one shaded area
    lines = [t for t in fig.data if t.fill is None]
    shades = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in lines] == ["Rep 1 (A)", "Rep 3 (C)"] * 3
    assert len(shades) == 3 and {t.name for t in shades} == {"Difference"}
    assert sum(t.showlegend for t in fig.data) == 3  # one legend entry each
    np.testing.assert_allclose(lines[0].y, cmp.a.hip_flexion_deg)
    np.testing.assert_allclose(lines[5].y, cmp.b.torso_angle_deg)
    assert list(lines[0].x) == list(cmp.grid_pct) and fig.layout.xaxis3.range == (0, 100)


def test_shading_leaves_out_where_either_curve_is_missing():
    # given curves with a gap in B from index 3 to 5
    x = np.arange(10.0)
    ya, yb = np.zeros(10), np.ones(10)
    yb[3:6] = np.nan
    # when the shaded outline is built
    xs, ys = compare_figures._shade(x, ya, yb)
    # then there are two closed outlines (0-2 and 6-9), none touching the gap
    parts = " ".join("|" if v is None else str(v) for v in xs).split("|")
    assert len([p for p in parts if p.strip()]) == 2
    assert not ({3.0, 4.0, 5.0} & {v for v in xs if v is not None})
    assert all(v in (0.0, 1.0) for v in ys if v is not None)
