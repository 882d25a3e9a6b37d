"""Memory of the app's server and its analysis worker, read from outside (``bench/memory.py``, the browser
load test): the server's RSS, the worker with any child it runs as their summed PSS, and a sampler of the
peak on a thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import psutil

from jobs.supervisor import WORKER_LOCK

MB = 1024 * 1024
SAMPLE_S = 0.1


@dataclass(frozen=True)
class Reading:
    """Resident memory at one moment, in MB (the worker 0 when no worker process runs)."""

    app_mb: float
    worker_mb: float

    @property
    def total_mb(self) -> float:
        return self.app_mb + self.worker_mb


def rss_mb(pid: int | None, *, with_children: bool) -> float:
    """Resident memory of ``pid`` in MB (0 when it is not running): its RSS alone; with its children, the sum
    of their PSS, each page shared between a process and its fork counted once, as the machine's memory
    limit counts it (summing RSS counted the model-export child's fork twice: 2.7 GB for ~1.4)."""
    if pid is None:
        return 0.0
    try:
        proc = psutil.Process(pid)
        if not with_children:
            return proc.memory_info().rss / MB
        total = 0
        for p in (proc, *proc.children(recursive=True)):
            try:
                total += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total / MB
    except psutil.NoSuchProcess:
        return 0.0


def worker_pid(data: Path) -> int | None:
    """The running worker's pid, read from its lock file (None when it has exited)."""
    try:
        pid = int((data / WORKER_LOCK).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE else None


def read(app_pid: int, data: Path) -> Reading:
    return Reading(rss_mb(app_pid, with_children=False), rss_mb(worker_pid(data), with_children=True))


class PeakSampler:
    """Samples ``read`` every ``SAMPLE_S`` on a thread; ``peak`` is the highest of each process."""

    def __init__(self, app_pid: int, data: Path):
        self.app_pid, self.data = app_pid, data
        self.app_mb = self.worker_mb = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            now = read(self.app_pid, self.data)
            self.app_mb, self.worker_mb = max(self.app_mb, now.app_mb), max(self.worker_mb, now.worker_mb)

    def __enter__(self) -> PeakSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def peak(self) -> Reading:
        return Reading(self.app_mb, self.worker_mb)
