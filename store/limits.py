"""Per-account limits on uploads: clips a day and bytes kept, by kind of account (client, coach, local).

Defaults suit a shared server; each limit is a named setting, from the app's secrets

    [limits]
    client_uploads_per_day = 20        # clips stored in any 24 hours; "off": no limit
    client_stored_mb = 2000            # all the account's kept clips together
    coach_uploads_per_day = 100
    coach_stored_mb = 20000
    local_uploads_per_day = "off"      # the single user of an app without sign-in
    local_stored_mb = "off"

or the environment (``HINGE_REVIEW_LIMIT_CLIENT_UPLOADS_PER_DAY`` and so on); secrets win.
Uploads a day are counted over the last 24 hours from a log that deleting an upload
does not shorten; stored bytes are the clips the account keeps now (deleting frees room).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from store.errors import InvalidRequest, WorkspaceError
from store.users import LOCAL_ISSUER
from store.views import Account

MB = 1_000_000
DAY = timedelta(hours=24)
ENV_PREFIX = "HINGE_REVIEW_LIMIT_"
KINDS = ("client", "coach", "local")
_OFF = {"off", "none", "no", "unlimited", ""}


class LimitSettingError(WorkspaceError):
    """A limit setting that is not a number; the message names it."""


class OverLimit(InvalidRequest):
    """An upload refused by the account's limits; the message says which limit and when it frees up."""


@dataclass(frozen=True)
class AccountLimits:
    uploads_per_day: int | None  # None: no limit
    stored_bytes: int | None


@dataclass(frozen=True)
class Limits:
    """The limits of each kind of account."""

    client: AccountLimits = field(default_factory=lambda: AccountLimits(20, 2000 * MB))
    coach: AccountLimits = field(default_factory=lambda: AccountLimits(100, 20_000 * MB))
    local: AccountLimits = field(default_factory=lambda: AccountLimits(None, None))

    def of(self, account: Account) -> AccountLimits:
        """The limits that apply to ``account`` (the local user's own when it is the app's single user)."""
        if account.issuer == LOCAL_ISSUER:
            return self.local
        return self.coach if account.is_coach else self.client


NO_LIMITS = Limits(AccountLimits(None, None), AccountLimits(None, None), AccountLimits(None, None))


def _number(name: str, raw: Any, default: int | None) -> int | None:
    if raw is None:
        return default
    text = str(raw).strip().lower()
    if text in _OFF:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0 or value != value:
        raise LimitSettingError(f"The limit {name} is {raw!r}: give a number (0 or more), or off for no limit.")
    return int(value)


def read_limits(section: Mapping[str, Any] | None, environ: Mapping[str, str]) -> Limits:
    """The limits from the secrets' ``[limits]`` section and ``HINGE_REVIEW_LIMIT_*``; the defaults elsewhere."""
    section = section or {}
    defaults = Limits()
    kinds: dict[str, AccountLimits] = {}
    for kind in KINDS:
        base: AccountLimits = getattr(defaults, kind)

        def setting(name: str, kind: str = kind) -> Any:
            key = f"{kind}_{name}"
            return section[key] if key in section else environ.get(ENV_PREFIX + key.upper())

        per_day = _number(f"{kind}_uploads_per_day", setting("uploads_per_day"), base.uploads_per_day)
        stored_mb = _number(
            f"{kind}_stored_mb", setting("stored_mb"), None if base.stored_bytes is None else base.stored_bytes // MB
        )
        kinds[kind] = AccountLimits(per_day, None if stored_mb is None else stored_mb * MB)
    return Limits(**kinds)


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e9 else f"{max(n_bytes, 0) / MB:.0f} MB"


def _at(moment: datetime, now: datetime) -> str:
    wait_min = max(1, round((moment - now).total_seconds() / 60))
    wait = f"{wait_min} min" if wait_min < 60 else f"{wait_min // 60} h {wait_min % 60:02d} min"
    return f"{moment:%d %b %H:%M} UTC (in {wait})"


def check_uploads_per_day(limit: int | None, recent: list[datetime], now: datetime) -> None:
    """Refuse one more upload when ``recent`` (this account's uploads in the last 24 hours) reaches ``limit``."""
    if limit is None or len(recent) < limit:
        return
    if limit == 0:
        raise OverLimit("Uploads are turned off for your account on this server; ask its administrator.")
    frees_at = sorted(recent)[len(recent) - limit] + DAY
    raise OverLimit(
        f"You have uploaded {len(recent)} clips in the last 24 hours, the most an account may here ({limit} a day). "
        f"You can upload again from {_at(frees_at, now)}."
    )


def check_stored_bytes(limit: int | None, stored: int, adding: int) -> None:
    """Refuse a clip of ``adding`` bytes when the account's kept clips (``stored``) would pass ``limit``."""
    if limit is None or stored + adding <= limit:
        return
    raise OverLimit(
        f"This clip ({_size(adding)}) does not fit in your storage: your clips take {_size(stored)} of the "
        f"{_size(limit)} an account may keep here. Delete older uploads on My space to make room; the limit "
        "does not reset by itself."
    )
