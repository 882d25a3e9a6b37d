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

import numpy as np

from pipeline.errors import NoPersonError
from pipeline.tracking import TrackSummary, select_lifter
from pipeline.types import AnalysisConfig, PoseSeries, VideoMeta
from pipeline.video import iter_frames

_DONE = object()
DECODE_MIN_SIDE = 640  # frames are scaled to max(this, imgsz) on the long side while converting


def _decode_thread(path: str, every_s: float | None, max_side: int, out: queue.Queue, stop: threading.Event) -> None:
    try:
        for frame in iter_frames(path, every_s=every_s, max_side=max_side, interpolation="FAST_BILINEAR"):
            if stop.is_set():
                return  # leaving the loop closes the generator and with it the container
            out.put(frame)
        out.put(_DONE)
    except BaseException as exc:  # handed to the consumer
        out.put(exc)


def _stop_decoder(worker: threading.Thread, frames_q: queue.Queue, stop: threading.Event) -> None:
    """Stop the decode thread even when the consumer left early (an error, a cancelled page)."""
    stop.set()
    while worker.is_alive():
        with contextlib.suppress(queue.Empty):
            frames_q.get_nowait()  # unblock a pending put
        worker.join(0.01)


def _detect_all(meta: VideoMeta, estimator, frames_q: queue.Queue, on_frames) -> tuple[list, list, list]:
    """Consume decoded frames in batches; detections scaled back to the clip's pixels."""
    detections, t_s, frame_index = [], [], []
    batch, scale, size = [], np.ones(2), None
    done = False
    while not done:
        item = frames_q.get()
        if isinstance(item, BaseException):
            raise item
        if item is _DONE:
            done = True
        else:
            if size is None:
                size = item.image.shape[:2]
                scale = np.array([meta.width / size[1], meta.height / size[0]]) if min(size) else np.ones(2)
            batch.append(item)
        if batch and (done or len(batch) >= estimator.batch_size):
            for frame, det in zip(batch, estimator.detect([f.image for f in batch])):
                if np.any(scale != 1.0):
                    det = type(det)(det.boxes_xyxy * np.tile(scale, 2), det.box_conf, det.xy * scale, det.kp_conf)
                detections.append(det)
                t_s.append(frame.t_s)
                frame_index.append(frame.index)
            if on_frames is not None:
                on_frames(min(1.0, t_s[-1] / max(meta.duration_s, 1e-6)))
            batch = []
    return detections, t_s, frame_index


def estimate_pose(
    meta: VideoMeta,
    estimator,
    config: AnalysisConfig,
    on_frames: Callable[[float], None] | None = None,
) -> tuple[PoseSeries, list[TrackSummary]]:
    """Run the model over the clip and return the chosen lifter's keypoints."""
    every_s = 1.0 / config.analysis_fps if config.analysis_fps and config.analysis_fps < meta.fps else None
    frames_q: queue.Queue = queue.Queue(maxsize=2 * max(estimator.batch_size, 4))
    max_side = max(DECODE_MIN_SIDE, int(config.imgsz))
    stop = threading.Event()
    worker = threading.Thread(
        target=_decode_thread, args=(meta.path, every_s, max_side, frames_q, stop), daemon=True
    )
    worker.start()
    try:
        detections, t_s, frame_index = _detect_all(meta, estimator, frames_q, on_frames)
    finally:
        _stop_decoder(worker, frames_q, stop)

    if not any(len(d) for d in detections):
        raise NoPersonError(
            "No person was found in this clip. Film the whole body, side-on, in good light, "
            "and make sure the lifter is not hidden behind equipment."
        )
    pose, summaries = select_lifter(
        detections,
        np.asarray(t_s),
        np.asarray(frame_index),
        meta.width,
        meta.height,
        track_id=config.track_id,
    )
    return pose, summaries
