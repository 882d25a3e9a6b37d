"""The whole analysis: a video file to one ``AnalysisResult``.

``analyze`` probes the clip, runs the pose model (streamed, sampled by
container time), picks the lifter, cleans the signals, splits reps, measures
them and grades the set. Progress goes to ``on_progress`` with stage names
and an estimate of the time left; every stage's wall time is recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np

from pipeline.capture.bodymask import BodyMasker, upright_crop
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.capture.shots import shots
from pipeline.capture.video import VideoLimits, iter_frames_at, probe
from pipeline.errors import NoPersonError
from pipeline.judge.calibration import Calibration
from pipeline.judge.grading import grade
from pipeline.judge.lifts import LiftChoice
from pipeline.measure.backcurve import JOINTS as BACK_JOINTS
from pipeline.measure.backcurve import BackCurve, median_curve, trace_back, unread
from pipeline.measure.metrics import all_rep_metrics, deepest_index, set_metrics
from pipeline.measure.reps import segment_reps
from pipeline.measure.signals import kinematics
from pipeline.stages import STAGE_LABELS, STAGE_SHARE
from pipeline.types import (
    KP,
    AnalysisConfig,
    AnalysisResult,
    KinematicSeries,
    PoseSeries,
    Rep,
    RepMetrics,
    RepSegmentation,
    Scorecard,
    SetMetrics,
    VideoMeta,
)

MIN_SAMPLES_PER_CLIP = 40  # short clips are sampled faster so a sub-second pull still has a shape


def sampling_fps(meta: VideoMeta, config: AnalysisConfig) -> float:
    """Frames per second sent to the model: the configured rate, raised for short
    clips so that every clip gets at least ``MIN_SAMPLES_PER_CLIP`` samples
    (never above the clip's own frame rate)."""
    wanted = max(config.analysis_fps, MIN_SAMPLES_PER_CLIP / max(meta.duration_s, 1e-3))
    return float(min(wanted, meta.fps)) if meta.fps > 0 else float(config.analysis_fps)


BackReader = Callable[[PoseSeries, KinematicSeries, tuple[Rep, ...]], tuple[BackCurve, ...]]


BACK_FRAMES_EACH_SIDE = 2  # the back is traced on the bottom sample and this many either side
BACK_FRAME_MAX_SIDE = None  # decoded at full size: the outline's crop is cut from it at 256 px


def bottom_window(b: int, lo: int, hi: int, each_side: int = BACK_FRAMES_EACH_SIDE) -> list[int]:
    """The ``2 * each_side + 1`` samples nearest the bottom ``b`` within the rep's ``lo``..``hi``: a pull from
    the floor, whose bottom is its first sample, is read on its first five samples rather than three."""
    n = min(2 * each_side + 1, hi - lo + 1)
    start = min(max(lo, b - each_side), max(lo, hi - n + 1))
    return list(range(start, start + n)) if n > 0 else [b]


def back_windows(kin: KinematicSeries, reps: tuple[Rep, ...]) -> list[list[int]]:
    """The samples each rep's back is traced on (``bottom_window`` around its bottom)."""
    return [bottom_window(deepest_index(kin, r), r.start_i, r.lockout_i) for r in reps]


def trace_backs(
    path: str | Path,
    pose: PoseSeries,
    kin: KinematicSeries,
    reps: tuple[Rep, ...],
    masker: BodyMasker | None = None,
) -> tuple[BackCurve, ...]:
    """Each rep's back, traced on the body outline (``pipeline.capture.bodymask``) of the five samples
    nearest its bottom (``bottom_window``) and summed up by ``median_curve``: one outline can be off (a
    shadow, the plates, a caption), the median of five is not, and a back that fewer than three frames
    could trace is left unread. Without ``masker`` one is loaded for this call (~0.1 s) and let go after it,
    so a long-lived worker holds only the pose model between jobs (~50 MB less)."""
    if not reps:
        return ()
    masker = masker or BodyMasker()
    wanted = back_windows(kin, reps)
    need = {float(kin.t_s[i]): i for idx in wanted for i in idx}
    traced: dict[int, Future[BackCurve]] = {}  # samples whose joints were all seen

    def trace(i: int, crop: np.ndarray, to_crop: np.ndarray, pts: dict[str, np.ndarray]) -> BackCurve:
        outline = masker.read(crop, to_crop)
        return trace_back(outline.mask, to_crop, pts, float(kin.t_s[i]))

    # one decoding pass; only each frame's 256 px crop waits for the model, which runs beside the decoding
    with ThreadPoolExecutor(max_workers=1) as pool:
        for t, frame in iter_frames_at(path, list(need), max_side=BACK_FRAME_MAX_SIDE):
            i = need[t]
            image = frame.image
            to_clip = np.array([pose.image_width / image.shape[1], pose.image_height / image.shape[0]])
            pts = {j: pose.xy[i, KP[f"{kin.side}_{j}"]] for j in BACK_JOINTS}  # the clip's pixels
            if not all(np.all(np.isfinite(p)) for p in pts.values()):
                continue
            crop, to_crop = upright_crop(image, {j: p / to_clip for j, p in pts.items()})
            traced[i] = pool.submit(trace, i, crop, to_crop @ np.diag([1 / to_clip[0], 1 / to_clip[1], 1.0]), pts)
        return tuple(
            median_curve([traced[i].result() if i in traced else unread(kin.t_s[i]) for i in w]) for w in wanted
        )


@dataclass(frozen=True)
class Assessment:
    """Everything measured and judged from the lifter's keypoints."""

    kinematics: KinematicSeries
    segmentation: RepSegmentation
    metrics: tuple[RepMetrics, ...]
    set_metrics: SetMetrics
    scorecard: Scorecard | None
    back_curves: tuple[BackCurve, ...] = ()
    pose: PoseSeries | None = None  # the shot that was judged (the whole clip when it has no cut)
    shots_note: str = ""  # what was done with an edited clip's shots


def assess(
    pose: PoseSeries,
    config: AnalysisConfig = AnalysisConfig(),
    calibration: Calibration | None = None,
    back_reader: BackReader | None = None,
) -> Assessment:
    """Keypoints to verdict: clean the signals, split reps, measure and grade.

    An edited clip is judged one continuous shot at a time, and the shot that
    best supports a verdict (graded, side view, most reps) is the one reported.
    Pure apart from ``back_reader``, which traces the back on the video's frames
    (the accuracy benchmark passes a cached one and re-scores in seconds).
    """
    parts = shots(pose)
    if len(parts) <= 1:
        return _assess_shot(parts[0] if parts else pose, config, calibration, back_reader)
    judged = []
    for part in parts:
        try:
            judged.append(_assess_shot(part, config, calibration, back_reader))
        except NoPersonError:
            continue
    if not judged:
        raise NoPersonError(
            "A person was found, but never clearly enough to measure hips, knees and ankles. "
            "Film the whole body from the side, in good light."
        )

    def merit(a: Assessment) -> tuple[bool, bool, bool, int, float]:
        sc = a.scorecard
        full = sum(1 for r in a.segmentation.reps if not r.partial)
        return (
            bool(sc and sc.gradable),
            a.kinematics.view == "side",
            a.segmentation.movement == "hinge",
            full,
            float(a.kinematics.t_s[-1] - a.kinematics.t_s[0]),
        )

    best = max(judged, key=merit)
    t0, t1 = float(best.kinematics.t_s[0]), float(best.kinematics.t_s[-1])
    note = (
        f"This clip is edited: {len(pose.cut_times_s)} jump cut{'s' if len(pose.cut_times_s) != 1 else ''} "
        f"at {', '.join(f'{c:.1f} s' for c in pose.cut_times_s)}. Each continuous shot was analysed on its "
        f"own; the results are for the shot from {t0:.1f} s to {t1:.1f} s "
        f"({best.kinematics.view} view). Upload the unedited clip for the whole set."
    )
    return replace(best, shots_note=note)


def _assess_shot(
    pose: PoseSeries, config: AnalysisConfig, calibration: Calibration | None, back_reader: BackReader | None
) -> Assessment:
    kin = kinematics(pose)
    if not kin.valid.any():
        raise NoPersonError(
            "A person was found, but never clearly enough to measure hips, knees and ankles. "
            "Film the whole body from the side, in good light."
        )
    seg = segment_reps(kin)
    backs = back_reader(pose, kin, seg.reps) if back_reader is not None and kin.view == "side" else ()
    metrics = all_rep_metrics(kin, seg.reps, backs or None)
    set_m = set_metrics(metrics)
    scorecard = grade(metrics, set_m, seg, kin, config.exercise, calibration=calibration, back_traced=bool(backs))
    return Assessment(kin, seg, metrics, set_m, scorecard, backs, pose)


def regrade(
    result: AnalysisResult, exercise: str | LiftChoice, calibration: Calibration | None = None
) -> AnalysisResult:
    """The same measured set graded as another lift (a ``LiftChoice``, a catalogue id, or "auto" to
    recognise it again).

    Only the grading depends on the lift: the keypoints, reps, measures and
    traced backs are kept, so this is what ``analyze`` would give with that
    lift chosen (for an edited clip, on the shot that was judged), without the
    video or the model.
    """
    scorecard = grade(
        result.metrics,
        result.set_metrics,
        result.segmentation,
        result.kinematics,
        exercise,
        calibration=calibration,
        back_traced=bool(result.back_curves),
    )
    requested = exercise.requested if isinstance(exercise, LiftChoice) else exercise
    return replace(result, scorecard=scorecard, config=replace(result.config, exercise=requested))


@dataclass(frozen=True)
class Progress:
    stage: str
    label: str
    fraction: float  # 0..1 of the whole job
    eta_s: float | None  # seconds left, once there is a rate to go on


P = ParamSpec("P")
R = TypeVar("R")


class _Reporter:
    """Progress to the caller's callback, by stage share of the whole job, and each stage's wall time."""

    def __init__(self, callback: Callable[[Progress], None] | None) -> None:
        self.callback = callback
        self.started = time.perf_counter()
        self.done_share = 0.0
        self.timings: dict[str, float] = {}  # stage -> seconds

    def __call__(self, stage: str, within: float = 0.0) -> None:
        if self.callback is None:
            return
        share = STAGE_SHARE.get(stage, 0.0)
        fraction = min(1.0, self.done_share + share * within) if stage != "done" else 1.0
        elapsed = time.perf_counter() - self.started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0.05 and stage == "pose" else None
        self.callback(Progress(stage, STAGE_LABELS.get(stage, stage), fraction, eta))

    def finish(self, stage: str) -> None:
        self.done_share += STAGE_SHARE.get(stage, 0.0)

    def timed(self, stage: str, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one stage: reported when it starts and ends, its wall time kept."""
        self(stage)
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.timings[stage] = round(time.perf_counter() - t0, 4)
        self.finish(stage)
        return out


def _warnings(pose: PoseSeries, shots_note: str) -> tuple[str, ...]:
    """What the result warns of: an edited clip's shots, and other people in view."""
    warnings = [shots_note] if shots_note else []
    if pose.people_max > 1:
        warnings.append(
            f"{pose.people_max} people were in view at once; the lifter was taken to be person "
            f"#{pose.lifter_track_id} (the one doing the repeated hinge). "
            + (
                f"Other people tracked: {', '.join(f'#{t}' for t in pose.track_ids if t != pose.lifter_track_id)}."
                if len(pose.track_ids) > 1
                else ""
            )
        )
    return tuple(w.strip() for w in warnings)


def _result(
    meta: VideoMeta,
    config: AnalysisConfig,
    estimator: PoseEstimatorLike,
    pose: PoseSeries,
    a: Assessment,
    timings: dict[str, float],
) -> AnalysisResult:
    """The ``AnalysisResult`` of an assessed clip (``pose``: the shot that was judged)."""
    return AnalysisResult(
        video=meta,
        config=replace(config, model=str(estimator.weights)),
        pose=pose,
        kinematics=a.kinematics,
        segmentation=a.segmentation,
        metrics=a.metrics,
        set_metrics=a.set_metrics,
        scorecard=a.scorecard,
        timings_s=timings,
        device=estimator.device,
        backend=estimator.backend,
        model_name=estimator.model_name,
        warnings=_warnings(pose, a.shots_note),
        back_curves=a.back_curves,
    )


def analyze(
    path: str | Path,
    config: AnalysisConfig = AnalysisConfig(),
    on_progress: Callable[[Progress], None] | None = None,
    estimator: PoseEstimatorLike | None = None,
) -> AnalysisResult:
    """Analyse one clip. Raises ``InputError`` (with a plain message) on bad input."""
    report = _Reporter(on_progress)
    meta = report.timed("probe", probe, path, VideoLimits.of(config))
    if estimator is None:
        from pipeline.capture.pose import PoseEstimator

        estimator = report.timed("model", PoseEstimator.from_config, config)
    else:
        report.finish("model")

    from pipeline.capture.posetrack import estimate_pose

    fps = sampling_fps(meta, config)
    pose, tracks = report.timed(
        "pose",
        estimate_pose,
        meta,
        estimator,
        replace(config, analysis_fps=fps),
        on_frames=lambda f: report("pose", f),
    )
    report("signals")
    t0 = time.perf_counter()
    a = assess(pose, config, back_reader=lambda p, k, r: trace_backs(meta.path, p, k, r))
    timings = report.timings
    timings["assess"] = round(time.perf_counter() - t0, 4)
    report("done")
    timings["total"] = round(sum(timings.values()), 4)
    return _result(meta, config, estimator, a.pose if a.pose is not None else pose, a, timings)
