"""The workspace's pure parts: settings and roles, status lines, table rows, labels and trend figures."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from store.reviews import SORTS
from store.views import AnalysisView, CommentView, HistoryPoint, InboxRow, JobView, ProgressionSignal, UploadView
from tests.support import factories
from tests.support.markdown import read_escapes
from workspace import figures, present
from workspace.settings import SettingsError, read_settings, role_for

T = datetime(2026, 12, 2, 0, 41, tzinfo=UTC)


def _job(status: str, stage: str = "", progress: float = 0.0, error: str | None = None, attempts: int = 0):
    return JobView(1, 1, status, stage, progress, error, attempts, T, None, None, None, None)


def _upload(job: JobView | None, analysis_id: int | None = None, name: str = "set.mp4", **more: object) -> UploadView:
    return replace(UploadView(1, 7, name, 100, "ab", T, job, analysis_id), **more)


def _point(i: int, score: float | None, grade: str | None, lift: str = "kettlebell_deadlift") -> HistoryPoint:
    return HistoryPoint(
        i,
        T.replace(hour=i),
        lift,
        "Kettlebell deadlift",
        10,
        9,
        grade,
        score,
        None,
        (),
        {"hip_flexion_bottom_deg": 90.0 + i, "knee_flexion_bottom_deg": None},
        auto_grade=grade,
    )


# --- settings --------------------------------------------------------------------------


def test_without_secrets_there_is_no_sign_in_and_the_app_starts_its_own_worker():
    s = read_settings({}, {})
    assert (s.sign_in, s.coach_emails, s.database_url, s.storage, s.start_worker, s.local) == (
        False,
        frozenset(),
        None,
        (),
        True,
        None,  # local mode neither chosen nor refused: the server's address decides (test_workspace_settings)
    )


def test_secrets_win_over_the_environment_and_name_the_coaches():
    secrets = {
        "auth": {"client_id": "x", "cookie_secret": "0123456789abcdef" * 4},
        "hinge_review": {"coach_emails": ["Cora@Example.com "]},
        "database": {"url": "postgresql+psycopg://db"},
        "storage": {"bucket": "clips"},
    }
    s = read_settings(secrets, {"HINGE_REVIEW_COACH_EMAILS": "someone@else.com", "HINGE_REVIEW_WORKER": "off"})
    assert s.sign_in and s.coach_emails == {"cora@example.com"} and s.database_url == "postgresql+psycopg://db"
    assert s.storage == (("bucket", "clips"),) and not s.start_worker and s.ray_address is None


def test_the_ray_cluster_for_the_analyses_comes_from_the_secrets_or_the_environment():
    assert (
        read_settings(
            {"hinge_review": {"ray_address": "ray://head:10001"}}, {"HINGE_REVIEW_RAY_ADDRESS": "auto"}
        ).ray_address
        == "ray://head:10001"
    )
    assert read_settings({}, {"HINGE_REVIEW_RAY_ADDRESS": " auto "}).ray_address == "auto"


def test_coach_emails_and_the_worker_switch_can_come_from_the_environment():
    s = read_settings({}, {"HINGE_REVIEW_COACH_EMAILS": "a@x.com, B@Y.com", "HINGE_REVIEW_WORKER": "0"})
    assert s.coach_emails == {"a@x.com", "b@y.com"} and not s.start_worker


@pytest.mark.parametrize(
    "claims, role",
    [
        ({"email": "COACH@x.com", "email_verified": True}, "coach"),
        ({"email": "coach@x.com", "email_verified": "true"}, "coach"),
        ({"email": "coach@x.com"}, "client"),  # no claim: the provider did not vouch for the address
        ({"email": "coach@x.com", "email_verified": False}, "client"),
        ({"email": "coach@x.com", "email_verified": "False"}, "client"),
        ({"email": "coach@x.com", "email_verified": "no"}, "client"),
        ({"email": "someone@x.com", "email_verified": True}, "client"),
        ({}, "client"),
    ],
)
def test_a_listed_verified_email_is_a_coach_and_anyone_else_a_client(claims, role):
    assert role_for(claims, frozenset({"coach@x.com"})) == role


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "a long random string",
        "s3cr3t",
        "<a long random string: python -c ...>",
        "change me please, this is not yet a real value",
    ],
)
def test_a_missing_short_or_placeholder_cookie_secret_stops_the_app_with_a_plain_message(secret):
    # given an [auth] section whose cookie secret would let anyone forge a signed-in session
    auth = {"client_id": "x"} | ({"cookie_secret": secret} if secret is not None else {})
    # when the settings are read, then they are refused with what to do
    with pytest.raises(SettingsError, match="cookie_secret .* at least 32 characters"):
        read_settings({"auth": auth}, {})


def test_a_long_random_cookie_secret_is_accepted():
    assert read_settings({"auth": {"cookie_secret": secrets.token_hex(32)}}, {}).sign_in


def test_emails_are_compared_after_nfkc_case_folding():
    # given a coach listed as "Kate@x.com"
    coaches = read_settings({"hinge_review": {"coach_emails": ["Kate@x.com"]}}, {}).coach_emails
    # then the same address in another case is the coach, but a look-alike mailbox spelled with the
    # Kelvin sign (U+212A, which lower() and casefold() both turn into "k") or full-width letters is not
    assert role_for({"email": "KATE@X.COM", "email_verified": True}, coaches) == "coach"
    assert role_for({"email": "\u212aate@x.com", "email_verified": True}, coaches) == "client"
    assert role_for({"email": "\uff4bate@x.com", "email_verified": True}, coaches) == "client"
    assert role_for({"email": "kate@x.co", "email_verified": True}, coaches) == "client"


# --- what people typed, shown as typed ------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "[x](http://evil)",
        "![i](http://evil/p.png)",
        "<img src=x onerror=alert(1)> <b>bold</b> &amp;",
        "**loud** _quiet_ ~~gone~~ `code` :red[red] $x^2$ # heading",
        "1. list\n- item\n> quote\n\n| a | b |",
        "see http://evil.test/a, WWW.evil.test or mail ann@evil.test",
        "back\\slash and Zoë’s “quotes”",
    ],
)
def test_typed_text_reads_as_typed_with_no_markdown_left_in_it(typed):
    # when text someone typed is made plain for a Markdown element
    shown, escaped = read_escapes(present.plain(typed))
    # then every punctuation mark is escaped, and what shows is what was typed (an invisible joiner aside)
    assert escaped
    assert shown.replace(present.WORD_JOINER, "") == typed
    # and nothing in it is a bare address GitHub-flavoured Markdown would make a link
    lowered = shown.lower()
    assert "://" not in lowered and "www." not in lowered
    assert not any(c.isalnum() for c in (lowered[i - 1] for i, ch in enumerate(lowered) if ch == "@" and i))


def test_plain_text_without_punctuation_is_unchanged():
    assert present.plain("Cora Coach") == "Cora Coach"


# --- invites and links ---------------------------------------------------------------------


def test_the_invite_cookie_lasts_15_minutes_stays_on_this_site_and_is_secure_over_https():
    cookie = present.invite_cookie("inv", "Q1w2E3r4", https=True, max_age_s=900)
    assert cookie == "inv=Q1w2E3r4; path=/; max-age=900; samesite=lax; secure"
    assert present.invite_cookie("inv", "Q1w2E3r4", https=False, max_age_s=900).endswith("samesite=lax")
    assert "max-age=0;" in present.invite_cookie("inv", "", https=True, max_age_s=900)  # forgotten


def test_the_questions_before_a_link_is_made_or_ended_name_the_person_as_typed():
    assert present.invite_question("Cora") == "**Join Cora's coaching?** They will see your uploads and history."
    assert present.plain("[C](http://x)") in present.leave_question("[C](http://x)")
    assert "no longer see their uploads and history" in present.remove_question("Ann")


# --- status lines ------------------------------------------------------------------------


def test_each_job_state_reads_plainly():
    assert present.job_line(_upload(_job("queued"))).text == "Waiting for the analysis to start…"
    assert present.job_line(_upload(_job("queued", attempts=1))).text.endswith("(attempt 2)…")
    running = present.job_line(_upload(_job("running", "pose", 0.42)))
    assert (running.kind, running.text, running.progress) == (
        "running",
        "Finding the lifter and tracking joints — 42%",
        0.42,
    )
    assert present.job_line(_upload(_job("done", "done", 1.0), analysis_id=3)).kind == "done"
    assert present.job_line(_upload(None)).kind == "none"


def test_an_analysed_upload_reads_with_its_grade_the_coachs_first():
    # given analysed uploads: graded, with a coach's grade beside, and not gradable
    done = _job("done", "done", 1.0)
    graded = _upload(done, analysis_id=3, grade="C")
    overridden = _upload(done, analysis_id=4, grade="C", grade_override="D")
    ungraded = _upload(done, analysis_id=5)
    # when their cards' lines are read, then each says its grade in words
    assert present.analysed_line(graded) == "Analysed: grade C"
    assert present.analysed_line(overridden) == "Analysed: D from your coach · C measured"
    assert present.analysed_line(ungraded) == "Analysed: not graded"


def test_the_panel_shows_the_newest_uploads_and_every_one_this_tab_followed():
    # given eight uploads, newest first, of which this tab made the 4th, 6th and 8th
    uploads = [_upload(_job("queued"), upload_id=i) for i in range(8, 0, -1)]
    # when the panel picks what to show with room for the newest three
    shown_ids = [u.upload_id for u in present.on_the_panel(uploads, {5, 3, 1}, newest=3)]
    # then the newest three and the tab's own, newest first
    assert shown_ids == [8, 7, 6, 5, 3, 1]


def test_a_failure_names_the_users_file_not_the_stored_one():
    error = "“0123456789abcdef0123456789abcdef.mp4” is not a video we can read."
    line = present.job_line(_upload(_job("failed", error=error), name="my set.mov"))
    assert line.kind == "failed" and line.text == "“my set.mov” is not a video we can read."


# --- rows and labels -----------------------------------------------------------------------


def test_upload_rows_carry_the_lift_reps_and_grade_once_analysed():
    rows = present.upload_records(
        [_upload(_job("done"), analysis_id=3), _upload(_job("queued"))], present.by_analysis([_point(3, 91.0, "A")])
    )
    assert [(r["Status"], r["Lift"], r["Reps"], r["Grade"]) for r in rows] == [
        ("Analysed", "Kettlebell deadlift", 10, "A"),
        ("Waiting for the analysis to start…", "", None, ""),
    ]


def _row(auto: str | None, coach: str | None) -> InboxRow:
    return InboxRow(
        9,
        1,
        7,
        "Ann",
        T,
        "kettlebell_deadlift",
        "Kettlebell deadlift",
        3,
        coach or auto,
        auto,
        coach,
        65.0,
        None,
        True,
        1,
        "set.mp4",
    )


def test_given_a_coachs_grade_when_listed_then_inbox_uploads_and_trend_show_it_first_and_labelled():
    # given an analysis measured C that the coach graded D
    rows = present.inbox_records([_row("C", "D"), _row("B", None)])
    # then the inbox's one grade column names the coach's grade first, the measured one beside it
    assert [r["Grade"] for r in rows] == ["D (coach) · C measured", "B"]
    # and My space's uploads say the same, in a line of text too
    point = replace(_point(3, 65.0, "D"), auto_grade="C", grade_override="D")
    (up,) = present.upload_records([_upload(_job("done"), analysis_id=3)], present.by_analysis([point]))
    assert (up["Grade"], up["grade"]) == ("D (coach) · C measured", "D from your coach · C measured")
    # and the trend marks the coach's grade, the hover saying whose it is
    (trace,) = figures.score_figure([point]).data
    assert list(trace.text) == ["D"] and trace.customdata[0][2] == "D (coach) · C measured"


def test_given_an_opened_review_when_worded_then_the_coachs_grade_reason_who_when_and_comments_travel():
    # given a review measured B that coach Cora graded D, with one comment pinned to rep 3
    result = factories.synthetic_result()
    comment = CommentView(1, 9, 2, "Cora", 3, 8.2, "Brace <first>.", T)
    view = AnalysisView(
        _row("B", "D"),
        result,
        (comment,),
        "Rounds more than it looks",
        2,
        "blob",
        override_by_name="Cora",
        override_at=T,
    )
    # when worded for the Scorecard, sidebar and reports
    coach = present.coach_review(view)
    # then all of it travels, in words
    assert (coach.grade, coach.reason, coach.by, coach.when) == (
        "D",
        "Rounds more than it looks",
        "Cora",
        present.when(T),
    )
    (c,) = coach.comments
    assert (c.author, c.where, c.when, c.text) == ("Cora", "Rep 3 · 8.2 s", "2 Dec 2026, 00:41 UTC", "Brace <first>.")
    # and its place on the clip, for the Review page's timeline: rep, time, and that the coach wrote it
    assert (c.rep, c.t_s, c.from_client) == (3, 8.2, False)
    assert present.review_grade(view).text == "D from your coach · B measured"
    # and the sidebar line names the coach's grade for the set on screen
    assert present.set_line(result, coach) == "3 reps · D (coach) · B measured"
    assert present.set_line(result) == "3 reps · B"
    assert present.set_line(factories.synthetic_result(gradable=False)) == "3 reps · not graded"


def test_comment_places_and_the_rep_picker_use_each_reps_bottom():
    c = CommentView(1, 1, 2, "Cora", 3, 6.42, "Brace.", T)
    assert present.comment_where(c) == "Rep 3 · 6.4 s"
    assert present.comment_where(CommentView(1, 1, 2, "Cora", None, None, "Nice set.", T)) == "Whole set"
    result = factories.synthetic_result()
    choices = present.rep_choices(result)
    assert list(choices) == ["Whole set", "Rep 1", "Rep 2", "Rep 3"]
    assert choices["Rep 3"] == (3, round(result.reps[2].bottom_s, 2))


def test_given_the_viewers_time_zone_when_times_are_worded_then_they_are_in_it_with_its_abbreviation():
    # given a stored UTC time, a viewer in Paris and one whose browser said nothing
    paris = ZoneInfo("Europe/Paris")
    # when worded, then each reads their own clock (summer time too), naive meaning UTC as stored
    assert present.when(T) == "2 Dec 2026, 00:41 UTC"
    assert present.when(T, paris) == "2 Dec 2026, 01:41 CET"
    assert present.when(T.replace(month=7), paris) == "2 Jul 2026, 02:41 CEST"
    assert present.when(T.replace(tzinfo=None), paris) == "2 Dec 2026, 01:41 CET"
    # and so do the coach's grade and comments on a review, and the upload list
    comment = CommentView(1, 9, 2, "Cora", 3, 8.2, "Brace.", T)
    view = AnalysisView(
        _row("B", "D"),
        factories.synthetic_result(),
        (comment,),
        "Why",
        2,
        "blob",
        override_by_name="Cora",
        override_at=T,
    )
    coach = present.coach_review(view, paris)
    assert coach.when == coach.comments[0].when == "2 Dec 2026, 01:41 CET"
    assert "graded this set D on 2 Dec 2026, 01:41 CET: Why" in present.review_grade(view, paris).note


def test_given_a_client_reply_when_worded_then_it_is_marked_as_the_clients():
    # given the review of client 7 with Cora's note and the client's reply
    view = AnalysisView(
        _row("B", None),
        factories.synthetic_result(),
        (CommentView(1, 9, 2, "Cora", 2, 5.2, "Hips back.", T), CommentView(2, 9, 7, "Ann", None, None, "Ok!", T)),
        None,
        None,
        "blob",
    )
    # then the reply is the client's, with no place on the clip
    assert [(c.author, c.from_client, c.rep, c.t_s) for c in present.coach_review(view).comments] == [
        ("Cora", False, 2, 5.2),
        ("Ann", True, None, None),
    ]
    # and without sign-in, the one local user is the coach of their own sets: their notes are the coach's
    own = CommentView(3, 9, 7, "Me", 1, 2.0, "Brace.", T, author_role="coach")
    assert not present.coach_review(replace(view, comments=(own,))).comments[0].from_client


def test_the_comment_forms_rep_choice_for_a_rep_number_is_one_of_the_pickers():
    choices = present.rep_choices(factories.synthetic_result())
    assert [present.rep_label(r) for r in (None, 1, 3)] == ["Whole set", "Rep 1", "Rep 3"]
    assert all(present.rep_label(r) in choices for r in (None, 1, 2, 3))


def test_the_invite_link_is_the_apps_address_with_the_code():
    assert present.invite_link("https://hr.example/inbox?x=1", "C0DE") == "https://hr.example/?invite=C0DE"
    assert present.invite_link("http://127.0.0.1:8501/", "C0DE") == "http://127.0.0.1:8501/?invite=C0DE"


@pytest.mark.parametrize(
    "kind, start",
    [
        ("move_on", "Ready for the next progression: Deadlift."),
        ("scale_back", "Scale back: Deadlift."),
        ("keep_going", "Keep going:"),
    ],
)
def test_the_progression_signal_is_said_plainly(kind, start):
    signal = ProgressionSignal(kind, "kettlebell_deadlift", "Because.", "deadlift", "Deadlift", "rule")
    said_kind, sentence = present.progression_text(signal)
    assert said_kind == kind and sentence.startswith(start) and sentence.endswith("Because.")


def test_every_inbox_sort_has_words():
    assert tuple(present.SORT_LABELS) == SORTS


# --- trend figures ---------------------------------------------------------------------------


def test_the_score_trend_has_one_point_per_graded_session_labelled_by_grade():
    fig = figures.score_figure([_point(1, 80.0, "B"), _point(2, None, None), _point(3, 95.0, "A")])
    (trace,) = fig.data
    assert list(trace.y) == [80.0, 95.0] and list(trace.text) == ["B", "A"]


def test_the_measure_trend_draws_only_measured_series():
    fig = figures.measures_figure([_point(1, 80.0, "B"), _point(2, 90.0, "A")])
    assert [t.name for t in fig.data] == ["Hip bend at the bottom (°)"]
    assert list(fig.data[0].y) == [91.0, 92.0]
