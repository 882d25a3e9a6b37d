"""The app's job worker with its analyses on a real local Ray cluster (``ray start --head``).

The queue, heartbeats and saving stay in the worker; each analysis runs on a
model-holding Ray actor, as many at once as the cluster has actors.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from jobs.worker import run_pending_on
from store import LocalBlobStore, job_status, open_analysis, open_database, save_upload, user_from_claims
from store.models import Job
from tests.support import real_clips
from tests.support.paths import REPO

PROJECT = REPO
CLIPS = ("bichraix_bad010_squatting-deadlift_side.mp4", "bichraix_good016_side.mp4")


def test_given_ray_address_when_the_worker_process_starts_then_it_analyses_on_the_cluster(
    tmp_path, clips_dir, ray_cluster
):
    # given a real clip queued by a client
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    blobs = LocalBlobStore(data / "blobs")
    ann = user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": "Ann"})
    up = save_upload(db, blobs, ann, (clips_dir / CLIPS[0]).read_bytes(), CLIPS[0])
    # when the worker process is started as a user would, pointed at the cluster, until the queue is empty
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobs.worker",
            "--database-url",
            db.url,
            "--data-dir",
            str(data),
            "--exit-when-idle",
            "--ray",
            ray_cluster,
            "--ray-workers",
            "1",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then it said where the analyses run, and the review is saved
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"analyses run on Ray at {ray_cluster}: 1 actors" in proc.stderr
    status = job_status(db, ann, up.upload_id)
    assert status.status == "done" and open_analysis(db, ann, status.analysis_id).result.rep_count == 1
    db.dispose()


@pytest.fixture(scope="module")
def ray_analyzer(ray_cluster):
    from jobs.remote import RayAnalyzer

    with RayAnalyzer(ray_cluster, workers=2) as analyzer:
        yield analyzer


def test_given_a_ray_cluster_when_the_worker_runs_the_queue_then_two_jobs_run_at_once_there_and_match_a_local_run(
    tmp_path, clips_dir, estimator, ray_analyzer
):
    # given two real clips and a file that is not a video, queued by a client
    data = tmp_path / "data"
    db = open_database(data_dir=data)
    blobs = LocalBlobStore(data / "blobs")
    ann = user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": "Ann"})
    ups = [save_upload(db, blobs, ann, (clips_dir / name).read_bytes(), name) for name in CLIPS]
    bad = save_upload(db, blobs, ann, b"not a video at all" * 50, "notes.mp4")
    # when the worker runs the queue on the 2-CPU cluster's two model-holding actors
    assert ray_analyzer.slots == 2 and len(ray_analyzer.devices) == 2
    ran = run_pending_on(db, blobs, ray_analyzer, heartbeat_s=1)
    # then every job ended: the clips done, the non-video failed with a plain reason and its upload kept
    assert sorted(ran.values()) == ["done", "done", "failed"]
    failed = job_status(db, ann, bad.upload_id)
    assert failed.status == "failed" and "video" in failed.error.lower() and "Traceback" not in failed.error
    # and the two analyses overlapped in time (two actors at once)
    with db.session() as s:
        jobs = [s.get(Job, up.job.job_id) for up in ups]
        assert max(j.started_at for j in jobs) < min(j.finished_at for j in jobs)
    # and each saved review is what this machine's own analysis of the clip says
    for name, up in zip(CLIPS, ups):
        status = job_status(db, ann, up.upload_id)
        assert status.status == "done" and status.progress == 1.0
        saved = open_analysis(db, ann, status.analysis_id).result
        local = real_clips.analysed(name, estimator, clips_dir)  # this machine's analysis (once per session)
        assert saved.rep_count == local.rep_count
        assert saved.scorecard.overall_grade == local.scorecard.overall_grade
        assert saved.scorecard.faults == local.scorecard.faults
        assert [g.grade for g in saved.scorecard.reps] == [g.grade for g in local.scorecard.reps]
    db.dispose()
