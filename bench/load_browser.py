"""Eight signed-in clients upload at once, in eight browser tabs: the real OpenID Connect provider, the app's
server and its own worker process running the real model, on a real PostgreSQL server, loopback only.

    python bench/load_browser.py        # about 4-6 min on 2 cores; figures in test-artifacts/load8.json

While the queue runs the worker is killed in the middle of a job (a page's poll starts another, which queues
the dead one's job again), and then the database server is restarted (down for a few seconds, every
connection cut). Every tab must end on its own set's review with its grade; the jobs run one client after
another in the order they came (one job each, so first come first served is the fair order); server and
worker stay within the memory bounds of docs/deploy.md and the server is back near its idle size once the
tabs are closed. The script exits non-zero when any of that fails.

It prints, with the CPU model: each tab's upload -> grade on screen, and its ratio to the baseline measured in
the same run (client 8's first set, uploaded alone to the same warm server and worker); the processes'
memory at idle, at the peak and after. It is a bench, not a test, because it measures (speed and memory,
minutes of CPU): the same faults run in the suite without a browser (``tests/jobs/test_load.py``, SQLite and
PostgreSQL) and one tab's many uploads in flight in ``tests/pages/test_uploads_in_flight.py``. It runs
under pytest for the suite's real servers (``tests/support/servers.py``, ``tests/browser/running_app.py``).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest

try:  # the browser tests' modules skip themselves at import where Chromium or Playwright is missing
    from playwright.sync_api import expect
    from sqlalchemy import select

    import store
    from jobs.supervisor import WORKER_LOG
    from store.models import Job, Upload
    from tests.browser.running_app import browser  # noqa: F401  (the fixture, by name)
    from tests.browser.test_browser import (
        ARTIFACTS,
        FIXTURES,
        _assert_no_traceback,
        _metric,
        _on_review_of,
        _shot,
        _upload,
        _why_no_browser,
        _why_no_engine,
    )
    from tests.browser.test_workspace_browser import _nav, _person, _sign_in, oidc_provider, running_app
    from tests.support import factories
    from tests.support.procmem import PeakSampler, read, worker_pid
    from tests.support.servers import postgres_server  # noqa: F401  (the fixture, by name)
except (pytest.skip.Exception, ImportError) as exc:
    if __name__ != "__main__":  # collected by pytest: skipped (or the import error) as there
        raise
    sys.exit(f"cannot run: {getattr(exc, 'msg', None) or exc}")

ROOT = Path(__file__).resolve().parents[1]
CLIP = FIXTURES / "clips" / "bichraix_bad010_squatting-deadlift_side.mp4"  # 2.9 s: the shortest real set
CLIENTS = {f"client{i}": {"email": f"client{i}@example.test", "name": f"Client {i}"} for i in range(1, 9)}
PEOPLE = {"cora": {"email": "cora@example.test", "name": "Cora Coach", "email_verified": True}, **CLIENTS}
ALL_GRADED_MS = 420_000
DATABASE_DOWN_S = 4.0  # a restart or a fail-over: longer than a heartbeat, a progress report and a poll
# docs/deploy.md's bounds (issue 21): server and worker idle <= 600 MB, an analysis's peak <= 1.2 GB, the server
# back within 50 MB of its idle size once the uploads end (one tab: +13 MB, bench/memory.py; eight sessions at
# once: +41 to +82 MB on 2026-12-07). Reported, not asserted.
IDLE_BOUND_MB, PEAK_BOUND_MB, BACK_WITHIN_MB = 600, 1200, 50
# a closed tab's session is kept for a reconnect (120 s by default); 2 s here, so its memory is seen given back
SESSIONS_KEPT_S = 2
SESSIONS_KEPT = ("--server.disconnectedSessionTTL", str(SESSIONS_KEPT_S))


def _copies(names: list[str], folder: Path) -> list[Path]:
    """Copies of the shortest real clip named ``names``, each its own bytes (none taken for an earlier upload)."""
    return [factories.remuxed_copy(CLIP, folder / name, name) for name in names]


def _job_in_pose(db) -> int | None:
    with db.session() as s:
        return s.scalar(select(Job.id).where(Job.status == "running", Job.stage == "pose", Job.progress > 0))


def _done_jobs(db) -> int:
    with db.session() as s:
        return len(s.scalars(select(Job.id).where(Job.status == "done")).all())


def test_eight_clients_upload_at_once_and_every_tab_shows_its_own_grade_through_a_worker_crash_and_a_database_restart(
    browser, postgres_server, tmp_path
):
    first, *clips = _copies(["client8_first.mp4", *(f"{who}_set.mp4" for who in CLIENTS)], tmp_path)
    data = tmp_path / "data"
    database_url = postgres_server.create_database()
    with (
        oidc_provider(PEOPLE, "load8_oidc.log") as provider,
        running_app(
            provider,
            tmp_path,
            data,
            worker=True,
            log_name="load8_streamlit.log",
            extra=SESSIONS_KEPT,
            database_url=database_url,
        ) as (url, server_pid),
    ):
        # given eight clients signed in, each in a tab of their own on the Analyse page
        tabs = []
        for who, claims in CLIENTS.items():
            page = _sign_in(_person(browser), url, who, claims["name"])
            _nav(page, "Analyse")
            expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=60_000)
            tabs.append(page)
        deadline = time.monotonic() + 300
        while "pose model ready" not in ((data / WORKER_LOG).read_text() if (data / WORKER_LOG).is_file() else ""):
            assert time.monotonic() < deadline, "the worker never loaded its model"
            time.sleep(0.2)
        # (the server's idle size is read once a set has been shown, by the last of them: what the first review
        # page loads stays; and client 8 has had a turn, so goes last below whatever the order of arrival)
        alone_started = time.perf_counter()
        _upload(tabs[-1], first)
        _on_review_of(tabs[-1], first, timeout_ms=ALL_GRADED_MS)
        alone_s = round(time.perf_counter() - alone_started, 1)
        _nav(tabs[-1], "Analyse")
        expect(tabs[-1].get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=60_000)
        time.sleep(SESSIONS_KEPT_S + 8.0)
        idle = read(server_pid, data)
        db = store.open_database(database_url)
        try:
            with PeakSampler(server_pid, data) as sampler:
                # when all eight upload at once
                started = time.perf_counter()
                for page, clip in zip(tabs, clips):
                    _upload(page, clip)
                # and the worker is killed in the middle of a job
                deadline = time.monotonic() + 240
                while (victim := _job_in_pose(db)) is None:
                    assert time.monotonic() < deadline, "no job reached its pose stage"
                    time.sleep(0.05)
                killed_pid = worker_pid(data)
                assert killed_pid is not None
                os.kill(killed_pid, signal.SIGKILL)
                # and, with jobs still queued behind the next one done, the database server is restarted
                deadline = time.monotonic() + 300
                while (done := _done_jobs(db)) < 3:  # client 8's first set and two more
                    assert time.monotonic() < deadline, "the queue stopped after the worker was killed"
                    time.sleep(0.1)
                assert done < 1 + len(CLIENTS), "every job was done before the database could be restarted"
                postgres_server.restart(down_s=DATABASE_DOWN_S)
                # then every tab ends on its own set's review, graded
                shown_s = []
                for page, clip in zip(tabs, clips):
                    _on_review_of(page, clip, timeout_ms=ALL_GRADED_MS)
                    shown_s.append(round(time.perf_counter() - started, 1))
                    assert _metric(page, "Overall grade") in tuple("ABCDF")
                    _assert_no_traceback(page)
            _shot(tabs[-1], "load8_last_client_review.png")
            with db.session() as s:
                jobs = s.execute(
                    select(
                        Job.id,
                        Job.status,
                        Job.attempts,
                        Job.created_at,
                        Job.started_at,
                        Job.finished_at,
                        Upload.original_name,
                    )
                    .join(Upload, Upload.id == Job.upload_id)
                    .where(Upload.original_name != first.name)
                    .order_by(Job.created_at, Job.id)
                ).all()
        finally:
            db.dispose()
        # every job done once, the killed one on its second attempt, the jobs started in the order they came
        assert [j.status for j in jobs] == ["done"] * len(CLIENTS)
        assert {j.id: j.attempts for j in jobs if j.attempts != 1} == {victim: 2}
        # (no job overtaken by one that came over a second later: uploads landing together may commit either way)
        # (client 8, who had a turn, last)
        started = [j for j in sorted(jobs, key=lambda j: j.started_at) if j.id != victim]
        assert started[-1].original_name == "client8_set.mp4", [j.original_name for j in started]
        started = started[:-1]
        overtaken = [
            (a.original_name, b.original_name)
            for i, a in enumerate(started)
            for b in started[i + 1 :]
            if (a.created_at - b.created_at).total_seconds() > 1.0
        ]
        assert not overtaken, overtaken
        # (the killed job kept its place: the first to finish, its client not sent to the back of the queue)
        assert min(jobs, key=lambda j: j.finished_at).id == victim
        # and memory stayed within the bounds, the server back near its idle size once the tabs closed
        for page in tabs:
            page.context.close()
        time.sleep(SESSIONS_KEPT_S + 8.0)
        after_server = read(server_pid, data).app_mb
        figures = {
            "jobs_done": len(jobs),
            "upload_order": [j.original_name for j in jobs],
            "finish_order": [j.original_name for j in sorted(jobs, key=lambda j: j.finished_at)],
            "alone_s": alone_s,
            "shown_on_screen_s": shown_s,
            "killed_job": victim,
            "database_restarted_after_jobs_done": done,
            "idle_mb": {"server": round(idle.app_mb), "worker": round(idle.worker_mb)},
            "peak_mb": {"server": round(sampler.peak.app_mb), "worker": round(sampler.peak.worker_mb)},
            "server_after_mb": round(after_server),
        }
        (ARTIFACTS / "load8.json").write_text(json.dumps(figures, indent=1))
        # nothing went wrong on any page on the way: the database restart was a warning and a retry, not an error
        log = (ARTIFACTS / "load8_streamlit.log").read_text()
        assert "Uncaught app execution" not in log, log[log.index("Uncaught app execution") :][:3000]
        assert "database unreachable" in log  # the restart was seen by the pages, and said so
        _print_figures(figures)


def _print_figures(figures: dict) -> None:
    from machine import cpu_description

    alone, shown = figures["alone_s"], figures["shown_on_screen_s"]
    print(f"\n{cpu_description()}")
    print(f"baseline: one set uploaded alone, grade on screen after {alone:.1f} s (same server, worker warm)")
    print("eight tabs uploading at once, grade on screen after (s):", ", ".join(f"{t:.1f}" for t in shown))
    print(
        f"  median {statistics.median(shown):.1f} s = {statistics.median(shown) / alone:.1f}x the baseline; "
        f"last {shown[-1]:.1f} s = {shown[-1] / alone:.1f}x (eight jobs, one worker, a crash and a restart)"
    )
    idle, peak = figures["idle_mb"], figures["peak_mb"]
    print(
        f"memory (MB): idle server {idle['server']} + worker {idle['worker']}; peak {peak['server']} + "
        f"{peak['worker']}; server after the tabs closed {figures['server_after_mb']} "
        f"({figures['server_after_mb'] - idle['server']:+d} on its idle size)"
    )
    # the memory bounds are reported, not asserted: a measurement of this machine (docs/deploy.md)
    for what, mb, bound in (
        ("server and worker idle", idle["server"] + idle["worker"], IDLE_BOUND_MB),
        ("their peaks, summed", peak["server"] + peak["worker"], PEAK_BOUND_MB),
        ("the server over its idle size after", figures["server_after_mb"] - idle["server"], BACK_WITHIN_MB),
    ):
        print(f"  {what}: {mb} MB, bound {bound} MB: {'within' if mb <= bound else 'OVER'}")
    print("figures:", json.dumps(figures))


def main() -> int:
    why = _why_no_engine() or _why_no_browser()
    if why:
        print(f"cannot run: {why}")
        return 1
    return int(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]))


if __name__ == "__main__":
    sys.exit(main())
