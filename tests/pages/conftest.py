"""The pages run the app in local mode, chosen explicitly (``HINGE_REVIEW_LOCAL=1``): under ``AppTest``
the server has no address, which counts as every interface and would show only the setup page."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def local_mode(monkeypatch) -> None:
    monkeypatch.setenv("HINGE_REVIEW_LOCAL", "1")


@pytest.fixture()
def synthetic_engine(monkeypatch) -> None:
    """The worker's analysis without the pose model: the real probe of the file, then the synthetic three-rep
    result (``tests.support.factories.synthetic_result``)."""
    from jobs import runner
    from pipeline.capture.video import VideoLimits, probe
    from pipeline.types import AnalysisConfig
    from tests.support import factories

    def analyze(path, config=AnalysisConfig(), on_progress=None, estimator=None):
        probe(Path(path), VideoLimits.of(config))
        return factories.synthetic_result(path)

    monkeypatch.setattr(runner, "analyze", analyze)
