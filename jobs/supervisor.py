"""Start the worker process once per machine and data folder, from any number of Streamlit sessions.

The worker holds an exclusive lock on ``<data folder>/worker.lock`` (with its
pid in it) for as long as it lives, so a lock that can be taken means no worker
is alive; a second lock serialises the check-and-start between sessions.

A worker started here exits after ``IDLE_EXIT_S`` without a job (the app reads
``HINGE_REVIEW_WORKER_IDLE_EXIT_S`` through ``idle_exit_from``; ``off``: never), which
gives its model's memory back; the app calls ``ensure_worker`` again whenever a page
runs and while it follows a queued job, so the next job starts a new worker.

A worker that died (killed, out of memory) is seen here: its lock is free while its
token is still written in it. The job it was running goes back to the queue at once,
its card saying it restarts (``jobs.queue.requeue_worker``), before the new worker
starts; the stale-heartbeat recovery remains for workers this app did not start.
The database URL reaches the worker in its environment, never on its command line
(where every user of the machine could read the password).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jobs.durations import seconds_from
from store import settings
from store.blobs import settings_env

log = logging.getLogger("hinge_review.jobs")

WORKER_LOCK = "worker.lock"
SUPERVISOR_LOCK = "worker.start.lock"
WORKER_LOG = "worker.log"
START_TIMEOUT_S = 30.0
IDLE_EXIT_S = 300.0  # an idle worker exits after this long; a new one loads the model in about a second
IDLE_EXIT_ENV = "HINGE_REVIEW_WORKER_IDLE_EXIT_S"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _lock_is_held(path: Path) -> bool:
    """True when some process holds the worker's lock (checked without keeping it)."""
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _token_in(path: Path) -> str | None:
    """The worker token the last worker wrote in its lock (``pid token``); None when there is none."""
    try:
        parts = path.read_text().split()
    except OSError:
        return None
    return parts[1] if len(parts) > 1 else None


def requeue_dead_worker(database_url: str, lock_path: Path) -> dict[int, str]:
    """The jobs of the worker whose lock is free but whose token is in it (it died): queued again now.
    Called with the start lock held and no worker alive; a failure is logged (stale recovery remains)."""
    token = _token_in(lock_path)
    if token is None:
        return {}
    from jobs.queue import requeue_worker
    from store.db import open_database

    try:
        db = open_database(database_url, migrate=False)
        try:
            changed = requeue_worker(db, token)
        finally:
            db.dispose()
    except Exception:
        log.warning("could not queue again the jobs of dead worker %s", token, exc_info=True)
        return {}
    for job_id, status in changed.items():
        log.warning("job %s of dead worker %s: %s", job_id, token, status)
    return changed


@dataclass
class WorkerHandle:
    """The worker process for one data folder."""

    pid: int
    started: bool  # True when this call started it, False when one was already running
    lock_path: Path
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    requeued: dict[int, str] = field(default_factory=dict)  # jobs of a dead worker queued again on this start

    def alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            return False
        return _lock_is_held(self.lock_path)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (the job in hand goes back to the queue), then SIGKILL after ``timeout_s``."""
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout_s
        while self.alive() and time.monotonic() < deadline:
            if self.process is not None:
                try:
                    self.process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.1)
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()


def idle_exit_from(environ: Mapping[str, str]) -> float | None:
    """Seconds without a job after which a started worker exits: ``IDLE_EXIT_ENV`` or ``IDLE_EXIT_S``;
    None (never) for ``off``."""
    return seconds_from(environ, IDLE_EXIT_ENV, IDLE_EXIT_S)


def ensure_worker(
    database_url: str | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    blob_settings: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    python: str = sys.executable,
    start_timeout_s: float = START_TIMEOUT_S,
    idle_exit_s: float | None = IDLE_EXIT_S,
) -> WorkerHandle:
    """Start ``python -m jobs.worker`` for this data folder unless one is alive; returns its handle.

    ``blob_settings`` (bucket settings, e.g. from ``st.secrets``) reach the
    worker as ``HINGE_REVIEW_S3_*`` environment variables, and the database URL as
    ``HINGE_REVIEW_DATABASE_URL``. The worker stops between jobs once the process that
    started it has gone, and after ``idle_exit_s`` seconds without a job (None: never).
    A dead worker's running jobs are queued again first (``requeue_dead_worker``).
    """
    idle_args = () if idle_exit_s is None else ("--exit-after-idle-s", str(idle_exit_s))
    data = settings.data_dir(data_dir)
    url = settings.database_url(database_url, data)
    lock_path, log_path = data / WORKER_LOCK, data / WORKER_LOG
    with open(data / SUPERVISOR_LOCK, "a+") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if _lock_is_held(lock_path):
            return WorkerHandle(_pid_in(lock_path) or -1, False, lock_path, log_path)
        requeued = requeue_dead_worker(url, lock_path)
        env = {
            **os.environ,
            **settings_env(blob_settings),
            settings.DATA_ENV: str(data),
            settings.DATABASE_URL_ENV: url,
            "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p),
        }
        cmd = [
            python,
            "-m",
            "jobs.worker",
            "--data-dir",
            str(data),
            "--lock-file",
            str(lock_path),
            "--exit-with-parent",
            *idle_args,
            *extra_args,
        ]
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + start_timeout_s
        while not _lock_is_held(lock_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                tail = log_path.read_text(errors="replace")[-800:]
                raise RuntimeError(f"The analysis worker did not start (exit {proc.returncode}): {tail}")
            time.sleep(0.05)
        return WorkerHandle(proc.pid, True, lock_path, log_path, proc, requeued)
