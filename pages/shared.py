"""Streamlit glue shared by the pages (not a page itself).

The result store: ``st.session_state[STORE_KEY]`` is a ``ResultStore`` keyed by
``analysis_key(sha256 of the upload, AnalysisConfig)``; each entry keeps the
``AnalysisResult``, the upload's own temporary folder and, once built, the
annotated video. Pages read ``current()`` and never recompute. The pose
estimator is built once per process with ``st.cache_resource``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from pipeline import render
from pipeline.types import AnalysisConfig, AnalysisResult

log = logging.getLogger("hinge_review.app")

STORE_KEY = "hr_store"
CURRENT_KEY = "hr_current"
FAILURES_KEY = "hr_failures"
FOCUS_KEY = "hr_focus_t"  # a time (s) the Frames page should open at
MAX_STORED = 3  # analyses kept per browser session

ANALYSE_PAGE = "pages/analyse.py"
FRAMES_PAGE = "pages/frames.py"
CHARTS_PAGE = "pages/charts.py"
SCORECARD_PAGE = "pages/scorecard.py"
COMPARE_PAGE = "pages/compare.py"

VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "webm", "mkv"]
GENERIC_FAILURE = (
    "Something went wrong while analysing this video, and it is not something you did. "
    "Try again, or try another clip; if it keeps happening, tell us which file it was."
)
WHAT_TO_DO = (
    "Upload an MP4 or MOV straight from your phone or camera, 1 s to 10 min long.",
    "Film side-on with the phone at hip height, 2–4 m away, the whole body in frame.",
    "Keep just the lifter in view, and film a hip hinge (deadlift, RDL, swing, good morning).",
)


@dataclass(frozen=True)
class StoredAnalysis:
    """One analysed upload and the files that belong to it."""

    key: str
    filename: str
    result: AnalysisResult
    video_path: str | None  # the upload's temporary copy (None when not at hand)
    workdir: str | None  # temporary folder owned by this entry, removed on eviction
    seconds: float = 0.0  # wall time of the analysis
    annotated: render.EncodedVideo | None = None


def _remove_dirs(dirs: list[str]) -> None:
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


class ResultStore:
    """Analyses of this browser session, newest last, at most ``limit`` kept.

    Evicted entries' temporary folders are deleted; the rest are deleted when
    the session (and so this object) goes away.
    """

    def __init__(self, limit: int = MAX_STORED) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, StoredAnalysis] = OrderedDict()
        self._dirs: list[str] = []
        self._finalizer = weakref.finalize(self, _remove_dirs, self._dirs)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str | None) -> StoredAnalysis | None:
        return self._entries.get(key) if key else None

    def entries(self) -> list[StoredAnalysis]:
        return list(self._entries.values())

    def put(self, entry: StoredAnalysis) -> StoredAnalysis:
        if entry.workdir and entry.workdir not in self._dirs:
            self._dirs.append(entry.workdir)
        self._entries[entry.key] = entry
        self._entries.move_to_end(entry.key)
        while len(self._entries) > self.limit:
            _, old = self._entries.popitem(last=False)
            if old.workdir:
                _remove_dirs([old.workdir])
                self._dirs.remove(old.workdir)
        return entry


def store() -> ResultStore:
    if STORE_KEY not in st.session_state:
        st.session_state[STORE_KEY] = ResultStore()
    return st.session_state[STORE_KEY]


def failures() -> dict[str, str]:
    return st.session_state.setdefault(FAILURES_KEY, {})


def current() -> StoredAnalysis | None:
    return store().get(st.session_state.get(CURRENT_KEY))


def set_current(key: str) -> None:
    st.session_state[CURRENT_KEY] = key


def require_current() -> StoredAnalysis:
    """The analysis on screen, or a pointer to the Analyse page and a stop."""
    entry = current()
    if entry is None:
        st.info("No video analysed yet in this session. Upload one on the Analyse page.")
        st.page_link(ANALYSE_PAGE, label="Go to Analyse", icon=":material/upload:")
        st.stop()
    return entry


# --- analysis ------------------------------------------------------------------

def analysis_key(content_sha256: str, config: AnalysisConfig) -> str:
    """Store key: the upload's content hash plus every analysis setting."""
    settings = hashlib.sha256(repr(dataclasses.astuple(config)).encode()).hexdigest()[:16]
    return f"{content_sha256}:{settings}"


def content_hash(data: memoryview | bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_resource(show_spinner="Loading the pose model (first time only)…")
def estimator(model: str | None, device: str, imgsz: int, backend: str):
    """The pose estimator, built once per process and shared by all sessions."""
    from pipeline.pose import PoseEstimator

    return PoseEstimator(model=model, device=device, imgsz=imgsz, backend=backend)


@st.cache_resource
def model_lock() -> threading.Lock:
    """One analysis at a time per process: the shared model is not thread-safe, and Cloud has little CPU."""
    return threading.Lock()


def save_upload(name: str, data: memoryview | bytes) -> tuple[Path, Path]:
    """Write the upload to its own new temporary folder: (folder, file)."""
    workdir = Path(tempfile.mkdtemp(prefix="hinge-review-"))
    stem = re.sub(r"[^\w\- ]+", "_", Path(name).stem).strip(" ._")[:80] or "upload"
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix.lstrip(".") in VIDEO_TYPES else ".mp4"
    path = workdir / f"{stem}{suffix}"  # its own folder, so the user's name can be kept for messages
    with open(path, "wb") as fh:
        fh.write(data)
    return workdir, path


def analyse_upload(
    name: str,
    data: memoryview | bytes,
    config: AnalysisConfig,
    on_progress: Callable | None = None,
    on_queued: Callable[[], None] | None = None,
) -> StoredAnalysis:
    """Analyse one upload (or return the stored analysis of identical bytes and settings).

    Raises ``InputError`` for bad input; the temporary folder is removed on failure.
    """
    from pipeline.video import VideoLimits, probe

    key = analysis_key(content_hash(data), config)
    found = store().get(key)
    if found is not None:
        return found
    workdir, path = save_upload(name, data)
    start = time.perf_counter()
    try:
        probe(path, VideoLimits.of(config))  # a bad file is reported before the model is loaded
        from pipeline.run import analyze

        lock = model_lock()
        if not lock.acquire(blocking=False):
            if on_queued is not None:
                on_queued()
            lock.acquire()
        try:
            est = estimator(config.model, config.device, config.imgsz, config.backend)
            result = analyze(path, config, on_progress=on_progress, estimator=est)
        finally:
            lock.release()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    entry = StoredAnalysis(
        key=key, filename=name, result=result, video_path=str(path), workdir=str(workdir),
        seconds=time.perf_counter() - start,
    )
    log.info("analysed %s in %.1f s (%d reps)", name, entry.seconds, result.rep_count)
    return store().put(entry)


def format_eta(eta_s: float | None) -> str:
    if eta_s is None or not np.isfinite(eta_s):
        return ""
    if eta_s < 1:
        return "almost done"
    if eta_s < 90:
        return f"about {eta_s:.0f} s left"
    return f"about {eta_s / 60:.0f} min left"


# --- frames and video ------------------------------------------------------------

@st.cache_data(max_entries=128, show_spinner=False)
def frames_at(key: str, video_path: str | None, times_s: tuple[float, ...], _result: AnalysisResult) -> list[np.ndarray]:
    """Annotated RGB frames at ``times_s`` of the analysis ``key`` (cached by key and times)."""
    return render.render_frames(_result, times_s, video_path)


def annotated_video(entry: StoredAnalysis, on_progress: Callable[[float], None] | None = None) -> render.EncodedVideo | None:
    """The entry's annotated video, built once and kept in the store; None without the clip."""
    if entry.annotated is not None and entry.annotated.path.is_file():
        return entry.annotated
    if not entry.video_path or not Path(entry.video_path).is_file():
        return None
    workdir = entry.workdir or tempfile.mkdtemp(prefix="hinge-review-")
    enc = render.write_annotated_video(
        entry.result, Path(workdir) / "annotated.mp4", on_progress, video_path=entry.video_path
    )
    store().put(dataclasses.replace(entry, annotated=enc, workdir=workdir))
    return enc


def exercise_name(exercise_id: str) -> str:
    """The catalogue name of an exercise id (a fault's drill); the text itself if not an id."""
    from pipeline.coaching import load_catalogue

    cat = load_catalogue()
    return cat[exercise_id].name if exercise_id in cat else exercise_id


def lift_options() -> dict[str, str]:
    """Lift chooser entries: id -> name, "auto" first."""
    options = {"auto": "Detect automatically"}
    from pipeline.coaching import load_catalogue

    for ex in sorted(load_catalogue(), key=lambda e: (e.level, e.name)):
        if ex.video_gradable:
            options[ex.id] = ex.name
    return options
