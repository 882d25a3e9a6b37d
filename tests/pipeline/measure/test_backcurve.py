"""The back's curve from a body mask: synthetic lifters' masks drawn with a known back shape."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.measure.backcurve import curve_angle, hump_geometry, outline_plausible, trace_back

W, H = 640, 480
BODY = 1
LEGS = 1
IDENTITY = np.eye(2, 3)


def hinged_lifter(round_deg: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The body mask (True on the body) of a side-view lifter at the bottom of a hinge, facing right.

    The back is a thick band from hip to shoulder; ``round_deg`` bends its upper
    half down toward the floor by that angle (0 = flat back).
    """
    img = np.zeros((H, W), np.uint8)
    hip = np.array([220.0, 250.0])
    ankle = np.array([300.0, 430.0])
    knee = np.array([290.0, 340.0])
    mid = hip + np.array([90.0, -18.0])  # lumbar half, nearly horizontal
    bend = np.radians(round_deg)
    direction = (mid - hip) / np.linalg.norm(mid - hip)
    rot = np.array([[np.cos(bend), -np.sin(bend)], [np.sin(bend), np.cos(bend)]])
    shoulder = mid + 90.0 * (rot @ direction)  # image y grows downward: + rotates toward the floor
    ear = shoulder + 40.0 * (rot @ direction) + np.array([0.0, 5.0])
    wrist = shoulder + np.array([0.0, 140.0])
    for a, b, colour, width in ((hip, knee, LEGS, 34), (knee, ankle, LEGS, 26), (shoulder, wrist, BODY, 16)):
        cv2.line(img, tuple(a.astype(int)), tuple(b.astype(int)), colour, width)
    for a, b in ((hip, mid), (mid, shoulder)):  # the trunk: a thick band with round joints
        cv2.line(img, tuple(a.astype(int)), tuple(b.astype(int)), BODY, 56)
        cv2.circle(img, tuple(b.astype(int)), 28, BODY, -1)
    cv2.circle(img, tuple(hip.astype(int)), 30, BODY, -1)
    cv2.circle(img, tuple(ear.astype(int)), 22, 1, -1)
    pts = {"ear": ear, "shoulder": shoulder, "hip": hip, "knee": knee, "ankle": ankle, "wrist": wrist}
    return img.astype(bool), pts


def test_flat_back_reads_near_zero():
    # given a lifter whose back is one straight band
    img, pts = hinged_lifter(0.0)
    # when the back is traced
    curve = trace_back(img, IDENTITY, pts, 1.0)
    # then the lumbar and thoracic lines agree within a few degrees
    assert abs(curve.back_curve_deg) < 6.0
    assert curve.t_s == 1.0 and curve.contour_xy.shape == (41, 2)


@pytest.mark.parametrize("round_deg", [25.0, 40.0])
def test_rounded_upper_back_reads_positive_and_grows_with_the_bend(round_deg):
    # given a lifter whose upper back curls down by round_deg
    img, pts = hinged_lifter(round_deg)
    # when the back is traced
    curve = trace_back(img, IDENTITY, pts, 0.0)
    # then the curve is clearly positive, within a third of the drawn bend
    assert curve.back_curve_deg == pytest.approx(round_deg, abs=round_deg / 3)


def test_contour_lies_on_the_back_not_the_chest():
    # given a flat-backed lifter facing right (chest toward the floor)
    img, pts = hinged_lifter(0.0)
    curve = trace_back(img, IDENTITY, pts, 0.0)
    # then the traced points sit above the hip-shoulder line (the back faces up)
    mid = curve.contour_xy[10:30]
    line_y = np.interp(mid[:, 0], [pts["hip"][0], pts["shoulder"][0]], [pts["hip"][1], pts["shoulder"][1]])
    assert np.nanmedian(line_y - mid[:, 1]) > 10


def test_missing_joint_gives_no_curve():
    img, pts = hinged_lifter(0.0)
    pts["ear"] = np.array([np.nan, np.nan])
    curve = trace_back(img, IDENTITY, pts, 0.0)
    assert np.isnan(curve.back_curve_deg) and len(curve.contour_xy) == 0


def test_curve_angle_of_exact_offsets():
    # given offsets that rise with slope 0.2 over the lumbar half, then fall with slope -0.2
    s = np.linspace(0, 1, 41)
    offsets = np.where(s <= 0.45, 0.2 * s, 0.09 - 0.2 * (s - 0.45))
    angle, lower, upper = curve_angle(offsets)
    # then the angle is the difference of the two slopes' angles
    assert angle == pytest.approx(2 * np.degrees(np.arctan(0.2)), abs=1e-6)
    assert lower[1] == pytest.approx(0.2) and upper[1] == pytest.approx(-0.2)


@pytest.mark.parametrize("round_deg", [0.0, 25.0, 40.0])
def test_the_hump_is_the_bend_s_sagitta_over_the_pelvis_to_neck_chord(round_deg):
    # given a back of two equal straight halves meeting at round_deg
    img, pts = hinged_lifter(round_deg)
    # when the back is traced
    curve = trace_back(img, IDENTITY, pts, 0.0)
    # then the bulge over the chord, as a share of it, is half the tangent of half the bend (within 0.02)
    assert curve.back_hump_ratio == pytest.approx(0.5 * np.tan(np.radians(round_deg) / 2), abs=0.02)
    start, end, top = curve.hump_xy
    assert np.all(np.isfinite(curve.hump_xy)) and start[0] < top[0] < end[0]


def test_hump_geometry_of_exact_offsets():
    # given a straight back line (offsets falling linearly) with a tent 0.1 high at s = 0.6
    s = np.linspace(0.0, 1.15, 41)
    base = 0.25 - 0.1 * s
    offsets = base + np.clip(0.1 - np.abs(s - 0.6) * 0.4, 0.0, None)
    ratio, geo = hump_geometry(offsets)
    # then the hump is the tent's height, found at its peak
    assert ratio == pytest.approx(0.1, abs=0.01)
    assert geo[2][0] == pytest.approx(0.6, abs=0.03)
    assert np.isnan(hump_geometry(np.full(41, np.nan))[0])


def test_an_outline_with_no_room_for_the_pelvis_is_not_plausible():
    # given offsets 0.2 hip-ear lengths out at the hips, and the same cut to 0.03 there
    s = np.linspace(0, 1, 41)
    good = np.where(s <= 0.45, 0.2 + 0.05 * s, 0.22 - 0.2 * (s - 0.45))
    cut = np.where(s <= 0.1, 0.03, good)
    # then the first is plausible and the one cut into the body is not
    assert outline_plausible(good) and not outline_plausible(cut)
    assert not outline_plausible(np.full(41, np.nan))


def test_a_lower_back_lost_in_the_background_gives_no_curve_rather_than_a_false_rounding():
    # given a lifter whose mask misses the hips and lower back (dark shorts on a dark wall)
    img, pts = hinged_lifter(0.0)
    hip = pts["hip"]
    cv2.circle(img.view(np.uint8), tuple((hip + [25.0, -30.0]).astype(int)), 45, 0, -1)
    # when the back is traced
    curve = trace_back(img, IDENTITY, pts, 0.0)
    # then no curve is read from it (the check is skipped, not failed)
    assert np.isnan(curve.back_curve_deg)


def test_curve_angle_needs_enough_points():
    offsets = np.full(41, np.nan)
    offsets[:5] = 0.1
    assert np.isnan(curve_angle(offsets)[0])


def test_median_curve_ignores_one_bad_frame_and_untraced_ones():
    from pipeline.measure.backcurve import BackCurve, median_curve

    def c(deg):
        return BackCurve(0.0, np.zeros((0, 2)), np.zeros((2, 2)), np.zeros((2, 2)), deg)

    # given five frames around the bottom: one silhouette gone wrong, one not traced
    picked = median_curve([c(10.0), c(55.0), c(float("nan")), c(12.0), c(11.0)])
    # then the rep keeps the middle of the traced values
    assert picked.back_curve_deg == 11.0
    assert np.isnan(median_curve([c(float("nan"))] * 3).back_curve_deg)


def test_a_back_read_on_fewer_than_three_frames_is_no_reading():
    from pipeline.measure.backcurve import BACK_QUORUM, BackCurve, median_curve

    def c(deg, hump=float("nan")):
        return BackCurve(0.0, np.zeros((0, 2)), np.zeros((2, 2)), np.zeros((2, 2)), deg, back_hump_ratio=hump)

    nan = float("nan")
    # given five frames of which only two could be traced (the pelvis left the picture on three)
    rep = median_curve([c(45.9, 0.12), c(nan), c(nan), c(30.0, 0.10), c(nan)])
    # then the rep has no curve and no hump reading, rather than one guessed from two frames
    assert BACK_QUORUM == 3
    assert np.isnan(rep.back_curve_deg) and np.isnan(rep.back_hump_ratio) and rep.frames_read == 2
    assert np.isnan(rep.lower_xy).all() and np.isnan(rep.upper_xy).all()  # nothing drawn as if measured


def test_the_reading_error_is_the_standard_error_of_its_frames_median():
    from pipeline.measure.backcurve import BackCurve, median_curve
    from pipeline.measure.filters import SE_MEDIAN

    def c(deg, hump):
        return BackCurve(0.0, np.zeros((0, 2)), np.zeros((2, 2)), np.zeros((2, 2)), deg, back_hump_ratio=hump)

    # given three frames reading 10, 12 and 14 deg (SD 2) and humps 0.10, 0.11, 0.12 (SD 0.01)
    rep = median_curve([c(14.0, 0.12), c(10.0, 0.10), c(12.0, 0.11)])
    # then the rep reads the middle frame, with 1.2533 x SD / sqrt(3) as its error
    assert rep.back_curve_deg == 12.0 and rep.frames_read == 3
    assert rep.back_curve_error_deg == pytest.approx(SE_MEDIAN * 2.0 / np.sqrt(3))
    assert rep.back_hump_ratio == pytest.approx(0.11)
    assert rep.back_hump_error == pytest.approx(SE_MEDIAN * 0.01 / np.sqrt(3))


@pytest.mark.parametrize(
    "b, lo, hi, window",
    [
        (10, 0, 30, [8, 9, 10, 11, 12]),  # mid-rep bottom: two samples either side
        (0, 0, 30, [0, 1, 2, 3, 4]),  # a pull from the floor: its first five samples
        (30, 0, 30, [26, 27, 28, 29, 30]),  # a bottom at the rep's end
        (5, 4, 6, [4, 5, 6]),  # a rep of three samples: all of them
    ],
)
def test_the_back_is_traced_on_the_five_samples_nearest_the_bottom(b, lo, hi, window):
    from pipeline.run import bottom_window

    assert bottom_window(b, lo, hi) == window


@pytest.mark.parametrize("turn_deg, scale", [(0.0, 1.0), (-70.0, 0.5), (110.0, 0.4)])
def test_the_curve_is_the_same_on_a_mask_turned_and_scaled_like_the_outline_s_crop(turn_deg, scale):
    # given a rounded-back lifter's mask, and the same mask turned and scaled (as the upright crop is)
    img, pts = hinged_lifter(25.0)
    whole = trace_back(img, IDENTITY, pts, 1.0)
    to_crop = cv2.getRotationMatrix2D((320.0, 240.0), turn_deg, scale)
    turned = cv2.warpAffine(img.view(np.uint8), to_crop, (W, H), flags=cv2.INTER_NEAREST).astype(bool)
    # when the turned mask is traced with the frame's points and the affine that made it
    part = trace_back(turned, to_crop, pts, 1.0)
    # then the curve agrees within the pixels lost to the smaller picture, drawn back in frame coordinates
    assert part.back_curve_deg == pytest.approx(whole.back_curve_deg, abs=3.0 / scale)
    assert part.back_hump_ratio == pytest.approx(whole.back_hump_ratio, abs=0.01 / scale)
    assert np.nanmedian(np.linalg.norm(part.contour_xy - whole.contour_xy, axis=1)) < 3.0 / scale
