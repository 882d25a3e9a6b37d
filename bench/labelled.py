"""The labelled real clips and a pose cache, shared by the accuracy benchmark and calibration.

Clips live outside the repository (``../shared/fixtures``): ``labels.csv`` next
to ``clips/`` and ``devset/labels.csv``. Pose is the slow part (the model), so
each clip's ``PoseSeries`` is cached by the clip's content hash plus every
setting that changes it; re-scoring after a rule change then takes seconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import FIXTURES  # noqa: E402  (../shared/fixtures, or HINGE_REVIEW_FIXTURES)

import models  # noqa: E402
from pipeline.document import serialize  # noqa: E402
from pipeline.errors import InputError  # noqa: E402
from pipeline.types import AnalysisConfig, PoseSeries, VideoMeta  # noqa: E402

CACHE_DIR = ROOT / "bench" / "out" / "pose-cache"
BACK_CACHE_VERSION = 30  # bump to 31+ when the back tracing changes (up to 26 and 29 used by experiments: 29 holds an old one-way outline under pose version 27; 27: GrabCut; 28: the BlazePose outline; 30: its mask averaged with the mirror's)
POSE_CACHE_VERSION = 28  # bump to 29+ when decoding, sampling, tracking, the lifter choice or the model input change (22-24, 26 used by experiments; 27: OpenVINO pinned to float32; 28: the fold read from the torso itself)
FRAMING_VERSION = 1  # bump when pipeline.capture.framing changes the box the model is shown


@dataclass(frozen=True)
class LabelledClip:
    path: Path
    subset: str  # "fixtures" or "devset"
    lift: str
    view: str  # side, angled_30, angled_45, front, front_angled, mixed
    reps_exact: int | None  # None where the count is uncertain ("1?", "~6")
    reps_text: str
    verdict: str | None  # "good", "bad" or None (unknown / not a hinge)
    faults: frozenset[str]  # named faults (empty with verdict "bad" = fault not named)
    gradable: str  # yes / limited / no
    source: str  # owner/repository: the group held out in cross-validation

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def side_view(self) -> bool:
        return self.view == "side"


def _source(cell: str) -> str:
    return cell.split("@", 1)[0]


def _reps(cell: str) -> int | None:
    return int(cell) if re.fullmatch(r"\d+", cell.strip()) else None


def load_clips(fixtures: Path = FIXTURES) -> list[LabelledClip]:
    """Every labelled clip of both tables, fixtures first."""
    out: list[LabelledClip] = []
    for subset, table, folder in (
        ("fixtures", fixtures / "labels.csv", fixtures / "clips"),
        ("devset", fixtures / "devset" / "labels.csv", fixtures / "devset"),
    ):
        if not table.is_file():
            continue
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                faults = {f.strip() for f in (row.get("faults") or "").split(";") if f.strip()}
                faults.discard("?")
                verdict = (row.get("verdict") or "").strip()
                if subset == "fixtures":  # no verdict column: clean form = good, a fault = bad
                    verdict = "" if "not_a_hinge" in faults else ("bad" if faults else "good")
                out.append(
                    LabelledClip(
                        path=folder / row["file"],
                        subset=subset,
                        lift=row["lift"],
                        view=row["view"],
                        reps_exact=_reps(row["reps"]),
                        reps_text=row["reps"],
                        verdict=verdict if verdict in ("good", "bad") else None,
                        faults=frozenset(faults),
                        gradable=row["gradable"],
                        source=_source(row["source"]),
                    )
                )
    return out


def content_hash(path: Path) -> str:
    return models.sha256_of(Path(path))


def _bars(path: Path, config: AnalysisConfig) -> list[int] | None:
    """The clip's picture box when the pose is taken inside its black bars (None: no bars, or not cut)."""
    from pipeline.capture.posetrack import framing_for
    from pipeline.capture.video import VideoLimits, probe

    try:
        box = framing_for(probe(path, VideoLimits.of(config)), replace(config, frame_people=False), None).picture
    except InputError:
        return None
    return None if box is None else [box.x0, box.y0, box.x1, box.y1]


def cache_key(path: Path, config: AnalysisConfig, model_name: str, backend: str) -> str:
    parts: dict[str, object] = dict(
        clip=content_hash(path),
        model=model_name,
        backend=backend,
        imgsz=config.imgsz,
        fps=config.analysis_fps,
        conf=config.keypoint_conf,
        min_s=config.min_duration_s,
        v=POSE_CACHE_VERSION,
    )
    bars = _bars(path, config)
    if bars is not None:  # a clip without bars has the same pose either way: its cached pose stays valid
        parts["bars"] = bars
    if config.mirror_average:  # the model run on each frame and its mirror image
        parts["mirror"] = 2  # 2: a person found in one image only and overlapping another is that person
    if config.frame_people:  # the box around the people comes from the model: keyed by the setting
        parts["people"] = FRAMING_VERSION
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class PoseRecord:
    """A clip's pose, or why the clip was refused before any pose was taken."""

    meta: VideoMeta | None
    pose: PoseSeries | None
    refused: str = ""


def cached_pose(clip: Path, config: AnalysisConfig, estimator, cache_dir: Path = CACHE_DIR) -> PoseRecord:
    """The clip's PoseSeries (from the cache when there), or the refusal message."""
    from pipeline.capture.posetrack import estimate_pose
    from pipeline.capture.video import VideoLimits, probe
    from pipeline.run import sampling_fps

    key = cache_key(clip, config, estimator.model_name, estimator.backend)
    file = cache_dir / f"{key}.json"
    if file.is_file():
        doc = json.loads(file.read_text())
        if doc.get("refused"):
            return PoseRecord(None, None, doc["refused"])
        return PoseRecord(
            serialize.from_jsonable(VideoMeta, doc["meta"]), serialize.from_jsonable(PoseSeries, doc["pose"])
        )
    try:
        meta = probe(clip, VideoLimits.of(config))
        pose, _ = estimate_pose(meta, estimator, replace(config, analysis_fps=sampling_fps(meta, config)))
        record = PoseRecord(meta, pose)
        doc = {"meta": serialize.to_jsonable(meta), "pose": serialize.to_jsonable(pose)}
    except InputError as exc:
        record = PoseRecord(None, None, exc.message)
        doc = {"refused": exc.message}
    cache_dir.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(doc))
    return record


def cached_back_reader(clip: Path, cache_dir: Path = CACHE_DIR):
    """``assess``'s back reader for one clip, caching each traced back by content hash and time."""
    from pipeline.measure.backcurve import BackCurve
    from pipeline.run import back_windows, trace_backs

    digest = content_hash(clip)[:24]

    def read(pose, kin, reps):
        points = hashlib.sha256(np.ascontiguousarray(pose.xy).tobytes()).hexdigest()[:16]  # another pose, another trace
        windows = back_windows(kin, reps)
        key = hashlib.sha256(
            json.dumps(
                [
                    digest,
                    points,
                    kin.side,
                    windows,  # the samples traced, and their times
                    [float(kin.t_s[i]) for w in windows for i in w],
                    POSE_CACHE_VERSION,
                    BACK_CACHE_VERSION,
                ]
            ).encode()
        ).hexdigest()[:24]
        file = cache_dir / f"back-{key}.json"
        if file.is_file():
            return tuple(serialize.from_jsonable(BackCurve, d) for d in json.loads(file.read_text()))
        backs = trace_backs(clip, pose, kin, reps)
        cache_dir.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps([serialize.to_jsonable(b) for b in backs]))
        return backs

    return read
