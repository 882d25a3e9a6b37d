"""What the workspace pages show, as plain values (pure: no Streamlit, no database).

Status lines for analysis jobs, table rows for the inbox and the upload list,
comment labels, the rep picker of the comment form, and the progression signal
in words. The pages only place these on screen.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from drawing.scorecard import CoachComment, CoachReview, GradeView, grade_view
from pipeline.judge.rules import FAULT_BY_CODE
from pipeline.stages import STAGE_LABELS
from pipeline.types import AnalysisResult
from store.models import RESTARTING
from store.views import AnalysisView, CommentView, HistoryPoint, InboxRow, ProgressionSignal, UploadView

PENDING = ("queued", "running")
# the inbox's sort orders (store.reviews.SORTS) in words
SORT_LABELS = {
    "newest": "newest",
    "oldest": "oldest",
    "client": "client",
    "lift": "lift",
    "grade": "best grade first",
    "score": "lowest score first",
    "unreviewed": "new first",
    "borderline": "borderline first",
}
# the scorecard's verdict in a coach's words (store.reviews.VERDICTS)
VERDICT_WORDS = {
    "clean": "clean",
    "faulty": "faulty",
    "borderline": "borderline: worth a look",
    "not_graded": "not graded",
}
_STORED_NAME = re.compile(r"“[0-9a-f]{32}(\.[A-Za-z0-9]{1,8})?”")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark lets a backslash escape each of these
# where GitHub-flavoured Markdown turns bare text into a link (http://, www., an e-mail's @): escapes don't stop it
_AUTOLINK_AT = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?=@)")
WORD_JOINER = "\u2060"  # invisible, and no letter: it breaks those patterns without changing what one reads


@dataclass(frozen=True)
class JobLine:
    """One upload's analysis, as a status line: ``kind`` is queued, running, done, failed or none."""

    kind: str
    text: str
    progress: float = 0.0


def plain(text: object) -> str:
    """Text someone typed (a comment, a name, a file name), made safe for an element that reads Markdown
    (``st.markdown``, captions, titles, labels, notices): every ASCII punctuation mark is escaped, so links,
    images, HTML, emphasis, colour directives and maths show as typed. Bare addresses (``http://``, ``www.``,
    ``a@b.com``) get an invisible word joiner so they read the same but are never made links."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", _AUTOLINK_AT.sub(WORD_JOINER, str(text)))


def when(moment: datetime, zone: tzinfo = UTC) -> str:
    """A stored UTC time (naive means UTC) as people read it in ``zone`` (the viewer's: ``ui.viewer_zone``),
    its abbreviation after it: ``2 Dec 2026, 00:41 UTC``, ``2 Dec 2026, 01:41 CET``."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{local.strftime('%-d %b %Y, %H:%M')} {local.tzname() or 'UTC'}"


def fault_title(code: str | None) -> str:
    """A fault code (``main_fault``) in words; empty for none."""
    if not code:
        return ""
    fault = FAULT_BY_CODE.get(code)
    return fault.title if fault else code.replace("_", " ")


def plain_reason(error: str | None, original_name: str) -> str:
    """The job's failure reason, naming the user's file instead of its generated storage name."""
    text = error or "The analysis did not finish."
    return _STORED_NAME.sub(f"“{original_name}”", text)


def job_line(upload: UploadView) -> JobLine:
    """Where an upload's analysis stands."""
    job = upload.job
    if upload.analysis_id is not None or (job is not None and job.status == "done"):
        return JobLine("done", "Analysed", 1.0)
    if job is None:
        return JobLine("none", "Not analysed")
    if job.status == "queued" and job.stage == RESTARTING:
        return JobLine("queued", f"Restarting: the analysis was cut off and starts again (attempt {job.attempts + 1})…")
    if job.status == "queued":
        again = f" (attempt {job.attempts + 1})" if job.attempts else ""
        return JobLine("queued", STAGE_LABELS["queued"] + again + "…", 0.0)
    if job.status == "running":
        stage = STAGE_LABELS.get(job.stage, job.stage.replace("_", " ").capitalize() or "Analysing")
        return JobLine("running", f"{stage} — {job.progress:.0%}", max(0.0, min(1.0, job.progress)))
    return JobLine("failed", plain_reason(job.error, upload.original_name))


def analysed_line(upload: UploadView) -> str:
    """An analysed upload's card: ``Analysed: grade C`` (the coach's grade first when they set one)."""
    if upload.analysis_id is None:
        return job_line(upload).text
    return f"Analysed: {grade_view(upload.grade, upload.grade_override).words}"


def is_pending(uploads: Iterable[UploadView]) -> bool:
    return any(job_line(u).kind in PENDING for u in uploads)


def on_the_panel(uploads: Sequence[UploadView], followed: Collection[int], newest: int) -> list[UploadView]:
    """The uploads a job panel shows, newest first: the ``newest`` few, and every one of ``followed`` (the
    uploads this browser tab made) however many there are and whatever was uploaded since."""
    return [u for i, u in enumerate(uploads) if i < newest or u.upload_id in followed]


def any_failed(uploads: Iterable[UploadView]) -> bool:
    return any(job_line(u).kind == "failed" for u in uploads)


def row_grade(row: InboxRow | HistoryPoint) -> GradeView:
    """An inbox row's or a session's grade, worded as everywhere (``drawing.scorecard.grade_view``)."""
    return grade_view(row.auto_grade, row.grade_override)


def review_grade(view: AnalysisView, zone: tzinfo = UTC) -> GradeView:
    """An opened review's grade with the coach's reason, who and when (in ``zone``)."""
    return grade_view(view.row.auto_grade, coach_review(view, zone))


def set_line(result: AnalysisResult, coach: CoachReview | None = None) -> str:
    """The sidebar's line for the analysis on screen: ``10 reps · D (coach) · C measured``."""
    sc = result.scorecard
    return f"{result.rep_count} reps · {grade_view(sc.overall_grade if sc else None, coach).short}"


def coach_review(view: AnalysisView, zone: tzinfo = UTC) -> CoachReview:
    """What the coach said on an opened review, in words: their grade with reason, who and when (times in
    ``zone``), and the comment thread (for the Scorecard, the sidebar and the reports)."""
    return CoachReview(
        grade=view.row.grade_override or "",
        reason=view.override_reason or "",
        by=view.override_by_name or "",
        when=when(view.override_at, zone) if view.override_at else "",
        comments=tuple(
            CoachComment(
                c.author_name,
                comment_where(c),
                when(c.created_at, zone),
                c.text,
                rep=c.rep_index,
                t_s=c.time_s,
                from_client=c.author_id == view.row.client_id and c.author_role != "coach",
            )
            for c in view.comments
        ),
    )


def inbox_records(rows: Iterable[InboxRow]) -> list[dict[str, object]]:
    """The coach's inbox as table rows (newest or as sorted by the store); ``id`` opens the review."""
    return [
        {
            "id": r.analysis_id,
            "Client": r.client_name,
            "Date": r.created_at.replace(tzinfo=None),
            "Lift": r.lift_name or "–",
            "Reps": r.reps,
            "Grade": row_grade(r).short,
            "Score": r.score,
            "Main fault": fault_title(r.main_fault) or "none",
            "Verdict": VERDICT_WORDS.get(r.verdict, r.verdict),
            "Status": "reviewed" if r.reviewed else "new",
            "Comments": r.comment_count,
            "Client replied": r.client_replied,
        }
        for r in rows
    ]


def upload_records(
    uploads: Iterable[UploadView],
    sessions: Mapping[int, HistoryPoint],
    statuses: Mapping[int, str] | None = None,
    zone: tzinfo = UTC,
) -> list[dict[str, object]]:
    """My uploads as rows: file, date, status (once analysed, where it stands with my coach when
    ``statuses`` says, by analysis id), and the lift, reps and grade once analysed (``grade``: the grade in
    a line of text)."""
    out = []
    for u in uploads:
        point = sessions.get(u.analysis_id) if u.analysis_id is not None else None
        status = (statuses or {}).get(u.analysis_id) if u.analysis_id is not None else None
        out.append(
            {
                "upload_id": u.upload_id,
                "analysis_id": u.analysis_id,
                "File": u.original_name,
                "Uploaded": when(u.created_at, zone),
                "Status": status or job_line(u).text,
                "Lift": point.lift_name if point else "",
                "Reps": point.reps if point else None,
                "Grade": row_grade(point).short if point else "",
                "grade": row_grade(point).words if point else "",
            }
        )
    return out


def comment_where(c: CommentView) -> str:
    """``Rep 3 · 4.2 s``, ``Rep 3``, ``4.2 s`` or ``Whole set``."""
    parts = ([f"Rep {c.rep_index}"] if c.rep_index is not None else []) + (
        [f"{c.time_s:.1f} s"] if c.time_s is not None else []
    )
    return " · ".join(parts) or "Whole set"


def rep_choices(result: AnalysisResult) -> dict[str, tuple[int | None, float | None]]:
    """The comment form's rep picker: label -> (rep number, time of its bottom in the clip)."""
    choices: dict[str, tuple[int | None, float | None]] = {"Whole set": (None, None)}
    for r in result.reps:
        choices[f"Rep {r.index}"] = (r.index, round(float(r.bottom_s), 2))
    return choices


def rep_label(rep_index: int | None) -> str:
    """The comment form's rep choice (``rep_choices``) for a rep number: ``Rep 3``, or ``Whole set`` for none."""
    return f"Rep {rep_index}" if rep_index is not None else "Whole set"


def progression_text(signal: ProgressionSignal) -> tuple[str, str]:
    """(kind, sentence): the progression signal said plainly."""
    name = signal.exercise_name or ""
    if signal.kind == "move_on":
        return "move_on", f"Ready for the next progression: {name}. {signal.reason}"
    if signal.kind == "scale_back":
        return "scale_back", f"Scale back: {name}. {signal.reason}"
    if signal.kind == "keep_going":
        return "keep_going", f"Keep going: {signal.reason}"
    return "no_data", signal.reason


def lifts(points: Iterable[HistoryPoint]) -> dict[str, str]:
    """Lift id -> name of the sessions, most recent lift first."""
    out: dict[str, str] = {}
    for p in sorted(points, key=lambda p: p.created_at, reverse=True):
        if p.lift_id:
            out.setdefault(p.lift_id, p.lift_name or p.lift_id)
    return out


def invite_link(page_url: str, code: str, page_path: str = "inbox") -> str:
    """The invite link for ``code``: the app's address (``page_url`` without the page and query) plus ``?invite=``."""
    base = page_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if base.endswith("/" + page_path):
        base = base[: -len(page_path) - 1]
    return f"{base}/?invite={code}"


def sessions_of(points: Iterable[HistoryPoint], lift_id: str) -> list[HistoryPoint]:
    """The sessions of one lift, in the order given (oldest first from the store)."""
    return [p for p in points if p.lift_id == lift_id]


def regrade_notice(result: AnalysisResult) -> str:
    """What to say once a set was graded as another lift."""
    sc = result.scorecard
    name = sc.exercise_name if sc else "the lift chosen"
    grade = f"measured grade {sc.overall_grade}" if sc and sc.gradable and sc.overall_grade else "not graded"
    return (
        f"Graded again as {name}: {grade}. The reps and measures are the same; the limits, faults and "
        "next steps are this lift's."
    )


def duplicate_notice(upload: UploadView, exercise: str, zone: tzinfo = UTC) -> str:
    """What to say when the clip was uploaded before (``save_upload`` gave back the earlier upload)."""
    before = f"You uploaded this clip before ({when(upload.created_at, zone)})"
    kind = job_line(upload).kind
    if kind in PENDING:
        return f"{before}; its analysis is still running, and it opens here when done."
    if kind != "done":
        return f"{before}, and its analysis did not finish: see below."
    text = f"{before}; here is its analysis."
    if upload.job is not None and upload.job.exercise != exercise:
        text += " To grade it as another lift, choose the lift on its Scorecard."
    return text


def inbox_choices(rows: Iterable[InboxRow]) -> tuple[dict[int, str], dict[str, str]]:
    """The inbox filters' choices: client id -> name, lift id -> name (in the rows' order)."""
    rows = list(rows)
    return ({r.client_id: r.client_name for r in rows}, {r.lift_id: r.lift_name for r in rows if r.lift_id})


def by_analysis(points: Iterable[HistoryPoint]) -> dict[int, HistoryPoint]:
    """Sessions by analysis id (to show an upload's lift, reps and grade)."""
    return {p.analysis_id: p for p in points}


def review_link(page_url: str, token: str, page_path: str = "review") -> str:
    """The address that opens one review (``?review=TOKEN``: random, so it tells nothing of other reviews);
    the store lets only its owner and their coaches in."""
    base = page_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if base.endswith("/" + page_path):
        base = base[: -len(page_path) - 1]
    return f"{base}/{page_path}?review={token}"


def review_choices(rows: Iterable[InboxRow], me_id: int, zone: tzinfo = UTC) -> dict[int, str]:
    """Reviews to pick from (newest first): analysis id -> "client · date · lift · file"."""
    out: dict[int, str] = {}
    for r in rows:
        who = "" if r.client_id == me_id else f"{r.client_name} · "
        out[r.analysis_id] = f"{who}{when(r.created_at, zone)} · {r.lift_name or 'hinge'} · {r.file_name}"
    return out


SETUP_EXAMPLE = """[auth]
redirect_uri = "https://your-app.example/oauth2callback"
cookie_secret = "<python -c 'import secrets; print(secrets.token_hex(32))'>"
client_id = "…"
client_secret = "…"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

[hinge_review]
coach_emails = ["coach@example.com"]"""


@dataclass(frozen=True)
class SetupPage:
    """What the setup page says (Markdown, our own words only) when the app is reachable from other machines and sign-in is not configured."""

    missing: str
    where: str
    example: str  # TOML
    docs: str
    just_me: str


def setup_page(server_address: str | None) -> SetupPage:
    """The setup page for a server listening on ``server_address`` (None: every interface)."""
    listens = f"on {server_address}" if server_address else "on every network interface"
    return SetupPage(
        missing=(
            f"Sign-in is not configured, and this server listens {listens}, so anyone who can reach it "
            "would share one account and see each other's clips. Hinge Review serves nothing until an "
            "`[auth]` section (an OpenID Connect provider) is in its secrets."
        ),
        where=(
            "Secrets go in `.streamlit/secrets.toml` next to `app.py` (never committed), or in your host's "
            "secrets box (Streamlit Community Cloud: Advanced settings → Secrets). Restart the app after "
            "adding them."
        ),
        example=SETUP_EXAMPLE,
        docs=(
            "`docs/deploy.md` in the app's repository has the full list (database, bucket, sign-in, coaches) "
            "and what each one left out costs."
        ),
        just_me=(
            "Only for yourself? Start it on this computer only: `streamlit run app.py --server.address "
            "localhost`, or choose local mode with `HINGE_REVIEW_LOCAL=1` (one user, no sign-in)."
        ),
    )


def invite_question(coach_name: str) -> str:
    """What a client is asked before an invite links them (Markdown; the name as typed)."""
    return f"**Join {plain(coach_name)}'s coaching?** They will see your uploads and history."


def leave_question(coach_name: str) -> str:
    return (
        f"Leave **{plain(coach_name)}**'s coaching? They will no longer see your uploads and history "
        "(a new invite links you again)."
    )


def remove_question(client_name: str) -> str:
    return (
        f"Remove **{plain(client_name)}** from your clients? You will no longer see their uploads and history "
        "(a new invite links you again)."
    )


def invite_cookie(name: str, code: str, *, https: bool, max_age_s: int) -> str:
    """The ``document.cookie`` line that keeps an invite code (empty: forgets it): the whole site, SameSite=Lax
    (it comes back from the sign-in redirect, never with another site's request), Secure over https."""
    return f"{name}={code}; path=/; max-age={max_age_s if code else 0}; samesite=lax" + ("; secure" if https else "")
