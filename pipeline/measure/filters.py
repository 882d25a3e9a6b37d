"""NaN-aware 1-D signal cleaning: outliers, short gaps, zero-phase low-pass.

Each function takes and returns a new float array; NaN marks a missing sample.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import butter, sosfiltfilt

SE_MEDIAN = 1.2533  # standard error of a median = this x the values' SD / sqrt(n) (normal values)


def median_error(values: np.ndarray | list[float]) -> float:
    """1-sigma error of the median of ``values`` (finite readings of one thing on neighbouring frames):
    their spread, shrunk by the square root of their number; NaN with fewer than two."""
    v = np.asarray(values, dtype=float)
    return SE_MEDIAN * float(np.std(v, ddof=1)) / float(np.sqrt(v.size)) if v.size > 1 else float("nan")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2], edges[1::2]))


def hampel(x: np.ndarray, *, window: int, n_sigmas: float = 3.0, min_dev: float = 0.0) -> np.ndarray:
    """Replace samples further than ``n_sigmas`` robust deviations from the
    running median (``window`` samples each side) with NaN.

    A sample must also stand out from the straight line through its two
    neighbours by more than the signal locally bends: the turning point of a
    fast, smooth movement (the bottom of a rep) sits far from a running median
    yet on a smooth curve, and is no outlier.
    """
    x = np.asarray(x, dtype=float).copy()
    finite = np.isfinite(x)
    if finite.sum() < 3:
        return x
    size = 2 * window + 1
    filled = fill_gaps(x, max_gap=len(x))
    med = median_filter(filled, size=size, mode="nearest")
    mad = median_filter(np.abs(filled - med), size=size, mode="nearest") * 1.4826
    limit = np.maximum(n_sigmas * mad, min_dev)
    padded = np.concatenate([filled[1:2], filled, filled[-2:-1]])
    off_line = np.abs(filled - 0.5 * (padded[:-2] + padded[2:]))
    bend = median_filter(off_line, size=size, mode="nearest") * 1.4826  # how curved the signal runs here
    bad = finite & (np.abs(x - med) > limit) & (off_line > np.maximum(n_sigmas * bend, min_dev))
    x[bad] = np.nan
    return x


def fill_gaps(x: np.ndarray, *, max_gap: int) -> np.ndarray:
    """Linearly interpolate interior runs of NaN up to ``max_gap`` samples long.

    Leading and trailing gaps are held at the nearest value when no longer
    than ``max_gap``.
    """
    x = np.asarray(x, dtype=float).copy()
    finite = np.isfinite(x)
    if finite.sum() == 0:
        return x
    idx = np.arange(len(x))
    interp = np.interp(idx, idx[finite], x[finite])
    for start, stop in _runs(~finite):
        if stop - start <= max_gap:
            x[start:stop] = interp[start:stop]
    return x


def lowpass(x: np.ndarray, *, cutoff_hz: float, sample_rate_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass that keeps gaps as gaps.

    Gaps are bridged by interpolation for the filter only and put back after,
    so a long dropout never turns into invented motion.
    """
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    if finite.sum() < 4 or sample_rate_hz <= 0:
        return x.copy()
    nyquist = sample_rate_hz / 2.0
    wn = min(cutoff_hz / nyquist, 0.95)
    sos = butter(order, wn, btype="low", output="sos")
    idx = np.arange(len(x))
    bridged = np.interp(idx, idx[finite], x[finite])
    padlen = min(3 * (2 * len(sos) + 1), len(x) - 1)
    out: np.ndarray = sosfiltfilt(sos, bridged, padlen=max(padlen, 0))
    out[~finite] = np.nan
    return out


def clean(
    x: np.ndarray,
    *,
    sample_rate_hz: float,
    cutoff_hz: float = 4.0,
    max_gap_s: float = 0.5,
    outlier_window_s: float = 0.5,
    min_dev: float = 0.0,
) -> np.ndarray:
    """Outlier rejection, short-gap filling, then zero-phase low-pass."""
    window = max(2, int(round(outlier_window_s * sample_rate_hz)))
    max_gap = max(1, int(round(max_gap_s * sample_rate_hz)))
    x = hampel(x, window=window, min_dev=min_dev)
    x = fill_gaps(x, max_gap=max_gap)
    return lowpass(x, cutoff_hz=cutoff_hz, sample_rate_hz=sample_rate_hz)
