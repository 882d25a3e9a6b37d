"""Riding out a database that is briefly unreachable (a server restart, a fail-over, SQLite busy).

The worker's analysis does not need the database while it runs: a progress report or a heartbeat that
cannot be written is skipped, saving the result waits for the database to come back, and the serving
loop waits between tries instead of dying with its job half-way (``jobs.runner``, ``jobs.worker``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger("hinge_review.jobs")

T = TypeVar("T")

WAIT_S = 300.0  # how long saving a finished analysis waits for the database before giving up
FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.5, 5.0  # between tries: doubling from the first to the longest


def unreachable(exc: BaseException) -> bool:
    """True for the database's own "cannot talk to it now" errors (connection refused or cut, SQLite
    locked), not for a fault in what was asked of it."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def pauses(first_s: float = FIRST_PAUSE_S, longest_s: float = LONGEST_PAUSE_S):
    """The pauses between tries: ``first_s``, doubling up to ``longest_s``, then that for ever."""
    pause = first_s
    while True:
        yield pause
        pause = min(pause * 2, longest_s)


def patiently(what: str, call: Callable[[], T], *, wait_s: float = WAIT_S, sleep=time.sleep) -> T:
    """``call()``, tried again while the database is unreachable, for up to ``wait_s``; then its error."""
    deadline = time.monotonic() + wait_s
    for pause in pauses():
        try:
            return call()
        except Exception as exc:
            if not unreachable(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("database unreachable (%s): trying again in %.1f s", what, pause)
            sleep(pause)
    raise AssertionError("unreachable")  # pauses() never ends
