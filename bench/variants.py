"""Transformed copies of a clip, the way real uploads arrive: mirrored, letterboxed into a portrait
phone frame, small, dark. The verdict should not change with any of them (``accuracy.py --variants``).

    python bench/variants.py CLIP...   # write (or find) each clip's variants, print their paths

Each clip is decoded once through the pipeline's own frame reader (display rotation applied, every
frame with its container time) and each variant is encoded as H.264 (libx264, CRF 18, no audio) with
the same frame times, so frame count and duration are the source's. Variants are cached under
``bench/out/variants/`` by the clip's content hash and the variant's name, and reused when there.

* ``mirrored``: flipped left to right.
* ``portrait``: the picture unscaled and centred on a black 9:16 canvas: black bars above and below a
  frame wider than 9:16, at the sides of a narrower one (nothing cropped).
* ``half``: half the width and height (area-averaged).
* ``darker``: every pixel value x 0.75 (brightness -25%).

Dimensions are even (H.264 4:2:0): an odd source row or column is dropped first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labelled import content_hash

from pipeline.capture.video import iter_frames

VARIANT_DIR = Path(__file__).resolve().parent / "out" / "variants"
VARIANTS = ("mirrored", "portrait", "half", "darker")
VARIANTS_VERSION = 1  # bump when a transform or the encoding changes (cached files are then made again)
CRF = 18
PRESET = "veryfast"
DARKER = 0.75
PORTRAIT = Fraction(9, 16)  # width / height


def _even(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return image[: h - h % 2, : w - w % 2]


def _up_even(n: float) -> int:
    n = int(np.ceil(n - 1e-9))
    return n + n % 2


def mirrored(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(_even(image)[:, ::-1])


def portrait(image: np.ndarray) -> np.ndarray:
    image = _even(image)
    h, w = image.shape[:2]
    if Fraction(w, h) > PORTRAIT:  # wider than 9:16: bars above and below
        cw, ch = w, _up_even(w / PORTRAIT)
    else:  # narrower: bars at the sides
        cw, ch = _up_even(h * PORTRAIT), h
    canvas = np.zeros((ch, cw, 3), dtype=image.dtype)
    y, x = (ch - h) // 2, (cw - w) // 2
    canvas[y : y + h, x : x + w] = image
    return canvas


def half(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (max(2, w // 4 * 2), max(2, h // 4 * 2)), interpolation=cv2.INTER_AREA)


def darker(image: np.ndarray) -> np.ndarray:
    return cv2.convertScaleAbs(_even(image), alpha=DARKER)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mirrored": mirrored,
    "portrait": portrait,
    "half": half,
    "darker": darker,
}


def variant_path(clip: Path, name: str, out_dir: Path = VARIANT_DIR, digest: str | None = None) -> Path:
    digest = digest or content_hash(clip)
    return out_dir / f"{digest[:24]}-{name}-v{VARIANTS_VERSION}.mp4"


class _Writer:
    """One H.264 output, opened on its first frame (the transform fixes its size)."""

    def __init__(self, path: Path, rate: Fraction, time_base: Fraction) -> None:
        self.path, self.rate, self.time_base = path, rate, time_base
        self.part = path.with_name(path.stem + f".part{os.getpid()}.mp4")
        self.container: av.container.OutputContainer | None = None
        self.stream = None

    def write(self, image: np.ndarray, pts: int) -> None:
        if self.container is None:
            self.container = av.open(str(self.part), mode="w", format="mp4")
            self.stream = self.container.add_stream(
                "libx264", rate=self.rate, options={"crf": str(CRF), "preset": PRESET}
            )
            self.stream.width, self.stream.height = image.shape[1], image.shape[0]
            self.stream.pix_fmt = "yuv420p"
            self.stream.time_base = self.time_base
            self.stream.codec_context.time_base = self.time_base
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts, frame.time_base = pts, self.time_base
        self.container.mux(self.stream.encode(frame))

    def close(self, keep: bool) -> None:
        if self.container is not None:
            if keep:
                self.container.mux(self.stream.encode(None))
            self.container.close()
        if keep:
            self.part.replace(self.path)
        else:
            self.part.unlink(missing_ok=True)


def _clock(clip: Path) -> tuple[Fraction, Fraction]:
    """The source video stream's frame rate and time base."""
    with av.open(str(clip), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        return Fraction(rate).limit_denominator(100000), Fraction(stream.time_base or Fraction(1, 90000))


def write_variants(clip: str | Path, names: Iterable[str] = VARIANTS, out_dir: Path = VARIANT_DIR) -> dict[str, Path]:
    """Each named variant of the clip (written in one decoding pass where missing), by name."""
    clip = Path(clip)
    digest = content_hash(clip)
    paths = {n: variant_path(clip, n, out_dir, digest) for n in names}
    missing = [n for n, p in paths.items() if not p.is_file()]
    if not missing:
        return paths
    out_dir.mkdir(parents=True, exist_ok=True)
    rate, tb = _clock(clip)
    writers = {n: _Writer(paths[n], rate, tb) for n in missing}
    ok = False
    try:
        last = -1
        for frame in iter_frames(clip):
            pts = max(round(frame.t_s / tb), last + 1)  # the source's own times (strictly increasing)
            last = pts
            for n, w in writers.items():
                w.write(TRANSFORMS[n](frame.image), pts)
        ok = True
    finally:
        for w in writers.values():
            w.close(keep=ok)
    return paths


def main(argv: list[str] | None = None) -> int:
    clips = sys.argv[1:] if argv is None else argv
    for clip in clips:
        for name, path in write_variants(clip).items():
            print(f"{name:9s} {path}  ({clip})")
    return 0 if clips else 1


if __name__ == "__main__":
    raise SystemExit(main())
