"""The analysis worker: a process of its own that takes queued jobs from the database and runs them.

    HINGE_REVIEW_DATABASE_URL=URL python -m jobs.worker [--data-dir DIR] [--exit-when-idle | --exit-after-idle-s S]

The database URL comes from the environment (``--database-url`` exists for a local
file, but a URL with a password on the command line is visible to every user of the
machine). Jobs run in fair order across accounts, each within a time limit
(``--job-time-limit-s``: past it the job is failed plainly and can be tried again).
On start it recovers jobs a dead worker left running (no heartbeat for
``--stale-after-s``): queued again, or failed after ``--max-attempts`` runs.
The pose model is loaded once, on the first job that needs it. With
``--exit-after-idle-s`` the worker exits once it has had no job for that long, so
an idle server holds no model, PyTorch or OpenVINO (the app that started it
starts another when a job is queued: ``jobs.supervisor``). SIGTERM puts
the job in hand back in the queue and exits. With ``--lock-file`` it refuses
to start while another worker holds that lock (one worker per data folder).
With ``--ray`` the analyses run on a Ray cluster's model-holding actors, as
many at once as it has actors (``jobs.remote``); the queue stays here.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jobs import queue
from jobs.outage import pauses, unreachable
from jobs.remote import RAY_ENV
from jobs.runner import HEARTBEAT_S, Analyzer, LazyEstimator, TimeLimit, run_job, time_limit_from
from pipeline.capture.estimator import PoseEstimatorLike
from pipeline.types import AnalysisConfig
from service.trim import start_trimming
from store import cleanup
from store.blobs import BlobStore, open_blob_store
from store.db import Database, open_database

log = logging.getLogger("hinge_review.jobs")

POLL_S = 0.25  # an idle worker asks the queue this often (one indexed query)
LOCK_HELD_EXIT = 3  # exit status when another worker holds the lock
OVERRUN_EXIT = 4  # exit status when a job ran past its time limit without stopping


def run_pending_once(
    db: Database,
    blobs: BlobStore,
    estimator: PoseEstimatorLike | None = None,
    *,
    config: AnalysisConfig = AnalysisConfig(),
    worker: str | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    analyzer: Analyzer | None = None,
    time_limit: TimeLimit = TimeLimit(),
) -> dict[int, str]:
    """Run every job queued now, in this process (or through ``analyzer``), in fair order, each within
    ``time_limit``; returns {job id: final status}."""
    if estimator is None and analyzer is None:
        estimator = LazyEstimator(config)
    token = worker or queue.worker_token()
    out: dict[int, str] = {}
    while (job := queue.claim_next(db, token)) is not None:
        log.info("job %s of account %s claimed (attempt %d)", job.job_id, job.owner_id, job.attempts)
        out[job.job_id] = run_job(
            db, blobs, job, estimator, config, heartbeat_s=heartbeat_s, analyzer=analyzer, time_limit=time_limit
        )
    return out


def run_pending_on(
    db: Database,
    blobs: BlobStore,
    analyzer: Any,
    *,
    config: AnalysisConfig = AnalysisConfig(),
    worker: str | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    time_limit: TimeLimit = TimeLimit(),
) -> dict[int, str]:
    """Run every job queued now through ``analyzer`` (a ``jobs.remote.RayAnalyzer``), as many at
    once as it has slots; returns {job id: final status}."""
    token = worker or queue.worker_token()

    def drain() -> dict[int, str]:
        return run_pending_once(
            db,
            blobs,
            config=config,
            worker=token,
            heartbeat_s=heartbeat_s,
            analyzer=analyzer.analyze,
            time_limit=time_limit,
        )

    with ThreadPoolExecutor(max_workers=max(1, analyzer.slots), thread_name_prefix="ray-job") as pool:
        done = [f.result() for f in [pool.submit(drain) for _ in range(max(1, analyzer.slots))]]
    return {k: v for part in done for k, v in part.items()}


def serve(
    db: Database,
    blobs: BlobStore,
    *,
    config: AnalysisConfig = AnalysisConfig(),
    poll_s: float = POLL_S,
    stale_after_s: float = queue.STALE_AFTER_S,
    max_attempts: int = queue.MAX_ATTEMPTS,
    heartbeat_s: float = HEARTBEAT_S,
    exit_when_idle: bool = False,
    idle_exit_s: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    preload: bool = False,
    ray_address: str | None = None,
    ray_workers: int | None = None,
    time_limit: TimeLimit = TimeLimit(),
    worker: str | None = None,
) -> None:
    """Recover stale jobs, then run queued jobs until ``should_stop()`` (checked between jobs) or, with
    ``exit_when_idle``, until none are left, or with ``idle_exit_s``, until none came for that many
    seconds (a process's PyTorch and OpenVINO memory is only given back when it exits). ``preload`` loads and warms the model on a background
    thread at once, so the first upload does not wait for it (a job that needs it meanwhile waits).
    ``ray_address``: run the analyses on that Ray cluster (``auto``: the local one) instead. Each job runs
    within ``time_limit``; ``worker`` names this worker in the jobs it claims (default: a fresh token).
    Between jobs it also sweeps clips (``store.cleanup.sweep``)."""
    token = worker or queue.worker_token()
    if ray_address:
        from jobs.remote import RayAnalyzer

        with RayAnalyzer(ray_address, config, ray_workers) as analyzer:
            log.info(
                "analyses run on Ray at %s: %d actors (%s)", ray_address, analyzer.slots, ", ".join(analyzer.devices)
            )
            _serve_loop(
                db,
                blobs,
                lambda token: run_pending_on(
                    db, blobs, analyzer, config=config, worker=token, heartbeat_s=heartbeat_s, time_limit=time_limit
                ),
                poll_s,
                stale_after_s,
                max_attempts,
                _Idle(exit_when_idle, idle_exit_s),
                should_stop,
                token,
            )
        return
    estimator = LazyEstimator(config)
    if preload:
        threading.Thread(target=_warm, args=(estimator,), name="model-preload", daemon=True).start()
    _serve_loop(
        db,
        blobs,
        lambda token: run_pending_once(
            db, blobs, estimator, config=config, worker=token, heartbeat_s=heartbeat_s, time_limit=time_limit
        ),
        poll_s,
        stale_after_s,
        max_attempts,
        _Idle(exit_when_idle, idle_exit_s),
        should_stop,
        token,
    )


class _Idle:
    """When an idle worker stops: at once (``exit_when_idle``), after ``idle_exit_s`` without a job, or never."""

    def __init__(self, exit_when_idle: bool, idle_exit_s: float | None):
        self.limit_s = 0.0 if exit_when_idle else idle_exit_s
        self.since = time.monotonic()

    def busy(self) -> None:
        self.since = time.monotonic()

    def over(self) -> bool:
        return self.limit_s is not None and time.monotonic() - self.since >= self.limit_s


def _serve_loop(
    db: Database,
    blobs: BlobStore,
    run_pending: Callable[[str], dict[int, str]],
    poll_s: float,
    stale_after_s: float,
    max_attempts: int,
    idle: _Idle,
    should_stop: Callable[[], bool],
    token: str,
) -> None:
    log.info("worker %s on %s", token, db.url.split("@")[-1])
    last_recovery = 0.0
    waits = None  # the pauses while the database is unreachable (outage.pauses), None while it answers
    while True:
        try:
            if time.monotonic() - last_recovery >= min(stale_after_s, 60.0):
                for job_id, status in queue.recover_stale(
                    db, stale_after_s=stale_after_s, max_attempts=max_attempts
                ).items():
                    log.warning("job %s had no heartbeat for %.0f s: %s", job_id, stale_after_s, status)
                _sweep(db, blobs)
                last_recovery = time.monotonic()
            ran = run_pending(token)
        except Exception as exc:  # a restart or fail-over of the database: wait for it, as the jobs do
            if not unreachable(exc):
                raise
            waits = waits or pauses()
            pause = next(waits)
            log.warning("database unreachable: the queue is read again in %.1f s", pause)
            if should_stop():
                return
            time.sleep(pause)
            continue
        if waits is not None:
            log.info("database reachable again")
            waits = None
        for job_id, status in ran.items():
            log.info("job %s %s", job_id, status)
        if ran:
            idle.busy()
        if should_stop():
            return
        if not ran and idle.over():
            if idle.limit_s:
                log.info("no job for %.0f s: exiting, which frees the model's memory", idle.limit_s)
            return
        if not ran:
            time.sleep(poll_s)


def _sweep(db: Database, blobs: BlobStore) -> None:
    """Old failed clips and pending deletions (``store.cleanup``); a failure waits for the next round."""
    try:
        expired, deleted = cleanup.sweep(db, blobs)
    except Exception:
        log.warning("sweeping clips failed; trying again later", exc_info=True)
        return
    if expired or deleted:
        log.info("clips: %d failed ones expired, %d deleted", expired, deleted)


def _warm(estimator: LazyEstimator) -> None:
    """Load the model (PoseEstimator runs it once on a blank frame: the first inference pays for set-up)."""
    try:
        t0 = time.monotonic()
        model = estimator.get()
        log.info("pose model ready (%s, %s) in %.1f s", model.device, model.backend, time.monotonic() - t0)
    except Exception:  # a job will load it (and report the problem) when it needs it
        log.exception("preloading the pose model failed")


def _hold_lock(path: Path, token: str):
    """Hold an exclusive lock on ``path`` for the life of this process, with this process's pid and worker
    ``token`` written in it (``jobs.supervisor`` reads them once the process is gone); None if another
    process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()} {token}\n")
    fh.flush()
    return fh


def _exit_overrun() -> None:
    """A job ran past its limit and its analysis did not stop: end the process (its memory with it)."""
    logging.shutdown()
    os._exit(OVERRUN_EXIT)


def _stop(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m jobs.worker", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: HINGE_REVIEW_DATABASE_URL, the way to pass a password, or SQLite in the "
        "data folder)",
    )
    p.add_argument("--data-dir", default=None, help="data folder (default: HINGE_REVIEW_DATA or ./data)")
    p.add_argument("--poll-s", type=float, default=POLL_S)
    p.add_argument("--stale-after-s", type=float, default=queue.STALE_AFTER_S)
    p.add_argument("--max-attempts", type=int, default=queue.MAX_ATTEMPTS)
    p.add_argument("--heartbeat-s", type=float, default=HEARTBEAT_S)
    p.add_argument(
        "--job-time-limit-s",
        type=float,
        default=None,
        metavar="S",
        help="stop and fail a job that runs longer (default: HINGE_REVIEW_JOB_TIME_LIMIT_S, else 900; 0: none)",
    )
    p.add_argument("--exit-when-idle", action="store_true", help="stop once the queue is empty")
    p.add_argument(
        "--exit-after-idle-s",
        type=float,
        default=None,
        metavar="S",
        help="stop once no job has come for S seconds (default: never)",
    )
    p.add_argument("--lock-file", type=Path, default=None, help="refuse to run while another worker holds it")
    p.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop (between jobs) once the process that started this one has gone",
    )
    p.add_argument(
        "--no-preload",
        action="store_true",
        help="load the model only when a job needs it (default: load and warm it at start)",
    )
    p.add_argument(
        "--ray",
        default=os.environ.get(RAY_ENV) or None,
        metavar="ADDRESS",
        help=f"run the analyses on this Ray cluster (auto: the local one); default {RAY_ENV}",
    )
    p.add_argument(
        "--ray-workers",
        type=int,
        default=None,
        help="model-holding actors on the cluster (default: one per GPU, else one per 2 CPUs)",
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--model", default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    limit_s = time_limit_from(os.environ) if args.job_time_limit_s is None else (args.job_time_limit_s or None)
    token = queue.worker_token()
    lock = None
    if args.lock_file is not None:
        lock = _hold_lock(args.lock_file, token)
        if lock is None:
            log.info("another worker holds %s; exiting", args.lock_file)
            return LOCK_HELD_EXIT
    signal.signal(signal.SIGTERM, _stop)
    parent = os.getppid()
    orphaned = (lambda: os.getppid() != parent) if args.exit_with_parent else (lambda: False)
    db = open_database(args.database_url, data_dir=args.data_dir)
    blobs = open_blob_store(data_dir=args.data_dir)
    start_trimming()  # once per process, as the server does: an idle worker holds its model, not its last job
    try:
        serve(
            db,
            blobs,
            config=AnalysisConfig(device=args.device, model=args.model),
            poll_s=args.poll_s,
            stale_after_s=args.stale_after_s,
            max_attempts=args.max_attempts,
            heartbeat_s=args.heartbeat_s,
            exit_when_idle=args.exit_when_idle,
            idle_exit_s=args.exit_after_idle_s,
            should_stop=orphaned,
            preload=not (args.no_preload or args.exit_when_idle),
            ray_address=args.ray,
            ray_workers=args.ray_workers,
            time_limit=TimeLimit(limit_s, on_overrun=_exit_overrun),
            worker=token,
        )
    except KeyboardInterrupt:
        return 130
    finally:
        db.dispose()
        if lock is not None:
            lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
