"""The JSON round trip: what is written is read back as the same values, NaN included."""

from __future__ import annotations

import json
import math

import numpy as np

from pipeline.document import serialize
from pipeline.measure.backcurve import BackCurve


def test_a_back_that_could_not_be_read_comes_back_as_nan_not_none() -> None:
    # given a rep's back with no curve reading (too few frames traced) and no hump error
    curve = BackCurve(
        t_s=2.9,
        contour_xy=np.array([[1.0, 2.0], [np.nan, np.nan]]),
        lower_xy=np.full((2, 2), np.nan),
        upper_xy=np.full((2, 2), np.nan),
        back_curve_deg=float("nan"),
        back_hump_ratio=0.08,
        frames_read=2,
    )
    # when it is written as JSON (which has no NaN) and read back
    back = serialize.from_jsonable(BackCurve, json.loads(serialize.dumps(curve)))
    # then the missing readings are NaN floats again, the rest as written
    assert isinstance(back.back_curve_deg, float) and math.isnan(back.back_curve_deg)
    assert math.isnan(back.back_hump_error)
    assert back.back_hump_ratio == 0.08 and back.frames_read == 2
    assert np.isnan(back.contour_xy[1]).all() and back.contour_xy[0].tolist() == [1.0, 2.0]
