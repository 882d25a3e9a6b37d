"""Decode, detect and track: a clip's frames to the lifter's ``PoseSeries``.

Frames are decoded on a background thread while the model runs (both release
the GIL), sampled at ``analysis_fps`` by container time, and never all held in
memory: a bounded queue keeps a few frames in flight.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from pipeline.capture.bars import ContentBox
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.capture.framing import MAX_EDGE_SHARE, Framing, find_framing, touches_edge
from pipeline.capture.shots import find_cuts, frame_signature, shot_bounds
from pipeline.capture.tracking import TrackSummary, select_lifter
from pipeline.capture.video import Frame, iter_frames
from pipeline.errors import NoPersonError
from pipeline.types import AnalysisConfig, PoseSeries, VideoMeta

if TYPE_CHECKING:
    from pipeline.capture.pose import Detections


class _End:
    """Put on the queue after the last frame."""


_DONE = _End()
_Item = Frame | BaseException | _End  # what the decode thread hands the model
DECODE_MIN_SIDE = 640  # frames are scaled to max(this, imgsz) on the long side while converting
IN_FLIGHT_FRAMES = 32  # decoded frames waiting for the model once it runs
AHEAD_BYTES = 192 * 2**20  # while the model is still loading, the decoder may run this far ahead (~30 s at 640 px)


class _FrameQueue(queue.Queue[_Item]):
    """Decoded frames for the model: a few in flight once the model runs, but while it is still
    loading (``ready()`` false: a worker's first upload) up to ``AHEAD_BYTES`` of them, so the
    decoding overlaps the loading instead of waiting for it."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._ready = ready
        self._bytes = 0

    def _room(self) -> bool:
        if self._qsize() < IN_FLIGHT_FRAMES:  # called with the queue's lock held
            return True
        return not self._ready() and self._bytes < AHEAD_BYTES

    def put(self, item: _Item, block: bool = True, timeout: float | None = None) -> None:
        with self.not_full:
            while not self._room():
                self.not_full.wait(0.05)  # re-checks readiness too
            self._put(item)
            self._bytes += getattr(getattr(item, "image", None), "nbytes", 0)
            self.unfinished_tasks += 1
            self.not_empty.notify()

    def get(self, block: bool = True, timeout: float | None = None) -> _Item:
        item = super().get(block, timeout)
        with self.mutex:
            self._bytes -= getattr(getattr(item, "image", None), "nbytes", 0)
        return item


def _decode_thread(
    path: str, every_s: float | None, max_side: int, out: queue.Queue[_Item], stop: threading.Event
) -> None:
    try:
        for frame in iter_frames(path, every_s=every_s, max_side=max_side, interpolation="FAST_BILINEAR"):
            if stop.is_set():
                return  # leaving the loop closes the generator and with it the container
            out.put(frame)
        out.put(_DONE)
    except BaseException as exc:  # handed to the consumer
        out.put(exc)


def _stop_decoder(worker: threading.Thread, frames_q: queue.Queue[_Item], stop: threading.Event) -> None:
    """Stop the decode thread even when the consumer left early (an error, a cancelled page)."""
    stop.set()
    while worker.is_alive():
        with contextlib.suppress(queue.Empty):
            frames_q.get_nowait()  # unblock a pending put
        worker.join(0.01)


def _cut_in_decoded(
    box: ContentBox, scale: np.ndarray, size: tuple[int, ...]
) -> tuple[tuple[slice, slice], np.ndarray]:
    """The picture's rows and columns in a decoded frame (``scale``: clip pixels per decoded pixel), and its corner."""
    x0, x1 = int(box.x0 / scale[0]), min(size[1], int(np.ceil(box.x1 / scale[0])))
    y0, y1 = int(box.y0 / scale[1]), min(size[0], int(np.ceil(box.y1 / scale[1])))
    return (slice(y0, y1), slice(x0, x1)), np.array([x0, y0], float)


def decode_side(meta: VideoMeta, imgsz: int, box: ContentBox | None) -> int:
    """Long side frames are decoded at: ``max(DECODE_MIN_SIDE, imgsz)``, for the picture inside the bars
    when there are bars (so cutting them off leaves the model as many pixels of the lifter as without)."""
    side = max(DECODE_MIN_SIDE, int(imgsz))
    if box is None:
        return side
    grow = max(meta.width, meta.height) / max(box.width, box.height)
    return min(max(meta.width, meta.height), int(np.ceil(side * grow)))


def _detect_all(
    meta: VideoMeta,
    estimator: PoseEstimatorLike,
    frames_q: queue.Queue[_Item],
    on_frames: Callable[[float], None] | None,
    box: ContentBox | None = None,
    mirror_average: bool = False,
) -> tuple[list[Detections], list[float], list[int], list[np.ndarray]]:
    """Consume decoded frames in batches: each frame's detections (the model sees the picture inside
    ``box``, the bars cut off; scaled back to the clip's pixels; ``mirror_average``: averaged with the
    mirror image's), time, index and signature (for cuts)."""
    detections: list[Detections] = []
    t_s: list[float] = []
    frame_index: list[int] = []
    signatures: list[np.ndarray] = []
    batch: list[Frame] = []
    scale, size = np.ones(2), None
    origin = np.zeros(2)  # the picture's corner inside the decoded frame (bars cut off), decoded pixels
    cut: tuple[slice, slice] = (slice(None), slice(None))
    done = False
    while not done:
        item = frames_q.get()
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, _End):
            done = True
        else:
            if size is None:
                size = item.image.shape[:2]
                scale = np.array([meta.width / size[1], meta.height / size[0]]) if min(size) else np.ones(2)
                if box is not None:
                    cut, origin = _cut_in_decoded(box, scale, size)
            batch.append(item)
        if batch and (done or len(batch) >= estimator.batch_size):
            for frame, det in zip(
                batch, estimator.detect([f.image[cut] for f in batch], mirror_average=mirror_average)
            ):
                if np.any(scale != 1.0) or np.any(origin != 0):
                    det = type(det)(
                        (det.boxes_xyxy + np.tile(origin, 2)) * np.tile(scale, 2),
                        det.box_conf,
                        (det.xy + origin) * scale,
                        det.kp_conf,
                    )
                detections.append(det)
                signatures.append(frame_signature(frame.image))
                t_s.append(frame.t_s)
                frame_index.append(frame.index)
            if on_frames is not None:
                on_frames(min(1.0, t_s[-1] / max(meta.duration_s, 1e-6)))
            batch = []
    return detections, t_s, frame_index, signatures


def _stitch(
    pieces: list[tuple[PoseSeries, list[TrackSummary]]], cuts: tuple[float, ...]
) -> tuple[PoseSeries, list[TrackSummary]]:
    """One PoseSeries from each shot's lifter, with the cut times kept."""
    poses = [p for p, _ in pieces]
    longest = max(poses, key=lambda p: np.isfinite(p.xy[:, :, 0]).any(axis=1).sum())
    ids = tuple(dict.fromkeys(t for p in poses for t in p.track_ids))
    pose = PoseSeries(
        t_s=np.concatenate([p.t_s for p in poses]),
        frame_index=np.concatenate([p.frame_index for p in poses]),
        xy=np.concatenate([p.xy for p in poses]),
        conf=np.concatenate([p.conf for p in poses]),
        image_width=longest.image_width,
        image_height=longest.image_height,
        lifter_track_id=longest.lifter_track_id,
        track_ids=ids,
        people_max=max(p.people_max for p in poses),
        cut_times_s=cuts,
    )
    return pose, [s for _, summaries in pieces for s in summaries]


def framing_for(meta: VideoMeta, config: AnalysisConfig, estimator: PoseEstimatorLike | None) -> Framing:
    """What the model is shown of this clip (``pipeline.capture.framing``): the picture inside its black
    bars when ``config.crop_bars``, narrowed to the people in it when ``config.frame_people``."""
    if not (config.crop_bars or config.frame_people):
        return Framing(None, None)
    return find_framing(
        meta.path,
        meta.duration_s,
        meta.width,
        meta.height,
        crop_bars=config.crop_bars,
        estimator=estimator if config.frame_people else None,
    )


def _pose_within(
    meta: VideoMeta,
    estimator: PoseEstimatorLike,
    config: AnalysisConfig,
    box: ContentBox | None,
    on_frames: Callable[[float], None] | None,
) -> tuple[PoseSeries, list[TrackSummary]]:
    """The model over the clip, shown the part of each frame inside ``box``; the chosen lifter's keypoints."""
    every_s = 1.0 / config.analysis_fps if config.analysis_fps and config.analysis_fps < meta.fps else None
    frames_q = _FrameQueue(lambda: getattr(estimator, "loaded", True))  # asking a LazyEstimator does not load it
    max_side = decode_side(meta, config.imgsz, box)
    stop = threading.Event()
    worker = threading.Thread(target=_decode_thread, args=(meta.path, every_s, max_side, frames_q, stop), daemon=True)
    worker.start()
    try:
        detections, t_s, frame_index, signatures = _detect_all(
            meta, estimator, frames_q, on_frames, box, config.mirror_average
        )
    finally:
        _stop_decoder(worker, frames_q, stop)

    if not any(len(d) for d in detections):
        raise NoPersonError(
            "No person was found in this clip. Film the whole body, side-on, in good light, "
            "and make sure the lifter is not hidden behind equipment."
        )
    t = np.asarray(t_s)
    cuts = find_cuts(np.asarray(signatures), t) if config.track_id is None else ()
    pieces = [
        select_lifter(
            detections[a:b], t[a:b], np.asarray(frame_index[a:b]), meta.width, meta.height, track_id=config.track_id
        )
        for a, b in shot_bounds(t, cuts)
    ]
    return _stitch(pieces, cuts) if len(pieces) > 1 else pieces[0]


def estimate_pose(
    meta: VideoMeta,
    estimator: PoseEstimatorLike,
    config: AnalysisConfig,
    on_frames: Callable[[float], None] | None = None,
) -> tuple[PoseSeries, list[TrackSummary]]:
    """Run the model over the clip and return the chosen lifter's keypoints. Shown a box around the people,
    a lifter who reaches its edge (``MAX_EDGE_SHARE`` of the frames) has the clip analysed again on the
    whole picture: what lies beyond the box was never seen."""
    framing = framing_for(meta, config, estimator)
    if framing.narrowed and framing.box is not None:
        try:
            pose, summaries = _pose_within(meta, estimator, config, framing.box, on_frames)
        except NoPersonError:
            pose = None
        if pose is not None and touches_edge(pose.xy, framing.box, meta.width, meta.height) <= MAX_EDGE_SHARE:
            return pose, summaries
    return _pose_within(meta, estimator, config, framing.picture, on_frames)
