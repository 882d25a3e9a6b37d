"""A batch end to end: discover, identify, skip what is done, analyse the rest, write as results come in."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from batch.discover import Clip, discover
from batch.identity import sha256_file
from batch.progress import ProgressBar
from batch.store import doc_text, find_done, result_path, write_atomic
from batch.summary import SummaryRow, error_row, ok_row, write_summary
from batch.worker import ClipJob, ClipOutcome
from pipeline.errors import InputError
from pipeline.types import AnalysisConfig

LOST = "No result came back for this clip (its worker stopped); run the batch again to retry it."


class Runner(Protocol):
    """Analyses jobs and yields one outcome per job, in any order."""

    name: str

    def run(self, jobs: Sequence[ClipJob], config: AnalysisConfig) -> Iterator[ClipOutcome]: ...


@dataclass(frozen=True)
class BatchPlan:
    """What is already settled (a row) and what still needs analysing (a job per distinct content)."""

    clips: tuple[Clip, ...]
    rows: tuple[SummaryRow | None, ...]  # by clip; None while waiting for analysis
    jobs: tuple[ClipJob, ...]
    clips_of: dict[str, tuple[int, ...]]  # sha256 -> indices of the clips with that content

    @property
    def settled(self) -> int:
        return sum(r is not None for r in self.rows)


@dataclass(frozen=True)
class BatchReport:
    out_dir: Path
    rows: tuple[SummaryRow, ...]
    analysed: int  # distinct clips analysed in this run
    reused: int  # clips whose result was already in the output folder
    wall_s: float

    @property
    def errors(self) -> int:
        return sum(r.status == "error" for r in self.rows)


def plan_batch(clips: Sequence[Clip], out_dir: Path, config: AnalysisConfig) -> BatchPlan:
    """Hash each clip and decide: reuse a stored result, report an unreadable file, or analyse."""
    rows: list[SummaryRow | None] = []
    jobs: list[ClipJob] = []
    clips_of: dict[str, list[int]] = {}
    for i, clip in enumerate(clips):
        try:
            sha = sha256_file(clip.path)
        except FileNotFoundError:
            rows.append(error_row(clip.name, "", f"File not found: {clip.path}"))
            continue
        except OSError as exc:
            rows.append(error_row(clip.name, "", f"Cannot read {clip.path} ({exc.strerror or exc})."))
            continue
        done = find_done(out_dir, sha, config)
        if done is not None:
            rows.append(ok_row(clip.name, sha, done[1], reused=True))
            continue
        rows.append(None)
        if sha not in clips_of:
            jobs.append(ClipJob(sha, clip.path))
        clips_of.setdefault(sha, []).append(i)
    return BatchPlan(tuple(clips), tuple(rows), tuple(jobs), {k: tuple(v) for k, v in clips_of.items()})


def run_batch(
    source: str | Path,
    out_dir: str | Path,
    config: AnalysisConfig = AnalysisConfig(),
    runner: Runner | None = None,
    progress: ProgressBar | None = None,
) -> BatchReport:
    """Analyse every clip of ``source`` (folder or CSV) into ``out_dir``.

    Writes ``<hash>-<stem>.json`` per clip and ``summary.csv`` after each
    result. Raises ``InputError`` only for problems with the batch as a whole
    (nothing to analyse, output folder not writable, model not loadable); a
    bad clip is an error row.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    clips = discover(source)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the output folder {out_dir} ({exc.strerror or exc}).") from exc
    if runner is None:
        from batch.local import LocalRunner

        runner = LocalRunner()
    plan = plan_batch(clips, out_dir, config)
    rows = list(plan.rows)
    reused = sum(r is not None and r.reused for r in rows)
    _write_rows(out_dir, rows)
    if progress is not None:
        progress.begin(len(clips), plan.settled)

    analysed = 0
    for outcome in runner.run(plan.jobs, config):
        indices = plan.clips_of[outcome.sha256]
        first = clips[indices[0]]
        if outcome.ok:
            write_atomic(result_path(out_dir, outcome.sha256, first.path.stem), doc_text(outcome.doc))
        for i in indices:
            rows[i] = (
                ok_row(clips[i].name, outcome.sha256, outcome.doc)
                if outcome.ok
                else error_row(clips[i].name, outcome.sha256, outcome.error, outcome.seconds)
            )
        analysed += 1
        _write_rows(out_dir, rows)
        if progress is not None:
            progress.update(first.name, "ok" if outcome.ok else "error", outcome.error)

    lost = [i for i, r in enumerate(rows) if r is None]
    for i in lost:
        rows[i] = error_row(clips[i].name, next(s for s, ix in plan.clips_of.items() if i in ix), LOST)
    if lost:
        _write_rows(out_dir, rows)
    if progress is not None:
        progress.close()
    final = tuple(r for r in rows if r is not None)
    return BatchReport(out_dir, final, analysed, reused, time.perf_counter() - started)


def _write_rows(out_dir: Path, rows: list[SummaryRow | None]) -> None:
    write_summary(out_dir, [r for r in rows if r is not None])
