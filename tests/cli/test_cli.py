"""The ``hinge-review`` command: plain one-line errors with exit 2, and one real run.

Bad inputs run ``cli.main.main`` in-process (they fail in probe, before any
model is loaded). The real-clip smoke test runs the CLI in a subprocess as a user
would; per-clip accuracy lives in ``test_e2e_clips.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

import models
from cli import main as cli
from pipeline.errors import NoPersonError
from pipeline.types import AnalysisConfig
from tests.pipeline.capture.test_video import write_audio_only, write_clip
from tests.support.factories import encode_all
from tests.support.paths import REPO

SMOKE_CLIP = "aigym_trap-bar-deadlift_side.mp4"  # 4.6 s, two reps


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The single line printed on stderr (the CLI starts it with a carriage return)."""
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _local_weights() -> Path | None:
    try:
        return models.find_local()
    except models.WeightsNotFound:
        return None


# --------------------------------------------------------------------------- bad input: exit 2, one line


def _random_bytes(tmp: Path) -> Path:
    p = tmp / "upload.mp4"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    return p


def _empty(tmp: Path) -> Path:
    p = tmp / "upload.mp4"
    p.write_bytes(b"")
    return p


def _text(tmp: Path) -> Path:
    p = tmp / "upload.mov"
    p.write_text("not a video\n")
    return p


BAD_INPUTS = [
    (_random_bytes, "not a video we can read"),
    (_empty, "is empty (0 bytes)"),
    (_text, "not a video we can read"),
    (lambda tmp: write_audio_only(tmp / "upload.m4a"), "no video frames"),
    (lambda tmp: write_clip(tmp / "upload.mp4", seconds=0.3), "a lift needs at least 0.5 s"),
    (lambda tmp: write_clip(tmp / "upload.mp4", seconds=0.1), "single frame"),
    (lambda tmp: write_clip(tmp / "upload.mp4", width=100, height=80), "too small to see the joints"),
]


@pytest.mark.parametrize(
    "make,phrase", BAD_INPUTS, ids=["random-bytes", "empty", "text", "audio-only", "too-short", "one-frame", "tiny"]
)
def test_bad_file_exits_2_with_one_plain_line(tmp_path, capsys, make, phrase):
    # given a file that is not a usable clip
    path = make(tmp_path)
    # when analysed through the CLI
    code, out, err = run_main(["analyze", str(path)], capsys)
    # then exit status 2, nothing on stdout, one plain line on stderr naming the problem
    assert code == 2
    assert out == ""
    line = one_line(err)
    assert line.startswith("hinge-review: ")
    assert phrase in line


def test_missing_file_exits_2_not_found(tmp_path, capsys):
    # given a path to nothing
    path = tmp_path / "no_such_clip.mp4"
    # when analysed
    code, out, err = run_main(["analyze", str(path)], capsys)
    # then exit 2 with "not found" and the path
    assert code == 2
    line = one_line(err)
    assert "not found" in line.lower() and "no_such_clip.mp4" in line


def test_over_length_limit_exits_2(tmp_path, capsys):
    # given a 3 s clip and --max-duration 2
    path = write_clip(tmp_path / "long.mp4", seconds=3)
    # when analysed
    code, _, err = run_main(["analyze", str(path), "--max-duration", "2"], capsys)
    # then exit 2 saying to trim it
    assert code == 2
    assert "Trim it" in one_line(err)


def test_missing_model_file_exits_2_naming_it(tmp_path, capsys):
    # given a valid clip and --model pointing at nothing
    clip = write_clip(tmp_path / "ok.mp4", seconds=2)
    missing = tmp_path / "typo-pose.pt"
    # when analysed
    code, _, err = run_main(["analyze", str(clip), "--model", str(missing)], capsys)
    # then exit 2 with the missing weights path, no traceback
    assert code == 2
    assert f"Model file not found: {missing}" in one_line(err)


def test_cuda_without_gpu_exits_2(tmp_path, capsys, monkeypatch):
    if _local_weights() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    import pipeline.capture.pose as pose

    # given a valid clip and a machine without CUDA
    monkeypatch.setattr(pose, "cuda_available", lambda: False)
    clip = write_clip(tmp_path / "ok.mp4", seconds=2)
    # when --device cuda is asked for
    code, _, err = run_main(["analyze", str(clip), "--device", "cuda"], capsys)
    # then exit 2 saying so and suggesting cpu
    assert code == 2
    assert "--device cpu" in one_line(err)


def test_unexpected_failure_exits_1_without_traceback(tmp_path, capsys, monkeypatch):
    # given analysis that breaks with an unexpected error
    import pipeline.run

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline.run, "analyze", broken)
    monkeypatch.delenv("HINGE_REVIEW_DEBUG", raising=False)
    # when analysed
    code, _, err = run_main(["analyze", str(tmp_path / "x.mp4")], capsys)
    # then exit 1 with one line naming the error, no traceback
    assert code == 1
    line = one_line(err)
    assert "failed unexpectedly" in line and "RuntimeError: boom" in line


def test_interrupt_exits_130(tmp_path, capsys, monkeypatch):
    # given the user presses Ctrl-C during analysis
    import pipeline.run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.run, "analyze", interrupted)
    # when analysed
    code, _, err = run_main(["analyze", str(tmp_path / "x.mp4")], capsys)
    # then exit 130 with "stopped."
    assert code == 130
    assert one_line(err) == "hinge-review: stopped."


def test_bad_file_in_a_subprocess_has_no_traceback(tmp_path):
    # given a text file named .mp4
    path = _text(tmp_path)
    # when the CLI runs as a program
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "analyze", str(path)], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    # then exit 2, one line on stderr, no traceback
    assert proc.returncode == 2
    assert "not a video we can read" in one_line(proc.stderr)


# --------------------------------------------------------------------------- real clip and the model


def test_smoke_real_clip_table_and_json(clips_dir, cli_runs):
    if _local_weights() is None:
        pytest.skip("pose weights not found: run python -m models fetch")
    clip = clips_dir / SMOKE_CLIP
    if not clip.is_file():
        pytest.skip(f"{SMOKE_CLIP} not found in {clips_dir}")
    # given a real side-on trap-bar deadlift clip
    # when the CLI analyses it with --json, run as a program (the session's one run of it: ``cli_runs``)
    proc = cli_runs.analyze(clip)
    out = proc.json_path
    # then it exits 0, with no traceback
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # and stdout carries the summary and the per-rep table header
    assert f"{SMOKE_CLIP}: " in proc.stdout
    header = next(line for line in proc.stdout.splitlines() if line.lstrip().startswith("rep "))
    for column in ("start", "bottom", "lockout", "end", "hip°", "knee°", "grade", "faults"):
        assert column in header
    assert f"JSON written to {out}" in proc.stdout
    # and the JSON has the headline keys
    doc = json.loads(out.read_text())
    for key in ("rep_count", "movement", "reps", "view", "side", "lifter_track_id", "video", "timings_s", "scorecard"):
        assert key in doc, key
    assert isinstance(doc["rep_count"], int) and doc["rep_count"] >= 1
    assert doc["movement"] in ("hinge", "squat", "none")
    assert doc["reps"], "a lifting clip has reps"
    for rep in doc["reps"]:
        for key in (
            "start_s",
            "bottom_s",
            "lockout_s",
            "end_s",
            "partial",
            "hip_flexion_bottom_deg",
            "knee_flexion_bottom_deg",
            "torso_angle_bottom_deg",
            "hinge_ratio",
            "descent_s",
            "ascent_s",
        ):
            assert key in rep, key
        assert rep["start_s"] <= rep["bottom_s"] <= rep["lockout_s"] <= rep["end_s"]
        assert isinstance(rep["partial"], bool)
    assert sum(not r["partial"] for r in doc["reps"]) == doc["rep_count"]
    video = doc["video"]
    for key in ("fps", "frame_count", "duration_s", "rotation_deg"):
        assert key in video, key
    assert video["frame_count"] > 0 and video["duration_s"] > 1 and video["fps"] > 0
    assert doc["timings_s"]["total"] > 0 and "pose" in doc["timings_s"]
    assert isinstance(doc["scorecard"], dict)
    # and the table has one row per rep
    rows = proc.stdout.split(header, 1)[1].strip().splitlines()
    assert sum(1 for r in rows if r.strip()[:1].isdigit()) == len(doc["reps"])


def write_rectangles_clip(path: Path, seconds: float = 3.0, fps: int = 10, width: int = 320, height: int = 240) -> Path:
    """Coloured rectangles sliding over a grey background: motion, but no person."""
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"

    def frames():
        for i in range(int(seconds * fps)):
            img = np.full((height, width, 3), 90, np.uint8)
            x = (i * 7) % (width - 60)
            y = (i * 4) % (height - 50)
            img[y : y + 50, x : x + 60] = (0, 0, 220)
            img[height - 70 : height - 20, width - 40 - x // 2 : width - x // 2] = (200, 120, 0)
            img[20:60, 20 + x // 3 : 90 + x // 3] = (0, 200, 200)
            yield av.VideoFrame.from_ndarray(img, format="bgr24")

    encode_all(container, stream, frames())
    container.close()
    return path


def test_no_person_clip_raises_no_person_error(tmp_path, estimator):
    # given a clip of moving coloured rectangles (no human anywhere)
    from pipeline.run import analyze

    clip = write_rectangles_clip(tmp_path / "boxes.mp4", seconds=1.5)
    # when analysed with the real model
    with pytest.raises(NoPersonError) as info:
        analyze(clip, AnalysisConfig(), estimator=estimator)
    # then the message says no person was found and how to film
    message = info.value.message
    assert message.startswith("No person was found")
    assert "Film the whole body" in message
    assert "\n" not in message
