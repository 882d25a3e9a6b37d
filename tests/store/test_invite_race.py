"""Two redemptions of one single-use invite at the same moment, each on its own connection (its own engine,
its own thread): on SQLite and on a real PostgreSQL server, never two clients linked by one invite, and the
same client pressing Join twice is one link, not a crash.

Both redemptions are held just before their first write until the other has read the invite too (a barrier
in the engine's ``before_cursor_execute``), so both pass every check on what they read; only the write can
decide. Where a database makes the second one wait before that point (PostgreSQL's row lock), the barrier
times out and each goes on in turn."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, select

from store import Account, InvalidRequest, clients_of, create_invite, open_database, redeem_invite, user_from_claims
from store.models import CoachClient, Invite

HOLD_S = 3.0  # how long a redemption waits at its first write for the other to catch up


def person(db, name: str, role: str = "client") -> Account:
    claims = {"iss": "https://idp.test", "sub": f"{name}-{uuid.uuid4().hex[:6]}", "name": name}
    return user_from_claims(db, claims, role_if_new=role)


@dataclass(frozen=True)
class Outcome:
    coach: Account | None = None
    refused: str | None = None


def _hold_first_write(engine, barrier: threading.Barrier) -> None:
    held = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def _wait(_conn, _cursor, statement: str, *_args) -> None:
        if getattr(held, "done", False) or not statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            return
        held.done = True
        try:
            barrier.wait(timeout=HOLD_S)
        except threading.BrokenBarrierError:
            pass  # the other redemption is waiting on this one (a row lock): go on alone


def redeem_at_once(db_url: str, code: str, clients: list[Account]) -> list[Outcome]:
    """Each client redeems ``code`` on a database connection of their own, all at the same moment."""
    barrier = threading.Barrier(len(clients))
    outcomes: list[Outcome | BaseException] = [Outcome()] * len(clients)

    def redeem(i: int) -> None:
        own = open_database(db_url, migrate=False)
        _hold_first_write(own.engine, barrier)
        try:
            outcomes[i] = Outcome(coach=redeem_invite(own, clients[i], code))
        except InvalidRequest as exc:
            outcomes[i] = Outcome(refused=str(exc))
        except BaseException as exc:  # surfaced below: a crash is a failure, not a refusal
            outcomes[i] = exc
        finally:
            own.dispose()

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [o for o in outcomes if isinstance(o, Outcome)]


def links_of(db, coach: Account) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(CoachClient.client_id).where(CoachClient.coach_id == coach.id)))


def _count(outcomes: list[Outcome], kept: Callable[[Outcome], bool]) -> int:
    return sum(1 for o in outcomes if kept(o))


def test_given_one_invite_when_two_clients_redeem_it_at_the_same_moment_then_exactly_one_is_linked(db_url, db):
    # given
    carol = person(db, "Carol", "coach")
    ann, bob = person(db, "Ann"), person(db, "Bob")
    code = create_invite(db, carol).code
    # when
    outcomes = redeem_at_once(db_url, code, [ann, bob])
    # then
    assert _count(outcomes, lambda o: o.coach is not None and o.coach.id == carol.id) == 1
    assert _count(outcomes, lambda o: o.refused is not None and "already been used" in o.refused) == 1
    linked = links_of(db, carol)
    assert len(linked) == 1 and [c.id for c in clients_of(db, carol)] == linked
    with db.session() as s:
        assert s.scalars(select(Invite.used_by_id).where(Invite.code == code)).one() == linked[0]


def test_given_one_invite_when_the_same_client_joins_twice_at_once_then_one_link_and_no_error(db_url, db):
    # given
    carol, ann = person(db, "Carol", "coach"), person(db, "Ann")
    code = create_invite(db, carol).code
    # when
    outcomes = redeem_at_once(db_url, code, [ann, ann])
    # then
    assert [o.coach.id if o.coach else o.refused for o in outcomes] == [carol.id, carol.id]
    assert links_of(db, carol) == [ann.id]
