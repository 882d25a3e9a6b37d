"""The inbox as a coach scans it, as plain values (pure: no Streamlit, no database).

Status in the words each reader uses, times in the viewer's time zone, the filters
as they travel in the page's address (``?status=new&sort=borderline``), the table's
rows, and which set "open the next" opens.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.reviews import GRADES, SORTS, VERDICTS
from store.views import InboxRow
from workspace.present import VERDICT_WORDS, fault_title, row_grade

PAGE_ROWS = 25  # rows per page of the inbox table
# the status filter: value -> words (new and replied sets both wait for the coach)
STATUS_FILTERS = {
    "all": "All",
    "new": "New or client replied",
    "replied": "Client replied",
    "reviewed": "Reviewed",
}
_LIFT_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


def nav_title(waiting: int) -> str:
    """The Inbox's title in the navigation, counting the sets that wait for the coach: ``Inbox (3)``."""
    return f"Inbox ({waiting})" if waiting > 0 else "Inbox"


# --- status in words ---------------------------------------------------------------------


def status_words(row: InboxRow, viewer_id: int, viewer_is_coach: bool, *, has_coach: bool = True) -> str:
    """Where a set stands, in the reader's words.

    The coach: New, Client replied, Reviewed. The client who lifted it: Reviewed by your coach,
    Your coach replied, Waiting for your coach (just Analysed when they have no coach).
    """
    if viewer_is_coach:
        if row.reviewed:
            return "Reviewed"
        return "Client replied" if row.client_replied and row.client_id != viewer_id else "New"
    if row.client_id != viewer_id:  # not theirs: never shown, but never the coach's word either
        return "Reviewed" if row.reviewed else "Not reviewed yet"
    if row.reviewed:
        return "Reviewed by your coach"
    if row.comment_count and not row.client_replied:
        return "Your coach replied"
    return "Waiting for your coach" if has_coach else "Analysed"


# --- times in the viewer's zone ----------------------------------------------------------------


def viewer_zone(name: str | None) -> tuple[tzinfo, str]:
    """The browser's time zone (``st.context.timezone``, an IANA name) and its label; UTC, labelled so,
    when the browser did not say or said something unknown."""
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC, "UTC"


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A stored time (UTC; naive means UTC) as a wall-clock time in ``zone``, without the zone attached
    (a table column shows it as is)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).replace(tzinfo=None)


def when_in(moment: datetime, zone: tzinfo, label: str) -> str:
    """``2 Dec 2026, 01:41 (Europe/Paris)``."""
    return in_zone(moment, zone).strftime("%-d %b %Y, %H:%M") + f" ({label})"


# --- filters in the address --------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters, sort and page; ``to_query``/``from_query`` carry them in the page address."""

    client: int | None = None
    lift: str | None = None
    grade: str | None = None
    status: str = "all"
    verdict: str | None = None
    sort: str = "newest"
    page: int = 1

    def to_query(self) -> dict[str, str]:
        """The filters that differ from the defaults, as query parameters."""
        default = InboxFilters()
        return {k: str(v) for k, v in asdict(self).items() if v != getattr(default, k) and v is not None}

    def store_args(self) -> dict[str, Any]:
        """The arguments of ``store.inbox`` (the store filters everything but "client replied")."""
        return {
            "client_id": self.client,
            "lift_id": self.lift,
            "grade": self.grade,
            "verdict": self.verdict,
            "reviewed": None if self.status == "all" else self.status == "reviewed",
            "sort": self.sort,
        }


QUERY_KEYS = tuple(f.name for f in fields(InboxFilters))


def _whole(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < len(value) <= 18 else None


def from_query(params: Mapping[str, str]) -> InboxFilters:
    """The filters named in a page address; a value that is not one the inbox offers is left at its default
    (an edited or old link still opens the inbox)."""

    def pick(key: str, allowed: Iterable[str]) -> str | None:
        value = params.get(key)
        return value if value in set(allowed) else None

    lift = params.get("lift")
    page = _whole(params.get("page", ""))
    return InboxFilters(
        client=_whole(params.get("client", "")),
        lift=lift if lift and _LIFT_ID.fullmatch(lift) else None,
        grade=pick("grade", GRADES),
        status=pick("status", STATUS_FILTERS) or "all",
        verdict=pick("verdict", VERDICTS),
        sort=pick("sort", SORTS) or "newest",
        page=page or 1,
    )


def in_choices(f: InboxFilters, clients: Mapping[int, str], lifts: Mapping[str, str]) -> InboxFilters:
    """``f`` with a client or lift that is not in this inbox dropped (the pickers offer only those)."""
    return replace(f, client=f.client if f.client in clients else None, lift=f.lift if f.lift in lifts else None)


def keep_status(rows: Iterable[InboxRow], status: str, viewer_id: int) -> list[InboxRow]:
    """The rows the status filter keeps beyond what the store filtered: only those a client replied on."""
    rows = list(rows)
    if status != "replied":
        return rows
    return [r for r in rows if r.client_replied and r.client_id != viewer_id]


def page_of(rows: list[InboxRow], page: int, size: int = PAGE_ROWS) -> tuple[list[InboxRow], int, int]:
    """(the rows of ``page``, that page clamped to the pages there are, how many pages)."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return rows[(page - 1) * size : page * size], page, pages


# --- next -----------------------------------------------------------------------------------------


def row_of(rows: Sequence[InboxRow], analysis_id: int | None) -> InboxRow | None:
    """The row of ``analysis_id`` among ``rows`` (None for None or a set not among them)."""
    return next((r for r in rows if r.analysis_id == analysis_id), None) if analysis_id is not None else None


def next_in_line(rows: Iterable[InboxRow], current_id: int | None) -> int | None:
    """The set to open after ``current_id``: the next one in the inbox's order that waits for the coach
    (not reviewed), going round to the top; None when no other set waits."""
    rows = list(rows)
    ids = [r.analysis_id for r in rows]
    start = ids.index(current_id) + 1 if current_id in ids else 0
    for r in rows[start:] + rows[:start]:
        if not r.reviewed and r.analysis_id != current_id:
            return r.analysis_id
    return None


# --- the table ------------------------------------------------------------------------------------


def image_uri(jpeg: bytes | None) -> str | None:
    """A JPEG as a ``data:`` address for an image column (None: no picture)."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii") if jpeg else None


def inbox_table(
    rows: Iterable[InboxRow],
    thumbnails: Mapping[int, bytes],
    *,
    viewer_id: int,
    zone: tzinfo,
) -> list[dict[str, object]]:
    """The inbox rows as a coach scans them: picture of the worst rep, who, status in words, which file,
    lift, grade (the coach's first), main fault, verdict, and when, in the viewer's zone. ``id`` opens
    the review."""
    return [
        {
            "id": r.analysis_id,
            "Worst rep": image_uri(thumbnails.get(r.analysis_id)),
            "Client": r.client_name,
            "Status": status_words(r, viewer_id, True),  # beside who: what a coach scans for first
            "File": r.file_name,
            "Lift": r.lift_name or "–",
            "Grade": row_grade(r).short,
            "Score": r.score,
            "Main fault": fault_title(r.main_fault) or "none",
            "Verdict": VERDICT_WORDS.get(r.verdict, r.verdict),
            "Uploaded": in_zone(r.created_at, zone),
        }
        for r in rows
    ]
