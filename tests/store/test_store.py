"""The workspace's storage: schema and migrations, accounts and invites, uploads, privacy, inbox, history, blobs.

Database tests run on SQLite and on a real PostgreSQL server (``db_url``);
bucket tests run against a real ``moto_server`` process. Analyses are the
hand-built ``synthetic_result`` with its scorecard varied per test.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import boto3
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Float, func, inspect, select, text, update

from pipeline.run import regrade
from service import regrade_analysis
from store import (
    InvalidRequest,
    LocalBlobStore,
    NotFound,
    PermissionDenied,
    S3BlobStore,
    S3Settings,
    add_comment,
    client_history,
    clients_of,
    coaches_of,
    comments_on,
    create_invite,
    delete_upload,
    inbox,
    invite_from,
    job_status,
    leave_coach,
    list_uploads,
    local_user,
    mark_reviewed,
    open_analysis,
    open_blob_store,
    open_database,
    override_grade,
    progression,
    record_analysis,
    redeem_invite,
    remove_client,
    reviews_for,
    save_upload,
    user_from_claims,
)
from store.blobs import KEY_RE, BlobNotFound
from store.history import MOVE_ON_MIN_REPS, MOVE_ON_SETS, progression_signal
from store.models import Analysis, Base, Comment, Invite, Job, Upload
from store.views import HistoryPoint
from tests.support.factories import synthetic_result

KB_DEADLIFT = "kettlebell_deadlift"


# ------------------------------------------------------------------ helpers
@pytest.fixture
def blobs(tmp_path):
    return LocalBlobStore(tmp_path / "blobs")


@lru_cache(maxsize=1)
def _base_result():
    return synthetic_result()


def result_with(
    *,
    lift_id: str = KB_DEADLIFT,
    lift_name: str = "Kettlebell deadlift",
    grade: str | None = "B",
    score: float | None = 81.7,
    faults: tuple[str, ...] = ("rounded_back",),
    clean: bool = False,
):
    """The synthetic three-rep set with its scorecard changed (``clean``: no rep has a fault)."""
    base = _base_result()
    sc = base.scorecard
    reps = tuple(replace(g, faults=()) for g in sc.reps) if clean else sc.reps
    sc = replace(
        sc,
        exercise_id=lift_id,
        exercise_name=lift_name,
        overall_grade=grade,
        overall_score=score,
        faults=faults,
        reps=reps,
    )
    return replace(base, scorecard=sc)


def person(db, name: str, role: str = "client"):
    return user_from_claims(
        db,
        {
            "iss": "https://idp.test",
            "sub": f"{name}-{uuid.uuid4().hex[:6]}",
            "name": name,
            "email": f"{name.lower()}@example.test",
        },
        role_if_new=role,
    )


def link(db, coach, client):
    redeem_invite(db, client, create_invite(db, coach).code)


def analysed(db, blobs, owner, result=None, *, created_at: datetime | None = None) -> int:
    """An upload of ``owner`` with its analysis saved (as the worker saves it); returns the analysis id."""
    up = save_upload(db, blobs, owner, uuid.uuid4().bytes * 64, "my clip.mp4")
    with db.transaction() as s:
        row = record_analysis(s, up.upload_id, result or result_with())
        s.execute(update(Job).where(Job.upload_id == up.upload_id).values(status="done", progress=1.0))
        s.flush()
        if created_at is not None:
            row.created_at = created_at
        return row.id


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def team(db, blobs):
    """Coach Carol linked to clients Ann and Bob; coach Dave has no clients. Ann and Bob have one analysis each."""
    carol, dave = person(db, "Carol", "coach"), person(db, "Dave", "coach")
    ann, bob = person(db, "Ann"), person(db, "Bob")
    link(db, carol, ann)
    link(db, carol, bob)
    return {
        "carol": carol,
        "dave": dave,
        "ann": ann,
        "bob": bob,
        "ann_review": analysed(db, blobs, ann),
        "bob_review": analysed(db, blobs, bob),
    }


# ------------------------------------------------------------------ schema
def test_given_a_new_database_when_opened_then_the_migrations_build_exactly_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_given_an_upgraded_database_when_opened_again_then_nothing_is_lost(db_url, db, blobs):
    ann = person(db, "Ann")
    analysed(db, blobs, ann)
    again = open_database(db_url)
    try:
        assert count(again, Analysis) == 1
    finally:
        again.dispose()


def test_given_no_url_when_opening_then_one_sqlite_file_in_the_data_folder_with_wal_and_foreign_keys(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("HINGE_REVIEW_DATABASE_URL", raising=False)
    monkeypatch.setenv("HINGE_REVIEW_DATA", str(tmp_path / "data"))
    database = open_database()
    try:
        assert database.url == f"sqlite:///{tmp_path / 'data' / 'hinge_review.sqlite3'}"
        assert (tmp_path / "data" / "hinge_review.sqlite3").is_file()
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()


def test_given_a_url_in_the_environment_when_opening_then_it_is_used(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("HINGE_REVIEW_DATABASE_URL", url)
    database = open_database(data_dir=tmp_path / "data")
    try:
        assert database.url == url and (tmp_path / "elsewhere.db").is_file()
    finally:
        database.dispose()


# ------------------------------------------------------------------ accounts and invites
def test_given_the_same_sign_in_twice_when_resolving_then_one_account_with_fresh_name(db):
    first = user_from_claims(db, {"iss": "https://idp.test", "sub": "42", "name": "Ann", "email": "a@x.test"})
    again = user_from_claims(db, {"iss": "https://idp.test", "sub": "42", "name": "Ann Lee", "email": "a@x.test"})
    other_issuer = user_from_claims(db, {"iss": "https://other.test", "sub": "42", "name": "Ann"})
    assert again.id == first.id and again.name == "Ann Lee" and again.role == "client"
    assert other_issuer.id != first.id
    with pytest.raises(InvalidRequest, match="sign in again"):
        user_from_claims(db, {"iss": "https://idp.test", "name": "Nobody"})


def test_given_no_sign_in_when_using_the_local_user_then_a_coach_who_reviews_their_own_uploads(db, blobs):
    me = local_user(db)
    assert me.role == "coach" and local_user(db).id == me.id
    review = analysed(db, blobs, me)
    assert [r.analysis_id for r in inbox(db, me)] == [review]
    mark_reviewed(db, me, review)
    add_comment(db, me, review, "Brace before the pull.", rep_index=1, time_s=1.5)
    assert inbox(db, me)[0].reviewed and open_analysis(db, me, review).comments[0].rep_index == 1


def test_given_an_invite_when_a_client_redeems_it_then_they_are_linked_and_it_cannot_be_reused(db):
    carol, erin = person(db, "Carol", "coach"), person(db, "Erin", "coach")
    ann, bob = person(db, "Ann"), person(db, "Bob")
    invite = create_invite(db, carol)
    assert redeem_invite(db, ann, invite.code).id == carol.id
    redeem_invite(db, ann, invite.code)  # the same client again: harmless
    with pytest.raises(InvalidRequest, match="already been used"):
        redeem_invite(db, bob, invite.code)
    link(db, erin, ann)  # a client may have several coaches
    assert {c.id for c in coaches_of(db, ann)} == {carol.id, erin.id}
    assert [c.id for c in clients_of(db, carol)] == [ann.id]


def test_given_a_bad_invite_when_redeemed_then_a_plain_reason(db):
    carol, ann = person(db, "Carol", "coach"), person(db, "Ann")
    with pytest.raises(InvalidRequest, match="not valid"):
        redeem_invite(db, ann, "no-such-code")
    expired = create_invite(db, carol, valid_for_s=-1)
    with pytest.raises(InvalidRequest, match="expired"):
        redeem_invite(db, ann, expired.code)
    with pytest.raises(InvalidRequest, match="your own invite"):
        redeem_invite(db, carol, create_invite(db, carol).code)
    with pytest.raises(PermissionDenied, match="Only a coach"):
        create_invite(db, ann)
    assert coaches_of(db, ann) == []


# ------------------------------------------------------------------ uploads
def test_given_a_clip_when_saved_then_a_generated_blob_key_an_upload_row_and_a_queued_job(db, blobs, tmp_path):
    ann = person(db, "Ann")
    clip = tmp_path / "Ann's deadlift.MP4"
    clip.write_bytes(b"\x00\x01video bytes" * 100)
    up = save_upload(db, blobs, ann, clip, "../uploads/Ann's deadlift.MP4")
    with db.session() as s:
        row = s.get(Upload, up.upload_id)
    assert KEY_RE.match(row.blob_key) and "Ann" not in row.blob_key and row.blob_key.endswith(".mp4")
    assert blobs.get_bytes(row.blob_key) == clip.read_bytes()
    assert up.original_name == "Ann's deadlift.MP4" and up.size_bytes == 1300
    assert up.job.status == "queued" and up.job.progress == 0.0 and up.analysis_id is None
    assert job_status(db, ann, up.upload_id).status == "queued"


def test_given_the_same_file_twice_when_saved_then_one_upload_per_owner(db, blobs):
    ann, bob = person(db, "Ann"), person(db, "Bob")
    first = save_upload(db, blobs, ann, b"same clip" * 50, "a.mp4")
    again = save_upload(db, blobs, ann, b"same clip" * 50, "renamed.mp4")
    bobs = save_upload(db, blobs, bob, b"same clip" * 50, "a.mp4")
    assert again.deduplicated and again.upload_id == first.upload_id and not first.deduplicated
    assert bobs.upload_id != first.upload_id
    assert count(db, Upload) == 2 and count(db, Job) == 2
    assert len(list((blobs.root / "uploads").iterdir())) == 2


def test_given_an_empty_file_when_saved_then_refused_plainly(db, blobs):
    with pytest.raises(InvalidRequest, match="empty"):
        save_upload(db, blobs, person(db, "Ann"), b"", "x.mp4")


# ------------------------------------------------------------------ privacy
def test_given_an_invite_when_looked_at_first_then_its_coach_is_named_and_nothing_is_linked_yet(db):
    carol, ann = person(db, "Carol", "coach"), person(db, "Ann")
    code = create_invite(db, carol).code
    assert invite_from(db, ann, code).name == "Carol"
    assert coaches_of(db, ann) == []
    with pytest.raises(InvalidRequest, match="your own invite"):
        invite_from(db, carol, code)
    with pytest.raises(InvalidRequest, match="not valid"):
        invite_from(db, ann, "no-such-code")


def _coach_sees_ann(db, coach, team) -> bool:
    """Whether ``coach`` sees anything of Ann: her review in the inbox or by id, her uploads, her history."""
    seen = [team["ann_review"] in {r.analysis_id for r in inbox(db, coach)}]
    for look in (
        lambda: open_analysis(db, coach, team["ann_review"]),
        lambda: list_uploads(db, coach, team["ann"].id),
        lambda: client_history(db, coach, team["ann"].id),
        lambda: add_comment(db, coach, team["ann_review"], "Still here?"),
    ):
        try:
            look()
            seen.append(True)
        except PermissionDenied:
            seen.append(False)
    assert len(set(seen)) == 1, seen  # all or nothing
    return seen[0]


def test_given_a_client_who_leaves_their_coach_then_the_coach_sees_nothing_of_them_any_more(db, team):
    carol, ann = team["carol"], team["ann"]
    assert _coach_sees_ann(db, carol, team)
    # when Ann leaves Carol
    leave_coach(db, ann, carol.id)
    # then Carol sees nothing of Ann, Ann still sees her own, and Bob is still Carol's
    assert not _coach_sees_ann(db, carol, team)
    assert coaches_of(db, ann) == [] and [c.id for c in clients_of(db, carol)] == [team["bob"].id]
    assert open_analysis(db, ann, team["ann_review"]).row.client_id == ann.id
    assert open_analysis(db, carol, team["bob_review"])
    with pytest.raises(InvalidRequest, match="not linked"):
        leave_coach(db, ann, carol.id)


def test_given_a_coach_who_removes_a_client_then_they_see_nothing_of_them_until_invited_again(db, team):
    carol, ann = team["carol"], team["ann"]
    remove_client(db, carol, ann.id)
    assert not _coach_sees_ann(db, carol, team)
    assert coaches_of(db, ann) == []
    with pytest.raises(InvalidRequest, match="not one of your clients"):
        remove_client(db, carol, ann.id)
    link(db, carol, ann)  # a new invite links them again
    assert _coach_sees_ann(db, carol, team)


def test_given_someone_elses_link_when_removing_it_then_refused_and_the_link_stays(db, team):
    carol, dave, ann, bob = team["carol"], team["dave"], team["ann"], team["bob"]
    with pytest.raises(InvalidRequest):
        remove_client(db, dave, ann.id)  # Dave is not Ann's coach: he cannot cut Carol's link
    with pytest.raises(PermissionDenied, match="Only a coach"):
        remove_client(db, bob, ann.id)
    with pytest.raises(InvalidRequest):
        leave_coach(db, bob, dave.id)
    assert _coach_sees_ann(db, carol, team) and [c.id for c in coaches_of(db, ann)] == [carol.id]


def test_given_two_clients_when_the_second_reaches_for_the_firsts_review_then_denied(db, blobs, team):
    bob, review = team["bob"], team["ann_review"]
    upload_id = open_analysis(db, team["ann"], review).row.upload_id
    with pytest.raises(PermissionDenied):
        open_analysis(db, bob, review)
    with pytest.raises(PermissionDenied):
        add_comment(db, bob, review, "Looks rough")
    with pytest.raises(PermissionDenied):
        delete_upload(db, blobs, bob, upload_id)
    with pytest.raises(PermissionDenied):
        job_status(db, bob, upload_id)
    with pytest.raises(PermissionDenied):
        client_history(db, bob, team["ann"].id)
    with pytest.raises(PermissionDenied):
        list_uploads(db, bob, team["ann"].id)
    with pytest.raises(PermissionDenied):
        inbox(db, bob)
    assert count(db, Comment) == 0 and count(db, Upload, Upload.id == upload_id) == 1


def test_given_a_coach_without_the_link_when_looking_then_nothing_of_those_clients(db, team):
    dave = team["dave"]
    assert inbox(db, dave) == []
    with pytest.raises(PermissionDenied):
        open_analysis(db, dave, team["ann_review"])
    with pytest.raises(PermissionDenied):
        mark_reviewed(db, dave, team["ann_review"])
    with pytest.raises(PermissionDenied):
        override_grade(db, dave, team["ann_review"], "A", "Fine by me")
    carol_sees = {r.analysis_id for r in inbox(db, team["carol"])}
    assert carol_sees == {team["ann_review"], team["bob_review"]}


def test_given_reviews_and_comments_when_listed_for_each_account_then_only_what_it_may_open(db, team):
    # given Carol's comment on Ann's review and on Bob's
    for review in (team["ann_review"], team["bob_review"]):
        add_comment(db, team["carol"], review, "Brace first", rep_index=1, time_s=2.0)
    both = [team["ann_review"], team["bob_review"]]
    # when each account lists its reviews and the comments on both reviews
    # then Ann sees only her own, Carol her two clients', Dave (no clients) nothing
    assert [r.analysis_id for r in reviews_for(db, team["ann"])] == [team["ann_review"]]
    assert {r.analysis_id for r in reviews_for(db, team["carol"])} == set(both)
    assert reviews_for(db, team["dave"]) == []
    assert [c.analysis_id for c in comments_on(db, team["ann"], both)] == [team["ann_review"]]
    assert {c.analysis_id for c in comments_on(db, team["carol"], both)} == set(both)
    assert comments_on(db, team["dave"], both) == []


def test_given_a_client_when_reviewing_their_own_analysis_then_only_a_coach_may(db, team):
    ann, review = team["ann"], team["ann_review"]
    with pytest.raises(PermissionDenied, match="Only a coach"):
        mark_reviewed(db, ann, review)
    with pytest.raises(PermissionDenied, match="Only a coach"):
        override_grade(db, ann, review, "A", "I felt great")
    assert add_comment(db, ann, review, "It felt heavy on rep 3", rep_index=3).author_name == "Ann"


def test_given_a_reviewed_set_when_the_client_replies_then_it_is_new_again_and_marked_for_the_coach(db, team):
    # given Carol's note on Ann's set, which Carol marked reviewed
    ann, carol, review = team["ann"], team["carol"], team["ann_review"]
    add_comment(db, carol, review, "Hips back first", rep_index=2)
    mark_reviewed(db, carol, review)
    row = next(r for r in inbox(db, carol) if r.analysis_id == review)
    assert row.reviewed and not row.client_replied
    # when Ann replies
    add_comment(db, ann, review, "Should I go lighter?", rep_index=2)
    # then the set is back among Carol's new reviews, marked as waiting on her
    row = next(r for r in inbox(db, carol) if r.analysis_id == review)
    assert not row.reviewed and row.client_replied and row.comment_count == 2
    assert [r.analysis_id for r in inbox(db, carol, reviewed=False)].count(review) == 1
    # and once Carol answers, it no longer waits on her (her own notes never reopen a set)
    add_comment(db, carol, review, "Same weight, slower down")
    row = next(r for r in inbox(db, carol) if r.analysis_id == review)
    assert not row.client_replied and row.comment_count == 3


def test_given_a_linked_coach_when_deleting_a_clients_upload_then_denied(db, blobs, team):
    upload_id = open_analysis(db, team["carol"], team["ann_review"]).row.upload_id
    with pytest.raises(PermissionDenied, match="Only the person who uploaded"):
        delete_upload(db, blobs, team["carol"], upload_id)


def test_given_a_missing_review_when_opened_then_not_found(db, team):
    with pytest.raises(NotFound):
        open_analysis(db, team["carol"], 10_000)


# ------------------------------------------------------------------ delete
def test_given_a_reviewed_upload_when_the_client_deletes_it_then_everything_derived_goes(db, blobs, team):
    ann, carol, review = team["ann"], team["carol"], team["ann_review"]
    add_comment(db, carol, review, "Hips back first", rep_index=2, time_s=4.2)
    add_comment(db, ann, review, "Will do")
    opened = open_analysis(db, ann, review)
    upload_id, key = opened.row.upload_id, opened.blob_key
    assert blobs.exists(key)
    delete_upload(db, blobs, ann, upload_id)
    assert count(db, Upload, Upload.id == upload_id) == 0
    assert count(db, Analysis, Analysis.id == review) == 0
    assert count(db, Job, Job.upload_id == upload_id) == 0
    assert count(db, Comment) == 0
    assert not blobs.exists(key)
    assert [r.analysis_id for r in inbox(db, carol)] == [team["bob_review"]]  # Bob's is untouched
    with pytest.raises(NotFound):
        open_analysis(db, carol, review)


# ------------------------------------------------------------------ inbox
def test_given_several_clients_analyses_when_filtering_and_sorting_the_inbox_then_the_right_rows(db, blobs, team):
    carol, ann, bob = team["carol"], team["ann"], team["bob"]
    t0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with db.transaction() as s:  # the fixture's two reviews: Ann older, Bob newer
        s.get(Analysis, team["ann_review"]).created_at = t0
        s.get(Analysis, team["bob_review"]).created_at = t0 + timedelta(days=1)
    swing = analysed(
        db,
        blobs,
        ann,
        result_with(lift_id="kettlebell_swing", lift_name="Kettlebell swing", grade="D", score=62.0),
        created_at=t0 + timedelta(days=2),
    )
    clean = analysed(
        db, blobs, bob, result_with(grade="A", score=95.0, faults=(), clean=True), created_at=t0 + timedelta(days=3)
    )
    refused = analysed(
        db,
        blobs,
        bob,
        replace(
            result_with(),
            scorecard=replace(result_with().scorecard, gradable=False, overall_grade=None, overall_score=None),
        ),
        created_at=t0 + timedelta(days=4),
    )
    override_grade(db, carol, team["ann_review"], "C", "Back rounds from rep 2")
    mark_reviewed(db, carol, clean)

    def ids(**kw):
        return [r.analysis_id for r in inbox(db, carol, **kw)]

    assert ids() == [refused, clean, swing, team["bob_review"], team["ann_review"]]
    assert ids(sort="oldest") == [team["ann_review"], team["bob_review"], swing, clean, refused]
    assert ids(client_id=ann.id) == [swing, team["ann_review"]]
    assert ids(lift_id="kettlebell_swing") == [swing]
    assert ids(grade="C") == [team["ann_review"]]  # the override counts...
    assert ids(grade="B") == [team["bob_review"]]  # ...and the automatic B it replaced no longer matches
    assert ids(reviewed=True) == [clean]
    assert ids(reviewed=False, client_id=bob.id) == [refused, team["bob_review"]]
    assert ids(sort="score") == [swing, team["bob_review"], team["ann_review"], clean, refused]  # ties: newest
    assert ids(sort="grade") == [clean, team["bob_review"], team["ann_review"], swing, refused]
    assert ids(sort="client")[:2] == [swing, team["ann_review"]]
    assert ids(sort="unreviewed")[-1] == clean
    row = {r.analysis_id: r for r in inbox(db, carol)}[team["ann_review"]]
    assert (row.grade, row.auto_grade, row.grade_override) == ("C", "B", "C")
    assert (row.client_name, row.lift_name, row.reps, row.score, row.main_fault) == (
        "Ann",
        "Kettlebell deadlift",
        3,
        81.7,
        "rounded_back",
    )
    assert row.created_at == t0
    assert {r.analysis_id: r for r in inbox(db, carol)}[refused].grade is None
    with pytest.raises(InvalidRequest, match="Unknown sort"):
        inbox(db, carol, sort="random")


# ------------------------------------------------------------------ opening, comments, overrides
def test_given_a_stored_analysis_when_opened_then_the_result_is_rebuilt_with_comments_in_order(db, team):
    carol, ann, review = team["carol"], team["ann"], team["ann_review"]
    add_comment(db, carol, review, "Rep 3: chest drops", rep_index=3, time_s=7.9)
    add_comment(db, ann, review, "Thanks!")
    view = open_analysis(db, ann, review)
    original = _base_result()
    assert view.result.rep_count == original.rep_count == 3
    assert view.result.scorecard.overall_grade == "B" and view.result.scorecard.faults == ("rounded_back",)
    assert view.result.pose.xy.shape == original.pose.xy.shape
    assert [(c.author_name, c.rep_index, c.time_s, c.text) for c in view.comments] == [
        ("Carol", 3, 7.9, "Rep 3: chest drops"),
        ("Ann", None, None, "Thanks!"),
    ]
    assert view.row.comment_count == 2


def test_given_a_bad_comment_when_added_then_refused_plainly(db, team):
    with pytest.raises(InvalidRequest, match="no rep 4"):
        add_comment(db, team["carol"], team["ann_review"], "Which rep?", rep_index=4)
    with pytest.raises(InvalidRequest, match="Write something"):
        add_comment(db, team["carol"], team["ann_review"], "   ")
    with pytest.raises(InvalidRequest, match="zero or more"):
        add_comment(db, team["carol"], team["ann_review"], "Before the start?", time_s=-1.0)


def test_given_comments_at_moments_when_read_back_then_each_keeps_its_time_column_and_rep(db, team):
    # given the comments table's time column (seconds in the clip, a float, empty for the whole set)
    with db.engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("comments")}
    assert isinstance(columns["time_s"]["type"], Float) and columns["time_s"]["nullable"]
    carol, ann, review = team["carol"], team["ann"], team["ann_review"]
    # when the coach comments at a moment inside rep 2, at a moment with no rep, and at the clip's very end
    add_comment(db, carol, review, "Hips back here.", rep_index=2, time_s=5.17)
    add_comment(db, carol, review, "Reset between reps.", time_s=3.7)
    add_comment(db, ann, review, "The last frame?", time_s=10.0)
    # then each comes back with its own moment and rep, to the hundredth, and its author's role, on either database
    assert [(c.rep_index, c.time_s, c.author_role) for c in open_analysis(db, ann, review).comments] == [
        (2, pytest.approx(5.17, abs=1e-9), "coach"),
        (None, pytest.approx(3.7, abs=1e-9), "coach"),
        (None, pytest.approx(10.0, abs=1e-9), "client"),
    ]
    assert [c.author_role for c in comments_on(db, carol, [review])] == ["coach", "coach", "client"]
    with db.session() as s:
        assert s.scalars(select(Comment.time_s).where(Comment.time_s > 5).order_by(Comment.time_s)).all() == [
            pytest.approx(5.17),
            pytest.approx(10.0),
        ]


def test_given_a_time_past_the_clips_end_when_commenting_then_refused_with_the_clips_length(db, team):
    # given the 10 s synthetic clip
    with pytest.raises(InvalidRequest, match=r"The clip is 10.0 s long: choose a time between 0 and 10.0 s."):
        add_comment(db, team["carol"], team["ann_review"], "After the set?", time_s=30.0)
    assert open_analysis(db, team["carol"], team["ann_review"]).comments == ()


def test_given_a_grade_override_when_set_and_cleared_then_kept_beside_the_automatic_grade(db, team):
    carol, review = team["carol"], team["ann_review"]
    with pytest.raises(InvalidRequest, match="Say why"):
        override_grade(db, carol, review, "A", "  ")
    with pytest.raises(InvalidRequest, match="Grade must be one of A, B, C, D, F"):
        override_grade(db, carol, review, "Z", "Typo")
    override_grade(db, carol, review, "a", "Rounding is the camera angle")
    view = open_analysis(db, team["ann"], review)
    assert (view.row.grade, view.row.auto_grade) == ("A", "B")
    assert view.override_reason == "Rounding is the camera angle" and view.override_by_id == carol.id
    # and the client sees who set it and when
    assert view.override_by_name == carol.name and view.override_at is not None
    (point,) = client_history(db, team["ann"], team["ann"].id)
    assert (point.grade, point.auto_grade, point.grade_override) == ("A", "B", "A")
    override_grade(db, carol, review, None)
    view = open_analysis(db, team["ann"], review)
    assert (view.row.grade, view.row.grade_override, view.override_reason) == ("B", None, None)
    assert (view.override_by_name, view.override_at) == (None, None)


def test_given_a_wrong_lift_when_the_coach_regrades_then_scorecard_inbox_and_job_follow_and_the_rest_is_kept(db, team):
    carol, ann, review = team["carol"], team["ann"], team["ann_review"]
    override_grade(db, carol, review, "C", "Bar path drifts")
    add_comment(db, carol, review, "Check rep 2")
    stored = open_analysis(db, ann, review).result
    # when the coach grades it as a barbell RDL
    result = regrade_analysis(db, carol, review, "barbell_rdl")
    # then the scorecard is that lift's, on the same measures, and the inbox row and the job say so
    view = open_analysis(db, ann, review)
    assert result.scorecard == view.result.scorecard == regrade(stored, "barbell_rdl").scorecard
    assert view.result.scorecard.exercise_id == "barbell_rdl" and not view.result.scorecard.exercise_assumed
    assert view.result.metrics == stored.metrics
    assert (view.row.lift_id, view.row.lift_name) == ("barbell_rdl", "Barbell Romanian deadlift")
    assert view.row.auto_grade == result.scorecard.overall_grade
    with db.session() as s:
        assert (
            s.scalar(
                select(Job.exercise).join(Analysis, Analysis.upload_id == Job.upload_id).where(Analysis.id == review)
            )
            == "barbell_rdl"
        )
    # and the coach's grade and the comments are kept
    assert view.row.grade == "C" and view.override_reason == "Bar path drifts" and len(view.comments) == 1
    # and the client may set it back to automatic recognition
    assert regrade_analysis(db, ann, review, "auto").scorecard.exercise_assumed


def test_given_a_regrade_when_not_allowed_or_not_a_lift_then_refused_plainly(db, team):
    with pytest.raises(PermissionDenied):
        regrade_analysis(db, team["dave"], team["ann_review"], "barbell_rdl")
    with pytest.raises(PermissionDenied):
        regrade_analysis(db, team["bob"], team["ann_review"], "barbell_rdl")
    with pytest.raises(InvalidRequest, match="no lift called 'pogo stick'"):
        regrade_analysis(db, team["ann"], team["ann_review"], "pogo stick")
    with pytest.raises(NotFound):
        regrade_analysis(db, team["ann"], 987654, "barbell_rdl")


# ------------------------------------------------------------------ history and progression
def test_given_sessions_of_two_lifts_when_reading_history_then_one_lift_oldest_first_with_measures(db, blobs):
    ann = person(db, "Ann")
    t0 = datetime(2026, 10, 1, tzinfo=UTC)
    first = analysed(db, blobs, ann, result_with(score=70.0, grade="C"), created_at=t0)
    analysed(
        db,
        blobs,
        ann,
        result_with(lift_id="kettlebell_swing", lift_name="Kettlebell swing"),
        created_at=t0 + timedelta(days=1),
    )
    second = analysed(
        db, blobs, ann, result_with(score=90.0, grade="A", faults=(), clean=True), created_at=t0 + timedelta(days=2)
    )
    points = client_history(db, ann, ann.id, KB_DEADLIFT)
    assert [p.analysis_id for p in points] == [first, second]
    assert [(p.score, p.grade, p.reps) for p in points] == [(70.0, "C", 3), (90.0, "A", 3)]
    assert (points[0].clean_reps, points[1].clean_reps) == (1, 3)
    expected = statistics.median(m.hip_flexion_bottom_deg for m in _base_result().metrics)
    assert points[0].measures["hip_flexion_bottom_deg"] == pytest.approx(expected, abs=1e-3)
    assert points[0].measures["depth_cv_pct"] == 4.0
    assert len(client_history(db, ann, ann.id)) == 3


def test_given_the_same_fault_in_recent_sessions_when_asking_for_progression_then_scale_back(db, blobs, team):
    ann = team["ann"]  # one kettlebell deadlift with a rounded back already
    analysed(db, blobs, ann, result_with())
    signal = progression(db, team["carol"], ann.id, KB_DEADLIFT)
    assert signal.kind == "scale_back" and "rounded back" in signal.reason.lower()
    assert signal.exercise_id != KB_DEADLIFT  # a rung down the ladder (or the fault's drill)
    with pytest.raises(PermissionDenied):
        progression(db, team["dave"], ann.id, KB_DEADLIFT)


def _point(i: int, reps: int = 10, clean: int | None = None, faults: tuple[str, ...] = ()) -> HistoryPoint:
    return HistoryPoint(
        analysis_id=i,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lift_id=KB_DEADLIFT,
        lift_name="Kettlebell deadlift",
        reps=reps,
        clean_reps=reps if clean is None else clean,
        grade="A",
        score=95.0,
        main_fault=faults[0] if faults else None,
        faults=faults,
    )


def test_given_several_clean_sets_of_8_to_12_when_asking_then_move_on_to_the_next_rung():
    signal = progression_signal(KB_DEADLIFT, [_point(i) for i in range(MOVE_ON_SETS, 0, -1)])
    assert signal.kind == "move_on" and signal.exercise_id == "double_kettlebell_deadlift"
    assert "several sets of 8-12" in signal.rule


@pytest.mark.parametrize(
    "sessions, why",
    [
        ([_point(3), _point(2)], "too few sets"),
        ([_point(3), _point(2, reps=MOVE_ON_MIN_REPS - 1), _point(1)], "a short set"),
        ([_point(3), _point(2, clean=9), _point(1)], "a rep with a fault"),
        ([_point(3, faults=("rounded_back",)), _point(2), _point(1)], "a fault once, not repeating"),
    ],
)
def test_given_not_yet_enough_clean_sets_when_asking_then_keep_going(sessions, why):
    signal = progression_signal(KB_DEADLIFT, sessions)
    assert signal.kind == "keep_going", why
    assert signal.exercise_id == KB_DEADLIFT


def test_given_no_graded_sessions_when_asking_then_no_data():
    assert progression_signal(KB_DEADLIFT, []).kind == "no_data"


# ------------------------------------------------------------------ blobs
@pytest.fixture
def s3_settings(moto_endpoint):
    bucket = f"hr-{uuid.uuid4().hex[:10]}"
    creds = {
        "endpoint_url": moto_endpoint,
        "region": "us-east-1",
        "access_key_id": "testing",
        "secret_access_key": "testing",
    }
    boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    return {"bucket": bucket, **creds}


@pytest.fixture(params=["folder", "s3"])
def any_blobs(request, tmp_path):
    if request.param == "folder":
        return LocalBlobStore(tmp_path / "blobs")
    settings = request.getfixturevalue("s3_settings")
    return S3BlobStore(S3Settings(**settings, prefix="hinge/"))


def test_given_a_blob_store_when_putting_reading_and_deleting_then_it_round_trips(any_blobs, tmp_path):
    src = tmp_path / "Deadlift day (1).mov"
    src.write_bytes(b"moov" * 1000)
    key = any_blobs.put_file(src, src.name)
    raw = any_blobs.put_bytes(b"just bytes", "../../weird name")
    assert KEY_RE.match(key) and key.endswith(".mov") and "Deadlift" not in key
    assert KEY_RE.match(raw) and "weird" not in raw and key != raw
    assert any_blobs.get_bytes(key) == src.read_bytes() and any_blobs.get_bytes(raw) == b"just bytes"
    with any_blobs.local_path(key) as path:
        assert path.read_bytes() == src.read_bytes()
    assert any_blobs.exists(key)
    any_blobs.delete(key)
    any_blobs.delete(key)  # already gone: fine
    assert not any_blobs.exists(key) and any_blobs.exists(raw)
    with pytest.raises(BlobNotFound):
        any_blobs.get_bytes(key)
    with pytest.raises(BlobNotFound), any_blobs.local_path(key):
        pass
    with pytest.raises(ValueError, match="not a blob key"):
        any_blobs.get_bytes("../../etc/passwd")


def test_given_bucket_settings_when_uploading_and_deleting_then_the_object_lives_in_the_bucket(
    db, s3_settings, tmp_path
):
    bucket_blobs = open_blob_store(s3_settings, data_dir=tmp_path / "data")
    assert isinstance(bucket_blobs, S3BlobStore)
    ann = person(db, "Ann")
    up = save_upload(db, bucket_blobs, ann, b"clip in a bucket" * 64, "set.mp4")
    with db.session() as s:
        key = s.get(Upload, up.upload_id).blob_key
    client = bucket_blobs.client
    assert client.get_object(Bucket=s3_settings["bucket"], Key=key)["Body"].read() == b"clip in a bucket" * 64
    delete_upload(db, bucket_blobs, ann, up.upload_id)
    assert client.list_objects_v2(Bucket=s3_settings["bucket"]).get("KeyCount", 0) == 0
    assert not (tmp_path / "data" / "blobs").exists()


def test_given_no_bucket_configured_when_opening_blobs_then_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("HINGE_REVIEW_S3_BUCKET", raising=False)
    store = open_blob_store(data_dir=tmp_path / "data")
    assert isinstance(store, LocalBlobStore) and store.root == (tmp_path / "data" / "blobs").resolve()


def test_given_invite_rows_when_used_then_who_and_when_are_recorded(db):
    carol, ann = person(db, "Carol", "coach"), person(db, "Ann")
    code = create_invite(db, carol).code
    redeem_invite(db, ann, code)
    with db.session() as s:
        row = s.scalars(select(Invite).where(Invite.code == code)).one()
    assert row.used_by_id == ann.id and row.used_at is not None and row.used_at.tzinfo is not None


def test_given_a_borderline_set_when_the_coach_sorts_or_filters_by_verdict_then_it_comes_first(db, blobs, team):
    # given a set whose verdict rests on readings inside the measurement error, beside two others
    carol, ann = team["carol"], team["ann"]
    borderline = analysed(
        db,
        blobs,
        ann,
        replace(
            result_with(grade="B", score=88.0, faults=(), clean=True),
            scorecard=replace(
                result_with(grade="B", score=88.0, faults=(), clean=True).scorecard, verdict="borderline"
            ),
        ),
    )
    # when the coach sorts the inbox by "borderline" and filters on it
    rows = inbox(db, carol, sort="borderline")
    # then it leads the list with its own status, and the filter keeps only it
    assert rows[0].analysis_id == borderline and rows[0].verdict == "borderline"
    assert {r.verdict for r in rows[1:]} <= {"clean", "faulty", "not_graded"}
    assert [r.analysis_id for r in inbox(db, carol, verdict="borderline")] == [borderline]
    with pytest.raises(InvalidRequest, match="Unknown verdict"):
        inbox(db, carol, verdict="maybe")


@pytest.mark.parametrize("bad_id", [10**22, -1, 0])
def test_given_an_impossible_review_id_when_opened_then_not_found_not_a_crash(db, team, bad_id):
    # given a mangled link such as ?review=10000000000000000000000, then the answer is "not found"
    with pytest.raises(NotFound):
        open_analysis(db, team["carol"], bad_id)
