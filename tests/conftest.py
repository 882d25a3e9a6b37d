"""Shared fixtures: the loaded pose model and the CLI's runs on real clips (once per session), the real clips folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_runs import CliRuns
from tests.support.paths import CLIPS_DIR
from tests.support.servers import db, db_url, moto_endpoint, postgres_server, ray_cluster  # noqa: F401  (PostgreSQL, S3, Ray)


@pytest.fixture(scope="session")
def estimator():
    """One ``PoseEstimator`` for every test that needs the real model."""
    import models

    try:
        found = models.find_local()
    except models.WeightsNotFound as exc:
        pytest.skip(f"pose weights not found: {exc}")
    if found is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    from pipeline.capture.pose import PoseEstimator

    return PoseEstimator()


@pytest.fixture(scope="session")
def cli_runs(tmp_path_factory) -> CliRuns:
    """``hinge-review analyze CLIP --json OUT --quiet`` as a program, run once per clip for the whole session."""
    return CliRuns(tmp_path_factory.mktemp("cli-runs"))


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    """The real lifting clips kept outside the repository (../shared/fixtures/clips)."""
    if not CLIPS_DIR.is_dir() or not any(CLIPS_DIR.iterdir()):
        pytest.skip(f"real clips not found at {CLIPS_DIR} (kept outside the repository)")
    return CLIPS_DIR


@pytest.fixture(autouse=True)
def app_data(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data folder and the app starts no worker process (tests run jobs themselves)."""
    folder = tmp_path / "app-data"
    monkeypatch.setenv("HINGE_REVIEW_DATA", str(folder))
    monkeypatch.setenv("HINGE_REVIEW_WORKER", "off")
    monkeypatch.delenv("HINGE_REVIEW_DATABASE_URL", raising=False)
    return folder
