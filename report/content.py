"""What a set's report says, gathered once from an ``AnalysisResult`` for both the PDF and the HTML.

``report_content`` picks the words (lift, grade, per-rep table, faults with
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

from pipeline import figures, render
from pipeline.types import AnalysisResult, Suggestion

MAX_FRAMES_PER_FAULT = 3
FRAME_MAX_SIDE_PX = 480
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
    label: str
    severity: str  # "fault" | "watch"
    where: str  # e.g. "reps 2 (watch), 3"
    message: str
    trust: str  # the check's record on labelled clips ("" if none)
    cue: str
    drill: str  # exercise name
    frames: tuple[FrameImage, ...]


@dataclass(frozen=True)
class NextStep:
    headline: str  # e.g. "Stay with Kettlebell deadlift"
    reason: str
    drills: tuple[str, ...]
    cues: tuple[str, ...]
    next_session: str
    move_on: str


@dataclass(frozen=True)
class ReportContent:
    title: str
    filename: str
    created: str  # date the report was made
    lift: str
    lift_assumed: bool
    grade: str  # "–" when not graded
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


def headline(s: Suggestion, lift_id: str | None = None, *, strong: str = "") -> str:
    """One line for the suggestion, the page's and the report's; ``strong`` wraps the lift's name ("**" in
    Markdown). A step back that keeps the set's own lift ``lift_id`` (lighter, slower) says so."""
    name = f"{strong}{s.exercise_name}{strong}"
    if s.kind == "regression" and lift_id is not None and s.exercise_id == lift_id:
        return f"Ease off on {name}"
    return {
        "regression": f"Step back to {name}",
        "progression": f"Move on to {name}",
        "stay": f"Stay with {name}",
        "refilm": "Film the set again",
    }.get(s.kind, s.exercise_name or "")


def _exercise_name(exercise_id: str) -> str:
    from pipeline.coaching import load_catalogue

    cat = load_catalogue()
    return cat[exercise_id].name if exercise_id in cat else exercise_id


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float):
        digits = 2 if "ratio" in column.lower() or "(s)" in column else 0
        return f"{0.0 if round(value, digits) == 0 else value:.{digits}f}"  # no "-0"
    return str(value) or "–"


def _jpeg(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("could not encode a key frame")
    return buf.tobytes()


def key_frame_images(
    result: AnalysisResult, moments: list[tuple[float, str]], video_path: str | Path | None
) -> tuple[FrameImage, ...]:
    """Annotated frames at ``moments`` ((time, caption) pairs), from the clip or a blank canvas."""
    if not moments:
        return ()
    images = render.render_frames(result, [t for t, _ in moments], video_path, max_side=FRAME_MAX_SIDE_PX)
    return tuple(FrameImage(caption, float(t), _jpeg(im), im.shape[1], im.shape[0])
                 for (t, caption), im in zip(moments, images))


def _fault_moments(group: figures.FaultGroup) -> list[tuple[float, str]]:
    """The evidence frames of the worst reps first, at most ``MAX_FRAMES_PER_FAULT``."""
    order = {"fail": 0, "warn": 1}
    seen = sorted((f for f in group.seen if f.evidence_s is not None), key=lambda f: (order.get(f.status, 2), f.rep))
    out = []
    for f in sorted(seen[:MAX_FRAMES_PER_FAULT], key=lambda f: f.rep):
        value = ""
        if f.value is not None and math.isfinite(f.value):
            unit = "°" if group.unit in ("deg", "°") else f" {group.unit}" if group.unit else ""
            value = f" · {f.value:.0f}{unit}" if unit == "°" else f" · {f.value:.2f}{unit}"
        out.append((float(f.evidence_s), f"Rep {f.rep} · {f.evidence_s:.1f} s{value}"))
    return out


def _where(group: figures.FaultGroup) -> str:
    words = {"warn": "watch", "fail": "fault"}
    reps = ", ".join(f"{f.rep}" + ("" if f.status == group.status else f" ({words.get(f.status, f.status)})")
                     for f in group.seen)
    return f"rep{'s' if len(group.seen) > 1 else ''} {reps}"


def _clean_moments(result: AnalysisResult) -> list[tuple[float, str]]:
    sc = result.scorecard
    graded = sorted((sc.reps if sc else ()), key=lambda g: (-g.score, g.index))
    index = graded[0].index if graded else next((r.index for r in result.reps if not r.partial), None)
    if index is None:
        return []
    return [(k.t_s, f"Rep {k.rep} · {k.moment} · {k.t_s:.1f} s") for k in render.key_frames(result) if k.rep == index]


def report_content(
    result: AnalysisResult,
    *,
    video_path: str | Path | None = None,
    filename: str | None = None,
    created: dt.date | None = None,
) -> ReportContent:
    """Everything the report shows, key frames rendered (from ``video_path``, else ``result.video.path``)."""
    sc = result.scorecard
    path = video_path if video_path is not None else result.video.path
    path = path if path and Path(path).is_file() else None
    name = filename or Path(result.video.path).name or "clip"
    lift = sc.exercise_name if sc else "Hip hinge"
    gradable = bool(sc and sc.gradable)

    rows = figures.rep_rows(result)
    header = tuple(rows[0].keys()) if rows else ()
    table = tuple(tuple(_cell(row[c], c) for c in header) for row in rows)

    faults = []
    for group in figures.fault_groups(result) if gradable else []:
        note = next((n.text for n in sc.check_notes if n.rule == group.rule), "")
        faults.append(FaultSection(
            label=group.label, severity="fault" if group.status == "fail" else "watch", where=_where(group),
            message=group.message, trust=note, cue=group.cue,
            drill=_exercise_name(group.drill) if group.drill else "",
            frames=key_frame_images(result, _fault_moments(group), path),
        ))
    clean = key_frame_images(result, _clean_moments(result), path) if gradable and not faults else ()

    step = None
    if sc is not None:
        s = sc.suggestions
        step = NextStep(
            headline=headline(s, sc.exercise_id), reason=s.reason, drills=tuple(s.drills), cues=tuple(s.cues),
            next_session=s.next_session.text if s.next_session else "", move_on=s.move_on_rule,
        )
    notes = tuple(([sc.caution] if sc and sc.caution and gradable else []) + list(result.warnings))
    set_notes = tuple(f"Whole set · {c.label}: {c.message}" for c in (sc.set_criteria if sc else ())
                      if c.status in ("warn", "fail"))
    return ReportContent(
        title=f"Form report: {lift}",
        filename=name,
        created=(created or dt.date.today()).isoformat(),
        lift=lift,
        lift_assumed=bool(sc and sc.exercise_assumed),
        grade=sc.overall_grade if sc and sc.overall_grade else "–",
        score=f"{sc.overall_score:.0f}/100" if sc and sc.overall_score is not None else "–",
        rep_count=result.rep_count,
        partial_count=result.set_metrics.partial_count,
        duration_s=float(result.video.duration_s),
        gradable=gradable,
        not_graded_reason="" if gradable else (sc.reason if sc and sc.reason else "This clip could not be graded."),
        refilm_tips=tuple(sc.refilm_tips) if sc and not gradable else (),
        still_reliable=tuple(sc.trusted) if sc and not gradable else (),
        notes=notes,
        rep_header=header,
        rep_rows=table,
        rep_grades=tuple(str(row.get("Grade", "")) for row in rows),
        faults=tuple(faults),
        clean_frames=clean,
        set_notes=set_notes,
        skipped=tuple(figures.skipped_checks(result)),
        next_step=step,
    )
