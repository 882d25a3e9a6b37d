"""Hand-built analysis results and clips for tests of the dashboard and renderers.

``synthetic_result`` makes a side-on lifter (facing image right) doing three
hinge reps; the keypoints are built from the same hip and knee angles that the
kinematics report, so drawings and numbers agree. ``write_synthetic_clip``
draws that lifter into a small real video file.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from pipeline.types import (
    KP,
    NUM_KEYPOINTS,
    AnalysisConfig,
    AnalysisResult,
    CheckNote,
    Criterion,
    KinematicSeries,
    NextSession,
    PoseSeries,
    Rep,
    RepGrade,
    RepMetrics,
    RepSegmentation,
    Scorecard,
    SetMetrics,
    Suggestion,
    VideoMeta,
)

WIDTH, HEIGHT = 320, 480
SCALE_PX = 170.0  # pixels per model unit
ANKLE_PX = (110.0, 450.0)
SHIN, THIGH, TORSO, NECK = 0.45, 0.45, 0.55, 0.14
REP_STARTS_S = (1.0, 4.0, 7.0)
REP_LENGTH_S = 2.4
DURATION_S = 10.0
FPS_ANALYSIS = 12.0


def _bump(t: np.ndarray) -> np.ndarray:
    """0 standing, 1 at each rep's bottom (raised cosine per rep)."""
    out = np.zeros_like(t)
    for s in REP_STARTS_S:
        phase = (t - s) / REP_LENGTH_S
        inside = (phase >= 0) & (phase <= 1)
        out[inside] = 0.5 * (1 - np.cos(2 * np.pi * phase[inside]))
    return out


def angles_at(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hip flexion, knee flexion and shin angle (degrees) at times ``t``."""
    b = _bump(np.asarray(t, dtype=float))
    return 8 + 82 * b, 6 + 24 * b, 3 + 9 * b


def body_points(hip_deg: float, knee_deg: float, shin_deg: float) -> dict[str, tuple[float, float]]:
    """Pixel positions of the visible joints (lifter faces image right)."""
    s, k, h = (math.radians(v) for v in (shin_deg, knee_deg, hip_deg))
    ankle = np.array([0.0, 0.0])
    knee = ankle + SHIN * np.array([math.sin(s), math.cos(s)])
    thigh_dir = s - k
    hip = knee + THIGH * np.array([math.sin(thigh_dir), math.cos(thigh_dir)])
    torso_dir = thigh_dir + h
    shoulder = hip + TORSO * np.array([math.sin(torso_dir), math.cos(torso_dir)])
    ear = shoulder + NECK * np.array([math.sin(torso_dir), math.cos(torso_dir)])
    nose = ear + np.array([0.06, -0.01])
    elbow = shoulder + np.array([0.0, -0.25])
    wrist = shoulder + np.array([0.0, -0.5])

    def px(p: np.ndarray) -> tuple[float, float]:
        return (ANKLE_PX[0] + SCALE_PX * p[0], ANKLE_PX[1] - SCALE_PX * p[1])

    return {
        "ankle": px(ankle),
        "knee": px(knee),
        "hip": px(hip),
        "shoulder": px(shoulder),
        "ear": px(ear),
        "nose": px(nose),
        "elbow": px(elbow),
        "wrist": px(wrist),
    }


def _pose(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hip, knee, shin = angles_at(t)
    xy = np.full((len(t), NUM_KEYPOINTS, 2), np.nan)
    conf = np.zeros((len(t), NUM_KEYPOINTS))
    for i in range(len(t)):
        pts = body_points(hip[i], knee[i], shin[i])
        for joint in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "ear"):
            for side, c in (("right", 0.95), ("left", 0.6)):
                xy[i, KP[f"{side}_{joint}"]] = pts[joint]
                conf[i, KP[f"{side}_{joint}"]] = c
        xy[i, KP["nose"]] = pts["nose"]
        conf[i, KP["nose"]] = 0.9
    return xy, conf


def _rep(index: int, t: np.ndarray, start_s: float) -> Rep:
    def idx(time: float) -> int:
        return int(np.argmin(np.abs(t - time)))

    bottom = start_s + REP_LENGTH_S / 2
    end = start_s + REP_LENGTH_S
    return Rep(
        index=index,
        start_i=idx(start_s),
        bottom_i=idx(bottom),
        lockout_i=idx(end - 0.1),
        end_i=idx(end),
        start_s=float(t[idx(start_s)]),
        bottom_s=float(t[idx(bottom)]),
        lockout_s=float(t[idx(end - 0.1)]),
        end_s=float(t[idx(end)]),
        bottom_start_s=bottom - 0.1,
        bottom_end_s=bottom + 0.1,
    )


def _metrics(rep: Rep, grade_shift: float) -> RepMetrics:
    return RepMetrics(
        index=rep.index,
        partial=False,
        hip_flexion_bottom_deg=90.0 - grade_shift,
        hip_flexion_range_deg=82.0 - grade_shift,
        knee_flexion_bottom_deg=30.0 + grade_shift / 2,
        knee_flexion_range_deg=24.0,
        torso_angle_bottom_deg=15.0,
        shin_angle_bottom_deg=12.0,
        hinge_ratio=0.77,
        hip_back_leg=0.3,
        hip_drop_leg=0.12,
        hips_back_ratio=0.71,
        neck_angle_bottom_deg=8.0,
        back_line_deviation_deg=6.0 + grade_shift,
        torso_shortening_pct=2.0,
        lockout_hip_flexion_deg=8.0,
        lockout_lean_back_deg=0.0,
        hip_shoulder_rise_ratio=1.1,
        descent_s=1.1,
        bottom_pause_s=0.2,
        ascent_s=1.0,
        top_pause_s=0.6,
        rep_duration_s=2.4,
        wrist_drift_max_leg=0.05,
        wrist_forward_bottom_leg=0.04,
        wrist_peak_height_leg=0.7,
        peak_hip_extension_speed_deg_s=140.0,
        angle_uncertainty_deg=2.5,
        bottom_s=rep.bottom_s,
        lockout_s=rep.lockout_s,
    )


def _criteria(rep: Rep, back_status: str) -> tuple[Criterion, ...]:
    back_value = {"pass": 6.0, "warn": 14.0, "fail": 24.0}[back_status]
    return (
        Criterion(
            rule="shallow_hinge",
            label="Hinge depth",
            status="pass",
            value=82.0,
            unit="deg",
            threshold=45.0,
            message="Hips folded well past 45°.",
            evidence_s=rep.bottom_s,
            metric="hip_flexion_range_deg",
        ),
        Criterion(
            rule="squatting",
            label="Squatting the hinge",
            status="pass",
            value=30.0,
            unit="deg",
            threshold=40.0,
            message="Knees stayed soft.",
            evidence_s=rep.bottom_s,
            metric="knee_flexion_bottom_deg",
        ),
        Criterion(
            rule="rounded_back",
            label="Flat back",
            status=back_status,
            value=back_value,
            unit="deg",
            threshold=15.0,
            message="The back stayed flat." if back_status == "pass" else "The upper back rounded at the bottom.",
            cue="Proud chest, long spine." if back_status != "pass" else "",
            drill="standing_dowel_hinge" if back_status != "pass" else "",
            evidence_s=rep.bottom_s,
            metric="back_line_deviation_deg",
        ),
    )


def synthetic_result(video_path: str | Path = "synthetic.mp4", *, gradable: bool = True) -> AnalysisResult:
    """A three-rep hinge set: rep 1 clean (A), rep 2 warn (B), rep 3 rounded back (C)."""
    t = np.arange(0.0, DURATION_S, 1.0 / FPS_ANALYSIS)
    n = len(t)
    xy, conf = _pose(t)
    hip, knee, shin = angles_at(t)
    torso = 90 - (shin - knee + hip)
    pts = [body_points(hip[i], knee[i], shin[i]) for i in range(n)]
    leg = THIGH + SHIN

    def norm(joint: str, axis: int) -> np.ndarray:
        vals = np.array([p[joint][axis] for p in pts])
        if axis == 0:
            return (vals - ANKLE_PX[0]) / (SCALE_PX * leg)
        return (ANKLE_PX[1] - vals) / (SCALE_PX * leg)

    kin = KinematicSeries(
        t_s=t,
        frame_index=np.round(t * 30).astype(np.int64),
        side="right",
        facing=1,
        hip_flexion_deg=hip,
        knee_flexion_deg=knee,
        torso_angle_deg=torso,
        shin_angle_deg=shin,
        neck_angle_deg=np.full(n, 5.0),
        torso_lean_back_deg=np.zeros(n),
        hip_x_leg=norm("hip", 0),
        hip_y_leg=norm("hip", 1),
        shoulder_x_leg=norm("shoulder", 0),
        shoulder_y_leg=norm("shoulder", 1),
        wrist_x_leg=norm("wrist", 0),
        wrist_y_leg=norm("wrist", 1),
        torso_length_leg=np.full(n, TORSO / leg),
        valid=np.ones(n, dtype=bool),
        leg_length_px=SCALE_PX * leg,
        angle_noise_deg=1.2,
        view="side",
        view_confidence=0.95,
    )
    pose = PoseSeries(
        t_s=t,
        frame_index=kin.frame_index.copy(),
        xy=xy,
        conf=conf,
        image_width=WIDTH,
        image_height=HEIGHT,
        lifter_track_id=1,
        track_ids=(1,),
        people_max=1,
    )
    reps = tuple(_rep(i + 1, t, s) for i, s in enumerate(REP_STARTS_S))
    metrics = tuple(_metrics(r, shift) for r, shift in zip(reps, (0.0, 4.0, 9.0)))
    statuses = ("pass", "warn", "fail")
    grades = tuple(
        RepGrade(
            index=r.index,
            score=score,
            grade=g,
            faults=() if st == "pass" else ("rounded_back",),
            criteria=_criteria(r, st),
            evidence_s=r.bottom_s,
        )
        for r, st, g, score in zip(reps, statuses, ("A", "B", "C"), (95.0, 82.0, 68.0))
    )
    scorecard = Scorecard(
        gradable=gradable,
        reason="" if gradable else "The camera was in front of the lifter.",
        exercise_id="kettlebell_deadlift",
        exercise_name="Kettlebell deadlift",
        exercise_assumed=True,
        overall_score=81.7 if gradable else None,
        overall_grade="B" if gradable else None,
        faults=("rounded_back",),
        verdict="faulty" if gradable else "not_graded",  # rep 3 failed rounded back
        reps=grades if gradable else (),
        set_criteria=(
            Criterion(
                rule="depth_consistency",
                label="Consistent depth",
                status="pass",
                value=4.0,
                unit="%",
                threshold=10.0,
                message="Every rep reached the same depth.",
            ),
        ),
        suggestions=Suggestion(
            kind="stay",
            exercise_id="kettlebell_deadlift",
            exercise_name="Kettlebell deadlift",
            reason="The back rounded on the last rep: own this weight before moving on.",
            drills=("Dowel hinge, 2 x 10",),
            cues=("Proud chest, long spine.", "Push the floor away."),
            next_session=NextSession(sets="3", reps="8-10", rest_s="90", text="3 x 8-10, rest 90 s."),
            move_on_rule="Three sets of 10 clean reps.",
        ),
        refilm_tips=() if gradable else ("Film side-on, camera at hip height.",),
        trusted=() if gradable else ("rep count",),
        check_notes=(
            CheckNote(
                "rounded_back",
                "Rounded back",
                "On labelled real clips: caught 4 of 5 labelled clips showing it; false alarm on 2 of 19 clean lifts.",
            ),
            CheckNote("squatting", "Squatting the hinge", "Not yet measured on labelled clips."),
        )
        if gradable
        else (),
    )
    return AnalysisResult(
        video=VideoMeta(
            path=str(video_path),
            fps=30.0,
            frame_count=int(DURATION_S * 30),
            width=WIDTH,
            height=HEIGHT,
            rotation_deg=0,
            duration_s=DURATION_S,
            codec="h264",
        ),
        config=AnalysisConfig(),
        pose=pose,
        kinematics=kin,
        segmentation=RepSegmentation(
            reps=reps,
            movement="hinge",
            movement_confidence=0.9,
            hinge_ratio=0.77,
            reason="",
        ),
        metrics=metrics,
        set_metrics=SetMetrics(
            rep_count=3,
            partial_count=0,
            depth_cv_pct=4.0,
            tempo_cv_pct=2.0,
            depth_drift_deg=-9.0,
            back_drift_deg=18.0,
            tempo_drift_s=0.0,
        ),
        scorecard=scorecard,
        timings_s={"total": 1.0},
        device="cpu",
        backend="synthetic",
        model_name="synthetic",
    )


def draw_lifter(image: np.ndarray, t_s: float) -> np.ndarray:
    """Draw the synthetic lifter (white sticks) at time ``t_s`` onto ``image``."""
    hip, knee, shin = (float(a[0]) for a in angles_at(np.array([t_s])))
    p = {k: (int(round(x)), int(round(y))) for k, (x, y) in body_points(hip, knee, shin).items()}
    for a, b in (
        ("ankle", "knee"),
        ("knee", "hip"),
        ("hip", "shoulder"),
        ("shoulder", "ear"),
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
    ):
        cv2.line(image, p[a], p[b], (230, 230, 230), 9)
    cv2.circle(image, p["ear"], 16, (230, 230, 230), -1)
    return image


def encode_all(container, stream, frames) -> None:
    """Encode ``frames`` (PyAV video or audio frames) into ``stream``, then flush the encoder."""
    for frame in frames:
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_synthetic_clip(
    path: str | Path, *, duration_s: float = DURATION_S, fps: int = 30, codec: str = "libx264"
) -> Path:
    """A real H.264 MP4 of the synthetic lifter on a dark grey background."""
    path = Path(path)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(fps, 1))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        frames = (
            av.VideoFrame.from_ndarray(draw_lifter(np.full((HEIGHT, WIDTH, 3), 40, np.uint8), i / fps), format="bgr24")
            for i in range(int(round(duration_s * fps)))
        )
        encode_all(out, stream, frames)
    return path


def remuxed_copy(src: str | Path, dest: str | Path, title: str) -> Path:
    """``src``'s video packets in a new file titled ``title``: the same frames, other bytes (an upload of it is
    not taken for an upload of ``src`` or of another copy)."""
    dest = Path(dest)
    with av.open(str(src)) as original, av.open(str(dest), "w") as copy:
        copy.metadata["title"] = title
        stream = copy.add_stream_from_template(original.streams.video[0])
        for packet in original.demux(original.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                copy.mux(packet)
    return dest
