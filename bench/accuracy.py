"""How often the verdict agrees with the people who labelled the real clips.

    python bench/accuracy.py                 # every labelled clip, one row each, then the summary
    python bench/accuracy.py --only yfgd     # clips whose file name contains "yfgd"
    python bench/accuracy.py --refresh       # ignore the pose cache
    python bench/accuracy.py --json out.json # the per-clip outcomes as JSON too
    python bench/accuracy.py --letterbox frame  # pose on the frame-shaped letterbox (pipeline.capture.pose)
    python bench/accuracy.py --keep-bars     # the model sees whole frames, black bars and all
    python bench/accuracy.py --frame-people  # the model sees a box around the people, not the whole picture
    python bench/accuracy.py --no-mirror-average  # the model run on each frame only, not also on its mirror image
    python bench/accuracy.py --stability     # also: which verdicts move when the pose moves ~2 px
    python bench/accuracy.py --variants      # also: the verdict on mirrored, portrait, half-size, darker copies

Runs the real model once per clip (one loaded model; pose cached by content
hash under bench/out/pose-cache), then the pure stages (``pipeline.run.assess``).
A bad rep must come out faulty (a failed fault in the set, or grade C or lower);
a good one clean (A or B, no fault). Figures are reported in-sample and with
leave-one-source-out cross-validation of the fitted thresholds (see
``bench/calibrate.py``): each source repository's clips are scored with
thresholds fitted on the other sources only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labelled import cached_pose, load_clips
from scoring import (
    Outcome,
    assess_clip,
    margin_honesty,
    outcome_of,
    print_margin_honesty,
    reading_noise,
    score_clip,
)

from pipeline.judge.calibration import load_calibration
from pipeline.types import AnalysisConfig


# ------------------------------------------------------------------ summary
def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.0f}%)" if d else "0/0 (-)"


def headline(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    """The outcomes each headline figure counts (numerator and denominator lists)."""
    exact = [o for o in outcomes if o.reps_exact is not None]
    known = [o for o in outcomes if o.verdict_right is not None]
    side_known = [o for o in known if o.view_label == "side"]
    gradable = [o for o in outcomes if o.gradable_side_lift]
    return {
        "exact": exact,
        "reps_ok": [o for o in exact if o.reps_found == o.reps_exact],
        "known": known,
        "side_known": side_known,
        "side_right": [o for o in side_known if o.verdict_right],
        "gradable": gradable,
        "refused": [o for o in gradable if o.refused],
    }


def summarise(outcomes: list[Outcome], title: str) -> dict:
    """Headline figures, printed and returned."""
    h = headline(outcomes)
    exact, reps_ok, known, side_known = h["exact"], h["reps_ok"], h["known"], h["side_known"]
    side_right, gradable, refused = h["side_right"], h["gradable"], h["refused"]
    print(f"\n== {title}")
    print(f"rep counts exact:                 {_pct(len(reps_ok), len(exact))}")
    print(f"verdict right, side view:         {_pct(len(side_right), len(side_known))}")
    side_borderline = [o for o in side_known if o.verdict_found == "borderline"]
    print(
        f"borderline, side view:            {_pct(len(side_borderline), len(side_known))}"
        + (f"  ({', '.join(o.clip for o in side_borderline)})" if side_borderline else "")
    )
    print(f"verdict right, all views:         {_pct(sum(bool(o.verdict_right) for o in known), len(known))}")
    print(f"gradable side-view lifts refused: {_pct(len(refused), len(gradable))}")
    for kind, n in Counter(o.refusal_kind for o in refused).most_common():
        print(f"    {kind}: {n}  ({'; '.join(o.clip for o in refused if o.refusal_kind == kind)})")
    wrong = [o for o in side_known if not o.verdict_right]
    if wrong:
        print(
            "side-view verdicts wrong: " + ", ".join(f"{o.clip} ({o.verdict_label}->{o.verdict_found})" for o in wrong)
        )

    clean = [o for o in outcomes if o.verdict_label == "good" and not o.refused]
    faulty = [o for o in outcomes if o.verdict_label == "bad" and not o.refused]
    print(f"grades of clean clips:            {dict(sorted(Counter(o.grade for o in clean).items()))}")
    print(f"grades of faulty clips:           {dict(sorted(Counter(o.grade for o in faulty).items()))}")

    per_fault = fault_table(outcomes)
    print(f"{'fault':20s} {'caught':>14s} {'false alarms (clean)':>22s}")
    for code, row in per_fault.items():
        print(f"{code:20s} {_pct(row['caught'], row['shown']):>14s} {_pct(row['false'], row['clean']):>22s}")
    return {
        "reps_exact": [len(reps_ok), len(exact)],
        "verdict_side": [len(side_right), len(side_known)],
        "borderline_side": [len(side_borderline), len(side_known)],
        "verdict_all": [sum(bool(o.verdict_right) for o in known), len(known)],
        "refused_side": [len(refused), len(gradable)],
        "faults": per_fault,
    }


def fault_table(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Per named fault: clips showing it and caught; clean graded clips and false alarms."""
    from pipeline.judge.rules import FAULTS

    clean = [o for o in outcomes if o.verdict_label == "good" and not o.refused]
    table: dict[str, dict[str, int]] = {}
    for f in FAULTS:
        shown = [o for o in outcomes if f.code in o.faults_label]
        caught = [o for o in shown if f.code in o.faults_found]
        false = [o for o in clean if f.code in o.faults_found]
        if shown or false:
            table[f.code] = {"shown": len(shown), "caught": len(caught), "clean": len(clean), "false": len(false)}
    return table


def print_rows(outcomes: list[Outcome]) -> None:
    print(f"{'clip':44s} {'view':11s} {'reps':>8s} {'label':>9s} {'found':>8s} {'grade':>5s}  faults / refusal")
    for o in outcomes:
        reps = f"{o.reps_found if o.reps_found is not None else '-'}/{o.reps_label}"
        label = (o.verdict_label or "-") + ("" if not o.faults_label else "")
        mark = {True: " ", False: "✗", None: " "}[o.verdict_right]
        detail = ",".join(o.faults_found) if not o.refused else f"[{o.refusal_kind}] {o.refused[:70]}"
        print(
            f"{mark}{o.clip[:43]:43s} {o.view_label[:11]:11s} {reps:>8s} {label:>9s} {o.verdict_found:>8s} "
            f"{o.grade or '-':>5s}  {detail}  {'/'.join(o.faults_label)}"
        )


def stability(clips, assessed: list, config: AnalysisConfig, calibration) -> dict:
    """The same clips on the other letterbox: the keypoints move by about 2 px (at 416 px) and
    nothing else changes, so a verdict that flips sits within the measurement's own noise, and how
    far each reading moves is that measure's noise (no label needed). ``assessed``: the clips' Assessments
    (or refusals) on ``config``'s pose, made once by ``main``."""
    from dataclasses import replace

    from pipeline.capture.pose import PoseEstimator

    other = replace(config, letterbox="frame" if config.letterbox == "square" else "square")
    estimator = PoseEstimator.from_config(other)
    pairs = [
        (a, assess_clip(c, cached_pose(c.path, other, estimator), other, calibration)) for c, a in zip(clips, assessed)
    ]
    moved = [(outcome_of(c, a), outcome_of(c, b)) for c, (a, b) in zip(clips, pairs)]
    flips = [(a, b) for a, b in moved if (a.verdict_found, a.reps_found) != (b.verdict_found, b.reps_found)]
    print(f"\n== stability: the pose on the {other.letterbox} letterbox instead ({config.letterbox})")
    for a, b in flips:
        print(
            f"  {a.clip[:43]:43s} {a.verdict_found:>8s} {a.grade or '-'} {a.reps_found} reps -> "
            f"{b.verdict_found:>8s} {b.grade or '-'} {b.reps_found} reps  {(b.refused or ','.join(b.faults_found))[:60]}"
        )
    same = len(moved) - len(flips)
    print(f"verdict and rep count unchanged:  {_pct(same, len(moved))}")
    noise = reading_noise(pairs)
    print("how far each reading moves (reps read on both inputs; |difference|):")
    print(f"  {'measure':28s} {'reps':>5s} {'p50':>8s} {'p75':>8s} {'p90':>8s} {'read on one only':>17s}")
    for m, n in noise.items():
        print(f"  {m:28s} {n['reps']:5d} {n['p50']:8.3f} {n['p75']:8.3f} {n['p90']:8.3f} {n['one_only']:17d}")
    honesty = margin_honesty(pairs)
    print_margin_honesty(honesty)
    return {
        "unchanged": same,
        "clips": len(moved),
        "changed": [a.clip for a, _ in flips],
        "reading_noise": noise,
        "margin_honesty": honesty,
    }


def held_out_calibrations(sources: set[str], config: AnalysisConfig, estimator) -> dict:
    """Per source, the thresholds fitted on every labelled clip of the other sources."""
    from calibrate import clip_values, fit_calibration

    every = load_clips()
    values = clip_values(every, config, estimator)
    return {s: fit_calibration([c for c in every if c.source != s], config, estimator, values) for s in sorted(sources)}


def variant_bench(
    clips,
    assessed: list,
    outcomes: list[Outcome],
    held_out: list[Outcome] | None,
    config: AnalysisConfig,
    estimator,
    calibration,
    fitted: dict | None,
) -> dict:
    """The same clips mirrored, letterboxed into a portrait frame, at half size and 25% darker
    (``bench/variants.py``): which verdicts or rep counts change. The thresholds are never fitted on a
    variant: in-sample is the shipped calibration, held out the levels fitted on the other sources' originals
    (``fitted``, by source; None: no held-out figures). ``assessed`` and ``outcomes``: the originals', from
    ``main``."""
    from dataclasses import replace

    from variants import VARIANTS, write_variants

    def said(o: Outcome) -> str:
        return f"{o.verdict_found} {o.grade or '-'} {o.reps_found if o.reps_found is not None else '-'} reps"

    print(f"\n== variants: {', '.join(VARIANTS)} (verdict and rep count against the original's)")
    per: dict[str, list[Outcome]] = {v: [] for v in VARIANTS}
    held: dict[str, list[Outcome]] = {v: [] for v in VARIANTS}
    changed: dict[str, list[str]] = {}
    pairs = []  # (original, variant) Assessments, for the margins' check
    for clip, base, original in zip(clips, assessed, outcomes):
        for name, path in write_variants(clip.path, VARIANTS).items():
            vc = replace(clip, path=path)
            record = cached_pose(path, config, estimator)
            label = f"{clip.name} [{name}]"
            variant = assess_clip(vc, record, config, calibration)
            pairs.append((base, variant))
            per[name].append(replace(outcome_of(vc, variant), clip=label))
            if fitted is not None:
                held[name].append(replace(score_clip(vc, record, config, fitted[clip.source]), clip=label))
        moved = [
            (v, per[v][-1])
            for v in VARIANTS
            if (per[v][-1].verdict_found, per[v][-1].reps_found) != (original.verdict_found, original.reps_found)
        ]
        if moved:
            changed[clip.name] = [v for v, _ in moved]
        detail = "; ".join(f"{v}: {said(o)} {(o.refused or ','.join(o.faults_found))[:50]}".rstrip() for v, o in moved)
        print(f"{'differs' if moved else 'same':8s}{clip.name[:43]:43s} {said(original):22s} {detail}", flush=True)
    same = len(clips) - len(changed)
    print(f"verdict and rep count the same on all four variants: {_pct(same, len(clips))}")
    for v in VARIANTS:
        print(f"    same on {v + ':':9s} {_pct(len(clips) - sum(v in c for c in changed.values()), len(clips))}")

    sets = [("original", outcomes, held_out)] + [(v, per[v], held[v] if fitted is not None else None) for v in VARIANTS]
    print(f"{'set':10s} {'reps exact':>14s} {'side verdict right':>19s} {'held out':>14s} {'side refused':>14s}")
    table = {}
    for name, ins, out in sets:
        h = headline(ins)
        cv = headline(out) if out is not None else None
        right = (len(cv["side_right"]), len(cv["side_known"])) if cv else None
        print(
            f"{name:10s} {_pct(len(h['reps_ok']), len(h['exact'])):>14s} "
            f"{_pct(len(h['side_right']), len(h['side_known'])):>19s} {_pct(*right) if right else '-':>14s} "
            f"{_pct(len(h['refused']), len(h['gradable'])):>14s}"
        )
        table[name] = {
            "reps_exact": [len(h["reps_ok"]), len(h["exact"])],
            "verdict_side": [len(h["side_right"]), len(h["side_known"])],
            "verdict_side_held_out": list(right) if right else None,
            "refused_side": [len(h["refused"]), len(h["gradable"])],
        }
    honesty = margin_honesty(pairs)
    print_margin_honesty(honesty)
    return {"same": same, "clips": len(clips), "changed": changed, "figures": table, "margin_honesty": honesty}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="only clips whose file name contains this")
    ap.add_argument("--refresh", action="store_true", help="recompute pose instead of using the cache")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--no-cv", action="store_true", help="skip the leave-one-source-out figures")
    ap.add_argument("--json", type=Path, help="write the per-clip outcomes here")
    ap.add_argument("--letterbox", default="square", choices=("square", "frame"))
    ap.add_argument("--imgsz", type=int, default=AnalysisConfig().imgsz, help="the model's input size (px)")
    ap.add_argument(
        "--keep-bars", action="store_true", help="give the model whole frames, black bars and all (crop_bars off)"
    )
    ap.add_argument(
        "--frame-people",
        action="store_true",
        help="give the model a box around the people in the picture (frame_people on; docs/accuracy.md)",
    )
    ap.add_argument(
        "--no-mirror-average",
        action="store_true",
        help="run the model on each frame only, not also on its mirror image (pipeline.capture.mirror)",
    )
    ap.add_argument(
        "--stability",
        action="store_true",
        help="also score every clip on the other letterbox's pose and list what changes",
    )
    ap.add_argument(
        "--variants",
        action="store_true",
        help="also score every clip mirrored, portrait-letterboxed, half-size and darker (bench/variants.py)",
    )
    args = ap.parse_args(argv)

    clips = [c for c in load_clips() if args.only in c.name]
    if not clips:
        print("no labelled clips found (../shared/fixtures)")
        return 1
    config = AnalysisConfig(
        device=args.device,
        backend=args.backend,
        letterbox=args.letterbox,
        imgsz=args.imgsz,
        crop_bars=not args.keep_bars,
        frame_people=args.frame_people,
        mirror_average=not args.no_mirror_average,
    )
    from pipeline.capture.pose import PoseEstimator

    t0 = time.perf_counter()
    estimator = PoseEstimator.from_config(config)
    if args.refresh:
        import shutil

        from labelled import CACHE_DIR

        shutil.rmtree(CACHE_DIR, ignore_errors=True)
    records = {c.name: cached_pose(c.path, config, estimator) for c in clips}
    t_pose = time.perf_counter() - t0
    print(f"pose for {len(clips)} clips in {t_pose:.1f} s ({estimator.device}, {estimator.backend})")

    calibration = load_calibration()
    from calibrate import fitted_numbers

    print(f"numbers fitted on labelled clips (the shipped calibration): {fitted_numbers(calibration)}")
    t1 = time.perf_counter()
    assessed = [assess_clip(c, records[c.name], config, calibration) for c in clips]
    outcomes = [outcome_of(c, a) for c, a in zip(clips, assessed)]
    print_rows(outcomes)
    report = {"in_sample": summarise(outcomes, "in-sample (the shipped calibration)")}
    fitted, cv = None, None
    if not args.no_cv:
        fitted = held_out_calibrations({c.source for c in clips}, config, estimator)
        cv = [score_clip(c, records[c.name], config, fitted[c.source]) for c in clips]
        report["held_out"] = summarise(cv, "held out by source (thresholds fitted without the clip's source)")
    if args.stability:
        report["stability"] = stability(clips, assessed, config, calibration)
    if args.variants:
        report["variants"] = variant_bench(clips, assessed, outcomes, cv, config, estimator, calibration, fitted)
    print(f"\nscoring took {time.perf_counter() - t1:.1f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"outcomes": [asdict(o) | {"verdict_found": o.verdict_found} for o in outcomes], "summary": report},
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
