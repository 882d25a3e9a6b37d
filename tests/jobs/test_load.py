"""Load and fault: the real worker process, the real model, short real clips from two accounts at once,
and the worker killed in the middle of a job. On SQLite and a real PostgreSQL server (``db``).

Every job must end done or failed with a plain message, nothing half-saved, the dead worker's job
queued again at once when the app starts a new worker, and the accounts served in fair order.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from jobs.supervisor import ensure_worker
from store import LocalBlobStore, job_status, list_uploads, save_upload, user_from_claims
from store.models import Analysis, Job
from tests.support import factories

CLIP = "bichraix_bad010_squatting-deadlift_side.mp4"  # 2.9 s: the shortest real set
ANN_UPLOADS, BOB_UPLOADS = 2, 1  # Ann's two queued together would both go first in arrival order
WORKER_ARGS = ("--poll-s", "0.1", "--heartbeat-s", "0.5")
ALL_DONE_S = 180
DATABASE_DOWN_S = 4.0  # a restart or a fail-over: longer than a heartbeat, a progress report and a poll
CLAIMED = re.compile(r"job (\d+) of account (\d+) claimed \(attempt (\d+)\)")


@pytest.fixture
def short_clips(clips_dir, tmp_path) -> list[Path]:
    """``ANN_UPLOADS`` copies of the shortest real clip, each remuxed with its own title (the same frames,
    other bytes: an account's second upload is not taken for the first one again)."""
    import models

    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    if not (clips_dir / CLIP).is_file():
        pytest.skip(f"{CLIP} not in {clips_dir}")
    return [
        factories.remuxed_copy(clips_dir / CLIP, tmp_path / f"set-{i}.mp4", f"set {i}")
        for i in range(max(ANN_UPLOADS, BOB_UPLOADS))
    ]


def person(db, name: str):
    return user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": name})


def upload_all_at_once(db, blobs, work: list[tuple[object, object]]) -> None:
    """Each (account, clip) uploaded from its own thread, all started together."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def one(who, clip) -> None:
        start.wait()
        try:
            save_upload(db, blobs, who, clip, clip.name)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=w) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def all_ended(db, *people) -> list | None:
    """The jobs of every upload of ``people`` once each has ended (done or failed); None before."""
    jobs = [u.job for who in people for u in list_uploads(db, who)]
    return jobs if all(j.status in ("done", "failed") for j in jobs) else None


def running_in_pose(db) -> tuple[int, int, int] | None:
    """(job id, upload id, owner id) of a job in the middle of its pose stage, if one is."""
    with db.session() as s:
        job = s.scalars(select(Job).where(Job.status == "running", Job.stage == "pose", Job.progress > 0)).first()
        return (job.id, job.upload_id, job.upload.owner_id) if job is not None else None


@pytest.mark.e2e
def test_given_two_accounts_uploading_at_once_when_the_worker_is_killed_mid_job_then_every_job_ends_and_turns_are_fair(
    db, tmp_path, short_clips
):
    data = tmp_path / "data"
    blobs = LocalBlobStore(data / "blobs")
    ann, bob = person(db, "Ann"), person(db, "Bob")
    # given uploads from two accounts (two of Ann's, one of Bob's), all made at the same moment
    upload_all_at_once(
        db, blobs, [(ann, c) for c in short_clips[:ANN_UPLOADS]] + [(bob, c) for c in short_clips[:BOB_UPLOADS]]
    )
    first = ensure_worker(db.url, data_dir=data, extra_args=WORKER_ARGS, idle_exit_s=3)
    second = None
    try:
        # when the worker is killed in the middle of a job
        victim_id, victim_upload, victim_owner = wait_for(
            lambda: running_in_pose(db), ALL_DONE_S, "a job in the middle of its pose stage"
        )
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        # and the app starts a worker again (as a page does when it finds the worker dead)
        second = ensure_worker(db.url, data_dir=data, extra_args=WORKER_ARGS, idle_exit_s=3)
        # then the dead worker's job went back to the queue at once, not after the stale-heartbeat wait
        assert second.started and second.requeued == {victim_id: "queued"}

        jobs = wait_for(lambda: all_ended(db, ann, bob), ALL_DONE_S, "every job to end")
    finally:
        for handle in (first, second):
            if handle is not None:
                handle.stop()
    log = first.log_path.read_text()
    # then every job ended done, or failed with a plain message, and nothing is half-saved
    assert len(jobs) == ANN_UPLOADS + BOB_UPLOADS
    for job in jobs:
        assert job.status == "done" or (job.error and "Traceback" not in job.error), (job, log[-3000:])
        assert (job.analysis_id is not None) == (job.status == "done")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Analysis)) == sum(j.status == "done" for j in jobs)
    killed = job_status(db, ann if victim_owner == ann.id else bob, victim_upload)
    assert killed.attempts == 2 and killed.status in ("done", "failed")
    # and the accounts took turns: Bob's one job started before Ann's second, whatever the arrival order
    claims = [(int(j), int(o), int(a)) for j, o, a in CLAIMED.findall(log)]
    first_runs = [owner for _, owner, attempt in claims if attempt == 1]
    assert sorted(first_runs) == sorted([ann.id] * ANN_UPLOADS + [bob.id] * BOB_UPLOADS), log[-3000:]
    assert first_runs == [first_runs[0], *{ann.id, bob.id} - {first_runs[0]}, ann.id], claims


@pytest.mark.e2e
def test_given_the_database_server_restarted_mid_job_then_the_same_worker_carries_on_and_every_job_ends_done(
    postgres_server, tmp_path, short_clips
):
    from store import open_database

    db = open_database(postgres_server.create_database())
    data = tmp_path / "data"
    blobs = LocalBlobStore(data / "blobs")
    ann, bob = person(db, "Ann"), person(db, "Bob")
    # given two accounts' uploads and the worker in the middle of the first one's pose stage
    upload_all_at_once(db, blobs, [(ann, short_clips[0]), (bob, short_clips[0])])
    worker = ensure_worker(db.url, data_dir=data, extra_args=WORKER_ARGS, idle_exit_s=3)
    try:
        wait_for(lambda: running_in_pose(db), ALL_DONE_S, "a job in the middle of its pose stage")
        # when the PostgreSQL server goes down for a few seconds (every connection cut) and comes back
        postgres_server.restart(down_s=DATABASE_DOWN_S)

        def finished():
            try:
                return all_ended(db, ann, bob)
            except OperationalError:  # the server still starting
                return None

        jobs = wait_for(finished, ALL_DONE_S, "every job to end")
        # then the same worker saw both jobs through (nobody started another), and both are done: the outage
        # is neither a failed analysis nor a lost one
        assert [j.status for j in jobs] == ["done", "done"], (jobs, worker.log_path.read_text()[-3000:])
        assert all(j.analysis_id is not None and j.attempts == 1 for j in jobs)
        worker.process.wait(timeout=60)  # it exits once idle, as it does after any queue
        log = worker.log_path.read_text()
        assert worker.process.returncode == 0, log[-3000:]
        assert "database unreachable" in log and "Traceback" not in log
    finally:
        worker.stop()
        db.dispose()
