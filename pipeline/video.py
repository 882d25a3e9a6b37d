"""Video input: probe a clip and stream its frames with true timestamps.

Frames come out in display orientation (the phone's rotation applied) with
each frame's time taken from the container (phone clips have variable frame
rates). Nothing holds the whole video in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from pipeline.errors import VideoError
from pipeline.types import AnalysisConfig, VideoMeta

SUPPORTED_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")
SEEK_MIN_S = 2.0  # below this, decoding from the start costs less than a seek


@dataclass(frozen=True)
class VideoLimits:
    min_duration_s: float = 0.5
    max_duration_s: float = 600.0
    min_side_px: int = 144
    max_side_px: int = 4096

    @classmethod
    def of(cls, config: AnalysisConfig) -> VideoLimits:
        """The limits an analysis with ``config`` accepts."""
        return cls(min_duration_s=config.min_duration_s, max_duration_s=config.max_duration_s)


@dataclass(frozen=True)
class Frame:
    index: int  # position in decode order
    t_s: float  # seconds since the first frame, from the container
    image: np.ndarray  # (H, W, 3) BGR uint8, rotated for display


def _fmt_duration(seconds: float) -> str:
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise VideoError(
            f"“{path.name}” is not a video we can read, or it is damaged or incomplete. "
            "Export it again from your phone as MP4 or MOV and upload the new file."
        ) from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise VideoError(
            f"“{path.name}” could not be opened as a video. "
            "Export it again from your phone as MP4 or MOV and upload the new file."
        ) from exc


def _display_rotation(rotation: int | float) -> int:
    """Counter-clockwise degrees from the display matrix, as 0/90/180/270."""
    return int(round(float(rotation) / 90.0)) % 4 * 90


def _rotate(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a counter-clockwise display rotation."""
    if rotation_deg == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=rotation_deg // 90))


def probe(path: str | Path, limits: VideoLimits = VideoLimits()) -> VideoMeta:
    """Read the container, check it is a usable clip, return its facts.

    Demuxes every packet (cheap: no decoding) to count frames and measure the
    duration and frame-rate variability from real timestamps, and decodes the
    first frame to be sure the stream can be read.
    """
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"File not found: {path}")
    if path.stat().st_size == 0:
        raise VideoError(f"“{path.name}” is empty (0 bytes). The upload or copy may have failed: try again.")
    container = _open(path)
    try:
        if not container.streams.video:
            raise VideoError(
                f"“{path.name}” has no video frames in it (it may be audio only, or an empty recording). "
                "Upload the video clip of the set itself."
            )
        stream = container.streams.video[0]
        tb = float(stream.time_base) if stream.time_base else 1.0 / 30.0
        codec = stream.codec_context.name or ""
        pts: list[int] = []
        try:
            for packet in container.demux(stream):
                if packet.size and packet.pts is not None:
                    pts.append(packet.pts)
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"“{path.name}” is cut short or damaged and cannot be read to the end. "
                "Copy or export the clip again and upload the full file."
            ) from exc
        if not pts:
            raise VideoError(
                f"“{path.name}” contains no video frames (an empty or failed recording). "
                "Record the set again and upload that clip."
            )
        declared = int(stream.frames or 0)  # the container's own frame count (MP4/MOV/AVI index)
        if declared and declared - len(pts) > max(2, 0.02 * declared):
            # A truncated MP4 with its index up front demuxes cleanly, just stopping early.
            raise VideoError(
                f"“{path.name}” is cut short or damaged: only {len(pts)} of its {declared} frames are in the file. "
                "Copy or export the clip again and upload the full file."
            )
        header_s = container.duration / 1e6 if container.duration else 0.0
        seen_s = (max(pts) - min(pts)) * tb
        if "matroska" in (container.format.name or "") and header_s > 2.0 and seen_s < 0.8 * header_s - 0.5:
            # MKV/WebM declare no frame count, but a header duration when the writer finished the file.
            raise VideoError(
                f"“{path.name}” is cut short or damaged: only {seen_s:.1f} s of its {header_s:.1f} s are in the file. "
                "Copy or export the clip again and upload the full file."
            )
        first = _first_frame(path)
        rotation = _display_rotation(first.rotation)
        stored_w, stored_h = first.width, first.height
    finally:
        container.close()

    times = np.sort(np.asarray(pts, dtype=np.float64)) * tb
    deltas = np.diff(times)
    deltas = deltas[deltas > 0]
    step = float(np.median(deltas)) if deltas.size else 1.0 / 30.0
    duration_s = float(times[-1] - times[0] + step) if len(times) > 1 else 0.0
    fps = (len(times) - 1) / float(times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    vfr = bool(deltas.size > 2 and (np.percentile(deltas, 95) - np.percentile(deltas, 5)) > 0.25 * step)
    width, height = (stored_h, stored_w) if rotation in (90, 270) else (stored_w, stored_h)

    if len(times) < 2:
        raise VideoError(
            f"“{path.name}” has a single frame: it is a still image, not a video. "
            "Upload a video of the whole set."
        )
    if duration_s < limits.min_duration_s:
        raise VideoError(
            f"“{path.name}” lasts {duration_s:.2f} s; a lift needs at least {limits.min_duration_s:g} s. "
            "Film the whole set, from standing ready to the last lockout."
        )
    if duration_s > limits.max_duration_s:
        raise VideoError(
            f"“{path.name}” lasts {_fmt_duration(duration_s)}, longer than the {_fmt_duration(limits.max_duration_s)} "
            "limit. Trim it to the set you want reviewed and upload that part."
        )
    if min(width, height) < limits.min_side_px:
        raise VideoError(
            f"“{path.name}” is only {width}×{height} pixels: too small to see the joints. "
            "Upload the original clip rather than a thumbnail or preview."
        )
    if max(width, height) > limits.max_side_px:
        raise VideoError(
            f"“{path.name}” is {width}×{height} pixels, above the {limits.max_side_px}-pixel limit. "
            "Export it at 1080p or 4K at most."
        )
    return VideoMeta(
        path=str(path),
        fps=float(fps),
        frame_count=len(times),
        width=int(width),
        height=int(height),
        rotation_deg=rotation,
        duration_s=duration_s,
        codec=codec,
        variable_frame_rate=vfr,
    )


def _first_frame(path: Path) -> av.VideoFrame:
    container = _open(path)
    try:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise VideoError(
            f"“{path.name}” has a video stream that cannot be decoded. "
            "Export it again as H.264 MP4."
        ) from exc
    finally:
        container.close()
    raise VideoError(
        f"“{path.name}” contains no video frames that can be decoded. Export it again as H.264 MP4."
    )


def _target_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


@dataclass(frozen=True)
class _Raw:
    """A decoded frame before colour conversion (cheap to hold, costly to convert)."""

    index: int
    t_s: float
    frame: av.VideoFrame
    rotation: int  # the clip's display rotation, applied on conversion


def _iter_raw(path: Path, *, start_s: float, end_s: float | None, seek: bool) -> Iterator[_Raw]:
    """Decoded frames from ``start_s`` on, not yet converted."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = float(stream.time_base) if stream.time_base else None
        nominal = float(stream.average_rate) if stream.average_rate else 30.0
        t0: float | None = None
        rotation = 0
        jumped = False
        if seek and tb and start_s > SEEK_MIN_S:
            first = _first_frame(path)
            if first.pts is not None:
                t0 = first.pts * tb
                rotation = _display_rotation(first.rotation)
                container.seek(int((t0 + start_s) / tb), stream=stream)  # to the keyframe at or before
                jumped = True
        try:
            for index, frame in enumerate(container.decode(stream)):
                raw_t = frame.pts * tb if (frame.pts is not None and tb) else index / nominal
                if t0 is None:
                    t0 = raw_t
                    rotation = _display_rotation(frame.rotation)
                t = raw_t - t0
                if t < start_s - 1e-9:
                    continue
                if end_s is not None and t > end_s + 1e-9:
                    break
                yield _Raw(int(round(t * nominal)) if jumped else index, float(t), frame, rotation)
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"“{path.name}” stops being readable part-way through: it looks cut short or damaged. "
                "Copy or export the clip again and upload the full file."
            ) from exc
    finally:
        container.close()


def _convert(raw: _Raw, max_side: int | None, interpolation: str | None = None) -> Frame:
    size = _target_size(raw.frame.width, raw.frame.height, max_side)
    image = raw.frame.reformat(width=size[0], height=size[1], format="bgr24", interpolation=interpolation).to_ndarray()
    return Frame(index=raw.index, t_s=raw.t_s, image=_rotate(image, raw.rotation))


def iter_frames(
    path: str | Path,
    *,
    every_s: float | None = None,
    max_side: int | None = None,
    start_s: float = 0.0,
    end_s: float | None = None,
    interpolation: str | None = None,
    seek: bool = False,
) -> Iterator[Frame]:
    """Stream frames in display orientation.

    ``every_s`` keeps one frame per interval of container time (others are
    decoded but never converted, which is the expensive part); ``max_side``
    scales the long side down during colour conversion (``interpolation``
    names the swscale filter, e.g. ``"FAST_BILINEAR"`` when speed matters more
    than the last bit of sharpness). ``seek`` jumps to the keyframe before
    ``start_s`` instead of decoding from the start; frame indices after such
    a jump are estimated from time and the nominal rate.
    """
    next_keep = -math.inf
    for raw in _iter_raw(Path(path), start_s=start_s, end_s=end_s, seek=seek):
        t = raw.t_s
        if every_s and t < next_keep - 1e-6:
            continue
        if every_s:
            next_keep += every_s
            if next_keep <= t:  # the first frame, or a gap in the stream: (re)start the grid here
                next_keep = t + every_s
        yield _convert(raw, max_side, interpolation)


AT_GROUP_GAP_S = 3.0  # asked times further apart than this are reached by a new seek


def iter_frames_at(
    path: str | Path, times_s: Sequence[float], *, max_side: int | None = None
) -> Iterator[tuple[float, Frame]]:
    """(time asked, nearest decoded frame) for each distinct time, in time order, as it is decoded.

    Times are taken in groups: each group is one forward pass after a jump to
    the keyframe before it, so the stretches between groups (a set's top
    pauses) need not be decoded. Only the chosen frames are colour-converted
    (the costly part); two undecoded frames are held at a time.
    """
    if not len(times_s):
        return
    pending = sorted(set(float(t) for t in times_s))
    groups: list[list[float]] = [[pending[0]]]
    for t in pending[1:]:
        if t - groups[-1][-1] > AT_GROUP_GAP_S:
            groups.append([t])
        else:
            groups[-1].append(t)
    reached = 0.0  # latest time decoded so far
    for group in groups:
        for t, frame in _frames_at_group(Path(path), group, max_side, after_s=reached):
            reached = max(reached, frame.t_s)
            yield t, frame


def _frames_at_group(path: Path, pending: list[float], max_side: int | None, after_s: float
                     ) -> Iterator[tuple[float, Frame]]:
    previous: _Raw | None = None
    for start in (max(0.0, pending[0] - 0.5), after_s):  # the second pass only when the first found no frame
        for raw in _iter_raw(path, start_s=start, end_s=pending[-1] + 0.5, seek=True):
            while pending and raw.t_s >= pending[0]:
                t = pending.pop(0)
                near_previous = previous is not None and abs(previous.t_s - t) < abs(raw.t_s - t)
                yield t, _convert(previous if near_previous else raw, max_side)
            if not pending:
                return
            previous = raw
        if previous is not None:
            break
    for t in pending:  # past the last frame
        if previous is not None:
            yield t, _convert(previous, max_side)


def read_frames_at(
    path: str | Path, times_s: Sequence[float], *, max_side: int | None = None
) -> list[Frame]:
    """The decoded frame nearest to each requested time, in the order asked."""
    best = dict(iter_frames_at(path, times_s, max_side=max_side))
    return [best[float(t)] for t in times_s if float(t) in best]
