"""Riding out an unreachable database (``jobs.outage``) and the serving loop that uses it: synthetic
failures with exact answers. The real server restart is in ``test_load.py``."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from jobs import outage, worker

REFUSED = OperationalError("SELECT 1", {}, Exception("connection refused"))


class Flaky:
    """Raises ``errors`` one per call, then returns ``value``."""

    def __init__(self, errors: list[BaseException], value: object = "saved"):
        self.errors, self.value, self.calls = list(errors), value, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.value


def test_given_the_database_down_for_two_tries_when_saving_patiently_then_it_waits_doubling_and_saves():
    slept: list[float] = []
    call = Flaky([REFUSED, REFUSED])
    assert outage.patiently("saving", call, sleep=slept.append) == "saved"
    assert call.calls == 3 and slept == [0.5, 1.0]


def test_given_an_error_in_what_was_asked_when_saving_patiently_then_it_is_raised_at_once():
    duplicate = IntegrityError("INSERT", {}, Exception("duplicate key"))
    call = Flaky([duplicate])
    with pytest.raises(IntegrityError):
        outage.patiently("saving", call, sleep=lambda s: None)
    assert call.calls == 1


def test_given_the_database_never_back_when_saving_patiently_then_its_error_comes_after_the_wait():
    slept: list[float] = []
    call = Flaky([REFUSED] * 100)
    with pytest.raises(OperationalError):
        outage.patiently("saving", call, wait_s=0.0, sleep=slept.append)
    assert call.calls == 1 and slept == []


def test_the_pauses_double_up_to_the_longest():
    pauses = outage.pauses(0.5, 5.0)
    assert [next(pauses) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_given_the_queue_unreadable_for_a_while_when_serving_then_the_loop_waits_and_runs_the_jobs_after(
    monkeypatch, caplog
):
    # given a database that refuses the queue's reads twice, then has one job
    slept: list[float] = []
    monkeypatch.setattr(worker.time, "sleep", slept.append)
    monkeypatch.setattr(worker.queue, "recover_stale", lambda db, **kw: {})
    monkeypatch.setattr(worker, "_sweep", lambda db, blobs: None)
    ran: list[dict[int, str]] = []
    run_pending = Flaky([REFUSED, REFUSED], value={7: "done"})

    def pending(token: str) -> dict[int, str]:
        out = run_pending()
        ran.append(out)  # type: ignore[arg-type]
        return out  # type: ignore[return-value]

    # when the worker serves until its first job has run
    with caplog.at_level(logging.INFO, logger="hinge_review.jobs"):
        worker._serve_loop(
            SimpleNamespace(url="postgresql://db.test/hinge"),  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            pending,
            0.1,
            120.0,
            3,
            worker._Idle(False, None),
            lambda: bool(ran),
            "w1",
        )
    # then it paused between tries instead of dying, and ran the job once the database answered
    assert run_pending.calls == 3 and ran == [{7: "done"}] and slept == [0.5, 1.0]
    assert "database reachable again" in caplog.text and "job 7 done" in caplog.text
