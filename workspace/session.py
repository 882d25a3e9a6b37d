"""Streamlit glue shared by the pages (not a page itself).

The result store: ``st.session_state[STORE_KEY]`` is a ``ResultStore`` of the
analyses opened in this browser session (``workspace.ui.load_review`` puts a
stored review there under ``review:<id>``); each entry keeps the
``AnalysisResult``, a temporary folder with the clip and, once built, the
annotated video. Pages read ``current()`` and never recompute. Analysis itself
runs in the worker process (``jobs``), never in a page.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from drawing import frames as render
from drawing.scorecard import CoachReview
from pipeline.capture.video import VIDEO_EXTENSIONS
from pipeline.types import AnalysisResult

log = logging.getLogger("hinge_review.app")

STORE_KEY = "hr_store"
CURRENT_KEY = "hr_current"
FOCUS_KEY = "hr_focus_t"  # a time (s) the Frames page should open at
MAX_STORED = 3  # analyses kept per browser session
FRAMES_CACHED = 64  # frames_at entries the server keeps (one moment, or one rep's key frames, each)

ANALYSE_PAGE = "pages/analyse.py"
FRAMES_PAGE = "pages/frames.py"
CHARTS_PAGE = "pages/charts.py"
SCORECARD_PAGE = "pages/scorecard.py"
COMPARE_PAGE = "pages/compare.py"
MY_SPACE_PAGE = "pages/my_space.py"

VIDEO_TYPES = [ext.lstrip(".") for ext in VIDEO_EXTENSIONS]
VIDEO_KINDS = (
    ", ".join(t.upper() for t in VIDEO_TYPES[:-1]) + f" or {VIDEO_TYPES[-1].upper()}"
)  # "MP4, MOV, ... or MKV"
WHAT_TO_DO = (
    f"Upload a video ({VIDEO_KINDS}) straight from your phone or camera, 1 s to 10 min long.",
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
    coach: CoachReview | None = None  # a saved review's coach's grade and comments, as of its last opening
    token: str | None = None  # a saved review's link token (its Review page's ``?review=``)


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

    def discard(self, key: str) -> None:
        """Forget an entry (its analysis was deleted) and remove its temporary folder."""
        old = self._entries.pop(key, None)
        if old is not None and old.workdir:
            _remove_dirs([old.workdir])
            if old.workdir in self._dirs:
                self._dirs.remove(old.workdir)

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


def current() -> StoredAnalysis | None:
    return store().get(st.session_state.get(CURRENT_KEY))


def set_current(key: str) -> None:
    st.session_state[CURRENT_KEY] = key


_FALLBACK: list[Callable[[], StoredAnalysis | None]] = []


def when_nothing_on_screen(fallback: Callable[[], StoredAnalysis | None]) -> None:
    """Register what puts a set on screen when a page needs one and this session has none (a new tab, a
    reload): ``workspace.ui`` registers the signed-in account's latest saved set."""
    _FALLBACK[:] = [fallback]


def require_current() -> StoredAnalysis:
    """The analysis on screen (else the registered fallback's), or a pointer to the Analyse page and a stop."""
    entry = current()
    for fallback in _FALLBACK if entry is None else ():
        entry = fallback()
    if entry is None:
        st.info("No video analysed yet in this session. Upload one on the Analyse page, or open a saved set.")
        st.page_link(ANALYSE_PAGE, label="Go to Analyse", icon=":material/upload:")
        st.page_link(MY_SPACE_PAGE, label="My uploads on My space", icon=":material/person:")
        st.stop()
    return entry


# --- frames and video ------------------------------------------------------------


@st.cache_data(max_entries=FRAMES_CACHED, show_spinner=False)
def frames_at(key: str, video_path: str | None, times_s: tuple[float, ...], _result: AnalysisResult) -> list[bytes]:
    """Annotated frames at ``times_s`` of the analysis ``key``, as JPEG (cached by key and times, for every
    session of the server: ~0.1 MB a 720 px frame where its pixels take 0.9 MB, so the cache holds at most
    ``FRAMES_CACHED`` x a few frames x 0.1 MB, and ``st.image`` sends the bytes as they are)."""
    return [render.jpeg_bytes(im) for im in render.render_frames(_result, times_s, video_path)]


def annotated_video(
    entry: StoredAnalysis, on_progress: Callable[[float], None] | None = None
) -> render.EncodedVideo | None:
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


def lift_options() -> dict[str, str]:
    """Lift chooser entries: id -> "Group · Name", "auto" first, grouped by family, drills last
    (``workspace.lifts``); the select box's search finds a lift by name or group."""
    from pipeline.judge.coaching import load_catalogue
    from workspace.lifts import lift_options as grouped

    return grouped(load_catalogue())
