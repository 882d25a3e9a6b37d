"""Reviews addressed by a random token: links, old numeric links, the migration that fills tokens in, and
ids never given again after a deletion. On SQLite and a real PostgreSQL server."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import text, update

from store import (
    LocalBlobStore,
    NotFound,
    PermissionDenied,
    add_comment,
    create_invite,
    delete_upload,
    record_analysis,
    redeem_invite,
    review_from_link,
    reviews_for,
    save_upload,
    user_from_claims,
)
from store.db import create_db_engine, upgrade
from store.models import Job
from tests.support.factories import synthetic_result


@pytest.fixture
def blobs(tmp_path):
    return LocalBlobStore(tmp_path / "blobs")


def person(db, role: str = "client"):
    return user_from_claims(db, {"iss": "https://idp.test", "sub": uuid.uuid4().hex, "name": "Ann"}, role_if_new=role)


def analysed(db, blobs, owner) -> tuple[int, int]:
    """An upload of ``owner`` with its analysis saved; (upload id, analysis id)."""
    up = save_upload(db, blobs, owner, uuid.uuid4().bytes * 64, "set.mp4")
    with db.transaction() as s:
        row = record_analysis(s, up.upload_id, synthetic_result())
        s.execute(update(Job).where(Job.upload_id == up.upload_id).values(status="done", progress=1.0))
        s.flush()
        return up.upload_id, row.id


def test_given_reviews_when_listed_then_each_has_its_own_random_url_safe_token(db, blobs):
    ann = person(db)
    for _ in range(3):
        analysed(db, blobs, ann)
    tokens = [r.token for r in reviews_for(db, ann)]
    assert len(set(tokens)) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)


def test_given_a_token_link_when_opened_then_the_owner_and_their_coach_get_it_and_others_do_not(db, blobs):
    ann, carol, stranger = person(db), person(db, "coach"), person(db)
    redeem_invite(db, ann, create_invite(db, carol).code)
    _, analysis_id = analysed(db, blobs, ann)
    (row,) = reviews_for(db, ann)
    assert review_from_link(db, ann, row.token) == analysis_id == review_from_link(db, carol, row.token)
    with pytest.raises(PermissionDenied):
        review_from_link(db, stranger, row.token)
    for mangled in (row.token[:-1] + ("A" if row.token[-1] != "A" else "B"), "x" * 22, "<script>", ""):
        with pytest.raises(NotFound, match="not yours"):
            review_from_link(db, ann, mangled)


def test_given_an_old_numeric_link_when_opened_then_only_the_owner_is_let_through(db, blobs):
    ann, carol = person(db), person(db, "coach")
    redeem_invite(db, ann, create_invite(db, carol).code)
    _, analysis_id = analysed(db, blobs, ann)
    assert review_from_link(db, ann, str(analysis_id)) == analysis_id
    # the coach, anyone else and a number with no review behind it all get the same answer
    answers = []
    for who, link in ((carol, str(analysis_id)), (person(db), str(analysis_id)), (ann, str(analysis_id + 1))):
        with pytest.raises(NotFound) as refused:
            review_from_link(db, who, link)
        answers.append(refused.value.message)
    assert len(set(answers)) == 1


def test_given_the_newest_rows_deleted_when_new_ones_are_made_then_no_id_is_given_again(db, blobs):
    ann = person(db)
    upload_id, analysis_id = analysed(db, blobs, ann)
    comment = add_comment(db, ann, analysis_id, "how was my back?")
    delete_upload(db, blobs, ann, upload_id)
    again_upload, again_analysis = analysed(db, blobs, ann)
    assert again_upload > upload_id and again_analysis > analysis_id
    assert add_comment(db, ann, again_analysis, "and now?").comment_id > comment.comment_id


def test_given_a_database_from_before_tokens_when_upgraded_then_every_review_gets_a_token_and_nothing_is_lost(
    db_url,
):
    engine = create_db_engine(db_url)
    try:
        upgrade(engine, "0005")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO users (id, oidc_issuer, oidc_subject, name, role, created_at) "
                    "VALUES (1, 'i', 's', 'Ann', 'client', '2026-01-01 00:00:00')"
                )
            )
            for i in (1, 2):
                c.execute(
                    text(
                        "INSERT INTO uploads (id, owner_id, blob_key, original_name, sha256, size_bytes, created_at) "
                        f"VALUES ({i}, 1, 'uploads/{i:032x}', 'a.mp4', '{i}', 5, '2026-01-01 00:00:00')"
                    )
                )
                c.execute(
                    text(
                        "INSERT INTO analyses (id, upload_id, result_json, lift_id, lift_name, reps, verdict, "
                        f"created_at, reviewed) VALUES ({i}, {i}, '{{}}', '', '', 0, 'clean', "
                        "'2026-01-01 00:00:00', false)"
                    )
                )
                c.execute(
                    text(
                        "INSERT INTO comments (analysis_id, author_id, text, created_at) "
                        f"VALUES ({i}, 1, 'note', '2026-01-01 00:00:00')"
                    )
                )
        upgrade(engine)
        with engine.connect() as c:
            tokens = c.execute(text("SELECT token FROM analyses ORDER BY id")).scalars().all()
            comments = c.execute(text("SELECT count(*) FROM comments")).scalar()
        assert len(set(tokens)) == 2 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)
        assert comments == 2
    finally:
        engine.dispose()
