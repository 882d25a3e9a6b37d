"""A coach invites a client: a single-use code (also the token in an invite link) that links the two.

The link is the only authority for what a coach sees of a client (``store.access``): a client who leaves
a coach, or a coach who removes a client, ends it, and with it the coach's access to that client's
uploads, reviews and history (the comments already written stay with the reviews).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.access import acting_user, require_coach
from store.db import Database
from store.errors import InvalidRequest, PermissionDenied
from store.models import CoachClient, Invite, User, utcnow
from store.users import account_of
from store.views import Account, InviteView

INVITE_VALID_FOR_S = 14 * 24 * 3600


def create_invite(db: Database, coach: Account, *, valid_for_s: float = INVITE_VALID_FOR_S) -> InviteView:
    """A new invite code from this coach, valid for ``valid_for_s`` seconds."""
    with db.transaction() as s:
        user = acting_user(s, coach)
        require_coach(user, "invite clients")
        invite = Invite(
            code=secrets.token_urlsafe(16), coach_id=user.id, expires_at=utcnow() + timedelta(seconds=valid_for_s)
        )
        s.add(invite)
        s.flush()
        return InviteView(invite.code, invite.coach_id, invite.expires_at)


def _usable_invite(s: Session, user: User, code: str, *, lock: bool) -> Invite:
    """The invite ``code`` names, when this user may accept it; otherwise a plain reason."""
    query = select(Invite).where(Invite.code == code.strip())
    invite = s.scalars(query.with_for_update() if lock else query).first()
    if invite is None:
        raise InvalidRequest("That invite code is not valid; check it or ask your coach for a new one.")
    if invite.used_by_id is not None and invite.used_by_id != user.id:
        raise InvalidRequest("That invite has already been used; ask your coach for a new one.")
    if invite.expires_at < utcnow():
        raise InvalidRequest("That invite has expired; ask your coach for a new one.")
    if invite.coach_id == user.id:
        raise InvalidRequest("That is your own invite; send it to your client.")
    if user.role != "client":
        raise PermissionDenied("Only a client account can accept a coach's invite.")
    return invite


def invite_from(db: Database, client: Account, code: str) -> Account:
    """The coach who made ``code``, when this client may accept it (nothing is linked yet: the client is
    asked first); otherwise the same plain reason ``redeem_invite`` would give."""
    with db.session() as s:
        invite = _usable_invite(s, acting_user(s, client), code, lock=False)
        return account_of(s.get(User, invite.coach_id))


def redeem_invite(db: Database, client: Account, code: str) -> Account:
    """Link this client to the coach who made ``code``; returns the coach."""
    with db.transaction() as s:
        user = acting_user(s, client)
        invite = _usable_invite(s, user, code, lock=True)
        if s.get(CoachClient, (invite.coach_id, user.id)) is None:
            s.add(CoachClient(coach_id=invite.coach_id, client_id=user.id))
        invite.used_by_id, invite.used_at = user.id, invite.used_at or utcnow()
        return account_of(s.get(User, invite.coach_id))


def coaches_of(db: Database, client: Account) -> list[Account]:
    """The coaches linked to this client."""
    with db.session() as s:
        user = acting_user(s, client)
        rows = s.scalars(
            select(User)
            .join(CoachClient, CoachClient.coach_id == User.id)
            .where(CoachClient.client_id == user.id)
            .order_by(User.name)
        )
        return [account_of(u) for u in rows]


def clients_of(db: Database, coach: Account) -> list[Account]:
    """The clients linked to this coach."""
    with db.session() as s:
        user = acting_user(s, coach)
        require_coach(user, "list clients")
        rows = s.scalars(
            select(User)
            .join(CoachClient, CoachClient.client_id == User.id)
            .where(CoachClient.coach_id == user.id)
            .order_by(User.name)
        )
        return [account_of(u) for u in rows]


def _unlink(s: Session, coach_id: int, client_id: int) -> bool:
    return bool(
        s.execute(
            delete(CoachClient).where(CoachClient.coach_id == coach_id, CoachClient.client_id == client_id)
        ).rowcount
    )


def leave_coach(db: Database, client: Account, coach_id: int) -> None:
    """This client stops working with ``coach_id``: that coach no longer sees their uploads or history."""
    with db.transaction() as s:
        user = acting_user(s, client)
        if not _unlink(s, coach_id, user.id):
            raise InvalidRequest("You are not linked with that coach (any more).")


def remove_client(db: Database, coach: Account, client_id: int) -> None:
    """This coach stops working with ``client_id``: they no longer see that client's uploads or history."""
    with db.transaction() as s:
        user = acting_user(s, coach)
        require_coach(user, "remove a client")
        if not _unlink(s, user.id, client_id):
            raise InvalidRequest("That person is not one of your clients (any more).")
