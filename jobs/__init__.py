"""Analysis as a job, not a page: a worker process takes queued uploads from the database and analyses them.

``ensure_worker`` starts that process (once per data folder); ``run_pending_once``
runs the queued jobs in the calling process (tests, command line). Names are
imported on first use, so ``python -m jobs.worker`` runs without a double import.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "ClaimedJob": "jobs.queue",
    "claim_next": "jobs.queue",
    "recover_stale": "jobs.queue",
    "LazyEstimator": "jobs.runner",
    "run_job": "jobs.runner",
    "WorkerHandle": "jobs.supervisor",
    "ensure_worker": "jobs.supervisor",
    "run_pending_once": "jobs.worker",
    "serve": "jobs.worker",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'jobs' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
