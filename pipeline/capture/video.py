"""Video input: probe a clip and stream its frames with true timestamps.

Frames come out in display orientation (the phone's rotation applied) with
each frame's time taken from the container (phone clips have variable frame
rates). Nothing holds the whole video in memory.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from pipeline.errors import VideoError
from pipeline.types import AnalysisConfig, VideoMeta

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")  # the one list: uploads, batch folders
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


def _check_file(path: Path) -> None:
    """The path is a file with something in it."""
    if not path.is_file():
        raise VideoError(f"File not found: {path}")
    if path.stat().st_size == 0:
        raise VideoError(f"“{path.name}” is empty (0 bytes). The upload or copy may have failed: try again.")


def _video_pts(path: Path, container: av.container.InputContainer, stream: av.VideoStream) -> list[int]:
    """Every video packet's pts, demuxed without decoding; a stream that is damaged or holds no frame is refused."""
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
    return pts


def _check_whole(
    path: Path, container: av.container.InputContainer, stream: av.VideoStream, pts: list[int], tb: float
) -> None:
    """The file holds the frames its index declares (MP4/MOV/AVI) or the duration its header does (MKV/WebM)."""
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


@dataclass(frozen=True)
class _StreamFacts:
    """What ``probe`` reads from the container and the first frame."""

    tb: float  # seconds per pts step
    codec: str
    pts: list[int]  # every packet's, in demux order
    rotation: int  # display rotation, degrees
    width: int  # display size (after rotation)
    height: int


def _read_stream(path: Path) -> _StreamFacts:
    """The video stream's facts, after checking it is there, whole, and decodes."""
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
        pts = _video_pts(path, container, stream)
        _check_whole(path, container, stream, pts, tb)
        first = _first_frame(path)
        rotation = _display_rotation(first.rotation)
        stored_w, stored_h = first.width, first.height
    finally:
        container.close()
    width, height = (stored_h, stored_w) if rotation in (90, 270) else (stored_w, stored_h)
    return _StreamFacts(tb, codec, pts, rotation, width, height)


def _frame_timing(pts: list[int], tb: float) -> tuple[float, float, bool]:
    """(duration in s, one frame step past the last frame; frames per second; whether the rate varies)
    from the real timestamps."""
    times = np.sort(np.asarray(pts, dtype=np.float64)) * tb
    deltas = np.diff(times)
    deltas = deltas[deltas > 0]
    step = float(np.median(deltas)) if deltas.size else 1.0 / 30.0
    duration_s = float(times[-1] - times[0] + step) if len(times) > 1 else 0.0
    fps = (len(times) - 1) / float(times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    vfr = bool(deltas.size > 2 and (np.percentile(deltas, 95) - np.percentile(deltas, 5)) > 0.25 * step)
    return duration_s, fps, vfr


def _check_limits(path: Path, frames: int, duration_s: float, width: int, height: int, limits: VideoLimits) -> None:
    """A video, not a still, within ``limits``' duration and size."""
    if frames < 2:
        raise VideoError(
            f"“{path.name}” has a single frame: it is a still image, not a video. Upload a video of the whole set."
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


def probe(path: str | Path, limits: VideoLimits = VideoLimits()) -> VideoMeta:
    """Read the container, check it is a usable clip, return its facts.

    Demuxes every packet (cheap: no decoding) to count frames and measure the
    duration and frame-rate variability from real timestamps, and decodes the
    first frame to be sure the stream can be read.
    """
    path = Path(path)
    _check_file(path)
    facts = _read_stream(path)
    duration_s, fps, vfr = _frame_timing(facts.pts, facts.tb)
    _check_limits(path, len(facts.pts), duration_s, facts.width, facts.height, limits)
    return VideoMeta(
        path=str(path),
        fps=float(fps),
        frame_count=len(facts.pts),
        width=int(facts.width),
        height=int(facts.height),
        rotation_deg=facts.rotation,
        duration_s=duration_s,
        codec=facts.codec,
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
            f"“{path.name}” has a video stream that cannot be decoded. Export it again as H.264 MP4."
        ) from exc
    finally:
        container.close()
    raise VideoError(f"“{path.name}” contains no video frames that can be decoded. Export it again as H.264 MP4.")


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


class _Unplanned(Exception):
    """A frame planned from the demuxed packets did not come out of the decoder as planned."""


SKIP_CODECS = ("h264",)  # decoders whose non-reference frames (nal_ref_idc 0) can be left undecoded, losslessly


def _packet_pts(path: Path) -> list[int] | None:
    """Every video packet's pts in display order, read without decoding, when unneeded frames
    may be left undecoded (an H.264 stream whose packets all carry distinct timestamps); else None."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        if stream.codec_context.name not in SKIP_CODECS or not stream.time_base:
            return None
        pts: list[int] = []
        for packet in container.demux(stream):
            if packet.size and not packet.is_discard:  # an edit list's discarded frames never come out
                if packet.pts is None:
                    return None
                pts.append(int(packet.pts))
    except av.error.FFmpegError:
        return None
    finally:
        container.close()
    pts.sort()
    return pts if pts and all(a < b for a, b in zip(pts, pts[1:])) else None


def _decoded(
    container: av.container.InputContainer, stream: av.VideoStream, needed: frozenset[int] | None
) -> Iterator[av.VideoFrame]:
    """The stream's frames in display order; with ``needed`` (pts), a frame that is neither
    needed nor referred to by another frame is not decoded at all (it never comes out)."""
    if needed is None:
        yield from container.decode(stream)
        return
    codec = stream.codec_context
    for packet in container.demux(stream):
        codec.skip_frame = "DEFAULT" if packet.pts is None or packet.pts in needed else "NONREF"
        yield from packet.decode()


def _iter_raw(
    path: Path, *, start_s: float, end_s: float | None, seek: bool, plan: tuple[list[int], frozenset[int]] | None = None
) -> Iterator[_Raw]:
    """Decoded frames from ``start_s`` on, not yet converted.

    ``plan`` (every packet's pts in order, and the pts that are needed) lets frames
    that are not needed go undecoded; a needed frame that does not come out as
    planned raises ``_Unplanned`` (the caller then decodes everything).
    """
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
        check = _PlanCheck(*plan, jumped=jumped) if plan is not None else None
        try:
            for index, frame in enumerate(_decoded(container, stream, plan[1] if plan else None)):
                if check is not None:
                    index = check.rank(frame.pts)  # skipped frames still count
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
            else:
                if check is not None:
                    check.finish()
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"“{path.name}” stops being readable part-way through: it looks cut short or damaged. "
                "Copy or export the clip again and upload the full file."
            ) from exc
    finally:
        container.close()


class _PlanCheck:
    """Follows the frames coming out of a decoder that skips unneeded ones: each frame's
    position among all the packets, and that every needed frame came out, in order."""

    def __init__(self, pts: list[int], needed: frozenset[int], jumped: bool) -> None:
        self.rank_of = {p: i for i, p in enumerate(pts)}
        self.pts = pts
        self.needed = needed
        self.next = 0  # position of the next frame that may come out
        self.jumped = jumped  # after a seek, frames before the first one out are not expected

    def rank(self, pts: int | None) -> int:
        """The frame's position among every frame of the stream; raises ``_Unplanned`` when a
        needed frame was passed over or the frame is not one of the demuxed packets."""
        k = self.rank_of.get(pts) if pts is not None else None
        if k is None or k < self.next:
            raise _Unplanned(f"frame pts {pts} was not planned")
        if self.jumped:
            self.next, self.jumped = k, False
        if any(p in self.needed for p in self.pts[self.next : k]):
            raise _Unplanned(f"a needed frame before pts {pts} did not come out")
        self.next = k + 1
        return k

    def finish(self) -> None:
        """At the end of the stream: every needed frame left must have come out."""
        if any(p in self.needed for p in self.pts[self.next :]):
            raise _Unplanned("a needed frame at the end did not come out")


def _convert(raw: _Raw, max_side: int | None, interpolation: str | None = None) -> Frame:
    size = _target_size(raw.frame.width, raw.frame.height, max_side)
    image = raw.frame.reformat(width=size[0], height=size[1], format="bgr24", interpolation=interpolation).to_ndarray()
    return Frame(index=raw.index, t_s=raw.t_s, image=_rotate(image, raw.rotation))


class _EveryGrid:
    """One frame per ``every_s`` of container time: the first at or after each step of a grid
    that restarts after a gap in the stream. Frames it passes over do not move the grid."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.next_keep = -math.inf

    def keeps(self, t: float) -> bool:
        if t < self.next_keep - 1e-6:
            return False
        self.next_keep += self.every_s
        if self.next_keep <= t:  # the first frame, or a gap in the stream: (re)start the grid here
            self.next_keep = t + self.every_s
        return True


def _clip_times(path: Path) -> tuple[list[int], list[float]] | None:
    """Every frame's pts and its time from the first frame (as ``_iter_raw`` computes it),
    read from the packets alone; None when frames cannot be left undecoded."""
    pts = _packet_pts(path)
    if pts is None:
        return None
    container = _open(path)
    try:
        time_base = container.streams.video[0].time_base
    finally:
        container.close()
    if time_base is None:  # _packet_pts refused such a stream already
        return None
    tb = float(time_base)
    t0 = pts[0] * tb
    return pts, [float(p * tb - t0) for p in pts]


def _every_plan(
    path: Path, every_s: float, start_s: float, end_s: float | None
) -> tuple[list[int], frozenset[int]] | None:
    """The frames ``iter_frames`` will keep (and the first, which fixes the clock), from the packets."""
    clock = _clip_times(path)
    if clock is None:
        return None
    pts, times = clock
    grid = _EveryGrid(every_s)
    kept = [
        p for p, t in zip(pts, times) if t >= start_s - 1e-9 and (end_s is None or t <= end_s + 1e-9) and grid.keeps(t)
    ]
    return pts, frozenset([pts[0], *kept])


def _every(
    path: Path,
    every_s: float | None,
    start_s: float,
    end_s: float | None,
    seek: bool,
    plan: tuple[list[int], frozenset[int]] | None,
) -> Iterator[_Raw]:
    grid = _EveryGrid(every_s) if every_s else None
    for raw in _iter_raw(path, start_s=start_s, end_s=end_s, seek=seek, plan=plan):
        if grid is None or grid.keeps(raw.t_s):
            yield raw


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

    ``every_s`` keeps one frame per interval of container time (the frames to
    keep are chosen from the packets first; in H.264 the others are decoded
    only when later frames refer to them, and never converted, which is the
    expensive part); ``max_side`` scales the long side down during colour
    conversion (``interpolation`` names the swscale filter, e.g.
    ``"FAST_BILINEAR"`` when speed matters more than the last bit of
    sharpness). ``seek`` jumps to the keyframe before ``start_s`` instead of
    decoding from the start; frame indices after such a jump are estimated
    from time and the nominal rate.
    """
    path = Path(path)
    plan = _every_plan(path, every_s, start_s, end_s) if every_s and not seek else None
    last = -math.inf
    try:
        for raw in _every(path, every_s, start_s, end_s, seek, plan):
            last = raw.t_s
            yield _convert(raw, max_side, interpolation)
    except _Unplanned:  # the decoder did not follow the plan: decode every frame, from where it left off
        for raw in _every(path, every_s, start_s, end_s, seek, None):
            if raw.t_s > last:
                yield _convert(raw, max_side, interpolation)


AT_GROUP_GAP_S = 3.0  # asked times further apart than this are reached by a new seek


def _at_plan(path: Path, groups: list[list[float]]) -> list[tuple[list[int], frozenset[int]] | None]:
    """For each group of asked times, the frames ``_frames_at_group`` compares (the one at or
    after each time and the one before), the first frame and the last; None where the
    packets cannot say (every frame is then decoded)."""
    clock = _clip_times(path)
    if clock is None or len(clock[0]) < 2:
        return [None] * len(groups)
    pts, times = clock
    first = _first_frame(path)
    if first.pts != pts[0]:
        return [None] * len(groups)
    plans: list[tuple[list[int], frozenset[int]] | None] = []
    for group in groups:
        needed = {pts[0], pts[-1]}
        for t in group:
            k = bisect.bisect_left(times, t)
            needed.update(pts[j] for j in (k - 1, k) if 0 <= j < len(pts))
        plans.append((pts, frozenset(needed)))
    return plans


def iter_frames_at(
    path: str | Path, times_s: Sequence[float], *, max_side: int | None = None
) -> Iterator[tuple[float, Frame]]:
    """(time asked, nearest decoded frame) for each distinct time, in time order, as it is decoded.

    Times are taken in groups: each group is one forward pass after a jump to
    the keyframe before it, so the stretches between groups (a set's top
    pauses) need not be decoded. Within a pass, H.264 frames that are neither
    candidates nor referred to are not decoded. Only the chosen frames are
    colour-converted (the costly part); two undecoded frames are held at a time.
    """
    if not len(times_s):
        return
    path = Path(path)
    pending = sorted(set(float(t) for t in times_s))
    groups: list[list[float]] = [[pending[0]]]
    for t in pending[1:]:
        if t - groups[-1][-1] > AT_GROUP_GAP_S:
            groups.append([t])
        else:
            groups[-1].append(t)
    reached = 0.0  # latest time decoded so far
    for group, plan in zip(groups, _at_plan(path, groups)):
        after_s, done = reached, set()
        try:
            for t, frame in _frames_at_group(path, list(group), max_side, after_s, plan):
                reached = max(reached, frame.t_s)
                done.add(t)
                yield t, frame
        except _Unplanned:  # the decoder did not follow the plan: this group again, decoding every frame
            for t, frame in _frames_at_group(path, list(group), max_side, after_s, None):
                reached = max(reached, frame.t_s)
                if t not in done:
                    yield t, frame


def _frames_at_group(
    path: Path,
    pending: list[float],
    max_side: int | None,
    after_s: float,
    plan: tuple[list[int], frozenset[int]] | None = None,
) -> Iterator[tuple[float, Frame]]:
    previous: _Raw | None = None
    for start in (max(0.0, pending[0] - 0.5), after_s):  # the second pass only when the first found no frame
        for raw in _iter_raw(path, start_s=start, end_s=pending[-1] + 0.5, seek=True, plan=plan):
            while pending and raw.t_s >= pending[0]:
                t = pending.pop(0)
                near = previous if previous is not None and abs(previous.t_s - t) < abs(raw.t_s - t) else raw
                yield t, _convert(near, max_side)
            if not pending:
                return
            previous = raw
        if previous is not None:
            break
    for t in pending:  # past the last frame
        if previous is not None:
            yield t, _convert(previous, max_side)


def read_frames_at(path: str | Path, times_s: Sequence[float], *, max_side: int | None = None) -> list[Frame]:
    """The decoded frame nearest to each requested time, in the order asked."""
    best = dict(iter_frames_at(path, times_s, max_side=max_side))
    return [best[float(t)] for t in times_s if float(t) in best]
