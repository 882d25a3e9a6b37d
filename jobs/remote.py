"""The job worker's analyses on a Ray cluster: model-holding actors there, the queue here.

With ``python -m jobs.worker --ray ADDRESS`` (or ``HINGE_REVIEW_RAY_ADDRESS``)
the worker keeps claiming jobs, beating their hearts and saving their results
in the database as before, but each analysis runs on a Ray actor that holds a
loaded model (``batch.ray_pool.ResultActor``): as many jobs at once as the
cluster has actors. The clip's bytes travel through Ray's object store, so the
cluster's nodes need the model weights but not the uploads.
"""

from __future__ import annotations

import queue as threads_queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.run import Progress
from pipeline.stages import STAGE_LABELS
from pipeline.types import AnalysisConfig, AnalysisResult

RAY_ENV = "HINGE_REVIEW_RAY_ADDRESS"
PROGRESS_POLL_S = 0.5


class RayAnalyzer:
    """A pool of ``ResultActor``s on the cluster at ``address``; ``analyze`` borrows a free one.

    Use as a context manager: entering connects and waits for every actor's
    model (a model that cannot load stops the worker with its reason);
    leaving stops the actors.
    """

    def __init__(self, address: str, config: AnalysisConfig = AnalysisConfig(), workers: int | None = None):
        self.address, self.config, self.workers = address, config, workers
        self.devices: tuple[str, ...] = ()
        self._actors: list[Any] = []
        self._free: threads_queue.Queue = threads_queue.Queue()
        self._connected = False

    @property
    def slots(self) -> int:
        """How many analyses can run at once."""
        return len(self._actors)

    def __enter__(self) -> RayAnalyzer:
        import ray

        from batch.ray_pool import ResultActor, _check_ready, cluster_nodes, connect, plan_actors

        self._connected = connect(self.address)
        try:
            plan = plan_actors(cluster_nodes(), self.workers, use_gpus=self.config.device != "cpu")
            remote = ray.remote(ResultActor).options(
                num_cpus=plan.num_cpus, num_gpus=plan.num_gpus, max_concurrency=2, max_restarts=1
            )
            self._actors = [remote.remote(self.config) for _ in range(plan.actors)]
            _check_ready(self._actors)
            self.devices = tuple(ray.get([a.describe.remote() for a in self._actors]))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        for actor in self._actors:
            self._free.put(actor)
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._connected:
            ray.shutdown()
            self._connected = False

    def analyze(
        self, path: str | Path, config: AnalysisConfig, on_progress: Callable[[Progress], None] | None = None
    ) -> AnalysisResult:
        """``pipeline.run.analyze`` on a free actor, with its progress relayed to ``on_progress``."""
        import ray

        actor = self._free.get()
        ref = None
        try:
            ref = actor.analyze.remote(str(path), ray.put(Path(path).read_bytes()), config)
            while not ray.wait([ref], timeout=PROGRESS_POLL_S)[0]:
                stage, fraction = ray.get(actor.progress.remote())
                if on_progress is not None and stage:
                    on_progress(Progress(stage, STAGE_LABELS.get(stage, stage), fraction, None))
            result, error = ray.get(ref)
        finally:
            if ref is not None:
                ray.wait([ref])  # the actor is free again only once its analysis is over
            self._free.put(actor)
        if error:
            raise InputError(error)
        return result
