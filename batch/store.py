"""The output folder: one JSON per clip named by content hash and stem, written atomically.

A clip is done when a JSON for its hash exists, parses, and was made with the
same analysis settings (lift, model, sampling rate, image size, limits) by the
same analysis version (release and fitted levels); device and backend are left
out because they give the same answer.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import models
from pipeline.document.result_doc import result_text
from pipeline.document.serialize import to_jsonable
from pipeline.types import AnalysisConfig
from pipeline.version import analysis_version

HASH_CHARS = 16  # of the sha256 in file names (64 bits); the summary has all 64
# AnalysisConfig fields that change the result (device and backend do not).
SETTINGS_FIELDS = (
    "model",
    "exercise",
    "track_id",
    "analysis_fps",
    "imgsz",
    "max_duration_s",
    "min_duration_s",
    "keypoint_conf",
)


def result_path(out_dir: Path, sha256: str, stem: str) -> Path:
    """Where a clip's JSON goes: ``<first 16 hex of sha256>-<stem>.json``."""
    return Path(out_dir) / f"{sha256[:HASH_CHARS]}-{stem}.json"


def settings_of(config: AnalysisConfig | dict) -> dict:
    """The settings that decide a result, as stored in the JSON (model by file name)."""
    values = to_jsonable(config) if isinstance(config, AnalysisConfig) else dict(config)
    out = {k: values.get(k) for k in SETTINGS_FIELDS}
    out["model"] = Path(out["model"]).name if out["model"] else models.DEFAULT_MODEL
    return out


def same_settings(doc: dict, config: AnalysisConfig) -> bool:
    """Whether a stored result was made with the settings asked for now, by this analysis
    (same release, same fitted levels and exercise table: ``pipeline.version``)."""
    stored = doc.get("config")
    return (
        isinstance(stored, dict)
        and settings_of(stored) == settings_of(config)
        and doc.get("analysis_version") == analysis_version()
    )


def read_doc(path: Path) -> dict | None:
    """A stored result, or None when it is unreadable (then the clip is analysed again)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def find_done(out_dir: Path, sha256: str, config: AnalysisConfig) -> tuple[Path, dict] | None:
    """The stored result for this content and these settings, if there is one (newest first)."""
    candidates = sorted(
        Path(out_dir).glob(f"{sha256[:HASH_CHARS]}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for path in candidates:
        doc = read_doc(path)
        if doc is not None and same_settings(doc, config):
            return path, doc
    return None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temp file in the same folder, flush it to disk, rename over ``path``.

    A batch killed at any point leaves either the old file or the new one,
    never half of one; leftover temp files start with a dot and are ignored.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def doc_text(doc: dict) -> str:
    """The JSON text exactly as ``hinge-review analyze --json`` writes it."""
    return result_text(doc)
