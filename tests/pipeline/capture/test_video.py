"""Video input: bad files get one plain, typed message; good files probe and stream.

Every clip is written here with PyAV into ``tmp_path`` (nothing binary is kept
in the repository). Frames carry a white square in the stored image's top-left
corner so that rotation can be checked by where the square lands.
"""

from __future__ import annotations

import inspect
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.capture import video
from pipeline.capture.video import VideoLimits, iter_frames, probe, read_frames_at
from pipeline.errors import InputError, VideoError
from tests.support.factories import encode_all

# --------------------------------------------------------------------------- clip writers


def write_clip(
    path: Path,
    *,
    width: int = 160,
    height: int = 240,
    seconds: float = 2.0,
    fps: int = 10,
    codec: str = "libx264",
    rotation: float | None = None,
    pts_ms: list[int] | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """A small clip: white square top-left (a quarter of each side), green level changing per frame.

    ``pts_ms`` sets each frame's presentation time by hand (milliseconds) for
    variable-frame-rate clips; ``rotation`` is the display rotation in degrees
    counter-clockwise (PyAV's convention, as read back by ``VideoFrame.rotation``).
    """
    container = av.open(str(path), "w", options=options or {})
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    if pts_ms is not None:
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
    if rotation is not None:
        stream.set_display_rotation(rotation)
    n = len(pts_ms) if pts_ms is not None else int(round(seconds * fps))

    def frames():
        for i in range(n):
            img = np.zeros((height, width, 3), np.uint8)
            img[:, :, 1] = (i * 9) % 200
            img[: height // 4, : width // 4] = 255
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            if pts_ms is not None:
                frame.pts = pts_ms[i]
                frame.time_base = Fraction(1, 1000)
            yield frame

    encode_all(container, stream, frames())
    container.close()
    return path


def write_audio_only(path: Path, codec: str = "aac", seconds: float = 1.0) -> Path:
    container = av.open(str(path), "w")
    stream = container.add_stream(codec, rate=44100)
    stream.layout = "mono"
    samples = 1024
    tone = (0.2 * np.sin(np.arange(samples) * 0.05)).astype(np.float32)

    def frames():
        for i in range(int(seconds * 44100 / samples)):
            frame = av.AudioFrame.from_ndarray(tone[None, :], format="fltp", layout="mono")  # resampled by encode
            frame.sample_rate = 44100
            frame.pts = i * samples
            yield frame

    encode_all(container, stream, frames())
    container.close()
    return path


def probe_error(path: Path, limits: VideoLimits = VideoLimits()) -> VideoError:
    with pytest.raises(VideoError) as info:
        probe(path, limits)
    err = info.value
    assert isinstance(err, InputError)
    assert err.message == str(err)
    assert "\n" not in err.message and len(err.message) < 300
    assert "Traceback" not in err.message and "Error(" not in err.message
    return err


def corner_levels(image: np.ndarray) -> dict[str, float]:
    h, w = image.shape[:2]
    m = 6
    return {
        "top_left": float(image[:m, :m].mean()),
        "top_right": float(image[:m, w - m :].mean()),
        "bottom_left": float(image[h - m :, :m].mean()),
        "bottom_right": float(image[h - m :, w - m :].mean()),
    }


def bright_corner(image: np.ndarray) -> str:
    levels = corner_levels(image)
    corner = max(levels, key=levels.get)
    assert levels[corner] > 200, levels
    assert sorted(levels.values())[-2] < 150, levels  # exactly one white corner
    return corner


# --------------------------------------------------------------------------- bad input


def test_random_bytes_named_mp4_is_not_a_video(tmp_path):
    # given random bytes saved as .mp4
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    # when probed
    err = probe_error(path)
    # then the message names the file and says it is not a readable video
    assert "noise.mp4" in err.message
    assert "not a video" in err.message


def test_text_file_named_mp4_is_not_a_video(tmp_path):
    # given a text file with a video extension
    path = tmp_path / "notes.mp4"
    path.write_text("squat day: 5x5 at 100 kg\n" * 200)
    # when probed
    err = probe_error(path)
    # then it is refused as not a video, with a way forward
    assert "not a video" in err.message
    assert "export" in err.message.lower()


def test_empty_file_says_zero_bytes(tmp_path):
    # given a 0-byte upload
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    # when probed
    err = probe_error(path)
    # then the message says it is empty and to try again
    assert "empty" in err.message and "0 bytes" in err.message
    assert "try again" in err.message


def test_missing_file_says_not_found(tmp_path):
    # given a path where nothing exists
    path = tmp_path / "nowhere.mp4"
    # when probed
    err = probe_error(path)
    # then it says the file was not found
    assert "not found" in err.message.lower()


@pytest.mark.parametrize("name,codec", [("voice.m4a", "aac"), ("voice.mp4", "aac"), ("voice.mp3", "libmp3lame")])
def test_audio_only_file_has_no_video(tmp_path, name, codec):
    # given an audio-only file (no picture at all)
    path = write_audio_only(tmp_path / name, codec)
    with av.open(str(path)) as c:
        assert not c.streams.video and c.streams.audio  # the fixture really is audio only
    # when probed
    err = probe_error(path)
    # then the message says there is no video picture, probably audio only
    assert "no video" in err.message
    assert "audio" in err.message


def _truncate(src: Path, dst: Path, share: float = 0.4) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * share)])
    return dst


def _says_cut_short(message: str) -> bool:
    text = message.lower()
    return any(k in text for k in ("cut short", "damaged", "incomplete", "not a video we can read"))


def test_truncated_mp4_with_index_at_end_is_damaged(tmp_path):
    # given an mp4 written by the default muxer (moov index after the data), cut to 40% of its bytes
    full = write_clip(tmp_path / "full.mp4", width=320, height=240, seconds=3, fps=25)
    data = full.read_bytes()
    assert data.find(b"moov") > data.find(b"mdat")  # index really is at the end
    cut = _truncate(full, tmp_path / "cut.mp4")
    # when probed
    err = probe_error(cut)
    # then the message says the file is damaged or incomplete
    assert _says_cut_short(err.message), err.message
    # and streaming it fails the same typed way rather than with a raw error
    with pytest.raises(VideoError) as info:
        list(iter_frames(cut))
    assert _says_cut_short(info.value.message)


def test_truncated_faststart_mp4_is_cut_short(tmp_path):
    # given a faststart mp4 (index up front), 3 s long, cut to 40% of its bytes
    full = write_clip(
        tmp_path / "full.mp4", width=320, height=240, seconds=3, fps=25, options={"movflags": "faststart"}
    )
    data = full.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # index really is up front
    cut = _truncate(full, tmp_path / "cut.mp4")
    # when probed
    err = probe_error(cut)
    # then it is refused as cut short (not, say, as a clip that is too brief)
    assert "cut short" in err.message, err.message
    assert "lasts" not in err.message


def test_truncated_avi_is_cut_short(tmp_path):
    # given an AVI cut to 40% of its bytes (its frame count is in the header)
    full = write_clip(tmp_path / "full.avi", codec="mpeg4", width=320, height=240, seconds=3, fps=25)
    cut = _truncate(full, tmp_path / "cut.avi")
    # when probed
    err = probe_error(cut)
    # then it is refused as cut short
    assert "cut short" in err.message, err.message


def test_truncated_webm_is_cut_short(tmp_path):
    """MKV/WebM declare no frame count; the header duration gives the cut away."""
    # given a 4 s WebM cut to 40% of its bytes
    full = write_clip(tmp_path / "full.webm", codec="libvpx", width=320, height=240, seconds=4, fps=25)
    cut = _truncate(full, tmp_path / "cut.webm")
    # when probed
    err = probe_error(cut)
    # then it is refused as cut short
    assert _says_cut_short(err.message), err.message


def test_complete_mkv_and_webm_are_not_called_cut_short(tmp_path):
    # given complete 4 s MKV and WebM files
    for name, codec in (("full.mkv", "libx264"), ("full.webm", "libvpx")):
        full = write_clip(tmp_path / name, codec=codec, width=320, height=240, seconds=4, fps=25)
        # when probed, then they are accepted with their whole duration
        assert probe(full).duration_s == pytest.approx(4.0, abs=0.1)


def test_slightly_trimmed_tail_still_probes(tmp_path):
    # given a faststart mp4 missing only its last few bytes (part of the final frame)
    full = write_clip(
        tmp_path / "full.mp4", width=320, height=240, seconds=3, fps=25, options={"movflags": "faststart"}
    )
    data = full.read_bytes()
    cut = tmp_path / "tail.mp4"
    cut.write_bytes(data[:-40])
    # when probed
    meta = probe(cut)
    # then it is accepted: nearly every frame is there
    assert meta.frame_count >= 73


def test_single_frame_is_a_still_image(tmp_path):
    # given a clip with exactly one frame
    path = write_clip(tmp_path / "one.mp4", seconds=0.1, fps=10)
    # when probed
    err = probe_error(path)
    # then it says single frame / still image
    assert "single frame" in err.message
    assert "not a video" in err.message


@pytest.mark.parametrize("ext", ["mp4", "avi"])
def test_zero_frame_clip_has_no_video_frames(tmp_path, ext):
    # given a container with a video stream declared but no frame ever written
    path = tmp_path / f"zero.{ext}"
    container = av.open(str(path), "w")
    stream = container.add_stream("mpeg4", rate=10)
    stream.width, stream.height, stream.pix_fmt = 160, 240, "yuv420p"
    container.start_encoding()
    container.close()
    # when probed
    err = probe_error(path)
    # then it says there is no video in it
    assert "no video" in err.message, err.message


def test_shorter_than_half_a_second_is_refused_with_the_length(tmp_path):
    # given a 0.3 s clip
    path = write_clip(tmp_path / "blink.mp4", seconds=0.3, fps=10)
    # when probed
    err = probe_error(path)
    # then the message gives its length, the minimum and what to film
    assert "0.30 s" in err.message
    assert "at least 0.5 s" in err.message
    assert "whole set" in err.message


def test_a_sub_second_pull_is_accepted(tmp_path):
    # given a 0.8 s clip (a single fast pull filmed from set-up to lockout)
    path = write_clip(tmp_path / "pull.mp4", seconds=0.8, fps=30)
    # when probed, then it is accepted with its true length
    assert probe(path).duration_s == pytest.approx(0.8, abs=0.04)


def test_longer_than_the_limit_is_refused(tmp_path):
    # given a 3 s clip and a 2 s limit
    path = write_clip(tmp_path / "long.mp4", seconds=3, fps=10)
    # when probed under that limit
    err = probe_error(path, VideoLimits(max_duration_s=2))
    # then the message gives both lengths and says to trim
    assert "3.0 s" in err.message and "2.0 s limit" in err.message
    assert "Trim" in err.message
    # and the same clip passes under the default limit
    assert probe(path).duration_s == pytest.approx(3.0, abs=0.05)


def test_too_small_resolution_is_refused(tmp_path):
    # given a 100x80 clip
    path = write_clip(tmp_path / "thumb.mp4", width=100, height=80)
    # when probed
    err = probe_error(path)
    # then it gives the size and says it is too small
    assert "100×80" in err.message
    assert "too small" in err.message


def test_too_large_resolution_is_refused(tmp_path):
    # given a 320x240 clip and a 200 px limit
    path = write_clip(tmp_path / "big.mp4", width=320, height=240)
    # when probed under that limit
    err = probe_error(path, VideoLimits(max_side_px=200))
    # then it gives the size and the limit
    assert "320×240" in err.message
    assert "200-pixel limit" in err.message


# --------------------------------------------------------------------------- good input

CONTAINERS = [
    ("mp4", "libx264", "h264"),
    ("mov", "libx264", "h264"),
    ("m4v", "libx264", "h264"),
    ("avi", "mpeg4", "mpeg4"),
    ("mkv", "libx264", "h264"),
    ("webm", "libvpx", "vp8"),
    ("webm", "libvpx-vp9", "vp9"),
]


@pytest.mark.parametrize("ext,encoder,codec", CONTAINERS, ids=[f"{e}-{c}" for e, _, c in CONTAINERS])
def test_each_supported_container_probes_and_streams(tmp_path, ext, encoder, codec):
    if encoder not in av.codecs_available:
        pytest.skip(f"encoder {encoder} not in this PyAV build")
    # given a 2 s, 10 fps, 160x240 clip in this container
    path = write_clip(tmp_path / f"clip.{ext}", codec=encoder, seconds=2, fps=10)
    # when probed
    meta = probe(path)
    # then the facts match what was written
    assert meta.codec == codec
    assert (meta.width, meta.height) == (160, 240)
    assert meta.rotation_deg == 0
    assert meta.frame_count == 20
    assert meta.fps == pytest.approx(10.0, rel=0.01)
    assert meta.duration_s == pytest.approx(2.0, abs=0.05)
    assert not meta.variable_frame_rate
    # and every frame streams as a BGR image with times 0.0, 0.1, ...
    frames = list(iter_frames(path))
    assert len(frames) == 20
    assert [f.index for f in frames] == list(range(20))
    assert [f.t_s for f in frames] == pytest.approx([i / 10 for i in range(20)], abs=1e-3)
    assert frames[0].image.shape == (240, 160, 3) and frames[0].image.dtype == np.uint8
    assert bright_corner(frames[0].image) == "top_left"


def test_iter_frames_is_a_lazy_generator(tmp_path):
    # given a clip
    path = write_clip(tmp_path / "clip.mp4", seconds=2, fps=10)
    # when iter_frames is called
    frames = iter_frames(path)
    # then it is a generator that yields one frame at a time
    assert inspect.isgenerator(frames)
    first = next(frames)
    assert first.index == 0 and first.t_s == 0.0
    assert next(frames).index == 1
    frames.close()


@pytest.mark.parametrize(
    "rotation,expected_deg,corner",
    [
        (-90, 270, "top_right"),  # phone held upright: rotate 90° clockwise for display
        (90, 90, "bottom_left"),  # 90° counter-clockwise
        (180, 180, "bottom_right"),
    ],
)
def test_rotation_is_applied_for_display(tmp_path, rotation, expected_deg, corner):
    # given a landscape 320x240 clip whose container says to rotate it for display
    path = write_clip(tmp_path / "phone.mp4", width=320, height=240, rotation=rotation)
    # when probed
    meta = probe(path)
    # then the rotation is reported and width/height are those of the displayed picture
    assert meta.rotation_deg == expected_deg
    if expected_deg in (90, 270):
        assert (meta.width, meta.height) == (240, 320)
    else:
        assert (meta.width, meta.height) == (320, 240)
    # and the frames come out as displayed, the top-left marker where the rotation takes it
    frames = list(iter_frames(path, every_s=0.5))
    assert frames
    for frame in frames:
        assert frame.image.shape[:2] == (meta.height, meta.width)
        assert bright_corner(frame.image) == corner


def test_rotated_frames_scale_by_their_long_side(tmp_path):
    # given a rotated (portrait on display) 320x240 clip
    path = write_clip(tmp_path / "phone.mp4", width=320, height=240, rotation=-90)
    # when streamed with the long side capped at 160 px
    frame = next(iter_frames(path, max_side=160))
    # then the picture is portrait 120x160 with the marker still top-right
    assert frame.image.shape[:2] == (160, 120)
    assert bright_corner(frame.image) == "top_right"


def _vfr_times_ms(n: int = 60) -> list[int]:
    times = [0]
    for i in range(1, n):
        times.append(times[-1] + (20 if i % 2 else 50))
    return times


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_variable_frame_rate_times_come_from_the_container(tmp_path, ext):
    # given a clip whose frames are 20 ms and 50 ms apart by turns
    times_ms = _vfr_times_ms()
    path = write_clip(tmp_path / f"vfr.{ext}", pts_ms=times_ms, fps=30)
    # when probed and streamed
    meta = probe(path)
    frames = list(iter_frames(path))
    # then each frame's time is its container time, not index / fps
    assert [f.t_s for f in frames] == pytest.approx([t / 1000 for t in times_ms], abs=1e-6)
    assert frames[10].t_s != pytest.approx(10 / meta.fps, abs=1e-3)
    # and probe notices the frame rate varies
    assert meta.variable_frame_rate
    assert meta.frame_count == len(times_ms)
    assert 2.05 <= meta.duration_s <= 2.10


def test_every_s_keeps_the_first_frame_at_or_after_each_interval(tmp_path):
    # given the irregular 20/50 ms clip
    times_ms = _vfr_times_ms()
    path = write_clip(tmp_path / "vfr.mp4", pts_ms=times_ms, fps=30)
    # when streamed keeping one frame every 0.1 s of container time
    kept = [round(f.t_s * 1000) for f in iter_frames(path, every_s=0.1)]
    # then the kept frames are the first at or after each 100 ms step (by time, not by count)
    expected = []
    for k in range(0, times_ms[-1] // 100 + 1):
        after = [t for t in times_ms if t >= k * 100]
        if after and after[0] not in expected:
            expected.append(after[0])
    assert kept == expected
    assert kept[:5] == [0, 140, 210, 300, 420]


def test_start_and_end_bound_the_stream_by_time(tmp_path):
    # given a 2 s, 10 fps clip
    path = write_clip(tmp_path / "clip.mp4", seconds=2, fps=10)
    # when streamed between 0.5 s and 1.0 s
    times = [f.t_s for f in iter_frames(path, start_s=0.5, end_s=1.0)]
    # then only frames in that window come out
    assert times == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9, 1.0], abs=1e-6)


def test_read_frames_at_returns_the_nearest_frames_in_the_order_asked(tmp_path):
    # given the irregular 20/50 ms clip
    times_ms = _vfr_times_ms()
    path = write_clip(tmp_path / "vfr.mp4", pts_ms=times_ms, fps=30)
    wanted = [0.72, 0.0, 0.06, 0.495, 1.3, 99.0]
    # when frames are asked for at those times
    frames = read_frames_at(path, wanted)
    # then each is the frame whose container time is nearest, in the order asked
    all_t = np.array(times_ms) / 1000
    expected = [float(all_t[np.argmin(np.abs(all_t - t))]) for t in wanted]
    assert [f.t_s for f in frames] == pytest.approx(expected, abs=1e-6)
    assert [round(f.t_s * 1000) for f in frames] == [720, 0, 70, 490, 1280, times_ms[-1]]
    # and each carries the decoded picture of that frame
    assert all(f.image.shape == (240, 160, 3) for f in frames)
    assert read_frames_at(path, []) == []


def test_read_frames_at_with_repeated_times(tmp_path):
    # given a regular clip
    path = write_clip(tmp_path / "clip.mp4", seconds=2, fps=10)
    # when the same time is asked twice
    frames = read_frames_at(path, [0.33, 0.33, 1.51])
    # then both answers are the same nearest frame
    assert [f.index for f in frames] == [3, 3, 15]


def test_read_frames_at_late_times_jumps_ahead_and_matches_a_full_decode(tmp_path):
    # given a 20 s rotated clip with keyframes every 250 frames (x264's default), so a late time seeks
    path = write_clip(tmp_path / "long.mp4", seconds=20, fps=30, rotation=90)
    wanted = [17.02, 12.0, 8.51]
    # when frames are read at late times (seeking) and by walking the whole clip (no seek)
    jumped = read_frames_at(path, wanted)
    walked = list(iter_frames(path))
    # then each is the same frame, same time, same rotated picture
    for want, frame in zip(wanted, jumped):
        nearest = min(walked, key=lambda f: abs(f.t_s - want))
        assert frame.t_s == pytest.approx(nearest.t_s, abs=1e-6)
        assert frame.index == nearest.index
        assert np.array_equal(frame.image, nearest.image)
        assert frame.image.shape == (160, 240, 3)


# --------------------------------------------------------------------------- frames left undecoded


def _full_decode_every(path: Path, every_s: float) -> list:
    """The frames ``iter_frames(every_s=...)`` must give: every frame decoded, the grid applied by hand."""
    kept, next_keep = [], -np.inf
    for frame in iter_frames(path):
        if frame.t_s < next_keep - 1e-6:
            continue
        next_keep += every_s
        if next_keep <= frame.t_s:
            next_keep = frame.t_s + every_s
        kept.append(frame)
    return kept


def _same_frames(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.index == y.index and x.t_s == y.t_s and np.array_equal(x.image, y.image) for x, y in zip(a, b)
    )


def test_every_s_leaves_unused_b_frames_undecoded_and_keeps_the_same_frames(tmp_path, monkeypatch):
    # given a 30 fps H.264 clip with B-frames (x264's defaults), sampled at 10 fps
    path = write_clip(tmp_path / "b.mp4", seconds=3, fps=30)
    expected = _full_decode_every(path, 0.1)
    decoded = []
    real = video._decoded
    monkeypatch.setattr(video, "_decoded", lambda *a: (decoded.append(f) or f for f in real(*a)))
    # when streamed keeping one frame per 0.1 s
    got = list(iter_frames(path, every_s=0.1))
    # then the same frames come out (index, time, picture) while fewer than all 90 were decoded
    assert _same_frames(got, expected)
    assert len(got) == 30 and len(decoded) < 80


def test_a_decoder_off_the_plan_falls_back_to_decoding_every_frame(tmp_path, monkeypatch):
    # given a B-frame clip and a plan that names a frame the stream does not have
    path = write_clip(tmp_path / "b.mp4", seconds=3, fps=30)
    expected = _full_decode_every(path, 0.1)
    wanted = [f.t_s for f in expected[3:9]] + [2.01]
    expected_at = read_frames_at(path, wanted)
    real_every, real_at = video._every_plan, video._at_plan

    def broken(plan):
        pts, needed = plan
        return pts[:40] + [p + 1 for p in pts[40:]], needed  # frames from the 41st on are unknown

    monkeypatch.setattr(video, "_every_plan", lambda *a: broken(real_every(*a)))
    monkeypatch.setattr(video, "_at_plan", lambda *a: [broken(p) for p in real_at(*a)])
    # when streamed and read at times with that plan
    got = list(iter_frames(path, every_s=0.1))
    got_at = read_frames_at(path, wanted)
    # then the frames are still exactly those of a full decode
    assert _same_frames(got, expected)
    assert _same_frames(got_at, expected_at)
