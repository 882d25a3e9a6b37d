"""``hinge-review analyze CLIP``: per-rep table on stdout, full result as JSON.

Bad input prints one line to stderr and exits with status 2 (1 for anything
unexpected); never a traceback unless ``HINGE_REVIEW_DEBUG`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.errors import InputError
from pipeline.types import AnalysisConfig, AnalysisResult


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hinge-review", description="Video form review for the hip hinge.")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse one clip")
    a.add_argument("clip", help="video file (mp4, mov, m4v, avi, webm, mkv)")
    a.add_argument("--json", metavar="OUT", help="write the full analysis as JSON to OUT ('-' for stdout)")
    a.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    a.add_argument("--model", default=None, help="path to Ultralytics pose weights (.pt)")
    a.add_argument("--exercise", default="auto", help="the lift, e.g. kettlebell_deadlift, rdl, swing; default auto")
    a.add_argument("--track-id", type=int, default=None, help="analyse this tracked person instead of the automatic choice")
    a.add_argument("--fps", type=float, default=AnalysisConfig.analysis_fps, help="frames per second sent to the model")
    a.add_argument("--imgsz", type=int, default=AnalysisConfig.imgsz, help="model input size in pixels")
    a.add_argument("--backend", default="auto", help="auto, torch, onnx or openvino")
    a.add_argument("--max-duration", type=float, default=AnalysisConfig.max_duration_s, help="longest clip accepted, seconds")
    a.add_argument("--quiet", action="store_true", help="no progress on stderr")
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
        f"reps: {result.rep_count}" + (f" (+{len(result.reps) - result.rep_count} partial)" if len(result.reps) > result.rep_count else ""),
        f"view: {k.view} (confidence {k.view_confidence:.2f}), side: {k.side}, lifter: #{result.pose.lifter_track_id}",
    ]
    if sc is not None:
        if sc.gradable:
            out.append(f"grade: {sc.overall_grade} ({sc.overall_score:.0f}/100) as {sc.exercise_name}"
                       + (" (assumed)" if sc.exercise_assumed else ""))
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


def result_json(result: AnalysisResult) -> dict:
    """The JSON document: the full result plus the headline keys at the top level."""
    from pipeline.serialize import to_jsonable

    doc = to_jsonable(result)
    k = result.kinematics
    reps = []
    for rep, m in zip(result.reps, result.metrics):
        entry = to_jsonable(m)
        entry.update(to_jsonable(rep))
        reps.append(entry)
    sc = result.scorecard
    headline = {
        "rep_count": result.rep_count,
        "movement": result.segmentation.movement,
        "reps": reps,
        "view": k.view,
        "view_confidence": round(k.view_confidence, 3),
        "side": k.side,
        "lifter_track_id": result.pose.lifter_track_id,
        "video": to_jsonable(result.video),
        "timings_s": result.timings_s,
        "scorecard": _scorecard_json(sc) if sc is not None else None,
    }
    doc["summary"] = headline
    doc.update({k_: v for k_, v in headline.items() if k_ not in ("reps", "scorecard")})
    doc["reps"] = reps
    doc["scorecard"] = headline["scorecard"]
    return doc


def _scorecard_json(sc) -> dict:
    from pipeline.serialize import to_jsonable

    out = to_jsonable(sc)
    out["reason"] = sc.reason
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("HINGE_REVIEW_DEBUG"))
    config = AnalysisConfig(
        device=args.device,
        model=args.model,
        exercise=args.exercise,
        track_id=args.track_id,
        analysis_fps=args.fps,
        imgsz=args.imgsz,
        backend=args.backend,
        max_duration_s=args.max_duration,
    )

    def progress(p) -> None:
        if not args.quiet and sys.stderr.isatty():
            eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
            print(f"\r{p.label}: {p.fraction:4.0%}{eta}\033[K", end="", file=sys.stderr, flush=True)

    try:
        from pipeline.run import analyze

        result = analyze(args.clip, config, on_progress=progress)
    except InputError as exc:
        print(f"\rhinge-review: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\rhinge-review: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user
        if debug:
            raise
        print(f"\rhinge-review: analysis failed unexpectedly ({exc.__class__.__name__}: {exc}).", file=sys.stderr)
        return 1
    finally:
        if not args.quiet and sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)

    try:
        return _emit(result, args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


def _emit(result: AnalysisResult, args: argparse.Namespace) -> int:
    doc = result_json(result)
    if args.json == "-":
        print(json.dumps(doc, allow_nan=False))
        return 0
    print(summary(result))
    print()
    print(rep_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, allow_nan=False, indent=1))
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
