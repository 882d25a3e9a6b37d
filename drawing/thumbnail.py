"""The inbox thumbnail: the bottom of a set's worst rep, with its skeleton, small enough for a table row."""

from __future__ import annotations

from pathlib import Path

import cv2

from drawing.frames import annotate_at, blank_canvas, key_frames
from pipeline.types import AnalysisResult, Rep

THUMB_SIDE_PX = 160  # the longer side of the JPEG
READ_SIDE_PX = 480  # the frame is drawn at this size, then shrunk (lines stay visible)
JPEG_QUALITY = 80


def worst_rep(result: AnalysisResult) -> Rep | None:
    """The rep with the lowest score (the first of equals); ungraded, the first full rep, else the first."""
    reps = {r.index: r for r in result.reps}
    if not reps:
        return None
    sc = result.scorecard
    graded = [g for g in (sc.reps if sc else ()) if g.index in reps]
    if graded:
        return reps[min(graded, key=lambda g: (g.score, g.index)).index]
    return next((r for r in result.reps if not r.partial), result.reps[0])


def thumbnail_time_s(result: AnalysisResult) -> float:
    """When the thumbnail is taken: the worst rep's bottom (the frame its back was traced on); the
    middle of the clip when no rep was found."""
    rep = worst_rep(result)
    if rep is None:
        return max(result.video.duration_s, 0.0) / 2
    return next(k.t_s for k in key_frames(result) if k.rep == rep.index and k.moment == "bottom")


def thumbnail_jpeg(result: AnalysisResult, video_path: str | Path | None) -> bytes:
    """The thumbnail as JPEG bytes: the clip's frame at ``thumbnail_time_s`` with the skeleton drawn, or
    the skeleton alone on a dark frame when the clip is not at hand."""
    from pipeline.capture.video import read_frames_at

    t = thumbnail_time_s(result)
    path = Path(video_path) if video_path else None
    frames = read_frames_at(path, [t], max_side=READ_SIDE_PX) if path is not None and path.is_file() else []
    image = frames[0].image if frames else blank_canvas(result, READ_SIDE_PX)
    drawn = annotate_at(result, image, t, title=False)
    h, w = drawn.shape[:2]
    scale = THUMB_SIDE_PX / max(h, w)
    small = cv2.resize(drawn, (max(2, round(w * scale)), max(2, round(h * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the thumbnail could not be encoded as JPEG")
    return bytes(buf.tobytes())
