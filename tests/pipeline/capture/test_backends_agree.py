"""One answer everywhere: rep counts and verdicts agree across the model's backends.

The same weights run through PyTorch, ONNX Runtime and OpenVINO on the CPU
(and CUDA half precision where a GPU is present) on every labelled fixture
clip. Keypoints differ in the last pixel between backends; the rep count,
the movement, whether the clip is graded and whether it is judged faulty must not.
The backend the CLI picks by itself is read from the CLI's runs on the same clips
(``cli_runs``, shared with the end-to-end tests); the others run in-process here.
"""

from __future__ import annotations

import csv

import pytest

import models
from cli.main import EXIT_BAD_INPUT
from pipeline.errors import InputError
from pipeline.types import AnalysisConfig
from tests.support.paths import FIXTURES, REPO

pytestmark = pytest.mark.e2e

BACKENDS = [("cpu", "openvino"), ("cpu", "onnx"), ("cpu", "torch")]


def _rows() -> list[dict[str, str]]:
    table = FIXTURES / "labels.csv"
    if not table.is_file():
        return []
    with open(table, newline="") as fh:
        return list(csv.DictReader(fh))


def _verdict(result) -> tuple:
    sc = result.scorecard
    graded = bool(sc and sc.gradable)
    faulty = graded and (bool(sc.faults) or sc.overall_grade in ("C", "D", "F"))
    return result.rep_count, result.segmentation.movement, graded, faulty


def _verdict_in_json(doc: dict) -> tuple:
    """``_verdict`` read from the CLI's JSON document of the same analysis."""
    sc = doc["scorecard"]
    graded = bool(sc and sc["gradable"])
    faulty = graded and (bool(sc["faults"]) or sc["overall_grade"] in ("C", "D", "F"))
    return doc["rep_count"], doc["movement"], graded, faulty


def _cli_verdicts(cli_runs, rows) -> tuple[tuple[str, str], dict[str, tuple]]:
    """The backend the CLI picked by itself (``--backend auto``) and its verdict on each clip. The end-to-end
    tests run the CLI on these clips anyway (``cli_runs``, once per session), so that backend's verdicts are
    read from those runs rather than analysed a second time."""
    found, backends = {}, set()
    for row in rows:
        run = cli_runs.analyze(FIXTURES / "clips" / row["file"])
        if run.returncode == EXIT_BAD_INPUT:
            found[row["file"]] = ("refused", run.stderr.strip().removeprefix("hinge-review: "))
            continue
        assert run.returncode == 0, f"{row['file']}: exit {run.returncode}: {run.stderr[-2000:]}"
        assert run.device_and_backend is not None, run.stdout
        backends.add(run.device_and_backend)
        found[row["file"]] = _verdict_in_json(run.doc)
    assert len(backends) == 1, f"the CLI picked different backends from clip to clip: {backends}"
    return backends.pop(), found


@pytest.fixture(scope="module")
def verdicts_by_backend(cli_runs) -> dict[tuple[str, str], dict[str, tuple]]:
    rows = _rows()
    if not rows:
        pytest.skip(f"real clips not found at {FIXTURES}")
    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    from pipeline.capture.pose import PoseEstimator, cuda_available
    from pipeline.run import analyze

    auto, by_cli = _cli_verdicts(cli_runs, rows)
    out: dict[tuple[str, str], dict[str, tuple]] = {auto: by_cli}
    backends = BACKENDS + ([("cuda", "torch")] if cuda_available() else [])
    for device, backend in backends:
        if (device, backend) == auto:
            continue  # the CLI's runs above are this backend's analyses
        config = AnalysisConfig(device=device, backend=backend)
        estimator = PoseEstimator(None, device, config.imgsz, backend, keypoint_conf=config.keypoint_conf)
        found = {}
        for row in rows:
            try:
                found[row["file"]] = _verdict(analyze(FIXTURES / "clips" / row["file"], config, estimator=estimator))
            except InputError as exc:
                found[row["file"]] = ("refused", exc.message)
        out[(device, backend)] = found
    assert set(out) >= set(backends), f"not every backend ran: {sorted(out)}"
    return out


def test_every_backend_gives_the_same_reps_and_verdicts(verdicts_by_backend):
    # given every fixture clip analysed on each backend
    (ref_name, ref), *others = verdicts_by_backend.items()
    # then each backend agrees with the first on reps, movement, graded and faulty
    for name, found in others:
        differ = {clip: (ref[clip], found[clip]) for clip in ref if found[clip] != ref[clip]}
        assert not differ, f"{name} differs from {ref_name}: {differ}"


def test_the_model_runs_without_deprecation_warnings():
    """Given Ultralytics imported first (its log not yet quietened, as in a user's own script), when the
    model is loaded and run on every CPU backend, then Ultralytics prints no deprecation warning."""
    if models.find_local() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    import subprocess
    import sys

    code = (
        "import ultralytics, numpy as np\n"
        "from pipeline.capture.pose import PoseEstimator\n"
        f"for device, backend in {BACKENDS!r}:\n"
        "    PoseEstimator(device=device, backend=backend).detect([np.full((240, 320, 3), 114, np.uint8)] * 2)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "deprecated" not in (proc.stdout + proc.stderr).lower(), proc.stdout + proc.stderr
