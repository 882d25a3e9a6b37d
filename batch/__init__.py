"""Batch analysis: many clips, one loaded model per worker, resumable output.

``run_batch`` discovers clips (a folder or a CSV), identifies each by the
sha256 of its bytes, skips those already analysed in the output folder and
hands the rest to a runner: ``LocalRunner`` (one model in this process) or
``batch.ray_pool.RayRunner`` (actors on a Ray cluster; imported only when
asked for, so neither this package nor ``pipeline`` imports Ray).
"""

from __future__ import annotations

from batch.discover import VIDEO_EXTENSIONS, Clip, discover
from batch.identity import sha256_file
from batch.local import LocalRunner
from batch.run import BatchReport, run_batch
from batch.store import find_done, result_path
from batch.summary import COLUMNS, SummaryRow

__all__ = [
    "COLUMNS",
    "VIDEO_EXTENSIONS",
    "BatchReport",
    "Clip",
    "LocalRunner",
    "SummaryRow",
    "discover",
    "find_done",
    "result_path",
    "run_batch",
    "sha256_file",
]
