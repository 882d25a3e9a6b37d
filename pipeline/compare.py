"""Two reps side by side: phase alignment, angle differences, measure changes, a playback time map.

Alignment: each rep is mapped onto a 0-100 % axis piecewise-linearly through
its phases, with fixed anchors ``PHASE_PCT``: start 0 %, bottom 50 %, lockout
100 %. The way down always fills the first half and the way up the second, so
a rep done 2 s down / 1 s up and one done 1 s down / 2 s up meet at their
bottoms (50 %) even though their bottoms are a second apart in time. The
bottom is ``Rep.bottom_s`` (the deepest analysed frame); the top pause after
lockout is left out. A phase of zero length (a set that starts at the bottom)
has no curve: that half of the axis is NaN.

Angles are resampled on a common grid by linear interpolation between the
two analysed samples around each grid time; where either is missing (NaN or
flagged invalid) the grid point is NaN, so gaps stay gaps.

Measures (``RepMetrics``) are compared with their measurement error: angles
carry ``angle_uncertainty_deg`` (1 sigma, the same error the grading's margins
use); a duration is bounded by two phase boundaries, each found on an analysed
frame, so its error is taken as ``sqrt(2)`` sample intervals. A change is
"beyond measurement error" when ``|b - a| > sqrt(u_a**2 + u_b**2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.measure.glossary import measure
from pipeline.types import AnalysisResult, KinematicSeries, Rep, RepMetrics

PHASE_PCT: tuple[float, float, float] = (0.0, 50.0, 100.0)  # start, bottom, lockout
PHASE_NAMES: tuple[str, str, str] = ("start", "bottom", "lockout")
GRID_POINTS = 101  # 0, 1, ..., 100 %
ANGLES: dict[str, str] = {
    # KinematicSeries field -> label
    "hip_flexion_deg": "Hip flexion",
    "knee_flexion_deg": "Knee flexion",
    "torso_angle_deg": "Torso to horizontal",
}
_MIN_PHASE_S = 1e-6

# RepMetrics fields compared, with label and unit ("deg", "s", or "" for no error model).
_COMPARED = (
    "hip_flexion_bottom_deg",
    "hip_flexion_range_deg",
    "knee_flexion_bottom_deg",
    "torso_angle_bottom_deg",
    "shin_angle_bottom_deg",
    "back_line_deviation_deg",
    "back_curve_deg",
    "back_hump_ratio",
    "lockout_hip_flexion_deg",
    "hinge_ratio",
    "descent_s",
    "bottom_pause_s",
    "ascent_s",
    "rep_duration_s",
)
# RepMetrics fields compared, with their glossary name and the unit of their error model
# ("deg", "s", or "" for none).
MEASURES: tuple[tuple[str, str, str], ...] = tuple(
    (f, measure(f).name, {"°": "deg", "s": "s"}.get(measure(f).unit, "")) for f in _COMPARED
)


@dataclass(frozen=True)
class PhaseTimes:
    """A rep's alignment anchors (seconds in its own clip): start, bottom, lockout."""

    start_s: float
    bottom_s: float
    lockout_s: float

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in self.knots_s):
            raise ValueError(f"phase times must be finite, got {self.knots_s}")
        if not self.start_s <= self.bottom_s <= self.lockout_s or self.lockout_s - self.start_s < _MIN_PHASE_S:
            raise ValueError(f"need start <= bottom <= lockout with start < lockout, got {self.knots_s}")

    @classmethod
    def of(cls, rep: Rep) -> PhaseTimes:
        return cls(float(rep.start_s), float(rep.bottom_s), float(rep.lockout_s))

    @property
    def knots_s(self) -> tuple[float, float, float]:
        return (self.start_s, self.bottom_s, self.lockout_s)

    def time_at_pct(self, pct: np.ndarray | float) -> np.ndarray:
        """Clip time (s) at a position on the 0-100 % axis (clamped to it)."""
        t_s: np.ndarray = np.interp(np.clip(pct, 0.0, 100.0), PHASE_PCT, self.knots_s)
        return t_s

    def pct_at_time(self, t_s: np.ndarray | float) -> np.ndarray:
        """Position on the 0-100 % axis of a clip time (clamped to the rep)."""
        t = np.clip(np.asarray(t_s, dtype=float), self.start_s, self.lockout_s)
        out: np.ndarray = np.empty_like(t)
        down = t <= self.bottom_s
        span_down = self.bottom_s - self.start_s
        span_up = self.lockout_s - self.bottom_s
        out[down] = PHASE_PCT[1] * ((t[down] - self.start_s) / span_down if span_down > _MIN_PHASE_S else 1.0)
        up = ~down
        out[up] = PHASE_PCT[1] + (PHASE_PCT[2] - PHASE_PCT[1]) * (
            (t[up] - self.bottom_s) / span_up if span_up > _MIN_PHASE_S else 1.0
        )
        return out

    def empty_pct(self, grid_pct: np.ndarray) -> np.ndarray:
        """Grid points inside a phase of zero length (no curve there)."""
        out = np.zeros(grid_pct.shape, dtype=bool)
        if self.bottom_s - self.start_s < _MIN_PHASE_S:
            out |= grid_pct < PHASE_PCT[1]
        if self.lockout_s - self.bottom_s < _MIN_PHASE_S:
            out |= grid_pct > PHASE_PCT[1]
        return out


@dataclass(frozen=True)
class TimeMap:
    """Playback in step: the moment of rep B that matches a moment of rep A, and back.

    Linear between the knots ``a.knots_s`` <-> ``b.knots_s`` (same phase
    percentages), so a player can interpolate the knots itself.
    """

    a: PhaseTimes
    b: PhaseTimes

    def b_time_s(self, a_time_s: np.ndarray | float) -> np.ndarray:
        return self.b.time_at_pct(self.a.pct_at_time(a_time_s))

    def a_time_s(self, b_time_s: np.ndarray | float) -> np.ndarray:
        return self.a.time_at_pct(self.b.pct_at_time(b_time_s))

    def b_time_at_fraction(self, fraction_a: np.ndarray | float) -> np.ndarray:
        """Rep B's clip time at a fraction (0-1) of the way through rep A's time from start to lockout."""
        a_t = self.a.start_s + np.clip(fraction_a, 0.0, 1.0) * (self.a.lockout_s - self.a.start_s)
        return self.b_time_s(a_t)


@dataclass(frozen=True)
class AlignedRep:
    """One rep's angles on the common 0-100 % grid (NaN in gaps)."""

    label: str
    rep_index: int
    phases: PhaseTimes
    grid_pct: np.ndarray  # (N,)
    t_s: np.ndarray  # (N,) clip time at each grid point
    hip_flexion_deg: np.ndarray  # (N,)
    knee_flexion_deg: np.ndarray  # (N,)
    torso_angle_deg: np.ndarray  # (N,)

    def __post_init__(self) -> None:
        n = self.grid_pct.shape
        for name in ("t_s", *ANGLES):
            if getattr(self, name).shape != n:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {n}")


@dataclass(frozen=True)
class MeasureChange:
    """One measure of both reps; ``change`` is B minus A."""

    field: str
    label: str
    unit: str  # "deg", "s" or "" (no error model)
    a_value: float | None
    b_value: float | None
    change: float | None
    error: float | None  # combined 1-sigma error of the change, same unit
    beyond_error: bool | None  # None when a value or the error model is missing


@dataclass(frozen=True)
class RepComparison:
    """Rep A against rep B: aligned curves, their differences (B - A), measures and the time map."""

    a: AlignedRep
    b: AlignedRep
    grid_pct: np.ndarray
    hip_flexion_change_deg: np.ndarray
    knee_flexion_change_deg: np.ndarray
    torso_angle_change_deg: np.ndarray
    measures: tuple[MeasureChange, ...]
    time_map: TimeMap

    def change_deg(self, angle: str) -> np.ndarray:
        """B - A on the grid for a ``ANGLES`` field name."""
        change: np.ndarray = getattr(self, angle.replace("_deg", "_change_deg"))
        return change


def sample_at(t_s: np.ndarray, values: np.ndarray, at_s: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """``values`` linearly interpolated to ``at_s``; NaN outside ``t_s`` or next to a missing sample."""
    t = np.asarray(t_s, dtype=float)
    y = np.asarray(values, dtype=float).copy()
    if valid is not None:
        y[~np.asarray(valid, dtype=bool)] = np.nan
    at = np.asarray(at_s, dtype=float)
    out = np.full(at.shape, np.nan)
    if len(t) == 0:
        return out
    if len(t) == 1:
        out[at == t[0]] = y[0]
        return out
    inside = (at >= t[0]) & (at <= t[-1])
    hi = np.clip(np.searchsorted(t, at, side="right"), 1, len(t) - 1)
    lo = hi - 1
    span = t[hi] - t[lo]
    w = np.where(span > 0, (at - t[lo]) / np.where(span > 0, span, 1.0), 0.0)
    blended = y[lo] + w * (y[hi] - y[lo])
    blended = np.where(w == 0.0, y[lo], np.where(w == 1.0, y[hi], blended))
    out[inside] = blended[inside]
    return out


def align_rep(kin: KinematicSeries, rep: Rep, *, label: str = "", grid_points: int = GRID_POINTS) -> AlignedRep:
    """Hip, knee and torso angles of ``rep`` resampled onto the 0-100 % phase axis."""
    phases = PhaseTimes.of(rep)
    grid = np.linspace(PHASE_PCT[0], PHASE_PCT[-1], grid_points)
    t = phases.time_at_pct(grid)
    empty = phases.empty_pct(grid)
    curves = {}
    for name in ANGLES:
        y = sample_at(kin.t_s, getattr(kin, name), t, kin.valid)
        y[empty] = np.nan
        curves[name] = y
    return AlignedRep(
        label=label or f"Rep {rep.index}", rep_index=rep.index, phases=phases, grid_pct=grid, t_s=t, **curves
    )


def time_error_s(kin: KinematicSeries) -> float:
    """1-sigma error of a duration: two phase boundaries, each found to one analysed sample."""
    rate = kin.sample_rate_hz
    return math.sqrt(2.0) / rate if rate > 0 else math.nan


def _finite(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def measure_changes(
    a: RepMetrics, b: RepMetrics, *, time_error_a_s: float, time_error_b_s: float
) -> tuple[MeasureChange, ...]:
    """Each of ``MEASURES`` for both reps, the change B - A and whether it exceeds the combined error."""
    out = []
    for field, label, unit in MEASURES:
        va, vb = _finite(getattr(a, field)), _finite(getattr(b, field))
        if unit == "deg":
            ua, ub = a.angle_uncertainty_deg, b.angle_uncertainty_deg
        elif unit == "s":
            ua, ub = time_error_a_s, time_error_b_s
        else:
            ua = ub = math.nan
        error = _finite(math.hypot(ua, ub)) if math.isfinite(ua) and math.isfinite(ub) else None
        change = vb - va if va is not None and vb is not None else None
        beyond = abs(change) > error if change is not None and error is not None else None
        out.append(MeasureChange(field, label, unit, va, vb, change, error, beyond))
    return tuple(out)


def compare_reps(
    kin_a: KinematicSeries,
    rep_a: Rep,
    metrics_a: RepMetrics,
    kin_b: KinematicSeries,
    rep_b: Rep,
    metrics_b: RepMetrics,
    *,
    label_a: str = "A",
    label_b: str = "B",
    grid_points: int = GRID_POINTS,
) -> RepComparison:
    """Align two reps on their phases and compare their angles and measures (B - A)."""
    if metrics_a.index != rep_a.index or metrics_b.index != rep_b.index:
        raise ValueError("metrics do not belong to the reps given")
    al_a = align_rep(kin_a, rep_a, label=label_a, grid_points=grid_points)
    al_b = align_rep(kin_b, rep_b, label=label_b, grid_points=grid_points)
    changes = {f"{name.removesuffix('_deg')}_change_deg": getattr(al_b, name) - getattr(al_a, name) for name in ANGLES}
    return RepComparison(
        a=al_a,
        b=al_b,
        grid_pct=al_a.grid_pct,
        **changes,
        measures=measure_changes(
            metrics_a, metrics_b, time_error_a_s=time_error_s(kin_a), time_error_b_s=time_error_s(kin_b)
        ),
        time_map=TimeMap(al_a.phases, al_b.phases),
    )


def compare_results(
    result_a: AnalysisResult,
    rep_index_a: int,
    result_b: AnalysisResult,
    rep_index_b: int,
    *,
    label_a: str = "A",
    label_b: str = "B",
) -> RepComparison:
    """``compare_reps`` for rep numbers of two ``AnalysisResult`` (the same one twice is fine)."""

    def pick(result: AnalysisResult, index: int) -> tuple[Rep, RepMetrics]:
        rep = next((r for r in result.reps if r.index == index), None)
        m = next((m for m in result.metrics if m.index == index), None)
        if rep is None or m is None:
            raise ValueError(f"no rep {index} in this analysis")
        return rep, m

    rep_a, m_a = pick(result_a, rep_index_a)
    rep_b, m_b = pick(result_b, rep_index_b)
    return compare_reps(
        result_a.kinematics, rep_a, m_a, result_b.kinematics, rep_b, m_b, label_a=label_a, label_b=label_b
    )


def measure_rows(comparison: RepComparison) -> list[dict[str, object]]:
    """The measures table: rep A, rep B, change (B - A), its error and whether the change is beyond it."""

    def fmt(v: float | None, unit: str, signed: bool = False, precise: bool = False) -> str:
        if v is None:
            return "–"
        digits = 2 if unit in ("s", "") else (1 if signed or precise else 0)
        v = 0.0 if round(v, digits) == 0 else v  # no "-0"
        text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
        return text + {"deg": "°", "s": " s", "": ""}[unit]

    rows: list[dict[str, object]] = []
    for m in comparison.measures:
        rows.append(
            {
                "Measure": m.label,
                "A": fmt(m.a_value, m.unit),
                "B": fmt(m.b_value, m.unit),
                "Change": fmt(m.change, m.unit, signed=True),
                "Error ±": fmt(m.error, m.unit, precise=True) if m.error is not None else "no error model",
                "Beyond error": {True: "yes", False: "no", None: "–"}[m.beyond_error],
            }
        )
    return rows
