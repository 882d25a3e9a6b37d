"""bench/variants.py: each transformed copy of a clip has the transform's size and picture and the
source's frames and times. Clips are written here with PyAV (64x48, 1 s at 30 fps, a white square
left of centre on black)."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.capture.video import VideoLimits, iter_frames, probe

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from variants import VARIANTS, variant_path, write_variants

W, H, FPS, N = 64, 48, 30, 30
SQUARE = (slice(16, 32), slice(12, 28))  # rows, columns: left of centre
ANY_SIZE = VideoLimits(min_side_px=1)


def write_clip(path: Path, rotation: float | None = None) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        image = np.zeros((H, W, 3), np.uint8)
        image[SQUARE] = 255
        for _ in range(N):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode(None))
    return path


def middle_frame(path: Path) -> np.ndarray:
    frames = list(iter_frames(path))
    return frames[len(frames) // 2].image.astype(float)


def columns_lit(image: np.ndarray) -> np.ndarray:
    return np.flatnonzero(image.mean(axis=2).max(axis=0) > 128)


def rows_lit(image: np.ndarray) -> np.ndarray:
    return np.flatnonzero(image.mean(axis=2).max(axis=1) > 128)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("variants")
    clip = write_clip(folder / "square.mp4")
    return clip, write_variants(clip, VARIANTS, out_dir=folder / "out")


def test_every_variant_keeps_the_frames_times_and_duration(made):
    # given a 1 s clip at 30 fps and its four variants
    clip, paths = made
    source = probe(clip, ANY_SIZE)
    want_t = [f.t_s for f in iter_frames(clip)]
    for name in VARIANTS:
        # when each variant is probed and read
        meta = probe(paths[name], ANY_SIZE)
        # then it has the source's frame count, duration and frame times, as H.264 with even sides
        assert (meta.frame_count, meta.codec) == (N, "h264"), name
        assert meta.duration_s == pytest.approx(source.duration_s, abs=1e-6), name
        assert [f.t_s for f in iter_frames(paths[name])] == pytest.approx(want_t, abs=1e-6), name
        assert meta.width % 2 == 0 and meta.height % 2 == 0, name


def test_sizes(made):
    # given the variants of a 64x48 clip
    _, paths = made
    # when probed, then mirrored and darker keep the size, half halves it, portrait is 9:16 of the same width
    sizes = {n: (m.width, m.height) for n, m in ((n, probe(p, ANY_SIZE)) for n, p in paths.items())}
    assert sizes == {"mirrored": (64, 48), "darker": (64, 48), "half": (32, 24), "portrait": (64, 114)}
    assert Fraction(64, 114) == pytest.approx(9 / 16, abs=0.01)


def test_mirrored_puts_the_square_on_the_right(made):
    # given the source's square left of centre
    clip, paths = made
    assert columns_lit(middle_frame(clip)).max() < W / 2
    # when mirrored, then the square sits on the right, at the mirrored columns
    lit = columns_lit(middle_frame(paths["mirrored"]))
    assert lit.min() > W / 2
    assert (lit.min(), lit.max()) == (W - 28, W - 13)


def test_portrait_centres_the_picture_between_black_bars(made):
    # given the portrait variant (64x114 canvas, the 48-row picture at rows 33..80)
    _, paths = made
    image = middle_frame(paths["portrait"])
    # when the lit rows are found, then they are the square's, shifted by the top bar, and the bars are black
    top = (114 - H) // 2
    assert (rows_lit(image).min(), rows_lit(image).max()) == pytest.approx((top + 16, top + 31), abs=1)
    assert image[: top - 2].max() < 12 and image[top + H + 2 :].max() < 12
    assert columns_lit(image).max() < W / 2  # not mirrored, not scaled


def test_half_keeps_the_square_at_half_the_place(made):
    _, paths = made
    # when the half-size variant is read, then the square covers the halved columns
    lit = columns_lit(middle_frame(paths["half"]))
    assert (lit.min(), lit.max()) == pytest.approx((6, 13), abs=1)


def test_darker_is_three_quarters_as_bright(made):
    # given the source and its darker variant
    clip, paths = made
    # when the square's brightness is compared, then it is ~0.75x
    ratio = middle_frame(paths["darker"])[SQUARE].mean() / middle_frame(clip)[SQUARE].mean()
    assert ratio == pytest.approx(0.75, abs=0.02)


def test_variants_are_reused_from_the_cache(made, monkeypatch):
    # given variants already written
    clip, paths = made
    stamps = {n: p.stat().st_mtime_ns for n, p in paths.items()}
    # when asked again (decoding is made to fail, so nothing may be re-encoded)
    import variants

    monkeypatch.setattr(variants, "iter_frames", lambda *a, **k: pytest.fail("decoded again"))
    again = write_variants(clip, VARIANTS, out_dir=paths["half"].parent)
    # then the same files come back untouched, named by content hash and variant
    assert again == paths and {n: p.stat().st_mtime_ns for n, p in again.items()} == stamps
    assert again["half"] == variant_path(clip, "half", paths["half"].parent)


def test_display_rotation_is_applied(tmp_path):
    # given a clip stored 64x48 with a 90-degree display rotation (shown 48x64)
    clip = write_clip(tmp_path / "rotated.mp4", rotation=90)
    assert (probe(clip, ANY_SIZE).width, probe(clip, ANY_SIZE).height) == (48, 64)
    # when mirrored, then the variant is stored upright (48x64, no rotation left to apply)
    path = write_variants(clip, ("mirrored",), out_dir=tmp_path / "out")["mirrored"]
    meta = probe(path, ANY_SIZE)
    assert (meta.width, meta.height, meta.rotation_deg) == (48, 64, 0)
    # and its picture is the source's display picture flipped left to right
    assert np.abs(middle_frame(path) - middle_frame(clip)[:, ::-1]).mean() < 3
