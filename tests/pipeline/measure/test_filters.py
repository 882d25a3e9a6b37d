"""pipeline.measure.filters on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.measure.filters import fill_gaps, hampel, lowpass
from pipeline.types import KP
from tests.support import synth

FS = 12.0


def _sine(freq_hz: float, seconds: float = 10.0, amp: float = 50.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(seconds * FS)) / FS
    return t, amp * np.sin(2 * np.pi * freq_hz * t)


def _shoulder_y(**sched) -> np.ndarray:
    """The synthetic lifter's shoulder height (px) over a set: holds and smooth dips."""
    s = synth.make_set(5, **sched)
    return s.pose.xy[:, KP["left_shoulder"], 1].copy()


@pytest.mark.parametrize(
    "sched", [{}, {"descent_s": 0.6, "ascent_s": 0.5}, {"bottom_s": 0.5}], ids=["unpaused", "fast", "paused"]
)
def test_hampel_keeps_every_clean_sample_of_a_lift(sched: dict) -> None:
    """Given the shoulder track of clean reps (sharp, smooth turning points at the
    bottom), when hampel runs as kinematics runs it, then nothing is rejected."""
    x = _shoulder_y(**sched)
    out = hampel(x, window=6, min_dev=4.0)
    assert np.flatnonzero(np.isnan(out)).tolist() == []


@pytest.mark.parametrize(
    "spikes", [[25, 32, 50], [60, 61], [47, 48]], ids=["single", "two-frame-moving", "two-frame-top"]
)
def test_hampel_removes_spikes_and_keeps_the_rest(spikes: list[int]) -> None:
    """Given the same track with 80 px jumps (at a top, mid-move, at a bottom),
    then exactly the jumps go and every other sample is untouched."""
    x = _shoulder_y()
    dirty = x.copy()
    dirty[spikes] += 80.0
    out = hampel(dirty, window=6, min_dev=4.0)
    assert np.flatnonzero(np.isnan(out)).tolist() == spikes
    keep = np.isfinite(out)
    np.testing.assert_array_equal(out[keep], dirty[keep])


def test_fill_gaps_fills_short_interior_gaps_linearly_and_leaves_long_ones() -> None:
    """Given a ramp with a 3-sample and a 10-sample hole, when max_gap=4,
    then the short hole is the exact line and the long one stays NaN."""
    x = 2.0 * np.arange(40) + 1.0
    truth = x.copy()
    x[5:8] = np.nan
    x[20:30] = np.nan
    out = fill_gaps(x, max_gap=4)
    np.testing.assert_allclose(out[5:8], truth[5:8], atol=1e-12)
    assert np.isnan(out[20:30]).all()
    np.testing.assert_array_equal(out[:5], truth[:5])


def test_fill_gaps_interpolates_between_unequal_neighbours() -> None:
    x = np.array([0.0, np.nan, np.nan, np.nan, 8.0])
    np.testing.assert_allclose(fill_gaps(x, max_gap=3), [0, 2, 4, 6, 8])
    assert np.isnan(fill_gaps(x, max_gap=2)[1:4]).all()


def test_lowpass_keeps_a_slow_sine_within_one_percent() -> None:
    t, x = _sine(0.5, seconds=12.0)
    out = lowpass(x, cutoff_hz=4.0, sample_rate_hz=FS)
    core = slice(24, -24)
    assert np.max(np.abs(out[core])) == pytest.approx(50.0, rel=0.01)
    assert np.max(np.abs(out[core] - x[core])) < 0.5


def test_lowpass_attenuates_high_frequency_noise() -> None:
    rng = np.random.default_rng(3)
    t, slow = _sine(0.5, seconds=12.0)
    fast = 5.0 * np.sin(2 * np.pi * 5.5 * t)  # near Nyquist (6 Hz)
    noisy = slow + fast + rng.normal(0, 2.0, len(t))
    out = lowpass(noisy, cutoff_hz=2.0, sample_rate_hz=FS)
    core = slice(24, -24)
    assert np.std(out[core] - slow[core]) < 0.35 * np.std(noisy[core] - slow[core])


def test_lowpass_is_zero_phase() -> None:
    """A single smooth bump keeps its peak time (within one sample)."""
    t = np.arange(120) / FS
    x = 100.0 * np.exp(-0.5 * ((t - 4.3) / 0.4) ** 2)
    out = lowpass(x, cutoff_hz=2.0, sample_rate_hz=FS)
    assert abs(t[np.argmax(out)] - 4.3) <= 1.0 / FS


def test_lowpass_keeps_long_gaps_as_nan() -> None:
    _, x = _sine(0.3)
    x[50:80] = np.nan
    out = lowpass(x, cutoff_hz=4.0, sample_rate_hz=FS)
    assert np.isnan(out[50:80]).all()
    assert np.isfinite(out[:50]).all() and np.isfinite(out[80:]).all()
