"""``hinge-review analyze CLIP``: per-rep table on stdout, full result as JSON;
``hinge-review batch FOLDER_OR_CSV --out DIR``: many clips, locally or on Ray (docs/batch.md).

Bad input prints one line to stderr and exits with status 2 (1 for anything
unexpected); never a traceback unless ``HINGE_REVIEW_DEBUG`` is set. A batch
whose run finished but where some clips failed exits with status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pipeline.document.result_doc import result_json, result_text
from pipeline.errors import InputError
from pipeline.judge.lifts import choose_lift
from pipeline.types import AnalysisConfig, AnalysisResult

T = TypeVar("T")

EXIT_BAD_INPUT = 2
EXIT_SOME_FAILED = 3  # hinge-review batch: the batch ran, but some clips are error rows in summary.csv


def _analysis_options(p: argparse.ArgumentParser) -> None:
    """The settings shared by ``analyze`` and ``batch``."""
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument("--model", default=None, help="path to Ultralytics pose weights (.pt)")
    p.add_argument("--exercise", default="auto", help="the lift, e.g. kettlebell_deadlift, rdl, swing; default auto")
    p.add_argument("--fps", type=float, default=AnalysisConfig.analysis_fps, help="frames per second sent to the model")
    p.add_argument("--imgsz", type=int, default=AnalysisConfig.imgsz, help="model input size in pixels")
    p.add_argument("--backend", default="auto", help="auto, torch, onnx or openvino")
    p.add_argument(
        "--max-duration", type=float, default=AnalysisConfig.max_duration_s, help="longest clip accepted, seconds"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hinge-review", description="Video form review for the hip hinge.")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse one clip")
    a.add_argument("clip", help="video file (mp4, mov, m4v, avi, webm, mkv)")
    a.add_argument("--json", metavar="OUT", help="write the full analysis as JSON to OUT ('-' for stdout)")
    a.add_argument(
        "--track-id", type=int, default=None, help="analyse this tracked person instead of the automatic choice"
    )
    _analysis_options(a)
    b = sub.add_parser(
        "batch",
        help="analyse many clips (a folder or a CSV) into one JSON each and summary.csv",
        description="Analyse every clip of a folder (recursively) or a CSV's file/path column. Clips already "
        "in --out (same content, same settings) are skipped. Exit status: 0 when every clip is "
        f"done, {EXIT_SOME_FAILED} when some clips could not be analysed (see summary.csv), 2 for bad input.",
    )
    b.add_argument("source", metavar="FOLDER_OR_CSV", help="folder of clips, or a CSV with a file or path column")
    b.add_argument("--out", required=True, metavar="DIR", help="output folder (created; reused to resume)")
    b.add_argument(
        "--ray",
        metavar="auto|ADDRESS",
        default=None,
        help="run on Ray: auto (join or start a local Ray) or a cluster address (host:6379, ray://host:10001)",
    )
    b.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="Ray actors, each with one loaded model (default: one per GPU, else one per 2 CPUs)",
    )
    _analysis_options(b)
    return parser


def _fmt(value, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def rep_table(result: AnalysisResult) -> str:
    """The per-rep table printed by the CLI."""
    sc = result.scorecard
    grades = {g.index: g for g in (sc.reps if sc else ())}
    head = f"{'rep':>3} {'start':>6} {'bottom':>6} {'lockout':>7} {'end':>6}  {'hip°':>4} {'knee°':>5} {'torso°':>6} {'shin°':>5} {'ratio':>5} {'down s':>6} {'up s':>4}  grade faults"
    lines = [head]
    for rep, m in zip(result.reps, result.metrics):
        g = grades.get(rep.index)
        lines.append(
            f"{rep.index:>3} {rep.start_s:6.2f} {rep.bottom_s:6.2f} {rep.lockout_s:7.2f} {rep.end_s:6.2f}  "
            f"{_fmt(m.hip_flexion_bottom_deg):>4} {_fmt(m.knee_flexion_bottom_deg):>5} {_fmt(m.torso_angle_bottom_deg):>6} "
            f"{_fmt(m.shin_angle_bottom_deg):>5} {_fmt(m.hinge_ratio, '.2f'):>5} {_fmt(m.descent_s, '.1f'):>6} {_fmt(m.ascent_s, '.1f'):>4}  "
            f"{(g.grade if g else '-'):>5} {', '.join(g.faults) if g and g.faults else ''}"
            + ("  (partial)" if rep.partial else "")
        )
    return "\n".join(lines)


def summary(result: AnalysisResult) -> str:
    v = result.video
    sc = result.scorecard
    k = result.kinematics
    out = [
        f"{Path(v.path).name}: {v.duration_s:.1f} s, {v.width}x{v.height}, {v.fps:.1f} fps"
        + (f", rotated {v.rotation_deg}°" if v.rotation_deg else ""),
        f"movement: {result.segmentation.movement} ({result.segmentation.reason})",
        f"reps: {result.rep_count}"
        + (f" (+{len(result.reps) - result.rep_count} partial)" if len(result.reps) > result.rep_count else ""),
        f"view: {k.view} (confidence {k.view_confidence:.2f}), side: {k.side}, lifter: #{result.pose.lifter_track_id}",
    ]
    if sc is not None:
        if sc.gradable:
            out.append(
                f"grade: {sc.overall_grade} ({sc.overall_score:.0f}/100) as {sc.exercise_name}"
                + (" (assumed)" if sc.exercise_assumed else "")
            )
            if sc.faults:
                out.append("faults: " + ", ".join(sc.faults))
            if sc.caution:
                out.append("caution: " + sc.caution)
        else:
            out.append(f"not gradable: {sc.reason}")
        s = sc.suggestions
        out.append(f"next: {s.kind} - {s.exercise_name or ''}: {s.reason}")
    out.extend(f"note: {w}" for w in result.warnings)
    out.append(f"time: {result.timings_s.get('total', 0):.1f} s on {result.device} ({result.backend})")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("HINGE_REVIEW_DEBUG"))
    lift, failed = _plainly(lambda: choose_lift(args.exercise), "reading --exercise", "stopped.", debug)
    if lift is None:
        return failed or EXIT_BAD_INPUT
    config = AnalysisConfig(
        device=args.device,
        model=args.model,
        exercise=lift.requested,
        track_id=getattr(args, "track_id", None),
        analysis_fps=args.fps,
        imgsz=args.imgsz,
        backend=args.backend,
        max_duration_s=args.max_duration,
    )
    if args.command == "batch":
        return _batch(args, config, debug)

    def progress(p) -> None:
        if not args.quiet and sys.stderr.isatty():
            eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
            print(f"\r{p.label}: {p.fraction:4.0%}{eta}\033[K", end="", file=sys.stderr, flush=True)

    def work():
        from pipeline.run import analyze

        return analyze(args.clip, config, on_progress=progress)

    try:
        result, failed = _plainly(work, "analysis", "stopped.", debug)
    finally:
        if not args.quiet and sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
    if failed is not None:
        return failed
    try:
        return _emit(result, args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


def _batch(args: argparse.Namespace, config: AnalysisConfig, debug: bool) -> int:
    """``hinge-review batch``: Ray and the batch package are imported only here."""
    if args.workers is not None and args.workers < 1:
        print("hinge-review: --workers must be 1 or more.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.workers is not None and args.ray is None:
        print(
            "hinge-review: --workers sets the number of Ray actors: add --ray auto (or a cluster address).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    def work():
        from batch.progress import ProgressBar
        from batch.run import run_batch

        if args.ray is not None:
            try:
                from batch.ray_pool import RayRunner
            except ImportError:
                raise InputError("--ray needs Ray: pip install 'hinge-review[ray]'.") from None
            runner = RayRunner(args.ray, args.workers)
        else:
            from batch.local import LocalRunner

            runner = LocalRunner()
        progress = None if args.quiet else ProgressBar(sys.stderr)
        return run_batch(args.source, args.out, config, runner, progress)

    report, failed = _plainly(work, "batch", "stopped; run the same command again to resume.", debug)
    if failed is not None:
        return failed
    ok = len(report.rows) - report.errors
    print(
        f"{len(report.rows)} clips: {ok} ok ({report.reused} already done), {report.errors} failed, "
        f"in {report.wall_s:.1f} s; summary in {Path(args.out) / 'summary.csv'}"
    )
    return EXIT_SOME_FAILED if report.errors else 0


def _plainly(work: Callable[[], T], what: str, stopped: str, debug: bool) -> tuple[T | None, int | None]:
    """(``work()``, None), or (None, exit status) after one plain line on stderr: bad input (2),
    Ctrl-C (130), anything unexpected (1; raised instead when ``HINGE_REVIEW_DEBUG`` is set)."""
    try:
        return work(), None
    except InputError as exc:
        print(f"\rhinge-review: {exc.message}", file=sys.stderr)
        return None, EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"\rhinge-review: {stopped}", file=sys.stderr)
        return None, 130
    except Exception as exc:  # never a traceback for the user
        if debug:
            raise
        print(f"\rhinge-review: {what} failed unexpectedly ({exc.__class__.__name__}: {exc}).", file=sys.stderr)
        return None, 1


def _emit(result: AnalysisResult, args: argparse.Namespace) -> int:
    doc = result_json(result)
    if args.json == "-":
        print(json.dumps(doc, allow_nan=False))
        return 0
    print(summary(result))
    print()
    print(rep_table(result))
    if args.json:
        Path(args.json).write_text(result_text(doc))
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
