"""Shared fixtures: the loaded pose model and the CLI's runs on real clips (once per session), the real clips folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_runs import CliRuns
from tests.support.paths import CLIPS_DIR
from tests.support.servers import db, db_url, moto_endpoint, postgres_server, ray_cluster  # noqa: F401  (PostgreSQL, S3, Ray)

# ``tests/run.sh`` runs the suite in two processes (pytest-xdist, ``--dist loadgroup``). Each test module runs
# whole in one process (its module and session fixtures made once); these modules share one process as well:
# one running app and one Chromium for the browser tests, one local Ray cluster, and one process's cache of
# real analyses (``real_clips``) for the tests that analyse the same two 21-26 s sets.
SHARED_PROCESS = {
    "browser": ("tests/browser/",),
    "ray": ("tests/jobs/test_jobs_ray.py", "tests/batch/test_batch.py"),
    "real_clips": ("tests/pages/test_workspace_pages.py", "tests/pipeline/test_compare.py", "tests/report/"),
}
# The longest groups start first, so that neither process is left with a long one at the end.
LONGEST_FIRST = (
    "browser",
    "tests/pipeline/test_e2e_clips.py",
    "real_clips",
    "tests/jobs/test_load.py",
    "ray",
    "tests/pipeline/capture/test_backends_agree.py",
    "tests/jobs/test_worker_model.py",
    "tests/jobs/test_jobs.py",
)


def process_group(relpath: str) -> str:
    """The group whose tests run in one process: a shared one, else the test's own module."""
    return next((name for name, prefixes in SHARED_PROCESS.items() if relpath.startswith(prefixes)), relpath)


def pytest_collection_modifyitems(config, items) -> None:
    root = Path(config.rootpath)
    groups = {}
    for item in items:
        group = groups[item] = process_group(Path(item.path).relative_to(root).as_posix())
        item.add_marker(pytest.mark.xdist_group(group))
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(groups[item], len(rank)))  # stable: each module keeps its order


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
