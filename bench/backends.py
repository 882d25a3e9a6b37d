"""One answer everywhere: rep counts and verdicts of every labelled clip on each model backend.

    python bench/backends.py                       # OpenVINO, ONNX Runtime and PyTorch on the CPU
    python bench/backends.py --also cuda:torch     # and CUDA (half precision) where a GPU is present

Each backend's pose is cached per clip like bench/accuracy.py's (first run
slow, re-runs quick). Prints, per clip where any backend disagrees, the rep
count, verdict (clean / faulty / refused) and grade on each, then how many
clips agree on rep count and on verdict across all backends. The first
backend is the reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labelled import cached_pose, load_clips
from machine import cpu_description
from scoring import Outcome, score_clip

from pipeline.judge.calibration import load_calibration
from pipeline.types import AnalysisConfig

CPU_BACKENDS = ("cpu:openvino", "cpu:onnx", "cpu:torch")


def outcomes_on(device_backend: str, clips) -> tuple[dict[str, Outcome], float]:
    """Every clip's outcome with pose from ``device:backend``; and the pose seconds (cache misses only)."""
    from pipeline.capture.pose import PoseEstimator

    device, backend = device_backend.split(":")
    config = AnalysisConfig(device=device, backend=backend)
    est = PoseEstimator.from_config(config)
    t0 = time.perf_counter()
    records = {c.name: cached_pose(c.path, config, est) for c in clips}
    pose_s = time.perf_counter() - t0
    calibration = load_calibration()
    return {c.name: score_clip(c, records[c.name], config, calibration) for c in clips}, pose_s


def _cell(o: Outcome) -> str:
    return f"{'-' if o.reps_found is None else o.reps_found}/{o.verdict_found}/{o.grade or '-'}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backends", default=",".join(CPU_BACKENDS), help="device:backend, comma separated")
    ap.add_argument("--also", default="", help="more device:backend pairs (e.g. cuda:torch)")
    ap.add_argument("--only", default="", help="only clips whose file name contains this")
    args = ap.parse_args(argv)
    pairs = [p for p in (args.backends + "," + args.also).split(",") if p]
    clips = [c for c in load_clips() if args.only in c.name]
    if not clips:
        print("no labelled clips found (../shared/fixtures)")
        return 1
    print(f"machine: {cpu_description()}")
    results = {}
    for pair in pairs:
        results[pair], pose_s = outcomes_on(pair, clips)
        print(f"{pair:<14} pose for {len(clips)} clips in {pose_s:.1f} s")
    ref = pairs[0]
    same_reps = same_verdict = 0
    print(f"\n{'clip':<44} " + " ".join(f"{p:>18}" for p in pairs) + "   (reps/verdict/grade)")
    for c in clips:
        row = [results[p][c.name] for p in pairs]
        reps_ok = all(o.reps_found == row[0].reps_found for o in row)
        verdict_ok = all(o.verdict_found == row[0].verdict_found for o in row)
        same_reps += reps_ok
        same_verdict += verdict_ok
        if not (reps_ok and verdict_ok):
            print(f"{c.name[:44]:<44} " + " ".join(f"{_cell(o):>18}" for o in row))
    n = len(clips)
    print(f"\nrep counts the same on every backend: {same_reps}/{n}")
    print(f"verdicts the same on every backend:   {same_verdict}/{n}   (reference {ref})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
