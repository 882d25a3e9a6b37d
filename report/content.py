"""What a set's report says, gathered once from an ``AnalysisResult`` for both the PDF and the HTML.

``report_content`` picks the words (lift, grade with the coach's beside the measured one and how
it was made, per-rep table, the coach's comments, faults with
their cues and drills, the next step on the ladder, or why the clip was not
graded and how to refilm) and the key frames to show; the layouts in
``report.pdf`` and ``report.html`` only place them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from drawing import figures
from drawing import frames as render
from drawing.frames import EvidenceMark, jpeg_bytes
from drawing.scorecard import (
    CoachComment,
    CoachReview,
    FaultView,
    GradeExplanation,
    GradeView,
    NextStep,
    scorecard_view,
)
from pipeline.types import AnalysisResult

MAX_FRAMES_PER_FAULT = 3
FRAME_MAX_SIDE_PX = 480  # a key frame's longer side in the report
FRAME_READ_SIDE_PX = 960  # frames are read this large, then cut to the lifter, so the cut keeps its detail
DISCLAIMER = "Hinge Review checks form from video; it does not replace a coach who can see you lift."


@dataclass(frozen=True)
class FrameImage:
    """One annotated key frame (skeleton and angle marks drawn), JPEG-encoded."""

    caption: str
    t_s: float
    jpeg: bytes
    width_px: int
    height_px: int


@dataclass(frozen=True)
class FaultSection:
    """A fault as ``drawing.scorecard`` words it, with the key frames of its worst reps."""

    label: str
    severity: str  # "fault" | "watch"
    where: str  # e.g. "reps 2 (watch), 3"
    message: str
    trust: str  # the check's record on labelled clips ("" if none)
    cue: str
    drill: str  # exercise name
    frames: tuple[FrameImage, ...]


@dataclass(frozen=True)
class ReportContent:
    title: str
    filename: str
    created: str  # date the report was made
    lift: str
    lift_assumed: bool
    grade: GradeView  # the coach's grade first, the measured one beside it
    explanation: GradeExplanation  # the A-F legend and how this set's score and grade were made
    score: str  # e.g. "82/100" or "–"
    rep_count: int
    partial_count: int
    duration_s: float
    gradable: bool
    not_graded_reason: str
    refilm_tips: tuple[str, ...]
    still_reliable: tuple[str, ...]
    notes: tuple[str, ...]  # caution and warnings
    rep_header: tuple[str, ...]
    rep_rows: tuple[tuple[str, ...], ...]
    rep_grades: tuple[str, ...]  # one per row, for colouring
    faults: tuple[FaultSection, ...]
    clean_frames: tuple[FrameImage, ...]  # key frames of the best rep when no fault was found
    set_notes: tuple[str, ...]
    skipped: tuple[str, ...]
    next_step: NextStep | None
    comments: tuple[CoachComment, ...] = ()  # the review's comment thread, oldest first


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float):
        digits = 2 if "ratio" in column.lower() or "(s)" in column else 0
        return f"{0.0 if round(value, digits) == 0 else value:.{digits}f}"  # no "-0"
    return str(value) or "–"


Moments = list[tuple[float, str, EvidenceMark | None]]  # (time, caption, the measurement to draw)


def _fit(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """``rgb`` shrunk (never grown) so that its longer side is at most ``max_side``."""
    scale = max_side / max(rgb.shape[:2])
    if scale >= 1.0:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def key_frame_images(result: AnalysisResult, moments: Moments, video_path: str | Path | None) -> tuple[FrameImage, ...]:
    """Annotated frames at ``moments``, each with its deciding measurement, from the clip or a blank canvas,
    cut to the lifter (the whole frame leaves them too small to read the angles on paper)."""
    if not moments:
        return ()
    images = render.render_frames(
        result,
        [t for t, _, _ in moments],
        video_path,
        max_side=FRAME_READ_SIDE_PX,
        marks=[mark for _, _, mark in moments],
        crop=True,
    )
    images = [_fit(im, FRAME_MAX_SIDE_PX) for im in images]
    return tuple(
        FrameImage(caption, float(t), jpeg_bytes(im, 85), im.shape[1], im.shape[0])
        for (t, caption, _), im in zip(moments, images)
    )


def _fault_moments(fault: FaultView) -> list[tuple[float, str, EvidenceMark | None]]:
    """The evidence frames of the worst reps first, at most ``MAX_FRAMES_PER_FAULT``, in rep order, each
    with the measurement that decided it."""
    order = {"fail": 0, "warn": 1}
    worst = sorted(fault.moments, key=lambda m: (order.get(m.status, 2), m.rep))[:MAX_FRAMES_PER_FAULT]
    return [
        (m.t_s, m.caption, EvidenceMark(m.metric, m.value, m.status) if m.metric else None)
        for m in sorted(worst, key=lambda m: m.rep)
    ]


def _clean_moments(result: AnalysisResult) -> Moments:
    sc = result.scorecard
    graded = sorted((sc.reps if sc else ()), key=lambda g: (-g.score, g.index))
    index = graded[0].index if graded else next((r.index for r in result.reps if not r.partial), None)
    if index is None:
        return []
    return [
        (k.t_s, f"Rep {k.rep} · {k.moment} · {k.t_s:.1f} s", None) for k in render.key_frames(result) if k.rep == index
    ]


def report_content(
    result: AnalysisResult,
    *,
    video_path: str | Path | None = None,
    filename: str | None = None,
    created: dt.date | None = None,
    coach: CoachReview | None = None,
) -> ReportContent:
    """Everything the report shows, key frames rendered (from ``video_path``, else ``result.video.path``);
    ``coach``: a saved review's coach's grade, reason and comment thread."""
    view = scorecard_view(result, coach)
    path = video_path if video_path is not None else result.video.path
    path = path if path and Path(path).is_file() else None
    name = filename or Path(result.video.path).name or "clip"

    rows = figures.rep_rows(result)
    header = tuple(rows[0].keys()) if rows else ()
    table = tuple(tuple(_cell(row[c], c) for c in header) for row in rows)
    faults = tuple(
        FaultSection(
            label=f.label,
            severity=f.severity,
            where=f.where,
            message=f.message,
            trust=f.trust,
            cue=f.cue,
            drill=f.drill,
            frames=key_frame_images(result, _fault_moments(f), path),
        )
        for f in view.faults
    )
    clean = key_frame_images(result, _clean_moments(result), path) if view.gradable and not faults else ()
    return ReportContent(
        title=f"Form report: {view.lift}",
        filename=name,
        created=(created or dt.date.today()).isoformat(),
        lift=view.lift,
        lift_assumed=view.lift_assumed,
        grade=view.grade,
        explanation=view.explanation,
        score=view.score,
        rep_count=view.rep_count,
        partial_count=view.partial_count,
        duration_s=float(result.video.duration_s),
        gradable=view.gradable,
        not_graded_reason=view.not_graded_reason,
        refilm_tips=view.refilm_tips,
        still_reliable=view.still_reliable,
        notes=tuple(n for n in (view.verdict_note, view.caution) if n) + view.warnings,
        rep_header=header,
        rep_rows=table,
        rep_grades=tuple(str(row.get("Grade", "")) for row in rows),
        faults=faults,
        clean_frames=clean,
        set_notes=tuple(c.text for c in view.set_checks),
        skipped=view.skipped,
        next_step=view.next_step,
        comments=view.comments,
    )
