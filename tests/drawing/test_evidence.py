"""Each fault's key frame draws the measurement that decided it, under its one glossary name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from drawing import frames as render
from drawing.scorecard import scorecard_view
from pipeline.judge.rules import RULES
from pipeline.measure.glossary import MEASURES
from report.content import report_content
from tests.support import factories

REP_METRICS = sorted({r.metric for r in RULES if r.scope == "rep"})


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("evidence") / "lifter.mp4", duration_s=10.0)


@pytest.fixture(scope="module")
def result(clip):
    return factories.synthetic_result(clip)


def _decided_by(result, metric: str, value: float):
    """The synthetic set with its rounded-back fault decided by ``metric`` at ``value`` on every rep."""
    reps = tuple(
        dataclasses.replace(
            g,
            criteria=tuple(
                dataclasses.replace(c, metric=metric, value=value) if c.rule == "rounded_back" else c
                for c in g.criteria
            ),
        )
        for g in result.scorecard.reps
    )
    return dataclasses.replace(result, scorecard=dataclasses.replace(result.scorecard, reps=reps))


def test_every_graded_measure_has_one_glossary_name():
    # given every measure a rule grades, then the glossary names it (the rule's label is that name)
    for rule in RULES:
        assert rule.label == MEASURES[rule.metric].name


@pytest.mark.parametrize("metric", REP_METRICS)
def test_a_faults_key_frame_names_and_draws_its_deciding_measurement(result, clip, metric):
    # given a fault decided by ``metric``
    value = 0.3 if MEASURES[metric].unit in ("", "%", "leg lengths") else 31.0
    decided = _decided_by(result, metric, value)
    # when its key frames are listed and drawn
    fault = next(f for f in scorecard_view(decided).faults if f.rule == "rounded_back")
    moment = fault.moments[0]
    mark = render.EvidenceMark(moment.metric, moment.value, moment.status)
    plain, marked = render.render_frames(decided, [moment.t_s] * 2, str(clip), marks=[None, mark])
    # then the caption and the drawing both carry the glossary's name and value
    name, shown = MEASURES[metric].name, MEASURES[metric].format(value)
    assert moment.metric == metric and f"{name} {shown}" in moment.caption
    assert mark.text.endswith(f"{name} {shown}")
    assert np.abs(marked.astype(int) - plain.astype(int)).sum() > 0  # the measurement is drawn on the frame


def test_the_report_frames_carry_the_deciding_measurement(result, clip):
    content = report_content(_decided_by(result, "back_line_deviation_deg", 24.0), video_path=clip)
    section = next(s for s in content.faults if s.label == "Flat back")
    assert section.frames and all("Head-back line 24°" in f.caption for f in section.frames)


def test_the_deciding_measurement_is_named_even_where_the_pose_is_missing(result):
    # given a moment with no pose (before the clip's first sample), drawn on a blank canvas
    assert render.pose_at(result, -10.0) is None
    mark = render.EvidenceMark("back_line_deviation_deg", 24.0, "fail")
    plain, marked = render.render_frames(result, [-10.0, -10.0], None, marks=[None, mark])
    # then the measurement's name and value are still drawn
    assert np.abs(marked.astype(int) - plain.astype(int)).sum() > 0


@pytest.mark.parametrize("metric", sorted(render.EVIDENCE_JOINTS))
def test_an_angles_evidence_draws_the_two_segments_it_is_read_from(result, metric):
    # given a rep's fault decided by an angle read from three keypoints
    t_s = result.reps[0].lockout_s if metric.startswith("lockout") else result.reps[0].bottom_s
    mark = render.EvidenceMark(metric, 25.0, "fail")
    # when its frame is drawn (on the blank canvas: the clip is not at hand)
    (image,) = render.render_frames(result, [t_s], None, marks=[mark])
    # then the middle of each segment is in the fault's colour
    p = render.pose_at(result, t_s)
    scale = np.array([image.shape[1], image.shape[0]]) / np.array(p.image_size)
    a, b, c = (p.xy[render._side_index(p.side, j)] * scale for j in render.EVIDENCE_JOINTS[metric])
    red = np.array(render.MARK_COLOURS["fail"][::-1])  # drawn in BGR, returned in RGB
    for u, v in ((a, b), (b, c)):
        x, y = np.round((u + v) / 2).astype(int)
        assert np.abs(image[y, x].astype(int) - red).max() <= 40, (metric, image[y, x])
