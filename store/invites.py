"""A coach invites a client: a single-use code (also the token in an invite link) that links the two.

The link is the only authority for what a coach sees of a client (``store.access``): a client who leaves
a coach, or a coach who removes a client, ends it, and with it the coach's access to that client's
uploads, reviews and history (the comments already written stay with the reviews).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
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


USED = "That invite has already been used; ask your coach for a new one."


def _usable_invite(s: Session, user: User, code: str) -> Invite:
    """The invite ``code`` names, when this user may accept it; otherwise a plain reason."""
    invite = s.scalars(select(Invite).where(Invite.code == code.strip())).first()
    if invite is None:
        raise InvalidRequest("That invite code is not valid; check it or ask your coach for a new one.")
    if invite.used_by_id is not None and invite.used_by_id != user.id:
        raise InvalidRequest(USED)
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
        invite = _usable_invite(s, acting_user(s, client), code)
        return account_of(s.get(User, invite.coach_id))


def _claim(s: Session, invite: Invite, user: User) -> bool:
    """Mark ``invite`` used by ``user`` unless someone else used it first: one guarded UPDATE whose row count
    decides, on every database. Two redemptions at once cannot both pass it: PostgreSQL makes the second
    UPDATE wait for the first and test its condition again; SQLite runs one write transaction at a time,
    and the UPDATE is this transaction's first write, so it sees what the other committed (had the
    transaction read from an older snapshot, SQLite would refuse the write as busy, never let it through)."""
    now = utcnow()
    claimed = s.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            or_(Invite.used_by_id.is_(None), Invite.used_by_id == user.id),
            Invite.expires_at >= now,
        )
        .values(used_by_id=user.id, used_at=func.coalesce(Invite.used_at, now))
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _link(s: Session, coach_id: int, client_id: int) -> None:
    """The coach-client link, made once: a link already there (the same client joining twice at once, or
    through another invite from the same coach) is kept as it is."""
    inserts = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    insert = inserts.get(s.get_bind().dialect.name)
    if insert is not None:
        s.execute(insert(CoachClient).values(coach_id=coach_id, client_id=client_id).on_conflict_do_nothing())
    elif s.get(CoachClient, (coach_id, client_id)) is None:  # another database: its key still allows one link
        s.add(CoachClient(coach_id=coach_id, client_id=client_id))


def redeem_invite(db: Database, client: Account, code: str) -> Account:
    """Link this client to the coach who made ``code``; returns the coach. A single-use invite links one
    client however many redeem it at the same moment: the others are told it has been used."""
    with db.transaction() as s:
        user = acting_user(s, client)
        invite = _usable_invite(s, user, code)
        if not _claim(s, invite, user):
            raise InvalidRequest(USED)
        _link(s, invite.coach_id, user.id)
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
