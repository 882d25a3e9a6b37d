"""GrabCut against the learned body outline for the back reading, clip by clip.

    python bench/silhouettes.py                # every labelled side-view clip with a cached pose
    python bench/silhouettes.py --only tby66   # clips whose file name contains "tby66"
    python bench/silhouettes.py --timing 0     # skip the per-frame timing

Per clip: the clip-level back_curve_deg and back_hump_ratio (median over full reps,
as the rules see them) with each silhouette, from the cached traced backs (``back-``
and ``backmask-`` in the pose cache; traced here when missing). Then, on the bottom
frames of the first rep of each clip, single-threaded: the time to trace one frame
with each silhouette and to run ``segment_person`` alone, and the mid-foot from the
heel and toe landmarks against the one the grading uses (ankle + 0.05 leg forward).
Pose comes from the cache only (run bench/accuracy.py first).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labelled import cached_back_reader, cached_pose, load_clips

from pipeline.judge.calibration import load_calibration
from pipeline.types import KP, AnalysisConfig


def _clip_value(values: list[float | None]) -> float:
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    return statistics.median(vals) if vals else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--timing", type=int, default=5, help="bottom frames per clip to time (0: none)")
    args = ap.parse_args(argv)

    from pipeline.capture.body_mask import (
        lifter_box_xyxy,
        load_model,
        midfoot_xy_px,
        segment_person,
        upright_rotation_deg,
    )
    from pipeline.capture.pose import PoseEstimator
    from pipeline.capture.video import iter_frames_at
    from pipeline.measure.backcurve import JOINTS, crop_around, trace_back
    from pipeline.measure.metrics import deepest_index
    from pipeline.run import assess

    config = AnalysisConfig()
    estimator = PoseEstimator.from_config(config)
    calibration = load_calibration()
    load_model()
    rows, t_grab, t_mask, t_seg, midfoot = [], [], [], [], []
    print(
        f"{'clip':44s} {'faults':22s} {'curve grabcut':>13s} {'curve mask':>10s} {'hump grabcut':>12s} {'hump mask':>9s}"
    )
    for clip in [c for c in load_clips() if args.only in c.name and c.view == "side"]:
        rec = cached_pose(clip.path, config, estimator)
        if rec.pose is None:
            continue
        out = {}
        for source in ("grabcut", "mask"):
            a = assess(
                rec.pose, config, calibration=calibration, back_reader=cached_back_reader(clip.path, silhouette=source)
            )
            reps = [m for m in a.metrics if not m.partial] or list(a.metrics)
            out[source] = (
                _clip_value([m.back_curve_deg for m in reps]),
                _clip_value([m.back_hump_ratio for m in reps]),
            )
        if not a.segmentation.reps:
            continue
        faults = "/".join(sorted(clip.faults)) or (clip.verdict or "-")
        rows.append((clip.name, faults, out))
        print(
            f"{clip.name[:44]:44s} {faults[:22]:22s} {out['grabcut'][0]:13.1f} {out['mask'][0]:10.1f} "
            f"{out['grabcut'][1]:12.3f} {out['mask'][1]:9.3f}",
            flush=True,
        )
        if not args.timing:
            continue
        # timing and mid-foot on the first rep's bottom frames
        kin, pose, rep = a.kinematics, a.pose or rec.pose, a.segmentation.reps[0]
        b = deepest_index(kin, rep)
        idx = list(range(max(rep.start_i, b - args.timing // 2), min(rep.lockout_i, b + args.timing // 2) + 1))
        wrist_px = pose.xy[:, KP[f"{kin.side}_wrist"], 0]
        grading_midfoot = float(np.nanmedian(wrist_px - kin.facing * kin.wrist_x_leg * kin.leg_length_px))
        want = {float(kin.t_s[i]): i for i in idx}
        for t, frame in iter_frames_at(clip.path, list(want)):
            i = want[t]
            image = frame.image
            scale = np.array([image.shape[1] / pose.image_width, image.shape[0] / pose.image_height])
            every = pose.xy[i] * scale
            pts = {j: every[KP[f"{kin.side}_{j}"]] for j in JOINTS}
            if not all(np.all(np.isfinite(p)) for p in pts.values()):
                continue
            crop, origin = crop_around(image, pts)
            local = {j: p - origin for j, p in pts.items()}
            t0 = time.perf_counter()
            trace_back(crop, local, t)
            t1 = time.perf_counter()
            rot = upright_rotation_deg(local["hip"], local["shoulder"])
            body = segment_person(crop, lifter_box_xyxy(every - origin), rotation_deg=rot)
            t2 = time.perf_counter()
            trace_back(crop, local, t, silhouette=body.frame_mask(crop.shape[:2]))
            t3 = time.perf_counter()
            t_grab.append(t1 - t0)
            t_mask.append(t3 - t1)
            t_seg.append(t2 - t1)
            foot = (midfoot_xy_px(body, kin.side) + origin) / scale
            midfoot.append((clip.name, (foot[0] - grading_midfoot) * kin.facing / kin.leg_length_px))
    if t_grab:

        def ms(v):
            return f"median {1000 * statistics.median(v):.0f} ms, mean {1000 * statistics.mean(v):.0f} ms"

        print(f"\ntime per traced frame, one thread, {len(t_grab)} frames:")
        print(f"  GrabCut silhouette + trace:        {ms(t_grab)}")
        print(f"  learned mask (segment + trace):    {ms(t_mask)}")
        print(f"  segment_person alone (per crop):   {ms(t_seg)}")
        print(
            "\nmid-foot from heel/toe landmarks minus the grading's (ankle + 0.05 leg), leg lengths, + = toward the toes:"
        )
        by_clip: dict[str, list[float]] = {}
        for name, d in midfoot:
            by_clip.setdefault(name, []).append(d)
        for name, ds in by_clip.items():
            seen = [d for d in ds if np.isfinite(d)]
            print(
                f"  {name[:44]:44s} {statistics.median(seen) if seen else float('nan'):+.3f}  "
                f"(heel and toe seen in {len(seen)}/{len(ds)} frames)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
