"""The inbox's thumbnails and waiting count: kept once, read only by who may see the set."""

from __future__ import annotations

import pytest

import store
from service.thumbnails import inbox_thumbnails
from store import PermissionDenied, add_comment, mark_reviewed, reviews_for, save_thumbnail, thumbnails, waiting_count
from store.models import Thumbnail
from store.summary import record_analysis
from tests.store.test_store import analysed, blobs, count, link, person  # noqa: F401  (blobs: a fixture)
from tests.support import factories

JPEG = b"\xff\xd8\xff\xe0 a tiny picture"


def test_the_waiting_count_is_the_coachs_new_and_replied_sets(db, blobs):
    # given coach Carol with clients Ann (two sets) and Bob (one), and Dave, a stranger with a set
    carol, ann, bob, dave = person(db, "Carol", "coach"), person(db, "Ann"), person(db, "Bob"), person(db, "Dave")
    link(db, carol, ann)
    link(db, carol, bob)
    first, second = analysed(db, blobs, ann), analysed(db, blobs, ann)
    analysed(db, blobs, bob)
    analysed(db, blobs, dave)
    assert waiting_count(db, carol) == 3
    # when Carol reviews one, then two wait
    mark_reviewed(db, carol, first)
    assert waiting_count(db, carol) == 2
    # when Ann replies on the reviewed one, then it waits again
    add_comment(db, ann, first, "Should I go lighter?")
    assert waiting_count(db, carol) == 3
    mark_reviewed(db, carol, second)
    assert waiting_count(db, carol) == 2
    # and a client has no inbox to count
    with pytest.raises(PermissionDenied):
        waiting_count(db, ann)


def test_a_thumbnail_is_read_only_by_who_may_see_the_set_and_only_for_its_lift(db, blobs):
    carol, ann, bob = person(db, "Carol", "coach"), person(db, "Ann"), person(db, "Bob")
    link(db, carol, ann)
    review = analysed(db, blobs, ann)
    save_thumbnail(db, ann, review, "kettlebell_deadlift", JPEG)
    assert thumbnails(db, carol, [(review, "kettlebell_deadlift")]) == {review: JPEG}
    assert thumbnails(db, ann, [(review, "kettlebell_deadlift")]) == {review: JPEG}
    assert thumbnails(db, bob, [(review, "kettlebell_deadlift")]) == {}  # not Bob's: nothing, not an error
    assert thumbnails(db, carol, [(review, "barbell_rdl")]) == {}  # graded as another lift since: made again
    with pytest.raises(PermissionDenied):
        save_thumbnail(db, bob, review, "kettlebell_deadlift", JPEG)
    with pytest.raises(ValueError):
        save_thumbnail(db, ann, review, "kettlebell_deadlift", b"")


def test_missing_thumbnails_are_made_from_the_clip_a_few_at_a_time_and_kept(db, blobs, tmp_path):
    # given two analysed sets of a real (synthetic) clip saved before thumbnails existed
    carol = person(db, "Carol", "coach")
    clips = [factories.write_synthetic_clip(tmp_path / f"{i}.mp4", duration_s=10.0 + i) for i in range(2)]
    for clip in clips:
        up = store.save_upload(db, blobs, carol, clip, clip.name)
        with db.transaction() as s:
            record_analysis(s, up.upload_id, factories.synthetic_result(clip))
    rows = store.inbox(db, carol)
    # when the inbox asks for them, making at most one now
    first = inbox_thumbnails(db, blobs, carol, rows, make_at_most=1)
    # then one is drawn (a JPEG) and kept; the next view makes the other and reads the kept one
    assert len(first) == 1 and next(iter(first.values())).startswith(b"\xff\xd8")
    assert count(db, Thumbnail) == 1
    both = inbox_thumbnails(db, blobs, carol, rows, make_at_most=1)
    assert set(both) == {r.analysis_id for r in rows} and count(db, Thumbnail) == 2
    assert inbox_thumbnails(db, blobs, carol, rows, make_at_most=0) == both


def test_a_coachs_own_sets_come_apart_from_their_clients(db, blobs):
    carol, ann = person(db, "Carol", "coach"), person(db, "Ann")
    link(db, carol, ann)
    analysed(db, blobs, ann)
    own = analysed(db, blobs, carol)
    assert len(reviews_for(db, carol)) == 2
    assert [r.analysis_id for r in reviews_for(db, carol, own_only=True)] == [own]
