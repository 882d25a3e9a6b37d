"""Accounts: from OpenID Connect sign-in claims, or the one local user when sign-in is not configured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.errors import InvalidRequest
from store.models import ROLES, User
from store.views import Account

LOCAL_ISSUER = "local"
LOCAL_SUBJECT = "owner"
LOCAL_NAME = "Me"


def account_of(user: User) -> Account:
    return Account(
        id=user.id, role=user.role, name=user.name, email=user.email, issuer=user.oidc_issuer, subject=user.oidc_subject
    )


def _display_name(claims: Mapping[str, Any]) -> str:
    for key in ("name", "preferred_username", "given_name", "email"):
        if claims.get(key):
            return str(claims[key])
    return "Unnamed"


def user_from_claims(db: Database, claims: Mapping[str, Any], *, role_if_new: str = "client") -> Account:
    """The account for these sign-in claims (``iss`` and ``sub`` identify it), made on first sign-in.

    Name and e-mail are refreshed from the claims each time; the role is kept.
    """
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not issuer or not subject:
        raise InvalidRequest("The sign-in did not say who you are (no issuer or subject); sign in again.")
    if role_if_new not in ROLES:
        raise InvalidRequest(f"Unknown role {role_if_new!r}; use coach or client.")
    return _get_or_create(db, issuer, subject, _display_name(claims), claims.get("email"), role_if_new)


def local_user(db: Database) -> Account:
    """The single user of an app without sign-in: a coach who owns their own uploads."""
    return _get_or_create(db, LOCAL_ISSUER, LOCAL_SUBJECT, LOCAL_NAME, None, "coach", refresh=False)


def _get_or_create(
    db: Database, issuer: str, subject: str, name: str, email: Any, role: str, refresh: bool = True
) -> Account:
    query = select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    for _ in range(2):  # a second try when another session created the same user meanwhile
        try:
            with db.transaction() as s:
                user = s.scalars(query).first()
                if user is None:
                    user = User(
                        oidc_issuer=issuer,
                        oidc_subject=subject,
                        name=name,
                        email=str(email) if email else None,
                        role=role,
                    )
                    s.add(user)
                elif refresh:
                    user.name = name
                    user.email = str(email) if email else user.email
                s.flush()
                return account_of(user)
        except IntegrityError:  # the unique (issuer, subject) raced with another session
            continue
    raise InvalidRequest("Could not create your account; try signing in again.")


def set_role(db: Database, user_id: int, role: str) -> Account:
    """Make a user a coach or a client (an administrator's step, not a page action)."""
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role {role!r}; use coach or client.")
    with db.transaction() as s:
        user = s.get(User, user_id)
        if user is None:
            raise InvalidRequest(f"No user {user_id}.")
        user.role = role
        return account_of(user)
