"""One name, unit and plain explanation per measure: the rules, the table, the charts, the compare
view, the reports and the key frames all call a measure by the name given here.

Keys are the ``RepMetrics`` / ``SetMetrics`` field names (units in the name); ``unit`` is how a
value is written after the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Measure:
    field: str
    name: str  # sentence case, e.g. "Head-back line"
    unit: str  # "°", "s", "°/s", "leg lengths", "" for a plain ratio, "%" for a ratio shown as a share
    explanation: str

    @property
    def heading(self) -> str:
        """The name with its unit, as a table column or a chart axis shows it."""
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def format(self, value: float) -> str:
        """The value as people read it, in this measure's unit."""
        if self.unit == "%":
            return f"{100.0 * value:.0f}%"
        if self.unit in ("°", "°/s"):
            return f"{value:.0f}{self.unit}"
        if self.unit == "s":
            return f"{value:.1f} s"
        if self.unit:
            return f"{value:.2f} {self.unit}"
        return f"{value:.2f}"


_ROWS: tuple[Measure, ...] = (
    Measure(
        "hip_flexion_bottom_deg",
        "Hip bend at the bottom",
        "°",
        "How far the hips fold at the deepest point: the angle between the thigh and the torso, 0 standing.",
    ),
    Measure(
        "hip_flexion_range_deg",
        "Hip bend over the rep",
        "°",
        "How far the hips fold from the top to the bottom of the rep.",
    ),
    Measure(
        "knee_flexion_bottom_deg",
        "Knee bend at the bottom",
        "°",
        "How far the knees bend at the deepest point, 0 with straight legs.",
    ),
    Measure("knee_flexion_range_deg", "Knee bend over the rep", "°", "How far the knees bend from top to bottom."),
    Measure(
        "torso_angle_bottom_deg",
        "Torso angle at the bottom",
        "°",
        "The torso's angle above horizontal at the deepest point: 0 flat, 90 upright.",
    ),
    Measure(
        "shin_angle_bottom_deg",
        "Shin tilt at the bottom",
        "°",
        "How far the shins lean forward from vertical at the deepest point.",
    ),
    Measure(
        "hinge_ratio",
        "Hinge ratio",
        "",
        "The share of the bending done at the hips rather than the knees: 1 is all hips, 0.5 half and half.",
    ),
    Measure(
        "hips_back_ratio",
        "Hips back ratio",
        "",
        "How much the hips travel back rather than down on the way to the bottom: 1 all back, 0 all down.",
    ),
    Measure(
        "neck_angle_bottom_deg",
        "Head tilt at the bottom",
        "°",
        "The head against the torso at the bottom: positive looking up, negative chin tucked.",
    ),
    Measure(
        "back_line_deviation_deg",
        "Head-back line",
        "°",
        "The bend at the shoulders between the ear-shoulder and shoulder-hip lines at the bottom: "
        "0 in one straight line, positive as the head and upper back drop.",
    ),
    Measure(
        "back_curve_deg",
        "Back curve",
        "°",
        "From the lifter's outline at the bottom: the angle between the lower and the upper back's lines, "
        "0 flat, positive rounded, negative arched.",
    ),
    Measure(
        "back_hump_ratio",
        "Back hump",
        "%",
        "From the lifter's outline at the bottom: how far the back bulges above the straight line from the "
        "pelvis to the base of the neck, as a share of that line's length.",
    ),
    Measure(
        "torso_shortening_pct",
        "Torso shortening",
        "",
        "The hip-shoulder distance at the bottom against standing, in percent (reported, not graded).",
    ),
    Measure(
        "lockout_hip_flexion_deg",
        "Hip bend left at lockout",
        "°",
        "How far the hips are still bent at the top: 0 when knees, hips and shoulders line up, below 0 when the "
        "hips are pushed past that line and the torso leans back behind them.",
    ),
    Measure(
        "lockout_lean_back_deg", "Lean back at lockout", "°", "How far the torso leans back past upright at the top."
    ),
    Measure(
        "hip_shoulder_rise_ratio",
        "Hip rise vs shoulder rise",
        "",
        "Early on the way up, how much faster the hips rise than the shoulders: 1 together.",
    ),
    Measure("descent_s", "Lowering time", "s", "Seconds from the top to the bottom."),
    Measure("bottom_pause_s", "Pause at the bottom", "s", "Seconds held at the bottom."),
    Measure("ascent_s", "Lifting time", "s", "Seconds from the bottom back to the top."),
    Measure("top_pause_s", "Pause at the top", "s", "Seconds standing at the top before the next rep."),
    Measure("rep_duration_s", "Rep time", "s", "Seconds for the whole rep."),
    Measure(
        "wrist_drift_max_leg",
        "Hands' furthest drift from mid-foot",
        "leg lengths",
        "How far the hands (the weight) travel from the line over the middle of the foot.",
    ),
    Measure(
        "wrist_forward_bottom_leg",
        "Hands forward of mid-foot at the bottom",
        "leg lengths",
        "How far in front of the middle of the foot the hands are at the bottom.",
    ),
    Measure(
        "wrist_peak_height_leg",
        "Hands' highest point",
        "leg lengths",
        "The hands' highest point above the ankles (a swing reaches about chest height, 1.4).",
    ),
    Measure(
        "peak_hip_extension_speed_deg_s", "Peak hip opening speed", "°/s", "The fastest the hips open on the way up."
    ),
    Measure(
        "depth_drift_deg",
        "Change in bottom depth over the set",
        "°",
        "How much the depth of the last reps differs from the first ones.",
    ),
    Measure(
        "back_drift_deg",
        "Extra back bend late in the set",
        "°",
        "How much more the head-back line bends on the last reps than on the first.",
    ),
    Measure(
        "tempo_drift_s",
        "Change in rep time over the set",
        "s",
        "How much the rep time of the last reps differs from the first ones.",
    ),
    Measure(
        "depth_cv_pct",
        "Depth variation across reps",
        "",
        "How much the bottom depth varies from rep to rep, in percent of the typical depth.",
    ),
    Measure(
        "tempo_cv_pct",
        "Tempo variation across reps",
        "",
        "How much the rep time varies from rep to rep, in percent of the typical rep time.",
    ),
)

MEASURES = MappingProxyType({m.field: m for m in _ROWS})


def measure(field: str) -> Measure:
    """The glossary entry of a measure (``KeyError`` for a field with none)."""
    return MEASURES[field]
