"""Per-account limits, the clip checked before it is kept, and clips deleted without orphans.

Database tests run on SQLite and a real PostgreSQL server (``db``); clips are real files
in a ``LocalBlobStore``; a store that fails is a real failure (a folder where the file was,
a file-size limit in a child process).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from store import InvalidRequest, LocalBlobStore, delete_upload, list_uploads, local_user, save_upload
from store.cleanup import FAILED_CLIP_KEEP_S, purge_blobs, sweep
from store.errors import StorageUnavailable
from store.limits import MB, AccountLimits, Limits, LimitSettingError, OverLimit, read_limits
from store.models import BlobDeletion, Job, Upload, UploadLog, utcnow
from store.users import user_from_claims
from tests.support.factories import write_synthetic_clip
from tests.support.paths import REPO


@pytest.fixture
def blobs(tmp_path):
    return LocalBlobStore(tmp_path / "blobs")


def person(db, role: str = "client"):
    return user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": "Ann"}, role_if_new=role)


def clip_bytes(n_bytes: int = 500) -> bytes:
    return uuid.uuid4().bytes * (n_bytes // 16)


def stored_files(blobs: LocalBlobStore) -> list[Path]:
    return [p for p in blobs.root.rglob("*") if p.is_file()]


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


# ------------------------------------------------------------------ the settings
def test_given_no_settings_when_read_then_clients_and_coaches_are_limited_and_the_local_user_is_not():
    limits = read_limits(None, {})
    assert limits == Limits()
    assert limits.client == AccountLimits(20, 2000 * MB) and limits.coach == AccountLimits(100, 20_000 * MB)
    assert limits.local == AccountLimits(None, None)


def test_given_secrets_and_environment_when_read_then_secrets_win_and_off_means_no_limit():
    limits = read_limits(
        {"client_uploads_per_day": 5, "coach_stored_mb": "off"},
        {"HINGE_REVIEW_LIMIT_CLIENT_UPLOADS_PER_DAY": "9", "HINGE_REVIEW_LIMIT_LOCAL_UPLOADS_PER_DAY": "3"},
    )
    assert limits.client.uploads_per_day == 5 and limits.coach.stored_bytes is None
    assert limits.local == AccountLimits(3, None)


@pytest.mark.parametrize("value", ["lots", "-1", "nan"])
def test_given_a_bad_limit_when_read_then_the_message_names_the_setting(value):
    with pytest.raises(LimitSettingError, match="client_stored_mb.*number"):
        read_limits({"client_stored_mb": value}, {})


# ------------------------------------------------------------------ uploads a day
def test_given_a_client_at_the_daily_limit_when_uploading_then_refused_before_storing_with_the_reset_time(db, blobs):
    ann, limits = person(db), Limits(client=AccountLimits(2, None))
    first = save_upload(db, blobs, ann, clip_bytes(), "a.mp4", limits=limits)
    save_upload(db, blobs, ann, clip_bytes(), "b.mp4", limits=limits)
    with pytest.raises(OverLimit) as refused:
        save_upload(db, blobs, ann, clip_bytes(), "c.mp4", limits=limits)
    frees_at = first.created_at + timedelta(hours=24)
    assert "2 clips in the last 24 hours" in refused.value.message and "(2 a day)" in refused.value.message
    assert f"{frees_at:%d %b %H:%M} UTC" in refused.value.message
    assert len(stored_files(blobs)) == 2 and count(db, Upload) == 2
    # deleting an upload does not give the day's upload back
    delete_upload(db, blobs, ann, first.upload_id)
    with pytest.raises(OverLimit):
        save_upload(db, blobs, ann, clip_bytes(), "c.mp4", limits=limits)
    # and a day later the account may upload again
    with db.transaction() as s:
        s.execute(update(UploadLog).values(created_at=utcnow() - timedelta(hours=25)))
    assert save_upload(db, blobs, ann, clip_bytes(), "c.mp4", limits=limits).job.status == "queued"


def test_given_the_same_clip_again_at_the_limit_when_uploading_then_the_earlier_one_comes_back(db, blobs):
    ann, limits = person(db), Limits(client=AccountLimits(1, None))
    data = clip_bytes()
    first = save_upload(db, blobs, ann, data, "a.mp4", limits=limits)
    again = save_upload(db, blobs, ann, data, "a.mp4", limits=limits)
    assert again.deduplicated and again.upload_id == first.upload_id


def test_given_limits_per_kind_when_a_coach_and_the_local_user_upload_then_each_has_their_own(db, blobs):
    limits = Limits(client=AccountLimits(0, None), coach=AccountLimits(1, None), local=AccountLimits(None, None))
    with pytest.raises(OverLimit, match="turned off"):
        save_upload(db, blobs, person(db), clip_bytes(), limits=limits)
    carol = person(db, "coach")
    save_upload(db, blobs, carol, clip_bytes(), limits=limits)
    with pytest.raises(OverLimit, match=r"\(1 a day\)"):
        save_upload(db, blobs, carol, clip_bytes(), limits=limits)
    me = local_user(db)
    for _ in range(3):
        save_upload(db, blobs, me, clip_bytes(), limits=limits)
    assert len(list_uploads(db, me)) == 3


# ------------------------------------------------------------------ stored bytes
def test_given_a_client_near_the_storage_limit_when_uploading_then_refused_and_deleting_makes_room(db, blobs):
    ann, limits = person(db), Limits(client=AccountLimits(None, 3 * MB))
    big = save_upload(db, blobs, ann, clip_bytes(2 * MB), "big.mp4", limits=limits)
    with pytest.raises(OverLimit) as refused:
        save_upload(db, blobs, ann, clip_bytes(2 * MB), "more.mp4", limits=limits)
    assert "2 MB" in refused.value.message and "of the 3 MB" in refused.value.message
    assert "Delete older uploads" in refused.value.message and len(stored_files(blobs)) == 1
    delete_upload(db, blobs, ann, big.upload_id)
    assert save_upload(db, blobs, ann, clip_bytes(2 * MB), "more.mp4", limits=limits).job is not None


# ------------------------------------------------------------------ the clip before it is kept
def test_given_a_clip_over_ten_minutes_when_uploading_then_refused_before_it_is_stored(db, blobs, tmp_path):
    long_clip = write_synthetic_clip(tmp_path / "long.mp4", duration_s=610, fps=1)
    with pytest.raises(InvalidRequest, match=r"10\.2 min, longer than the 10-minute limit"):
        save_upload(db, blobs, person(db), long_clip, "long.mp4")
    assert stored_files(blobs) == [] and count(db, Upload) == 0 and count(db, UploadLog) == 0


def test_given_a_file_object_when_uploading_then_it_is_stored_whole_under_its_name(db, blobs, tmp_path):
    clip = write_synthetic_clip(tmp_path / "set.mp4", duration_s=1.0)
    with open(clip, "rb") as fh:
        up = save_upload(db, blobs, person(db), fh, "my set.mp4")
    (kept,) = stored_files(blobs)
    assert kept.read_bytes() == clip.read_bytes() and up.original_name == "my set.mp4"
    assert up.size_bytes == clip.stat().st_size


def test_given_a_full_disk_when_a_clip_is_written_then_no_part_file_is_left(tmp_path):
    # given a child process that may write files of 1 kB at most (a real write failure, as on a full disk)
    script = (
        "import resource, signal, sys\n"
        "from store.blobs import LocalBlobStore\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "store = LocalBlobStore(sys.argv[1])\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
        "try:\n    store.put_bytes(b'x' * 100_000, 'set.mp4')\nexcept OSError as exc:\n    print('refused', exc.errno)\n"
    )
    # when it stores a clip of 100 kB
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "blobs")], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    # then the write fails and nothing is left behind, not even the half-written .part file
    assert done.stdout.startswith("refused"), done.stderr
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_given_a_store_that_cannot_write_when_uploading_then_a_plain_message_and_nothing_saved(db, tmp_path):
    blobs = LocalBlobStore(tmp_path / "blobs")
    (tmp_path / "blobs" / "uploads").write_text("a file where the folder of clips should be")
    with pytest.raises(StorageUnavailable, match="could not be stored"):
        save_upload(db, blobs, person(db), clip_bytes(), "set.mp4")
    assert count(db, Upload) == 0 and count(db, UploadLog) == 0


# ------------------------------------------------------------------ deleting clips without orphans
def test_given_a_store_that_fails_to_delete_when_an_upload_is_deleted_then_the_clip_is_deleted_later(db, blobs):
    ann = person(db)
    up = save_upload(db, blobs, ann, clip_bytes(), "set.mp4")
    with db.session() as s:
        path = blobs.root / s.get(Upload, up.upload_id).blob_key
    # given the store fails to delete this clip (a folder stands where the file was)
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")
    # when the owner deletes the upload, then the rows go and the clip is recorded as still to delete
    delete_upload(db, blobs, ann, up.upload_id)
    assert count(db, Upload) == 0
    with db.session() as s:
        pending = s.get(BlobDeletion, str(path.relative_to(blobs.root)))
    assert pending is not None and pending.attempts == 1 and pending.last_error
    # when the store works again, then the worker's sweep deletes it and drops the record
    (path / "inside").unlink()
    path.rmdir()
    path.write_text("the clip")
    assert sweep(db, blobs) == (0, 1)
    assert not path.exists() and count(db, BlobDeletion) == 0


def test_given_a_recorded_key_still_in_use_when_purging_then_the_clip_is_kept(db, blobs):
    up = save_upload(db, blobs, person(db), clip_bytes(), "set.mp4")
    with db.transaction() as s:
        key = s.get(Upload, up.upload_id).blob_key
        s.add(BlobDeletion(key=key))
    assert purge_blobs(db, blobs) == 0 and blobs.exists(key) and count(db, BlobDeletion) == 0


def test_given_a_failed_upload_past_the_retry_window_when_swept_then_its_clip_goes_and_uploading_again_starts_afresh(
    db, blobs
):
    ann, data = person(db), clip_bytes()
    up = save_upload(db, blobs, ann, data, "set.mp4")
    long_ago = utcnow() - timedelta(seconds=FAILED_CLIP_KEEP_S + 60)
    with db.transaction() as s:
        s.execute(update(Job).values(status="failed", error="cut off", finished_at=long_ago, attempts=1))
    assert sweep(db, blobs) == (1, 1)
    (failed,) = list_uploads(db, ann)
    assert not failed.clip_kept and stored_files(blobs) == []
    again = save_upload(db, blobs, ann, data, "set.mp4")
    assert not again.deduplicated and again.upload_id > up.upload_id and again.job.status == "queued"
    assert [u.upload_id for u in list_uploads(db, ann)] == [again.upload_id]


def test_given_a_recent_failure_when_swept_then_the_clip_is_kept_for_a_retry(db, blobs):
    ann = person(db)
    save_upload(db, blobs, ann, clip_bytes(), "set.mp4")
    with db.transaction() as s:
        s.execute(update(Job).values(status="failed", error="cut off", finished_at=utcnow(), attempts=1))
    assert sweep(db, blobs) == (0, 0)
    assert list_uploads(db, ann)[0].clip_kept and len(stored_files(blobs)) == 1
