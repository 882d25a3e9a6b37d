"""An upload before it is stored: read once into a temporary file (hashed on the way), its length read from the header.

A clip arrives as a path, the bytes, or a file object (Streamlit's ``UploadedFile``);
``spooled`` turns each into one local file without another copy in memory, so the
limits and the duration can be checked before anything is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.types import AnalysisConfig

CHUNK_BYTES = 1 << 20
MAX_DURATION_S = AnalysisConfig().max_duration_s  # what the analysis accepts (10 minutes)

Source = str | os.PathLike[str] | bytes | BinaryIO


@dataclass(frozen=True)
class Spooled:
    path: Path  # the clip as a local file (the caller's own file when it gave a path)
    sha256: str
    size_bytes: int


def _copy_hashed(read, write) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    for chunk in iter(lambda: read(CHUNK_BYTES), b""):
        h.update(chunk)
        size += len(chunk)
        if write is not None:
            write(chunk)
    return h.hexdigest(), size


@contextlib.contextmanager
def spooled(source: Source) -> Iterator[Spooled]:
    """``source`` as a local file with its sha256 and size, for the ``with`` block (a temporary copy is removed)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            digest, size = _copy_hashed(fh.read, None)
        yield Spooled(Path(source), digest, size)
        return
    with tempfile.TemporaryDirectory(prefix="hr-upload-") as folder:
        path = Path(folder) / "clip"
        with open(path, "wb") as out:
            if isinstance(source, bytes):
                out.write(source)
                digest, size = hashlib.sha256(source).hexdigest(), len(source)
            else:
                with contextlib.suppress(AttributeError, OSError):
                    source.seek(0)
                digest, size = _copy_hashed(source.read, out.write)
        yield Spooled(path, digest, size)


def declared_duration_s(path: str | os.PathLike[str]) -> float | None:
    """The video's length in seconds as its container declares it (the video stream's, else the container's);
    None when it has no video stream or cannot be read (the analysis then says what is wrong with it)."""
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            return container.duration / 1e6 if container.duration else None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return None


def too_long(name: str, duration_s: float | None, limit_s: float = MAX_DURATION_S) -> str | None:
    """Why a clip of ``duration_s`` is refused before it is stored (None: it is not too long)."""
    if duration_s is None or duration_s <= limit_s:
        return None
    return (
        f"“{name}” lasts {duration_s / 60:.1f} min, longer than the {limit_s / 60:g}-minute limit. "
        "Trim it to the set you want reviewed and upload that part."
    )
