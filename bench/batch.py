"""Batch throughput: ``hinge-review batch`` against a per-frame baseline loop, and Ray from 1 to 2 workers.

    python bench/batch.py                       # the 10 fixture clips, CPU
    python bench/batch.py --clips DIR_OR_CSV --limit 20 --device cuda
    python bench/batch.py --no-baseline --workers 1 2 4

Each measurement runs in a fresh child process so its peak memory (max RSS)
is its own; every wall time includes loading the model, as a user waits for it.

- ours, local: ``batch.run_batch`` with one model in the process (the
  ``hinge-review batch`` path), into an empty output folder.
- baseline: what Ultralytics' AIGym solution does, for every clip: OpenCV
  decodes each frame and ``YOLO(weights).predict`` runs on it at default
  settings (640 px, PyTorch); no analysis after it.
- ours, Ray N workers: the same batch on a local Ray (``ray.init(num_cpus=...)``
  in the child) with N model-holding actors; peak RSS is the driver's plus the
  largest actor's (sampled every 0.2 s).

Figures: clips per minute, video frames per second (the clips' own frames,
all of them, over the wall time) and peak RSS; then the ratios, and whether
the Ray runs gave the same rep counts and grades as the local one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_description  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CLIPS = ROOT.parent / "shared" / "fixtures" / "clips"


# --------------------------------------------------------------------------- the report

def row(name: str, r: dict) -> str:
    per_min = 60 * r["clips"] / r["wall_s"]
    return (f"{name:<40} {r['wall_s']:8.1f} {per_min:10.1f} {r['frames'] / r['wall_s']:10.1f} "
            f"{r['peak_mb']:12.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default=str(FIXTURE_CLIPS), help="folder or CSV of clips (default: the 10 fixture clips)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="Ray worker counts to measure")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-clips", help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        clips = json.loads(args.child_clips)
        out = (child_baseline(clips, args.device) if args.child == "baseline"
               else child_ours(clips, args.device, args.child_workers))
        print(json.dumps(out))
        return 0

    sys.path.insert(0, str(ROOT))
    from batch.discover import discover

    clips = [str(c.path.resolve()) for c in discover(args.clips)][: args.limit]
    print(f"CPU: {cpu_description()}")
    print(f"device: {args.device}; {len(clips)} clips from {args.clips}\n")
    print(f"{'':<40} {'wall s':>8} {'clips/min':>10} {'video fps':>10} {'peak RSS MB':>12}")

    ours = run_child("ours", clips, args.device)
    print(row(f"ours, local (one model, {ours['backend']})", ours), flush=True)
    print(f"   {ours['video_s']:.1f} s of video, {ours['frames']} frames, {ours['errors']} clips failed")
    base = None
    if not args.no_baseline:
        base = run_child("baseline", clips, args.device)
        print(row("baseline (AIGym-style predict per frame)", base), flush=True)
    scaling = {}
    for n in args.workers:
        r = run_child("ours", clips, args.device, workers=n)
        scaling[n] = r
        print(row(f"ours, Ray {n} worker{'s' if n > 1 else ''}", r) + f"   {r['plan']}", flush=True)

    print()
    if base is not None:
        print(f"ours local vs baseline: {base['wall_s'] / ours['wall_s']:.1f}x the clips per minute "
              f"(peak RSS {ours['peak_mb'] / base['peak_mb']:.2f}x)")
    counts = sorted(scaling)
    if len(counts) > 1:
        lo, hi = counts[0], counts[-1]
        print(f"Ray {hi} vs {lo} worker{'s' if lo > 1 else ''}: {scaling[lo]['wall_s'] / scaling[hi]['wall_s']:.2f}x "
              f"the throughput; Ray {lo} vs local: {ours['wall_s'] / scaling[lo]['wall_s']:.2f}x")
    same = all(r["results"] == ours["results"] for r in scaling.values())
    print(f"Ray results (rep counts, grades) identical to local: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
