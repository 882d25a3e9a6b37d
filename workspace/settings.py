"""Workspace settings from Streamlit secrets and the environment (pure: no Streamlit import).

Sign-in is on when the secrets have an ``[auth]`` section (``st.login``); without
one the app runs for one local user. Coaches are named by e-mail:

    [hinge_review]
    coach_emails = ["coach@example.com"]      # or HINGE_REVIEW_COACH_EMAILS="a@x.com, b@y.com"
    start_worker = true                       # or HINGE_REVIEW_WORKER=off (a worker runs elsewhere)
    ray_address = "ray://head:10001"          # or HINGE_REVIEW_RAY_ADDRESS: analyses run on that Ray cluster

Everyone else who signs in is a client. The database URL comes from
``[database] url`` or ``HINGE_REVIEW_DATABASE_URL``; a bucket from ``[storage]``
or ``HINGE_REVIEW_S3_*`` (see docs/storage.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobs.remote import RAY_ENV

COACH_EMAILS_ENV = "HINGE_REVIEW_COACH_EMAILS"
WORKER_ENV = "HINGE_REVIEW_WORKER"
SECTION = "hinge_review"
_OFF = {"0", "off", "false", "no"}


@dataclass(frozen=True)
class WorkspaceSettings:
    sign_in: bool  # an [auth] section: people sign in with OpenID Connect
    coach_emails: frozenset[str]  # lower-case
    database_url: str | None  # None: the store's default (environment, else SQLite in the data folder)
    storage: tuple[tuple[str, str], ...]  # bucket settings from [storage] (empty: the environment or a folder)
    start_worker: bool  # start the analysis worker from the app
    ray_address: str | None = None  # the worker runs the analyses on this Ray cluster (None: in its own process)


def _emails(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return frozenset(str(e).strip().lower() for e in items if str(e).strip())


def read_settings(secrets: Mapping[str, Any], environ: Mapping[str, str]) -> WorkspaceSettings:
    """The settings from the app's secrets (a plain dict) and the environment; secrets win."""
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
    )


def role_for(claims: Mapping[str, Any], coach_emails: frozenset[str]) -> str:
    """``coach`` when the sign-in's e-mail is a listed coach's (and not marked unverified), else ``client``."""
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified", True) not in (False, "false")
    return "coach" if email and verified and email in coach_emails else "client"
