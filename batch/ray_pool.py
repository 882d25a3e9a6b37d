"""Batch clips on Ray: actors that each hold one loaded model, fed through an ``ActorPool``.

One actor per GPU (``num_gpus=1``) when the cluster has GPUs, else a few per
CPU node (``num_cpus=2`` each by default). The driver ships each clip's bytes
through Ray's object store when an actor is free, so workers need the model
weights but not the clips; the actors run this checkout's ``pipeline`` and
``batch`` (sent as ``py_modules``), so every node computes the same thing.
Results come back to the driver, which writes them as the local path does.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import ray
from ray.util.actor_pool import ActorPool

import batch
import pipeline
from batch.worker import ClipJob, ClipOutcome, analyze_clip, load_estimator
from pipeline.errors import InputError
from pipeline.types import AnalysisConfig

CPUS_PER_ACTOR = 2.0  # OpenVINO and the decoder thread use about two cores per clip
RUNTIME_ENV = {
    "py_modules": [str(Path(pipeline.__file__).parent), str(Path(batch.__file__).parent)],
    "excludes": ["__pycache__", "*.pyc"],
}


@dataclass(frozen=True)
class NodeResources:
    """What one alive Ray node offers."""

    cpus: float
    gpus: float = 0.0


@dataclass(frozen=True)
class ActorPlan:
    """How many model-holding actors to start and what each reserves."""

    actors: int
    num_cpus: float
    num_gpus: float


def plan_actors(
    nodes: Sequence[NodeResources],
    workers: int | None = None,
    *,
    use_gpus: bool = True,
    cpus_per_actor: float = CPUS_PER_ACTOR,
) -> ActorPlan:
    """One actor per GPU (or ``workers`` sharing them), else as many ``cpus_per_actor``
    actors as fit on each node; asking for more workers than fit shrinks each one's share."""
    gpus = sum(int(n.gpus) for n in nodes) if use_gpus else 0
    if gpus:
        count = workers or gpus
        return ActorPlan(count, 1.0, 1.0 / math.ceil(count / gpus))
    most = max((n.cpus for n in nodes), default=0.0)
    if most <= 0:
        raise InputError("The Ray cluster has no CPUs or GPUs to run the pose model on.")
    share = min(cpus_per_actor, most)

    def fit(per: float) -> int:
        return sum(int(n.cpus // per) for n in nodes)

    if workers is None:
        return ActorPlan(max(1, fit(share)), share, 0.0)
    while fit(share) < workers and share > 0.25:
        share /= 2
    return ActorPlan(min(workers, fit(share)), share, 0.0)


def cluster_nodes() -> tuple[NodeResources, ...]:
    return tuple(
        NodeResources(float(n["Resources"].get("CPU", 0)), float(n["Resources"].get("GPU", 0)))
        for n in ray.nodes()
        if n.get("Alive")
    )


def connect(address: str) -> bool:
    """Join the cluster at ``address`` (``auto``: the local one, started here when there is none).

    Returns whether this call connected (and so should disconnect at the end).
    The job ships this checkout's ``pipeline`` and ``batch`` to the workers; a
    caller that has already run ``ray.init`` must pass ``runtime_env=RUNTIME_ENV`` itself.
    """
    if ray.is_initialized():
        return False
    quiet = dict(logging_level=logging.WARNING, log_to_driver=False, include_dashboard=False)
    try:
        ray.init(address=None if address == "auto" else address, runtime_env=RUNTIME_ENV, **quiet)
    except ConnectionError as exc:
        raise InputError(f"Cannot reach the Ray cluster at {address} ({exc}).") from exc
    return True


class _ModelActor:
    """Holds one loaded model (or why it could not load)."""

    def __init__(self, config: AnalysisConfig) -> None:
        self._config = config
        self._estimator = None
        self._error = ""
        try:
            self._estimator = load_estimator(config)
        except InputError as exc:  # reported by ready(), so the caller stops with the plain reason
            self._error = exc.message

    def ready(self) -> str:
        """Empty when the model is loaded, else why it could not be."""
        return self._error

    def describe(self) -> str:
        e = self._estimator
        return f"{e.device} ({e.backend})" if e is not None else "no model"


class ClipActor(_ModelActor):
    """Holds one loaded model; analyses clips sent as bytes."""

    def analyze(self, job: ClipJob, data: bytes) -> ClipOutcome:
        with tempfile.TemporaryDirectory(prefix="hinge-batch-") as tmp:
            local = Path(tmp) / job.path.name
            local.write_bytes(data)
            return analyze_clip(job, self._config, self._estimator, read_from=local)


class ResultActor(_ModelActor):
    """Holds one loaded model; analyses one clip at a time into an ``AnalysisResult`` (for the app's
    job worker, which saves it) and says how far it has got. Run with ``max_concurrency=2`` so
    ``progress`` answers while ``analyze`` works."""

    def __init__(self, config: AnalysisConfig) -> None:
        super().__init__(config)
        self._progress: tuple[str, float] = ("", 0.0)

    def progress(self) -> tuple[str, float]:
        """The running analysis's stage and share done."""
        return self._progress

    def analyze(self, name: str, data: bytes, config: AnalysisConfig):
        """(result, "") or (None, the plain reason the clip can't be analysed)."""
        from dataclasses import replace

        from pipeline.run import analyze

        def seen(p) -> None:
            self._progress = (p.stage, p.fraction)

        self._progress = ("probe", 0.0)
        with tempfile.TemporaryDirectory(prefix="hinge-job-") as tmp:
            local = Path(tmp) / Path(name).name
            local.write_bytes(data)
            try:
                result = analyze(local, config, on_progress=seen, estimator=self._estimator)
            except InputError as exc:
                return None, exc.message
        return replace(result, video=replace(result.video, path=name)), ""


def _dispatch(actor, job: ClipJob):
    """Send one clip to a free actor (its bytes read only now, so the driver holds few at once)."""
    try:
        data = job.path.read_bytes()
    except OSError as exc:
        return ray.put(ClipOutcome(job.sha256, None, f"Cannot read {job.path} ({exc.strerror or exc}).", 0.0))
    return actor.analyze.remote(job, ray.put(data))


def _check_ready(actors) -> None:
    """Wait for the actors' models; the first one that could not load stops the batch with its reason."""
    problems = [p for p in ray.get([a.ready.remote() for a in actors]) if p]
    if problems:
        raise InputError(problems[0])


class RayRunner:
    """Runs a batch's clips on Ray actors; yields outcomes as they finish."""

    name = "ray"

    def __init__(self, address: str = "auto", workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self.plan: ActorPlan | None = None
        self.lost: list[str] = []  # Ray errors that cost a clip its result
        self.devices: tuple[str, ...] = ()

    def run(self, jobs: Sequence[ClipJob], config: AnalysisConfig) -> Iterator[ClipOutcome]:
        if not jobs:
            return
        connected = connect(self.address)
        actors = []
        try:
            self.plan = plan_actors(cluster_nodes(), self.workers, use_gpus=config.device != "cpu")
            remote = ray.remote(ClipActor).options(
                num_cpus=self.plan.num_cpus,
                num_gpus=self.plan.num_gpus,
                max_restarts=1,
                max_task_retries=1,
            )
            count = min(self.plan.actors, len(jobs))
            if self.plan.num_gpus == 0 and count > 1:
                # on the CPU the first load may export the OpenVINO model next to the weights:
                # let one actor do that before the others read it (one node; see docs/batch.md for more)
                actors.append(remote.remote(config))
                _check_ready(actors)
            actors += [remote.remote(config) for _ in range(count - len(actors))]
            _check_ready(actors)
            self.devices = tuple(ray.get([a.describe.remote() for a in actors]))
            pool = ActorPool(actors)
            for job in jobs:
                pool.submit(_dispatch, job)
            while pool.has_next():
                try:
                    yield pool.get_next_unordered()
                except ray.exceptions.RayError as exc:  # the actor died twice: its clip is reported as lost
                    self.lost.append(str(exc).splitlines()[0])
        finally:
            for actor in actors:
                ray.kill(actor)
            if connected:
                ray.shutdown()
