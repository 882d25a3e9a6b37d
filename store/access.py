"""Who may see what, enforced here so no page can forget it.

A client sees only their own uploads, analyses and comments; a coach sees their
own (the single local user is a coach who uploads) and those of the clients
linked to them. Only the owner deletes an upload; only a coach reviews.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from store.errors import NotFound, PermissionDenied
from store.models import Analysis, CoachClient, Upload, User
from store.views import Account

# One message for "no such record" and "not yours": a refusal never tells whether someone else's exists.
NOT_YOURS = "There is no review here that you can open: it may have been deleted, or it is not yours."
NOT_YOUR_UPLOAD = "There is no upload here that you can open: it may have been deleted, or it is not yours."


def acting_user(session: Session, account: Account) -> User:
    """The acting user's row, read fresh (a role change takes effect at once)."""
    user = session.get(User, account.id)
    if user is None:
        raise PermissionDenied("Your account no longer exists; sign in again.")
    return user


def is_linked(session: Session, coach_id: int, client_id: int) -> bool:
    return session.get(CoachClient, (coach_id, client_id)) is not None


def can_see_owner(session: Session, user: User, owner_id: int) -> bool:
    if user.id == owner_id:
        return True
    return user.role == "coach" and is_linked(session, user.id, owner_id)


def visible_owner_clause(user: User, owner_column) -> ColumnElement[bool]:
    """SQL condition: ``owner_column`` is the user or (for a coach) one of their linked clients."""
    if user.role != "coach":
        return owner_column == user.id
    linked = exists().where(CoachClient.coach_id == user.id, CoachClient.client_id == owner_column)
    return (owner_column == user.id) | linked


MAX_ID = 2**63 - 1  # the databases' integer keys: a larger number (a mangled link) names nothing


def _storable_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


def visible_upload(session: Session, user: User, upload_id: int) -> Upload:
    upload = session.get(Upload, upload_id) if _storable_id(upload_id) else None
    if upload is None:
        raise NotFound(NOT_YOUR_UPLOAD)
    if not can_see_owner(session, user, upload.owner_id):
        raise PermissionDenied(NOT_YOUR_UPLOAD)
    return upload


def visible_analysis(session: Session, user: User, analysis_id: int) -> tuple[Analysis, Upload]:
    row = (
        session.execute(
            select(Analysis, Upload).join(Upload, Analysis.upload_id == Upload.id).where(Analysis.id == analysis_id)
        ).first()
        if _storable_id(analysis_id)
        else None
    )
    if row is None:
        raise NotFound(NOT_YOURS)
    analysis, upload = row
    if not can_see_owner(session, user, upload.owner_id):
        raise PermissionDenied(NOT_YOURS)
    return analysis, upload


def require_coach(user: User, what: str) -> None:
    if user.role != "coach":
        raise PermissionDenied(f"Only a coach can {what}.")
