"""Analysis as a job: claiming, recovery, failure reasons, and the worker process on a real clip (real model).

Queue tests run on SQLite and a real PostgreSQL server (``db_url``). The two
process tests start ``python -m jobs.worker`` as its own OS process: one runs a
real clip end to end through ``ensure_worker``; the other SIGKILLs the worker in
the middle of an analysis and restarts it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from jobs import queue
from jobs.runner import LazyEstimator, run_job
from jobs.supervisor import IDLE_EXIT_ENV, IDLE_EXIT_S, ensure_worker, idle_exit_from
from jobs.worker import run_pending_once, serve
from store import (
    InvalidRequest,
    LocalBlobStore,
    delete_upload,
    job_status,
    list_uploads,
    open_analysis,
    open_database,
    retry_upload,
    save_upload,
    user_from_claims,
)
from store.models import Analysis, Job, Upload, utcnow
from tests.support.factories import synthetic_result
from tests.support.paths import REPO

CLIP = "tby66_kb-deadlift_correct_side.mp4"
SHORT_CLIP = "bichraix_bad010_squatting-deadlift_side.mp4"  # 2.8 s: where the clip's length is not the point
TWO_REP_CLIP = "aigym_trap-bar-deadlift_side.mp4"  # 4.6 s, 2 reps (labels.csv): a whole graded set, quickly
PROJECT = REPO
WAIT_FOR_ANALYSIS_S = 240


@pytest.fixture
def blobs(tmp_path):
    return LocalBlobStore(tmp_path / "data" / "blobs")


def client(db):
    return user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": "Ann"})


def queued_uploads(db, blobs, n: int) -> list[int]:
    ann = client(db)
    return [save_upload(db, blobs, ann, f"clip {i}".encode() * 100, f"{i}.mp4").job.job_id for i in range(n)]


def analyses(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Analysis))


# ------------------------------------------------------------------ the queue
def test_given_queued_jobs_when_four_workers_claim_at_once_then_each_job_goes_to_exactly_one(db, blobs):
    job_ids = queued_uploads(db, blobs, 8)
    claimed: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        start.wait()
        while (job := queue.claim_next(db, name)) is not None:
            with lock:
                claimed.append((name, job.job_id))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(j for _, j in claimed) == sorted(job_ids)
    with db.session() as s:
        jobs = s.scalars(select(Job)).all()
    assert {(j.status, j.attempts) for j in jobs} == {("running", 1)}
    assert {j.id: j.worker for j in jobs} == {j: w for w, j in claimed}


def test_given_running_jobs_without_heartbeat_when_recovering_then_requeued_or_failed_after_max_attempts(db, blobs):
    retry, give_up, alive = queued_uploads(db, blobs, 3)
    for _ in range(3):
        queue.claim_next(db, "gone")
    old = utcnow() - timedelta(seconds=600)
    with db.transaction() as s:
        s.execute(update(Job).where(Job.id.in_([retry, give_up])).values(heartbeat_at=old))
        s.execute(update(Job).where(Job.id == give_up).values(attempts=3))
    assert queue.recover_stale(db, stale_after_s=120, max_attempts=3) == {retry: "queued", give_up: "failed"}
    with db.session() as s:
        jobs = {j.id: j for j in s.scalars(select(Job))}
    assert jobs[alive].status == "running"
    assert jobs[give_up].error == queue.gave_up_reason(3) and "Traceback" not in jobs[give_up].error
    again = queue.claim_next(db, "new worker")
    assert (again.job_id, again.attempts) == (retry, 2)


def test_given_a_job_taken_away_when_its_old_worker_finishes_then_nothing_is_saved(db, blobs):
    (job_id,) = queued_uploads(db, blobs, 1)
    first = queue.claim_next(db, "slow worker")
    with db.transaction() as s:
        s.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(seconds=600)))
    queue.recover_stale(db, stale_after_s=120)
    second = queue.claim_next(db, "new worker")
    result = synthetic_result()
    assert queue.finish(db, first, result) is None and not queue.report(db, first, "pose", 0.5)
    assert analyses(db) == 0
    assert queue.finish(db, second, result) is not None
    assert analyses(db) == 1 and job_status(db, client_of_job(db, job_id), second.upload_id).status == "done"


def test_given_two_jobs_of_one_upload_when_both_finish_then_one_analysis_and_no_crash(db, blobs):
    # given an upload whose "Try again" was pressed twice at once: two jobs queued for it
    (job_id,) = queued_uploads(db, blobs, 1)
    with db.transaction() as s:
        upload_id = s.get(Job, job_id).upload_id
        s.add(Job(upload_id=upload_id, exercise="auto"))
    first, second = queue.claim_next(db, "w1"), queue.claim_next(db, "w2")
    # when both finish, then the second does not raise: the upload keeps one analysis, the newest result
    a = queue.finish(db, first, synthetic_result())
    b = queue.finish(db, second, synthetic_result())
    assert a is not None and a == b and analyses(db) == 1


def test_given_a_job_finishing_while_its_upload_is_read_then_done_comes_with_its_analysis(db, blobs):
    # given an upload whose job is running
    (job_id,) = queued_uploads(db, blobs, 1)
    claimed = queue.claim_next(db, "w1")
    assert claimed is not None and claimed.job_id == job_id
    ann = client_of_job(db, job_id)
    # when the worker commits the finished analysis just after the upload's first read of its job or
    # analysis (on a server database each statement reads what was committed when it began)
    armed = [True]
    finisher = threading.Thread(target=queue.finish, args=(db, claimed, synthetic_result()))

    def commit_between(conn, cursor, statement, params, context, executemany):
        if armed[0] and re.search(r"\b(jobs|analyses)\b", statement.lower()):
            armed[0] = False
            finisher.start()
            finisher.join(timeout=5)  # SQLite makes the writer wait for this read: then it lands after

    event.listen(db.engine, "after_cursor_execute", commit_between)
    try:
        (view,) = list_uploads(db, ann)
    finally:
        event.remove(db.engine, "after_cursor_execute", commit_between)
        finisher.join()
    # then the upload reads either still running without an analysis, or done with it: never done without
    assert not armed[0]
    assert (view.job.status == "done") == (view.analysis_id is not None), view
    assert (view.job.status, view.analysis_id) in (("running", None), ("done", view.analysis_id))


def client_of_job(db, job_id: int):
    from store.models import User
    from store.users import account_of

    with db.session() as s:
        owner = s.scalar(
            select(User)
            .join(Upload, Upload.owner_id == User.id)
            .join(Job, Job.upload_id == Upload.id)
            .where(Job.id == job_id)
        )
        return account_of(owner)


def test_given_a_chosen_lift_when_the_job_runs_and_is_retried_then_it_is_graded_as_that_lift(db, blobs, monkeypatch):
    import jobs.runner

    seen: list[str] = []

    def analyze(path, config, on_progress=None, estimator=None):
        seen.append(config.exercise)
        raise RuntimeError("model crashed")

    monkeypatch.setattr(jobs.runner, "analyze", analyze)
    ann = client(db)
    up = save_upload(db, blobs, ann, b"z" * 500, "set.mp4", exercise="kettlebell_deadlift")
    assert up.job.exercise == "kettlebell_deadlift"
    run_pending_once(db, blobs, LazyEstimator())
    retry_upload(db, ann, up.upload_id)
    run_pending_once(db, blobs, LazyEstimator())
    assert seen == ["kettlebell_deadlift", "kettlebell_deadlift"]
    assert job_status(db, ann, up.upload_id).exercise == "kettlebell_deadlift"


# ------------------------------------------------------------------ failures with a plain reason
def test_given_a_file_that_is_not_a_video_when_its_job_runs_then_failed_plainly_and_only_the_clip_goes(tmp_path):
    db = open_database(data_dir=tmp_path / "data")
    blobs = LocalBlobStore(tmp_path / "data" / "blobs")
    ann = client(db)
    up = save_upload(db, blobs, ann, b"these are my holiday notes, not a video\n" * 40, "deadlift.mp4")
    model = LazyEstimator()
    assert run_pending_once(db, blobs, model) == {up.job.job_id: "failed"}
    status = job_status(db, ann, up.upload_id)
    assert status.status == "failed" and status.error and "Traceback" not in status.error
    assert "video" in status.error.lower() and status.analysis_id is None
    assert not model.loaded  # refused before the pose model was needed
    # the upload stays with its reason; its clip is deleted, since trying again cannot help
    (kept,) = list_uploads(db, ann)
    assert kept.upload_id == up.upload_id and not kept.clip_kept
    with db.session() as s:
        assert not blobs.exists(s.get(Upload, up.upload_id).blob_key)
    with pytest.raises(InvalidRequest, match="Upload it again"):
        retry_upload(db, ann, up.upload_id)
    db.dispose()


# ------------------------------------------------------------------ an idle worker lets go of the model
def test_given_a_queued_job_when_served_with_an_idle_limit_then_the_job_runs_and_the_worker_returns_once_idle(
    tmp_path,
):
    # given one queued upload (not a video: it fails while probed, before any model is needed)
    db = open_database(data_dir=tmp_path / "data")
    blobs = LocalBlobStore(tmp_path / "data" / "blobs")
    ann = client(db)
    up = save_upload(db, blobs, ann, b"not a video\n" * 40, "set.mp4")
    # when a worker serves the queue with a 0.4 s idle limit
    start = time.monotonic()
    serve(db, blobs, poll_s=0.05, idle_exit_s=0.4)
    took_s = time.monotonic() - start
    # then the job was run, and the worker returned by itself once idle for the limit
    assert job_status(db, ann, up.upload_id).status == "failed"
    assert 0.4 <= took_s < 10
    db.dispose()


@pytest.mark.parametrize(
    ("value", "seconds"), [(None, IDLE_EXIT_S), ("", IDLE_EXIT_S), ("45", 45.0), ("2.5", 2.5), ("off", None)]
)
def test_given_the_idle_setting_when_read_then_seconds_or_never(value, seconds):
    assert idle_exit_from({} if value is None else {IDLE_EXIT_ENV: value}) == seconds


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_given_a_bad_idle_setting_when_read_then_a_plain_message_names_it(value):
    with pytest.raises(ValueError, match=IDLE_EXIT_ENV + ".*number of seconds"):
        idle_exit_from({IDLE_EXIT_ENV: value})


def test_given_a_clip_missing_from_storage_when_its_job_runs_then_failed_plainly(db, blobs):
    ann = client(db)
    up = save_upload(db, blobs, ann, b"x" * 500, "set.mp4")
    with db.session() as s:
        blobs.delete(s.get(Upload, up.upload_id).blob_key)
    assert run_pending_once(db, blobs, LazyEstimator()) == {up.job.job_id: "failed"}
    assert job_status(db, ann, up.upload_id).error == queue.LOST_UPLOAD


def test_given_an_upload_deleted_after_its_job_was_claimed_when_the_job_runs_then_nothing_is_left(db, blobs):
    ann = client(db)
    up = save_upload(db, blobs, ann, b"y" * 500, "set.mp4")
    job = queue.claim_next(db, "worker")
    delete_upload(db, blobs, ann, up.upload_id)
    assert run_job(db, blobs, job, LazyEstimator()) == "lost"
    assert analyses(db) == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


# ------------------------------------------------------------------ the worker process on a real clip
def _real(clips_dir: Path, name: str) -> Path:
    import models

    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    path = clips_dir / name
    if not path.is_file():
        pytest.skip(f"{name} not in {clips_dir}")
    return path


@pytest.fixture
def real_clip(clips_dir) -> Path:
    """The ten-rep kettlebell set (21 s)."""
    return _real(clips_dir, CLIP)


@pytest.fixture
def two_rep_clip(clips_dir) -> Path:
    """A short real set of two reps from the floor."""
    return _real(clips_dir, TWO_REP_CLIP)


@pytest.fixture
def short_real_clip(clips_dir) -> Path:
    """The shortest real set (one rep)."""
    return _real(clips_dir, SHORT_CLIP)


def wait_for(predicate, timeout_s: float, what: str, poll_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.mark.e2e
def test_given_an_empty_queue_when_the_app_starts_its_worker_then_the_model_is_loaded_before_any_upload(tmp_path):
    # given a data folder with no uploads at all
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    # when the app starts its worker
    handle = ensure_worker(db.url, data_dir=data)
    try:
        # then the worker loads and warms the pose model at once, so the first upload does not wait for it
        wait_for(
            lambda: "pose model ready" in handle.log_path.read_text(),
            WAIT_FOR_ANALYSIS_S,
            "the model to be preloaded",
            poll_s=0.2,
        )
    finally:
        handle.stop()
        db.dispose()


@pytest.mark.e2e
def test_given_a_real_clip_when_the_worker_process_runs_then_the_review_is_saved(tmp_path, two_rep_clip):
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    blobs = LocalBlobStore(data / "blobs")
    ann = client(db)
    up = save_upload(db, blobs, ann, two_rep_clip, two_rep_clip.name)
    handle = ensure_worker(db.url, data_dir=data, extra_args=["--poll-s", "0.2", "--heartbeat-s", "1"])
    try:
        assert handle.started and handle.alive() and handle.pid != os.getpid()
        again = ensure_worker(db.url, data_dir=data)
        assert not again.started and again.pid == handle.pid  # one worker per data folder
        stages: set[str] = set()

        def finished():
            st = job_status(db, ann, up.upload_id)
            stages.add(st.stage)
            return st if st.status in ("done", "failed") else None

        status = wait_for(finished, WAIT_FOR_ANALYSIS_S, "the analysis", poll_s=0.2)
    finally:
        handle.stop()
    assert not handle.alive()
    assert status.status == "done", (status.error, handle.log_path.read_text()[-2000:])
    assert status.progress == 1.0 and status.attempts == 1 and status.heartbeat_at is not None
    assert "pose" in stages
    view = open_analysis(db, ann, status.analysis_id)
    assert view.result.rep_count == view.row.reps == 2  # as counted by eye (labels.csv)
    assert view.row.lift_id == view.result.scorecard.exercise_id != ""
    assert view.row.grade == view.result.scorecard.overall_grade
    db.dispose()


@pytest.mark.e2e
def test_given_an_idle_worker_when_its_idle_limit_passes_then_it_exits_and_the_next_upload_starts_one(
    tmp_path, short_real_clip
):
    # given the worker the app starts, with a 3 s idle limit, on an empty queue
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    blobs = LocalBlobStore(data / "blobs")
    args = ["--poll-s", "0.2", "--heartbeat-s", "1"]
    first = ensure_worker(db.url, data_dir=data, extra_args=args, idle_exit_s=3.0)
    try:
        # when nothing is queued for longer than that, then it exits cleanly: no process holds the model
        wait_for(lambda: not first.alive(), 120, "the idle worker to exit", poll_s=0.2)
        assert first.process is not None and first.process.wait(timeout=30) == 0
        assert "no job for 3 s: exiting" in first.log_path.read_text()
        # when an upload is queued and the app asks for a worker again, then a new one starts and analyses it
        ann = client(db)
        up = save_upload(db, blobs, ann, short_real_clip, short_real_clip.name)
        second = ensure_worker(db.url, data_dir=data, extra_args=args, idle_exit_s=3.0)
        assert second.started and second.pid != first.pid
        status = wait_for(
            lambda: st if (st := job_status(db, ann, up.upload_id)).status in ("done", "failed") else None,
            WAIT_FOR_ANALYSIS_S,
            "the analysis",
            poll_s=0.2,
        )
        assert status.status == "done", (status.error, second.log_path.read_text()[-2000:])
        # and once idle again it exits too
        wait_for(lambda: not second.alive(), 120, "the worker to exit after the job", poll_s=0.2)
    finally:
        first.stop()
        if "second" in locals():
            second.stop()
        db.dispose()


@pytest.mark.e2e
def test_given_a_worker_killed_mid_analysis_when_restarted_then_no_half_review_and_the_job_is_recovered(
    tmp_path, real_clip
):
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    blobs = LocalBlobStore(data / "blobs")
    ann = client(db)
    up = save_upload(db, blobs, ann, real_clip, real_clip.name)
    cmd = [
        sys.executable,
        "-m",
        "jobs.worker",
        "--database-url",
        db.url,
        "--data-dir",
        str(data),
        "--poll-s",
        "0.2",
        "--heartbeat-s",
        "0.5",
    ]
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(cmd, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: (
                (s := job_status(db, ann, up.upload_id)).status == "running" and s.stage == "pose" and s.progress > 0.05
            ),
            120,
            "the worker to be in the middle of the pose stage",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        log.close()
    assert worker.returncode == -signal.SIGKILL
    stuck = job_status(db, ann, up.upload_id)
    assert stuck.status == "running" and stuck.analysis_id is None and analyses(db) == 0
    with db.session() as s:
        assert blobs.exists(s.get(Upload, up.upload_id).blob_key)

    time.sleep(1.2)  # longer than --stale-after-s below since the dead worker's last heartbeat
    restart = subprocess.run(
        cmd + ["--stale-after-s", "1", "--max-attempts", "1", "--exit-when-idle"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restart.returncode == 0, restart.stderr[-2000:]
    after = job_status(db, ann, up.upload_id)
    assert after.status == "failed" and after.error == queue.gave_up_reason(1) and after.analysis_id is None
    assert analyses(db) == 0 and [u.upload_id for u in list_uploads(db, ann)] == [up.upload_id]
    db.dispose()
