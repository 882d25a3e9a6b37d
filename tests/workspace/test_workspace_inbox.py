"""The inbox as a coach scans it, the lift picker and the not-a-video check: pure parts."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from pipeline.judge.coaching import load_catalogue
from store.views import InboxRow
from tests.support import factories
from workspace import filekind, inbox, lifts
from workspace.inbox import InboxFilters

T = datetime(2026, 12, 2, 0, 41, tzinfo=UTC)
COACH, ANN = 1, 7


def _row(analysis_id: int = 9, *, reviewed: bool = False, replied: bool = False, comments: int = 0, **kw) -> InboxRow:
    return InboxRow(
        analysis_id=analysis_id,
        upload_id=analysis_id,
        client_id=kw.pop("client_id", ANN),
        client_name="Ann",
        created_at=T,
        lift_id="kettlebell_deadlift",
        lift_name="Kettlebell deadlift",
        reps=3,
        grade=kw.get("grade_override") or "C",
        auto_grade="C",
        grade_override=kw.pop("grade_override", None),
        score=65.0,
        main_fault="rounded_back",
        reviewed=reviewed,
        comment_count=comments,
        file_name="monday.mp4",
        client_replied=replied,
        verdict="faulty",
    )


# --- status words per role ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, coach_says, client_says",
    [
        (_row(), "New", "Waiting for your coach"),
        (_row(comments=1), "New", "Your coach replied"),
        (_row(comments=2, replied=True), "Client replied", "Waiting for your coach"),
        (_row(reviewed=True, comments=1), "Reviewed", "Reviewed by your coach"),
        (_row(reviewed=True, comments=2, replied=True), "Reviewed", "Reviewed by your coach"),
    ],
)
def test_each_reader_gets_the_status_in_their_own_words(row, coach_says, client_says):
    assert inbox.status_words(row, COACH, True) == coach_says
    assert inbox.status_words(row, ANN, False) == client_says


def test_a_client_without_a_coach_sees_analysed_and_nobody_sees_the_workflow_word_new_but_the_coach():
    assert inbox.status_words(_row(), ANN, False, has_coach=False) == "Analysed"
    assert "new" not in {inbox.status_words(_row(**s), ANN, False).lower() for s in ({}, {"comments": 1})}
    # the coach's own set, which they commented last, is not "Client replied"
    assert inbox.status_words(_row(client_id=COACH, replied=True, comments=1), COACH, True) == "New"


def test_the_navigation_counts_the_sets_waiting():
    assert [inbox.nav_title(n) for n in (0, 1, 23)] == ["Inbox", "Inbox (1)", "Inbox (23)"]


# --- times in the viewer's zone -------------------------------------------------------------------


def test_a_stored_time_is_shown_in_the_viewers_zone_and_labelled():
    zone, label = inbox.viewer_zone("Europe/Paris")
    assert label == "Europe/Paris"
    assert inbox.in_zone(T, zone) == datetime(2026, 12, 2, 1, 41)  # winter: UTC+1
    assert inbox.in_zone(T.replace(month=7), zone) == datetime(2026, 7, 2, 2, 41)  # summer: UTC+2
    assert inbox.when_in(T, zone, label) == "2 Dec 2026, 01:41 (Europe/Paris)"
    assert inbox.in_zone(T.replace(tzinfo=None), zone) == datetime(2026, 12, 2, 1, 41)  # naive means UTC


@pytest.mark.parametrize("told", [None, "", "Mars/Olympus_Mons", "../../etc/passwd"])
def test_without_a_known_zone_from_the_browser_the_time_is_utc_and_says_so(told):
    zone, label = inbox.viewer_zone(told)
    assert label == "UTC" and inbox.when_in(T, zone, label) == "2 Dec 2026, 00:41 (UTC)"


# --- filters and the address ----------------------------------------------------------------------


def test_filters_go_into_the_address_and_come_back_the_same():
    f = InboxFilters(
        client=7, lift="barbell_rdl", grade="C", status="replied", verdict="borderline", sort="score", page=2
    )
    query = f.to_query()
    assert query == {
        "client": "7",
        "lift": "barbell_rdl",
        "grade": "C",
        "status": "replied",
        "verdict": "borderline",
        "sort": "score",
        "page": "2",
    }
    assert inbox.from_query(query) == f
    # the defaults leave the address clean
    assert InboxFilters().to_query() == {} and inbox.from_query({}) == InboxFilters()


def test_an_edited_or_old_link_keeps_what_it_can_and_opens_the_inbox():
    f = inbox.from_query(
        {"client": "ann", "lift": "DROP TABLE", "grade": "Z", "status": "lost", "sort": "borderline", "page": "-3"}
    )
    assert f == InboxFilters(sort="borderline")


def test_a_client_or_lift_not_in_this_inbox_is_dropped_from_the_pickers():
    f = InboxFilters(client=99, lift="sumo_deadlift", grade="B")
    assert inbox.in_choices(f, {7: "Ann"}, {"kettlebell_deadlift": "Kettlebell deadlift"}) == InboxFilters(grade="B")


def test_the_filters_become_the_stores_arguments_and_client_replied_is_kept_after():
    assert InboxFilters(status="new").store_args()["reviewed"] is False
    assert InboxFilters(status="reviewed").store_args()["reviewed"] is True
    assert InboxFilters(status="replied").store_args()["reviewed"] is False
    assert InboxFilters().store_args()["reviewed"] is None
    rows = [_row(1, replied=True), _row(2), _row(3, client_id=COACH, replied=True)]
    assert [r.analysis_id for r in inbox.keep_status(rows, "replied", COACH)] == [1]
    assert len(inbox.keep_status(rows, "all", COACH)) == 3


def test_a_page_of_rows_is_clamped_to_the_pages_there_are():
    rows = [_row(i) for i in range(1, 61)]
    shown, page, pages = inbox.page_of(rows, 9, size=25)
    assert (page, pages, [r.analysis_id for r in shown]) == (3, 3, list(range(51, 61)))
    assert inbox.page_of([], 1) == ([], 1, 1)


# --- the next set --------------------------------------------------------------------------------------


def test_the_next_set_is_the_next_one_waiting_in_the_inbox_order_going_round():
    rows = [_row(1), _row(2, reviewed=True), _row(3, replied=True), _row(4)]
    assert inbox.next_in_line(rows, 1) == 3  # the reviewed one is skipped
    assert inbox.next_in_line(rows, 3) == 4
    assert inbox.next_in_line(rows, 4) == 1  # round to the top
    assert inbox.next_in_line(rows, None) == 1  # from the inbox: the first waiting
    assert inbox.next_in_line(rows, 99) == 1  # the current set is not in this view


def test_when_nothing_else_waits_there_is_no_next_set():
    assert inbox.next_in_line([_row(1), _row(2, reviewed=True)], 1) is None
    assert inbox.next_in_line([], None) is None


# --- the table ----------------------------------------------------------------------------------------


def test_an_inbox_row_names_the_file_shows_the_picture_the_coachs_grade_and_the_local_time():
    zone, _ = inbox.viewer_zone("America/New_York")
    jpeg = b"\xff\xd8\xff fake"
    (rec, bare) = inbox.inbox_table(
        [_row(1, grade_override="D", replied=True, comments=2), _row(2)], {1: jpeg}, viewer_id=COACH, zone=zone
    )
    assert rec["File"] == "monday.mp4" and rec["Grade"] == "D (coach) · C measured"
    assert rec["Main fault"] == "Rounded back"  # the fault in words, not its code
    assert rec["Status"] == "Client replied" and rec["Uploaded"] == datetime(2026, 12, 1, 19, 41)
    assert base64.b64decode(str(rec["Worst rep"]).removeprefix("data:image/jpeg;base64,")) == jpeg
    assert bare["Worst rep"] is None and bare["Status"] == "New"


# --- the lift picker ----------------------------------------------------------------------------------


def test_the_lift_picker_groups_lifts_by_family_common_ones_first_drills_last():
    options = lifts.lift_options(load_catalogue())
    labels = list(options.values())
    groups = [label.split(" · ")[0] for label in labels[1:]]
    assert labels[0] == "Detect automatically" and list(options)[0] == "auto"
    # each group once, in order, the drills last
    assert list(dict.fromkeys(groups)) == ["Deadlifts", "Romanian deadlifts", "Swings", "Other hinges", "Drills"]
    assert groups == sorted(groups, key=list(dict.fromkeys(groups)).index)
    # within a group, lifts programmed as main lifts come before warm-ups and basics
    assert labels.index("Deadlifts · Conventional deadlift") < labels.index("Deadlifts · Kettlebell deadlift")
    # a lift no side-on video can grade is not offered
    assert "glute_bridge" not in options and options["kettlebell_swing"] == "Swings · Kettlebell swing"


def test_every_gradable_lift_is_in_the_picker_once():
    gradable = {e.id for e in load_catalogue() if e.video_gradable}
    assert set(lifts.lift_options(load_catalogue())) == gradable | {"auto"}


# --- not a video ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"shopping list\nmilk\n", "a text file"),
        ("caf\u00e9 notes".encode() * 400, "a text file"),  # cut mid-character at the sniffed length is still text
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG photo"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "a HEIC photo"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a WAV audio file"),
        (b"PK\x03\x04\x14\x00", "a ZIP archive (or a Word, Excel or PowerPoint file)"),
    ],
)
def test_a_file_that_is_plainly_not_a_video_is_named_for_what_it_is(head, kind):
    assert filekind.not_a_video(head[: filekind.SNIFF_BYTES]) == kind


def test_videos_and_unknown_bytes_go_on_to_the_video_reader(tmp_path):
    clip = factories.write_synthetic_clip(tmp_path / "set.mp4", duration_s=1.0)
    assert filekind.not_a_video(clip.read_bytes()[: filekind.SNIFF_BYTES]) is None
    assert filekind.not_a_video(b"RIFF\x24\x00\x00\x00AVI LIST") is None  # AVI is a video
    assert filekind.not_a_video(bytes(range(256)) * 16) is None
    assert filekind.refusal("a.mp4", "a PDF document", "MP4 or MOV") == (
        "“a.mp4” is a PDF document, not a video. Choose the video of your set instead (MP4 or MOV)."
    )
