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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import FIXTURES, child_result, cpu_description

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CLIPS = FIXTURES / "clips"


# --------------------------------------------------------------------------- children (one per measurement)


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ours(clips: list[str], device: str, workers: int) -> dict:
    """A batch into an empty folder: locally (workers 0) or on a local Ray with ``workers`` actors."""
    sys.path.insert(0, str(ROOT))
    from batch.run import run_batch
    from pipeline.types import AnalysisConfig

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "clips.csv"
        table.write_text("file\n" + "".join(f"{c}\n" for c in clips))
        config = AnalysisConfig(device=device)
        sampler = None
        if workers:
            import logging

            import ray

            from batch.ray_pool import RUNTIME_ENV, RayRunner

            os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a throwaway local cluster: no token file in ~/.ray
            ray.init(
                num_cpus=len(os.sched_getaffinity(0)),
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
                runtime_env=RUNTIME_ENV,
            )
            runner = RayRunner("auto", workers)
            sampler = _ActorMemory()
        else:
            from batch.local import LocalRunner

            runner = LocalRunner()
        started = time.perf_counter()
        report = run_batch(table, Path(tmp) / "out", config, runner)
        wall = time.perf_counter() - started
        actor_mb = sampler.stop() if sampler else 0.0
        docs = {p.name: json.loads(p.read_text()) for p in (Path(tmp) / "out").glob("*.json")}
    return dict(
        wall_s=wall,
        clips=len(report.rows),
        errors=report.errors,
        frames=sum(d["video"]["frame_count"] for d in docs.values()),
        video_s=sum(d["video"]["duration_s"] for d in docs.values()),
        peak_mb=_peak_rss_mb() + actor_mb,
        backend=next(iter(docs.values()))["backend"] if docs else "",
        results={k: [d["rep_count"], (d["scorecard"] or {}).get("overall_grade")] for k, d in docs.items()},
        plan=str(getattr(runner, "plan", "") or ""),
    )


class _ActorMemory:
    """Largest resident memory of any ``ray::ClipActor`` process, sampled on a thread."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.2):
            for p in psutil.process_iter(["cmdline", "memory_info"]):
                try:
                    if any("ClipActor" in part for part in (p.info["cmdline"] or [])[:1]):
                        self.peak_mb = max(self.peak_mb, p.info["memory_info"].rss / 2**20)
                except (psutil.Error, TypeError):
                    continue

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def child_baseline(clips: list[str], device: str) -> dict:
    """AIGym-style: decode every frame with OpenCV, one ``predict`` per frame at default settings."""
    os.environ.setdefault("YOLO_AUTOINSTALL", "False")
    sys.path.insert(0, str(ROOT))
    import cv2
    from ultralytics import YOLO

    import models

    started = time.perf_counter()
    model = YOLO(str(models.find_local()))
    frames, video_s = 0, 0.0
    for clip in clips:
        cap = cv2.VideoCapture(clip)
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        n = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            model.predict(frame, verbose=False, device=device)
            n += 1
        cap.release()
        frames += n
        video_s += n / fps
    wall = time.perf_counter() - started
    return dict(wall_s=wall, clips=len(clips), errors=0, frames=frames, video_s=video_s, peak_mb=_peak_rss_mb())


def run_child(mode: str, clips: list[str], device: str, workers: int = 0) -> dict:
    cmd = [
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--device",
        device,
        "--child-workers",
        str(workers),
        "--child-clips",
        json.dumps(clips),
    ]
    return child_result(cmd, mode, ROOT)


# --------------------------------------------------------------------------- the report


def row(name: str, r: dict) -> str:
    per_min = 60 * r["clips"] / r["wall_s"]
    return f"{name:<40} {r['wall_s']:8.1f} {per_min:10.1f} {r['frames'] / r['wall_s']:10.1f} {r['peak_mb']:12.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips", default=str(FIXTURE_CLIPS), help="folder or CSV of clips (default: the 10 fixture clips)"
    )
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
        out = (
            child_baseline(clips, args.device)
            if args.child == "baseline"
            else child_ours(clips, args.device, args.child_workers)
        )
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
        print(
            f"ours local vs baseline: {base['wall_s'] / ours['wall_s']:.1f}x the clips per minute "
            f"(peak RSS {ours['peak_mb'] / base['peak_mb']:.2f}x)"
        )
    counts = sorted(scaling)
    if len(counts) > 1:
        lo, hi = counts[0], counts[-1]
        print(
            f"Ray {hi} vs {lo} worker{'s' if lo > 1 else ''}: {scaling[lo]['wall_s'] / scaling[hi]['wall_s']:.2f}x "
            f"the throughput; Ray {lo} vs local: {ours['wall_s'] / scaling[lo]['wall_s']:.2f}x"
        )
    if scaling:
        same = all(r["results"] == ours["results"] for r in scaling.values())
        print(f"Ray results (rep counts, grades) identical to local: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
