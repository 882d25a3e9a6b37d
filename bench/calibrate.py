"""Fit the fault rules' fail levels on the labelled clips and write pipeline/judge/calibration.toml.

    python bench/calibrate.py                 # records held out by source, levels as fitted (none), write the file
    python bench/calibrate.py --dry-run       # print, write nothing
    python bench/calibrate.py --fit rounded_back.back_line --dry-run   # try fitting one row's level

Every level starts in the rule table (pipeline/judge/rules.py), set from biomechanics
and the seeds. A level is fitted only where the held-out figures show it pays
(``FIT_ROWS``), at most one row per fault; the count of fitted numbers is printed.
Measured on 2026-12-06 (the 30 side-view clips, held out by source): fitting any one
of the three rounded-back rows, or all three as before, gave the same held-out verdicts
as the table's own levels (23/30 right, 4/30 borderline, rounded back 5/5 with 1 false
alarm), so none is fitted.

For each rule row of a fault that the labels name, the clip-level value (median
over the clip's full reps) of clips showing the fault is set against clean
clips (side view, graded). The fail level is the midpoint between neighbouring
values that catches the most faulty clips while false-alarming on at most
``MAX_FALSE_ALARM`` of clean ones, kept inside the row's plausible bounds
(``BOUNDS``: the seeds' and biomechanics' limits, so a level never lands where
no coach would put it). Rows with too few labelled clips keep the table's
levels. Levels are fitted per lift family where the family has enough clips,
else for any family. Each fault's record (caught / shown, false alarms /
clean) is measured with leave-one-source-out cross-validation: a source
repository's clips are scored with levels fitted on the other sources only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labelled import LabelledClip, cached_back_reader, cached_pose, load_clips

from pipeline.errors import InputError
from pipeline.judge.calibration import (
    ANY_FAMILY,
    CALIBRATION_FILE,
    EMPTY,
    Calibration,
    CheckRecord,
    to_toml,
)
from pipeline.judge.rules import RULES, Rule
from pipeline.types import AnalysisConfig

MAX_FALSE_ALARM = 0.10
FIT_ROWS: tuple[str, ...] = ()  # rows whose level is fitted (at most one per fault); see the docstring
MIN_POSITIVES, MIN_NEGATIVES = 2, 4
# Plausible fail levels per row: never fitted outside these (degrees, ratios).
BOUNDS: dict[str, tuple[float, float]] = {
    "rounded_back.back_curve": (10.0, 35.0),
    # A neutral spine's thoracic curve (~35 deg over half the chord) bulges ~0.04 over the pelvis-to-neck
    # chord, shoulder blades and back muscles a few hundredths more (<= 0.08); a flexed spine (~75 deg
    # over the whole chord) ~0.16: a level below 0.10 would be reading muscle, not rounding.
    "rounded_back.back_hump": (0.10, 0.25),
    "rounded_back.back_line": (8.0, 25.0),  # below ~8 deg the ear-shoulder-hip bend is head posture and noise
    "squatting.knee": (75.0, 130.0),
    "squatting.shin": (25.0, 45.0),
    "squatting.hinge_ratio": (0.35, 0.6),
    "squatting.hips_back": (0.1, 0.35),
    "squatting.torso": (35.0, 70.0),
    "hyperextension.hip": (-30.0, -8.0),
}


@dataclass(frozen=True)
class ClipValues:
    """One labelled clip's measures, as the rules see them."""

    clip: LabelledClip
    family: str
    values: dict[str, float]  # rule row id -> clip-level value (median over full reps)


def clip_values(clips: list[LabelledClip], config: AnalysisConfig, estimator) -> list[ClipValues]:
    """Measures of every graded side-view clip (cached pose and backs)."""
    from pipeline.judge.coaching import load_catalogue
    from pipeline.run import assess

    cat = load_catalogue()
    out = []
    for clip in clips:
        rec = cached_pose(clip.path, config, estimator)
        if rec.pose is None:
            continue
        try:
            a = assess(rec.pose, config, calibration=EMPTY, back_reader=cached_back_reader(clip.path))
        except InputError:
            continue
        sc = a.scorecard
        if sc is None or not sc.gradable or a.kinematics.view != "side" or sc.exercise_id not in cat:
            continue
        reps = [m for m in a.metrics if not m.partial] or list(a.metrics)
        values = {}
        for rule in RULES:
            if rule.scope != "rep":
                continue
            vals = [getattr(m, rule.metric) for m in reps]
            vals = [float(v) for v in vals if v is not None and v == v]
            if vals:
                values[rule.row_id] = statistics.median(vals)
        out.append(ClipValues(clip, cat[sc.exercise_id].family, values))
    return out


def fit_level(
    rule: Rule, positives: list[float], negatives: list[float], max_false_alarm: float = MAX_FALSE_ALARM
) -> float | None:
    """The fail level catching the most positives with false alarms <= ``max_false_alarm``."""
    if len(positives) < MIN_POSITIVES or len(negatives) < MIN_NEGATIVES:
        return None
    sign = -1.0 if rule.direction == "below" else 1.0  # work as "above"
    pos = sorted(sign * v for v in positives)
    neg = sorted(sign * v for v in negatives)
    candidates = sorted({(a + b) / 2 for a, b in zip(sorted(pos + neg), sorted(pos + neg)[1:]) if a != b})
    scored = [(sum(v > t for v in pos), -sum(v > t for v in neg), t) for t in candidates]
    allowed = [x for x in scored if -x[1] / len(neg) <= max_false_alarm]
    if not allowed or max(x[0] for x in allowed) == 0:
        return None
    # most faults caught, then the fewest clean clips called faulty (the budget is a ceiling, not a target)
    _, _, level = max(allowed)
    lo, hi = BOUNDS.get(rule.row_id, (-float("inf"), float("inf")))
    return min(max(sign * level, lo), hi)


def check_fit_rows(rows: tuple[str, ...]) -> None:
    """At most one fitted row per fault, each a known row with plausible bounds."""
    known = {r.row_id: r.code for r in RULES}
    unknown = [r for r in rows if r not in known or r not in BOUNDS]
    if unknown:
        raise SystemExit(f"cannot fit {unknown}: rows with bounds are {sorted(BOUNDS)}")
    codes = [known[r] for r in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit("fit at most one row per fault")


def fitted_numbers(cal: Calibration) -> int:
    """How many numbers the labelled clips chose: one fail level per fitted (row, family)
    (its warn level follows at the table's fixed gap)."""
    return len(cal.levels)


def fit_calibration(
    clips: list[LabelledClip], config: AnalysisConfig, estimator, values: list[ClipValues] | None = None
) -> Calibration:
    """Fitted levels (no records) from these clips."""
    values = clip_values(clips, config, estimator) if values is None else values
    names = {c.name for c in clips}
    values = [v for v in values if v.clip.name in names]
    levels: dict[tuple[str, str], tuple[float, float]] = {}
    families = defaultdict(list)
    for v in values:
        families[v.family].append(v)
    groups = [(ANY_FAMILY, values)] + [(f, vs) for f, vs in families.items() if len(vs) >= 2 * MIN_NEGATIVES]
    for family, group in groups:
        for rule in RULES:
            if rule.row_id not in BOUNDS or rule.row_id not in FIT_ROWS:
                continue
            pos = [v.values[rule.row_id] for v in group if rule.code in v.clip.faults and rule.row_id in v.values]
            neg = [v.values[rule.row_id] for v in group if v.clip.verdict == "good" and rule.row_id in v.values]
            level = fit_level(rule, pos, neg, MAX_FALSE_ALARM)
            if level is None:
                continue
            gap = abs(rule.fail - rule.warn)
            lo, hi = BOUNDS[rule.row_id]
            warn = max(level - gap, lo) if rule.direction != "below" else min(level + gap, hi)
            levels[(rule.row_id, family)] = (round(warn, 3), round(level, 3))
    return Calibration(MappingProxyType(levels), MappingProxyType({}), f"{len(values)} labelled side-view clips")


def held_out_records(
    clips: list[LabelledClip], config: AnalysisConfig, estimator, values: list[ClipValues]
) -> dict[str, CheckRecord]:
    """Each fault's record with levels fitted without the scored clip's source."""
    from scoring import score_clip

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for source in sorted({c.source for c in clips}):
        fitted = fit_calibration([c for c in clips if c.source != source], config, estimator, values)
        for clip in (c for c in clips if c.source == source):
            o = score_clip(clip, cached_pose(clip.path, config, estimator), config, fitted)
            if o.refused or o.view_label != "side":
                continue
            for code in {r.code for r in RULES}:
                row = counts[code]
                if code in clip.faults:
                    row[0] += code in o.faults_found
                    row[1] += 1
                elif clip.verdict == "good":
                    row[2] += code in o.faults_found
                    row[3] += 1
    return {code: CheckRecord(*row) for code, row in counts.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument(
        "--fit",
        action="append",
        default=None,
        metavar="ROW",
        help="fit this rule row's level (repeat for other faults; at most one row per fault)",
    )
    args = ap.parse_args(argv)
    global FIT_ROWS
    if args.fit is not None:
        FIT_ROWS = tuple(args.fit)
    check_fit_rows(FIT_ROWS)
    from pipeline.capture.pose import PoseEstimator

    config = AnalysisConfig()
    estimator = PoseEstimator.from_config(config)
    clips = load_clips()
    values = clip_values(clips, config, estimator)
    fitted = fit_calibration(clips, config, estimator, values)
    records = held_out_records(clips, config, estimator, values)
    cal = Calibration(fitted.levels, MappingProxyType(records), f"{fitted.fitted_on}; records held out by source")
    for (row, family), (warn, fail) in sorted(cal.levels.items()):
        print(f"{row:28s} {family:12s} warn {warn:8.3f} fail {fail:8.3f}")
    print(f"numbers fitted: {fitted_numbers(cal)}")
    for code, r in sorted(records.items()):
        print(f"{code:20s} {r.sentence()}")
    if not args.dry_run:
        CALIBRATION_FILE.write_text(to_toml(cal))
        print(f"wrote {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
