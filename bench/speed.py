"""Speed and memory of the whole analysis against an AIGym-style baseline.

    python bench/speed.py            # fixture clip + 30 s 1080p30 clip
    python bench/speed.py --long     # also peak memory on a 5-minute 1080p clip
    python bench/speed.py --device cuda

Every measurement runs in a fresh child process so its peak memory (max RSS)
is its own. "Ours" is ``pipeline.run.analyze`` with default settings; the
baseline is what Ultralytics' AIGym example does: OpenCV decodes every frame
and ``YOLO(weights).predict`` runs on each at default settings (640 px,
PyTorch). Both load the model before the clock starts; model loading is
reported on its own line. Figures: seconds of compute per second of video,
frames of video per second, and the baseline/ours ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import FIXTURES, child_result, cpu_description

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
FIXTURE = FIXTURES / "clips" / "tby66_kb-deadlift_correct_side.mp4"

_OURS = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from pipeline.capture.pose import PoseEstimator
from pipeline.run import analyze
from pipeline.types import AnalysisConfig
cfg = AnalysisConfig(device={device!r})
est = PoseEstimator(device=cfg.device, imgsz=cfg.imgsz)
load_s = time.perf_counter() - t0
t1 = time.perf_counter()
r = analyze({clip!r}, cfg, estimator=est)
wall = time.perf_counter() - t1
print(json.dumps(dict(wall_s=wall, load_s=load_s, frames=r.video.frame_count, duration_s=r.video.duration_s,
    analysed=len(r.pose), reps=r.rep_count, backend=est.backend, device=est.device,
    timings=r.timings_s, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""

_BASELINE = r"""
import json, os, resource, time
os.environ.setdefault("YOLO_AUTOINSTALL", "False")
import cv2
from ultralytics import YOLO
t0 = time.perf_counter()
model = YOLO({weights!r})
model.predict(source=[__import__("numpy").zeros((64, 64, 3), "uint8")], verbose=False, device={device!r})
load_s = time.perf_counter() - t0
cap = cv2.VideoCapture({clip!r})
fps = cap.get(cv2.CAP_PROP_FPS)
frames = 0
t1 = time.perf_counter()
while True:
    ok, frame = cap.read()
    if not ok:
        break
    model.predict(frame, verbose=False, device={device!r})  # default settings, every frame
    frames += 1
wall = time.perf_counter() - t1
print(json.dumps(dict(wall_s=wall, load_s=load_s, frames=frames, duration_s=frames / fps,
    peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def make_1080p(seconds: float, path: Path) -> Path:
    """A 1920x1080 30 fps H.264 clip of a real lifter (the fixture, scaled up and looped)."""
    if path.exists():
        return path
    import av
    import cv2
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from pipeline.capture.video import iter_frames

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    total = int(round(seconds * 30))
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20", "profile": "high"}
        n = 0
        while n < total:
            for frame in iter_frames(FIXTURE, every_s=1 / 30):
                person = cv2.resize(frame.image, (608, 1080), interpolation=cv2.INTER_LINEAR)
                canvas = np.full((1080, 1920, 3), 96, np.uint8)
                canvas[:, 656:1264] = person
                for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="bgr24")):
                    out.mux(packet)
                n += 1
                if n >= total:
                    break
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(path)
    return path


def run_child(code: str) -> dict:
    return child_result(["-c", code], "", ROOT)


def row(name: str, r: dict) -> str:
    per_s = r["wall_s"] / r["duration_s"]
    fps = r["frames"] / r["wall_s"]
    return (
        f"{name:<34} {r['wall_s']:8.2f} s  {per_s:6.3f} s/s  {fps:7.1f} fps  "
        f"peak {r['peak_mb']:7.0f} MB  (model load {r['load_s']:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--long", action="store_true", help="also measure peak memory on a 5-minute 1080p clip")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import models

    weights = models.find_local()
    if weights is None:
        raise SystemExit(models.HOW_TO_GET)
    if not FIXTURE.exists():
        raise SystemExit(f"fixture clip not found: {FIXTURE}")

    t = time.perf_counter()
    clips = [("fixture " + FIXTURE.name[:20], FIXTURE), ("30 s 1080p30", make_1080p(30, OUT / "bench_30s_1080p30.mp4"))]
    print(f"CPU: {cpu_description()}")
    print(f"test clips ready in {time.perf_counter() - t:.1f} s; device {args.device}\n")

    for name, clip in clips:
        ours = run_child(_OURS.format(root=str(ROOT), clip=str(clip), device=args.device))
        print(
            f"== {name}: {ours['duration_s']:.1f} s of video, {ours['frames']} frames, "
            f"{ours['analysed']} analysed, {ours['reps']} reps, backend {ours['backend']}"
        )
        print(row("ours (analyze)", ours))
        print("   stages: " + ", ".join(f"{k} {v:.2f}" for k, v in ours["timings"].items()))
        if not args.no_baseline:
            base = run_child(_BASELINE.format(weights=str(weights), clip=str(clip), device=args.device))
            print(row("baseline (AIGym-style, every frame)", base))
            print(f"   ratio baseline/ours: {base['wall_s'] / ours['wall_s']:.1f}x faster")
        print()

    if args.long:
        clip = make_1080p(300, OUT / "bench_5min_1080p30.mp4")
        ours = run_child(_OURS.format(root=str(ROOT), clip=str(clip), device=args.device))
        print(f"== 5 min 1080p30: {ours['frames']} frames")
        print(row("ours (analyze)", ours))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
