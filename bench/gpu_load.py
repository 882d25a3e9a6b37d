"""Model load, cold and warm, and the warnings a whole analysis raises, on one device.

    python bench/gpu_load.py                 # CUDA (the GPU checks of docs/gpu.md)
    python bench/gpu_load.py --device cpu

Each load is timed in a fresh process (imports included), twice: the first on
this machine pays for reading the weights and setting the device up, the
second finds them warm. The second process then analyses the fixture clip with
every warning recorded (Python's and Ultralytics' deprecations included) and
prints them, so "no deprecation warnings" is checked, not assumed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_description
from speed import FIXTURE, ROOT, run_child

_CHILD = r"""
import json, sys, time, warnings
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from pipeline.capture.pose import PoseEstimator
    from pipeline.run import analyze
    from pipeline.types import AnalysisConfig
    cfg = AnalysisConfig(device={device!r})
    est = PoseEstimator(device=cfg.device, imgsz=cfg.imgsz)
    load_s = time.perf_counter() - t0
    out = dict(load_s=load_s, device=est.device, backend=est.backend)
    if {analyse!r}:
        t1 = time.perf_counter()
        r = analyze({clip!r}, cfg, estimator=est)
        out.update(analyse_s=time.perf_counter() - t1, reps=r.rep_count,
                   grade=r.scorecard.overall_grade if r.scorecard else None)
out["warnings"] = sorted({{f"{{w.category.__name__}}: {{str(w.message)[:160]}}" for w in caught}})
print(json.dumps(out))
"""


def child(device: str, analyse: bool) -> dict:
    return run_child(_CHILD.format(root=str(ROOT), device=device, clip=str(FIXTURE), analyse=analyse))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    print(f"machine: {cpu_description()}")
    cold = child(args.device, analyse=False)
    warm = child(args.device, analyse=True)
    print(
        f"model load ({warm['device']}, {warm['backend']}): first {cold['load_s']:.2f} s, warm {warm['load_s']:.2f} s"
        " (fresh processes, imports included)"
    )
    print(f"fixture analysed in {warm['analyse_s']:.2f} s: {warm['reps']} reps, grade {warm['grade']}")
    print(f"warnings raised: {len(warm['warnings'])}")
    for w in warm["warnings"]:
        print(f"  {w}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
