"""The queue across accounts and time: fair order, the job time limit, a dead worker's job queued again.

On SQLite and a real PostgreSQL server (``db``). The analyses here are the runner's own
``analyzer`` hook with the synthetic result: what is tested is the queue, not the model.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from jobs import queue
from jobs.runner import TimeLimit, overrun_reason, run_job, time_limit_from
from jobs.worker import run_pending_once
from store import LocalBlobStore, job_status, list_uploads, retry_upload, save_upload, user_from_claims
from store.models import RESTARTING, Job
from tests.support.factories import synthetic_result
from workspace import present


@pytest.fixture
def blobs(tmp_path):
    return LocalBlobStore(tmp_path / "blobs")


def person(db, name: str):
    return user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": name})


def upload(db, blobs, who) -> int:
    return save_upload(db, blobs, who, uuid.uuid4().bytes * 40, "set.mp4").upload_id


def owner_of(db, job_id: int) -> int:
    with db.session() as s:
        return s.get(Job, job_id).upload.owner_id


# ------------------------------------------------------------------ fair order
def test_given_one_account_queued_first_when_a_worker_claims_then_accounts_take_turns(db, blobs):
    ann, bob = person(db, "Ann"), person(db, "Bob")
    for _ in range(3):
        upload(db, blobs, ann)
    for _ in range(2):
        upload(db, blobs, bob)
    order = []
    while (job := queue.claim_next(db, "w")) is not None:
        order.append(owner_of(db, job.job_id))
    assert order == [ann.id, bob.id, ann.id, bob.id, ann.id]


def test_given_an_account_that_just_had_jobs_when_another_queues_later_then_the_newcomer_goes_first(db, blobs):
    ann, bob = person(db, "Ann"), person(db, "Bob")
    for _ in range(2):
        upload(db, blobs, ann)
    queue.claim_next(db, "w")  # Ann's first job runs
    upload(db, blobs, bob)  # Bob queues after Ann's second
    assert owner_of(db, queue.claim_next(db, "w").job_id) == bob.id


# ------------------------------------------------------------------ the time limit
def slow_analysis(seconds: float, *, reporting: bool):
    """An analysis that takes ``seconds``, reporting progress every 50 ms or never."""

    def analyzer(path, config, on_progress):
        from pipeline.run import Progress

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(0.05)
            if reporting:
                on_progress(Progress("pose", "Finding the body", 0.5, None))
        return synthetic_result()

    return analyzer


def test_given_a_job_past_its_time_limit_when_it_reports_progress_then_it_stops_failed_plainly_and_can_be_retried(
    db, blobs
):
    ann = person(db, "Ann")
    up = upload(db, blobs, ann)
    job = queue.claim_next(db, "w")
    started = time.monotonic()
    status = run_job(
        db, blobs, job, None, analyzer=slow_analysis(30, reporting=True), time_limit=TimeLimit(0.3, grace_s=30)
    )
    assert status == "failed" and time.monotonic() - started < 5
    after = job_status(db, ann, up)
    assert after.error == overrun_reason(0.3) and "Try again" in after.error and "Traceback" not in after.error
    assert list_uploads(db, ann)[0].clip_kept  # kept for the retry
    assert retry_upload(db, ann, up).status == "queued"
    assert run_pending_once(db, blobs, analyzer=slow_analysis(0, reporting=True)) != {}
    assert job_status(db, ann, up).status == "done"


def test_given_an_analysis_that_reports_nothing_when_past_its_limit_then_the_watchdog_fails_it_and_calls_for_a_stop(
    db, blobs
):
    ann = person(db, "Ann")
    up = upload(db, blobs, ann)
    job = queue.claim_next(db, "w")
    stopped = threading.Event()
    limit = TimeLimit(0.2, grace_s=0.2, on_overrun=stopped.set)
    status = run_job(db, blobs, job, None, analyzer=slow_analysis(1.5, reporting=False), time_limit=limit)
    # the job was failed by the watchdog, so the late result is not saved
    assert stopped.is_set() and status == "lost"
    assert job_status(db, ann, up).status == "failed" and job_status(db, ann, up).analysis_id is None


@pytest.mark.parametrize(("value", "seconds"), [(None, 900.0), ("60", 60.0), ("off", None)])
def test_given_the_time_limit_setting_when_read_then_seconds_or_none(value, seconds):
    assert time_limit_from({} if value is None else {"HINGE_REVIEW_JOB_TIME_LIMIT_S": value}) == seconds


def test_given_a_bad_time_limit_when_read_then_the_message_names_it():
    with pytest.raises(ValueError, match="HINGE_REVIEW_JOB_TIME_LIMIT_S.*seconds"):
        time_limit_from({"HINGE_REVIEW_JOB_TIME_LIMIT_S": "soon"})


# ------------------------------------------------------------------ a dead worker's job
def test_given_a_job_whose_worker_died_when_it_waits_again_then_it_keeps_its_place_in_the_fair_order(db, blobs):
    ann, bob, cleo = person(db, "Ann"), person(db, "Bob"), person(db, "Cleo")
    # given Ann's job taken first, then Bob's and Cleo's queued behind it
    upload(db, blobs, ann)
    dead = queue.claim_next(db, "dead")
    upload(db, blobs, bob)
    upload(db, blobs, cleo)
    # when its worker dies and the job waits again
    assert queue.requeue_worker(db, "dead") == {dead.job_id: "queued"}
    order = []
    while (job := queue.claim_next(db, "alive")) is not None:
        order.append(owner_of(db, job.job_id))
    # then Ann's job goes first again: the attempt that died was no turn of hers
    assert order == [ann.id, bob.id, cleo.id]


def test_given_a_worker_seen_dead_when_its_jobs_are_requeued_then_they_wait_restarting_at_once(db, blobs):
    ann = person(db, "Ann")
    first, second = upload(db, blobs, ann), upload(db, blobs, ann)
    dead, other = queue.claim_next(db, "dead"), queue.claim_next(db, "alive")
    queue.report(db, dead, "pose", 0.6)
    with db.transaction() as s:
        s.execute(update(Job).where(Job.id == other.job_id).values(attempts=3))
    assert queue.requeue_worker(db, "dead") == {dead.job_id: "queued"}
    view = next(u for u in list_uploads(db, ann) if u.job.job_id == dead.job_id)
    assert (view.job.status, view.job.stage, view.job.progress) == ("queued", RESTARTING, 0.0)
    assert "Restarting" in present.job_line(view).text
    assert job_status(db, ann, second if dead.upload_id == first else first).status == "running"
    # a job cut off as often as allowed is failed with the reason instead
    assert queue.requeue_worker(db, "alive", max_attempts=3) == {other.job_id: "failed"}


def test_given_a_dead_workers_lock_when_the_app_starts_a_worker_then_its_job_is_queued_again_and_the_url_stays_hidden(
    db, blobs, tmp_path
):
    from jobs.supervisor import WORKER_LOCK, ensure_worker

    # given a worker that died while running a job: its token is in the free lock, its job still "running"
    data = tmp_path / "data"
    data.mkdir()
    upload(db, blobs, person(db, "Ann"))
    dead = queue.claim_next(db, "host:4242:deadbeef")
    (data / WORKER_LOCK).write_text("4242 host:4242:deadbeef\n")
    # when the app starts a worker for this data folder
    handle = ensure_worker(db.url, data_dir=data, extra_args=["--no-preload", "--poll-s", "5"], idle_exit_s=30)
    try:
        # then the dead worker's job went back to the queue before the new worker started
        assert handle.started and handle.requeued == {dead.job_id: "queued"}
        # and the database URL is in the new worker's environment, not on its command line
        argv = (Path(f"/proc/{handle.pid}/cmdline").read_bytes()).split(b"\0")
        environ = Path(f"/proc/{handle.pid}/environ").read_bytes().split(b"\0")
        assert db.url.encode() not in b" ".join(argv) and b"--database-url" not in argv
        assert f"HINGE_REVIEW_DATABASE_URL={db.url}".encode() in environ
    finally:
        handle.stop()
