"""Workspace settings from Streamlit secrets and the environment (pure: no Streamlit import).

Sign-in is on when the secrets have an ``[auth]`` section (``st.login``). Without
one the app runs for one local user only where that is safe (``decide``): when
chosen (``local = true`` / ``HINGE_REVIEW_LOCAL=1``) or when the server listens on
a loopback address only; anywhere else it shows the setup page and serves nothing
else. Coaches are named by e-mail:

    [hinge_review]
    local = true                              # or HINGE_REVIEW_LOCAL=1: one local user, no sign-in (false: never)
    coach_emails = ["coach@example.com"]      # or HINGE_REVIEW_COACH_EMAILS="a@x.com, b@y.com"
    start_worker = true                       # or HINGE_REVIEW_WORKER=off (a worker runs elsewhere)
    ray_address = "ray://head:10001"          # or HINGE_REVIEW_RAY_ADDRESS: analyses run on that Ray cluster

Everyone else who signs in is a client. The database URL comes from
``[database] url`` or ``HINGE_REVIEW_DATABASE_URL``; a bucket from ``[storage]``
or ``HINGE_REVIEW_S3_*`` (see docs/storage.md).
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jobs.remote import RAY_ENV
from pipeline.errors import HingeReviewError

COACH_EMAILS_ENV = "HINGE_REVIEW_COACH_EMAILS"
MIN_COOKIE_SECRET_CHARS = 32  # st.login signs its session cookie with it: guessable means forgeable sign-ins
_PLACEHOLDERS = ("random string", "change me", "changeme", "secret", "<", "…", "...")


class SettingsError(HingeReviewError):
    """The app's secrets can't be used as they are; the message says what to fix."""


def check_auth(auth: Mapping[str, Any]) -> None:
    """Refuse an ``[auth]`` section whose cookie secret is missing, short or a placeholder."""
    secret = str(auth.get("cookie_secret") or "")
    if len(secret) < MIN_COOKIE_SECRET_CHARS or any(p in secret.lower() for p in _PLACEHOLDERS):
        raise SettingsError(
            f"The [auth] cookie_secret in .streamlit/secrets.toml must be a random string of at least "
            f"{MIN_COOKIE_SECRET_CHARS} characters, not a placeholder: make one with "
            "python -c 'import secrets; print(secrets.token_hex(32))' and restart the app."
        )


WORKER_ENV = "HINGE_REVIEW_WORKER"
LOCAL_ENV = "HINGE_REVIEW_LOCAL"
SECTION = "hinge_review"
_OFF = {"0", "off", "false", "no"}
_ON = {"1", "on", "true", "yes"}
NO_SECRETS = "no-secrets-found"  # Streamlit's error_id when there is no secrets file at all (not an error)
Mode = Literal["sign_in", "local", "setup"]


@dataclass(frozen=True)
class WorkspaceSettings:
    sign_in: bool  # an [auth] section: people sign in with OpenID Connect
    coach_emails: frozenset[str]  # as ``same_email`` writes them
    database_url: str | None  # None: the store's default (environment, else SQLite in the data folder)
    storage: tuple[tuple[str, str], ...]  # bucket settings from [storage] (empty: the environment or a folder)
    start_worker: bool  # start the analysis worker from the app
    ray_address: str | None = None  # the worker runs the analyses on this Ray cluster (None: in its own process)
    local: bool | None = None  # one local user without sign-in: chosen (True), refused (False), by address (None)


@dataclass(frozen=True)
class Decision:
    """How this server runs: ``sign_in`` (an [auth] section), ``local`` (one local user, no sign-in) or
    ``setup`` (nothing but the page saying what to configure)."""

    mode: Mode
    settings: WorkspaceSettings


def same_email(value: object) -> str:
    """An e-mail as compared: NFKC-normalised and case-folded, so look-alike characters (the
    Kelvin sign for a "k") and case never make two addresses equal or unequal by accident."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().casefold()


def _emails(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return frozenset(same_email(e) for e in items if same_email(e))


def _switch(value: object, where: str) -> bool | None:
    """An on/off setting: True, False, or None when not given; anything else is refused in words."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if not word:
        return None
    if word in _ON or word in _OFF:
        return word in _ON
    raise SettingsError(f"{where} must be 1 or 0 (true or false), not {str(value)!r}.")


def read_settings(secrets: Mapping[str, Any], environ: Mapping[str, str]) -> WorkspaceSettings:
    """The settings from the app's secrets (a plain dict) and the environment; secrets win.
    Raises ``SettingsError`` for an ``[auth]`` section that would make sign-ins forgeable."""
    if secrets.get("auth"):
        check_auth(secrets["auth"])
    own = secrets.get(SECTION) or {}
    coaches = own.get("coach_emails") if "coach_emails" in own else environ.get(COACH_EMAILS_ENV, "")
    worker = own.get("start_worker", environ.get(WORKER_ENV, "on"))
    storage = secrets.get("storage") or {}
    return WorkspaceSettings(
        sign_in=bool(secrets.get("auth")),
        coach_emails=_emails(coaches),
        database_url=(secrets.get("database") or {}).get("url") or None,
        storage=tuple(sorted((str(k), str(v)) for k, v in storage.items())),
        start_worker=str(worker).strip().lower() not in _OFF,
        ray_address=str(own.get("ray_address") or environ.get(RAY_ENV, "")).strip() or None,
        local=_switch(own["local"], "[hinge_review] local")
        if "local" in own
        else _switch(environ.get(LOCAL_ENV), LOCAL_ENV),
    )


def is_loopback(address: str | None) -> bool:
    """The server listens on this machine only: 127.0.0.1 (any 127.x), ::1 or localhost. Unset or empty
    (Streamlit's default) means every interface."""
    host = str(address or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name or nothing: not provably this machine only
        return False


def load_secrets(load: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    """The secrets ``load`` returns (``st.secrets.to_dict``); none at all is an empty dict. A secrets file
    that cannot be parsed raises ``SettingsError`` with the parser's words: never run on a guess."""
    try:
        return dict(load())
    except FileNotFoundError as exc:  # Streamlit's StreamlitSecretNotFoundError is one
        if getattr(exc, "error_id", None) == NO_SECRETS:
            return {}
        raise SettingsError(
            f"The app's secrets could not be read: {exc}. Fix the file (it is TOML: "
            'key = "value" lines under [section] headings) and restart the app; docs/deploy.md shows a '
            "complete example."
        ) from exc


def decide(load: Callable[[], Mapping[str, Any]], environ: Mapping[str, str], server_address: str | None) -> Decision:
    """How this server runs. Sign-in when the secrets have an [auth] section; otherwise one local user
    when that is chosen in the settings, or when it is not refused and the server listens on a loopback
    address only; otherwise the setup page. Unreadable secrets or a forgeable [auth] raise ``SettingsError``."""
    s = read_settings(load_secrets(load), environ)
    if s.sign_in:
        return Decision("sign_in", s)
    local = s.local if s.local is not None else is_loopback(server_address)
    return Decision("local" if local else "setup", s)


def email_verified(claims: Mapping[str, Any]) -> bool:
    """The provider vouches for the e-mail: ``email_verified`` is true (a boolean, or the string "true").
    A missing claim, "False", "no" or anything else is not."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def role_for(claims: Mapping[str, Any], coach_emails: frozenset[str]) -> str:
    """``coach`` when the sign-in's e-mail is verified by the provider and listed as a coach's, else ``client``.

    An address that NFKC normalisation changes (a Kelvin sign standing for a "k", full-width letters)
    is another mailbox that only looks like the listed one: never a coach."""
    raw = str(claims.get("email") or "").strip()
    email = same_email(raw)
    stable = unicodedata.normalize("NFKC", raw) == raw
    return "coach" if email and stable and email_verified(claims) and email in coach_emails else "client"
