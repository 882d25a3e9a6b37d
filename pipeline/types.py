"""Typed, frozen data passed between pipeline stages.

Every array field is a NumPy array whose shape is checked on creation.
Angles are in degrees, times in seconds, lengths either in pixels (``_px``)
or normalised by the lifter's leg length (``_leg``: hip-to-ankle distance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pipeline.measure.backcurve import BackCurve

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
KP = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

Side = Literal["left", "right"]
View = Literal["side", "angled", "front", "unknown"]
Movement = Literal["hinge", "squat", "none"]
Status = Literal["pass", "warn", "fail", "not_gradable"]
# clean: graded, no fault; faulty: a fault past its level by more than the measurement error (or grade C or lower);
# borderline: the verdict rests on readings inside that error, worth a coach's look; not_graded: refused.
Verdict = Literal["clean", "faulty", "borderline", "not_graded"]


def _check_shape(name: str, arr: np.ndarray, shape: tuple[int | None, ...]) -> None:
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")


@dataclass(frozen=True)
class VideoMeta:
    """What the container says about a clip; width/height are after rotation."""

    path: str
    fps: float
    frame_count: int
    width: int
    height: int
    rotation_deg: int
    duration_s: float
    codec: str = ""
    variable_frame_rate: bool = False


@dataclass(frozen=True)
class PoseSeries:
    """Keypoints of the chosen lifter, one row per analysed frame.

    ``xy`` is in pixels of the rotated (display) frame, NaN where a point was
    missing or below the confidence threshold.
    """

    t_s: np.ndarray  # (T,)
    frame_index: np.ndarray  # (T,) index of the source frame in decode order
    xy: np.ndarray  # (T, 17, 2)
    conf: np.ndarray  # (T, 17)
    image_width: int
    image_height: int
    lifter_track_id: int | None = None
    track_ids: tuple[int, ...] = ()
    people_max: int = 0  # most people seen at once in a frame
    cut_times_s: tuple[float, ...] = ()  # jump cuts: where each new continuous shot starts

    def __post_init__(self) -> None:
        t = len(self.t_s)
        _check_shape("t_s", self.t_s, (t,))
        _check_shape("frame_index", self.frame_index, (t,))
        _check_shape("xy", self.xy, (t, NUM_KEYPOINTS, 2))
        _check_shape("conf", self.conf, (t, NUM_KEYPOINTS))

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True)
class KinematicSeries:
    """Filtered joint and segment angles of the side facing the camera.

    Angle conventions (all degrees):
      hip_flexion_deg   0 standing tall, grows as the hips fold (shoulder-hip-knee).
      knee_flexion_deg  0 straight leg, grows as the knee bends (hip-knee-ankle).
      torso_angle_deg   hip->shoulder line to horizontal: 90 upright, 0 flat.
      shin_angle_deg    ankle->knee line to vertical, positive knee forward of ankle.
      neck_angle_deg    shoulder->ear against hip->shoulder; 0 head in line with
                        the torso, positive head dropped toward the chest.
      torso_lean_back_deg  torso past vertical backwards (positive = leaning back).
    Positions are normalised by leg length (hip to ankle) and measured with
    x positive in the direction the lifter faces and y positive upwards,
    relative to the mid-foot (ankle) point.
    """

    t_s: np.ndarray
    frame_index: np.ndarray
    side: Side
    facing: int  # +1 lifter faces image right, -1 image left
    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    torso_angle_deg: np.ndarray
    shin_angle_deg: np.ndarray
    neck_angle_deg: np.ndarray
    torso_lean_back_deg: np.ndarray
    hip_x_leg: np.ndarray
    hip_y_leg: np.ndarray
    shoulder_x_leg: np.ndarray
    shoulder_y_leg: np.ndarray
    wrist_x_leg: np.ndarray
    wrist_y_leg: np.ndarray
    torso_length_leg: np.ndarray  # hip-shoulder chord / leg length
    valid: np.ndarray  # (T,) bool: enough confident keypoints for angles
    leg_length_px: float
    angle_noise_deg: float  # residual raw-minus-filtered hip angle (std)
    view: View = "unknown"
    view_confidence: float = 0.0
    in_frame_fraction: float = 1.0  # frames where shoulders, hips, knees and ankles are inside the image
    head_in_frame_fraction: float = 1.0  # frames where nose and ear are inside the image
    ankle_x_leg: np.ndarray | None = None  # feet stay put in a lift; they travel when walking
    ankle_y_leg: np.ndarray | None = None
    keypoint_conf: np.ndarray | None = None  # mean model confidence of the side's shoulder, hip, knee, ankle
    head_pitch_deg: np.ndarray | None = None  # ear->nose against the torso's normal: + looking up, - chin tucked
    shoulder_conf: np.ndarray | None = None  # model confidence of the side's shoulder (reps are found on it)
    ankle_conf: np.ndarray | None = None  # model confidence of the ankle the feet are judged on
    ear_y_leg: np.ndarray | None = None  # the head's height (ear), same frame as shoulder_y_leg
    single_leg: bool = False  # one leg swung back through the hinge: knee and ankle follow the standing leg

    def __post_init__(self) -> None:
        t = len(self.t_s)
        for name in ("ankle_x_leg", "ankle_y_leg", "keypoint_conf", "head_pitch_deg", "ear_y_leg", "shoulder_conf"):
            if getattr(self, name) is not None:
                _check_shape(name, getattr(self, name), (t,))
        for name in (
            "frame_index",
            "hip_flexion_deg",
            "knee_flexion_deg",
            "torso_angle_deg",
            "shin_angle_deg",
            "neck_angle_deg",
            "torso_lean_back_deg",
            "hip_x_leg",
            "hip_y_leg",
            "shoulder_x_leg",
            "shoulder_y_leg",
            "wrist_x_leg",
            "wrist_y_leg",
            "torso_length_leg",
            "valid",
        ):
            _check_shape(name, getattr(self, name), (t,))

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def sample_rate_hz(self) -> float:
        if len(self.t_s) < 2:
            return 0.0
        return float((len(self.t_s) - 1) / (self.t_s[-1] - self.t_s[0]))


@dataclass(frozen=True)
class Rep:
    """One repetition; indices point into the KinematicSeries."""

    index: int  # 1-based rep number
    start_i: int
    bottom_i: int
    lockout_i: int
    end_i: int
    start_s: float
    bottom_s: float
    lockout_s: float
    end_s: float
    bottom_start_s: float  # the bottom phase (pause) runs from here...
    bottom_end_s: float  # ...to here
    partial: bool = False
    from_floor: bool = False  # set began at the bottom: no descent seen for this rep
    lockout_in_view: bool = True  # False: the clip ends before this rep stands back up

    @property
    def phases(self) -> dict[str, tuple[float, float]]:
        return {
            "descent": (self.start_s, self.bottom_start_s),
            "bottom": (self.bottom_start_s, self.bottom_end_s),
            "ascent": (self.bottom_end_s, self.lockout_s),
            "lockout": (self.lockout_s, self.end_s),
        }


@dataclass(frozen=True)
class RepSegmentation:
    """Reps plus what the movement was judged to be."""

    reps: tuple[Rep, ...]
    movement: Movement
    movement_confidence: float
    hinge_ratio: float | None  # median over reps: hip change / (hip + knee change)
    reason: str = ""


@dataclass(frozen=True)
class RepMetrics:
    """Measures of one rep. ``None`` where the capture could not support it."""

    index: int
    partial: bool
    hip_flexion_bottom_deg: float
    hip_flexion_range_deg: float
    knee_flexion_bottom_deg: float
    knee_flexion_range_deg: float
    torso_angle_bottom_deg: float
    shin_angle_bottom_deg: float
    hinge_ratio: float  # hip flexion change / (hip + knee flexion change); 1 = pure hinge
    hip_back_leg: float  # hips' horizontal travel backwards, top to bottom
    hip_drop_leg: float  # hips' vertical travel down, top to bottom
    hips_back_ratio: float  # back / (back + down)
    neck_angle_bottom_deg: float  # head (ear->nose) against the torso at the bottom: + looking up, - chin tucked
    back_line_deviation_deg: float  # ear-shoulder-hip bend at the bottom, + = head and upper back dropping
    torso_shortening_pct: float  # hip-shoulder chord at bottom vs standing
    lockout_hip_flexion_deg: float  # 0 = hips fully open at the top
    lockout_lean_back_deg: float
    hip_shoulder_rise_ratio: float | None  # early ascent: hip rise / shoulder rise
    descent_s: float | None
    bottom_pause_s: float
    ascent_s: float
    top_pause_s: float | None
    rep_duration_s: float
    wrist_drift_max_leg: float | None  # hands' furthest distance from the mid-foot line
    wrist_forward_bottom_leg: float | None
    wrist_peak_height_leg: float | None  # highest hands above the ankles during the rep (swing: chest height)
    peak_hip_extension_speed_deg_s: float  # fastest hip opening on the way up (ballistic lifts are fast)
    angle_uncertainty_deg: float  # 1-sigma error of the rep's angles from keypoint noise and view
    bottom_s: float
    lockout_s: float
    back_curve_deg: float | None = None  # outline's lumbar vs thoracic line at the bottom: + rounded
    back_hump_ratio: float | None = None  # outline's bulge over the pelvis-to-neck chord / chord length
    back_curve_error_deg: float | None = None  # 1-sigma error of back_curve_deg, from its frames' spread
    back_hump_error: float | None = None  # the same for back_hump_ratio
    back_line_error_deg: float | None = (
        None  # of back_line_deviation_deg: the angle error, or its samples' spread if larger
    )
    hip_shoulder_rise_error: float | None = None  # of hip_shoulder_rise_ratio: its spread as its window moves
    knee_flexion_error_deg: float | None = None  # of knee_flexion_bottom_deg: the angle error, or its samples' spread


@dataclass(frozen=True)
class SetMetrics:
    """Consistency over the set."""

    rep_count: int
    partial_count: int
    depth_cv_pct: float | None  # spread of bottom hip flexion
    tempo_cv_pct: float | None  # spread of rep durations
    depth_drift_deg: float | None  # last third minus first third, hip flexion at bottom
    back_drift_deg: float | None  # last third minus first third, back-line deviation
    tempo_drift_s: float | None


@dataclass(frozen=True)
class Criterion:
    """One graded rule on one rep (or on the set)."""

    rule: str  # fault code, e.g. "rounded_back"
    label: str
    status: Status
    value: float | None
    unit: str
    threshold: float | None
    message: str
    cue: str = ""
    drill: str = ""
    evidence_s: float | None = None
    metric: str = ""  # RepMetrics/SetMetrics field that decided the status ("" if none)
    borderline: bool = False  # not failed only because the reading is inside its level's measurement error


@dataclass(frozen=True)
class RepGrade:
    index: int
    score: float
    grade: str
    faults: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    evidence_s: float | None = None


@dataclass(frozen=True)
class NextSession:
    sets: str  # e.g. "3"
    reps: str  # e.g. "8-12"
    rest_s: str  # e.g. "90"
    text: str


@dataclass(frozen=True)
class Suggestion:
    kind: Literal["regression", "progression", "stay", "refilm"]
    exercise_id: str | None
    exercise_name: str | None
    reason: str
    drills: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    next_session: NextSession | None = None
    move_on_rule: str = ""


@dataclass(frozen=True)
class CheckNote:
    """How one fault's check did on labelled real clips, for the coach to weigh it."""

    rule: str
    label: str
    text: str  # e.g. "On labelled real clips: caught 3 of 5 ...; false alarm on 2 of 18 clean lifts."


@dataclass(frozen=True)
class Scorecard:
    gradable: bool
    reason: str
    exercise_id: str
    exercise_name: str
    exercise_assumed: bool  # True when chosen by auto-detection
    overall_score: float | None
    overall_grade: str | None
    faults: tuple[str, ...]
    reps: tuple[RepGrade, ...]
    set_criteria: tuple[Criterion, ...]
    suggestions: Suggestion
    refilm_tips: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()  # what can still be trusted when not gradable
    caution: str = ""  # e.g. angled view: grade with caution
    check_notes: tuple[CheckNote, ...] = ()  # each graded check's record on labelled clips
    verdict: Verdict = "not_graded"


@dataclass(frozen=True)
class AnalysisConfig:
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    model: str | None = None  # explicit weights path
    exercise: str = "auto"
    track_id: int | None = None  # override the automatic lifter choice
    analysis_fps: float = 10.0  # frames per second sent to the pose model
    imgsz: int = 416
    max_duration_s: float = 600.0
    min_duration_s: float = 0.5
    keypoint_conf: float = 0.3
    backend: str = "auto"  # auto | torch | onnx | openvino
    letterbox: str = "square"  # square | frame (pad only to the stride: faster; see pipeline.capture.pose)
    crop_bars: bool = True  # the model sees the picture inside a clip's black bars (pipeline.capture.bars)
    frame_people: bool = False  # ... narrowed to the people in it (pipeline.capture.framing; measured, not adopted)
    mirror_average: bool = True  # each frame's pose averaged with its mirror image's (pipeline.capture.mirror)


@dataclass(frozen=True)
class AnalysisResult:
    """The one object pages and the CLI read."""

    video: VideoMeta
    config: AnalysisConfig
    pose: PoseSeries
    kinematics: KinematicSeries
    segmentation: RepSegmentation
    metrics: tuple[RepMetrics, ...]
    set_metrics: SetMetrics
    scorecard: Scorecard | None
    timings_s: dict[str, float] = field(default_factory=dict)
    device: str = ""
    backend: str = ""
    model_name: str = ""
    warnings: tuple[str, ...] = ()
    back_curves: tuple[BackCurve, ...] = ()  # the traced back at each rep's bottom (drawn on the frames)

    @property
    def reps(self) -> tuple[Rep, ...]:
        return self.segmentation.reps

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.segmentation.reps if not r.partial)
