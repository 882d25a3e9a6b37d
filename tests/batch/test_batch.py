"""``hinge-review batch``: discovery, identity, resume, the summary, errors per clip, Ray.

Pure parts (discovery, hashing, summary rows, resume decision, atomic writes,
actor planning, progress text) run without the model. The rest runs the real
model on three short real clips with two broken files sorted between them:
once locally (one ``PoseEstimator`` for the module), once on a real local Ray
cluster started here as a ``ray start --head`` process and stopped at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from batch.discover import Clip, discover
from batch.identity import sha256_file
from batch.local import LocalRunner
from batch.progress import ProgressBar, ProgressState, progress_text
from batch.run import plan_batch, run_batch
from batch.store import doc_text, find_done, result_path, write_atomic
from batch.summary import COLUMNS, SUMMARY_NAME, error_row, ok_row, summary_csv
from cli import main as cli
from pipeline.document.result_doc import result_json
from pipeline.errors import InputError
from pipeline.judge.rules import FAULT_BY_CODE
from pipeline.types import AnalysisConfig
from tests.support.factories import synthetic_result
from tests.support.paths import FIXTURES, REPO

# three short real clips (about 3-5 s each) with their labelled rep counts
CLIPS = {
    "aigym_trap-bar-deadlift_side.mp4": (FIXTURES / "clips", 2),
    "bichraix_bad010_squatting-deadlift_side.mp4": (FIXTURES / "clips", 1),
    "tobefrank_kb-deadlift_side.mp4": (FIXTURES / "devset", 1),
}
NOT_A_VIDEO = "b1_notes.mp4"  # sorts between the real clips
TRUNCATED = "b2_truncated.mp4"


def rows_of(out_dir: Path) -> list[dict]:
    with open(out_dir / SUMMARY_NAME, newline="") as fh:
        return list(csv.DictReader(fh))


def by_file(out_dir: Path) -> dict[str, dict]:
    return {r["file"]: r for r in rows_of(out_dir)}


def synthetic_doc(**config_changes) -> dict:
    """A real result JSON (as ``analyze --json`` writes it) of the hand-built three-rep lifter."""
    result = synthetic_result()
    return result_json(replace(result, config=replace(result.config, **config_changes)))


# --------------------------------------------------------------------------- discovery (no model)


def test_given_nested_folder_when_discovered_then_videos_by_extension_recursively_sorted(tmp_path):
    # given videos at two depths, an upper-case extension, a hidden file, a text file and a JSON
    for name in ("b.mp4", "sub/a.MOV", "sub/deeper/c.webm", ".hidden.mp4", "sub/.cache/d.mp4", "notes.txt", "x.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    # when discovered
    clips = discover(tmp_path)
    # then only the visible videos, named relative to the folder, in a stable order
    assert [c.name for c in clips] == ["b.mp4", "sub/a.MOV", "sub/deeper/c.webm"]
    assert all(c.path.is_file() for c in clips)


@pytest.mark.parametrize("column", ["file", "path", "Path"])
def test_given_csv_with_file_or_path_column_when_discovered_then_relative_paths_from_its_folder(tmp_path, column):
    # given a CSV in lists/ naming one clip relative to it, one absolute and a blank row
    (tmp_path / "clips").mkdir()
    (tmp_path / "lists").mkdir()
    absolute = tmp_path / "elsewhere.mov"
    table = tmp_path / "lists" / "week.csv"
    table.write_text(f"athlete,{column}\nana,../clips/one.mp4\nbo,{absolute}\ncy,\n")
    # when discovered
    clips = discover(table)
    # then both entries, the relative one resolved against the CSV's folder, shown as written
    assert clips == (Clip(tmp_path / "lists" / "../clips/one.mp4", "../clips/one.mp4"), Clip(absolute, str(absolute)))


@pytest.mark.parametrize(
    "make,phrase",
    [
        (lambda d: d / "missing", "Not found"),
        (
            lambda d: (d / "t.csv").write_text("athlete,video\nana,a.mp4\n") and d / "t.csv",
            "no 'file' or 'path' column",
        ),
        (lambda d: (d / "e").mkdir() or d / "e", "No video clips"),
        (lambda d: (d / "n.txt").write_text("x") and d / "n.txt", "neither a folder nor a .csv"),
    ],
    ids=["missing", "csv-without-column", "empty-folder", "other-file"],
)
def test_given_unusable_source_when_discovered_then_plain_input_error(tmp_path, make, phrase):
    # given a source that names no clips
    source = make(tmp_path)
    # when discovered, then one plain message says why
    with pytest.raises(InputError) as info:
        discover(source)
    assert phrase in info.value.message


# --------------------------------------------------------------------------- identity, storage, summary (no model)


def test_given_file_larger_than_a_chunk_when_hashed_then_sha256_of_all_its_bytes(tmp_path):
    # given 2.5 chunks of bytes
    data = os.urandom(2500)
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    # when hashed in 1000-byte chunks, then it is the sha256 of the whole content
    assert sha256_file(path, chunk_bytes=1000) == hashlib.sha256(data).hexdigest()


def test_given_hash_and_stem_when_named_then_16_hex_chars_dash_stem(tmp_path):
    assert result_path(tmp_path, "ab" * 32, "my clip").name == "abababababababab-my clip.json"


def test_given_stored_result_when_resuming_then_reused_only_for_the_same_settings(tmp_path):
    # given a stored result for a hash, made with default settings and a model path from another machine
    sha = "c0ffee" * 10 + "abcd"
    stored = synthetic_doc(model="/srv/models/yolo11n-pose.pt")
    write_atomic(result_path(tmp_path, sha, "clip"), doc_text(stored))
    # when asked again with settings that do not change the answer (device, backend), then it is reused
    assert find_done(tmp_path, sha, AnalysisConfig(device="cuda", backend="onnx"))[1] == stored
    # when asked with another lift, rate or model, then it is not
    for changed in (
        AnalysisConfig(exercise="rdl"),
        AnalysisConfig(analysis_fps=15.0),
        AnalysisConfig(model="yolo26s-pose.pt"),
    ):
        assert find_done(tmp_path, sha, changed) is None
    # and another hash is never matched
    assert find_done(tmp_path, "f" * 64, AnalysisConfig()) is None


def test_given_result_made_by_an_older_analysis_when_resuming_then_analysed_again(tmp_path):
    # given a stored result whose analysis version (release, fitted levels) is not this one
    sha = "d" * 64
    stored = synthetic_doc() | {"analysis_version": "0.0.9+000000000000"}
    write_atomic(result_path(tmp_path, sha, "clip"), doc_text(stored))
    # when resuming with the same settings, then it is stale and not reused
    assert find_done(tmp_path, sha, AnalysisConfig()) is None


def test_given_damaged_json_for_the_hash_when_resuming_then_analysed_again(tmp_path):
    # given a half-written JSON (what a non-atomic writer would leave)
    sha = "1" * 64
    result_path(tmp_path, sha, "clip").write_text(doc_text(synthetic_doc())[:500])
    # when resuming, then there is nothing to reuse
    assert find_done(tmp_path, sha, AnalysisConfig()) is None


def test_given_write_interrupted_before_rename_when_atomic_write_then_old_file_intact_and_no_temp_left(
    tmp_path, monkeypatch
):
    # given a result already on disk
    target = tmp_path / "r.json"
    write_atomic(target, '{"old": 1}')

    # when the next write dies at the rename (the process killed between writing and renaming)
    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, '{"new": 2}')
    # then the old content is whole and no temp file is left
    assert json.loads(target.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_given_result_doc_when_summarised_then_row_has_lift_reps_grade_score_main_fault_seconds():
    # given the result JSON of a three-rep set graded B with a rounded back
    doc = synthetic_doc()
    # when turned into a summary row
    row = ok_row("week1/ana.mp4", "9" * 64, doc)
    # then the headline figures come from the document
    assert (row.status, row.lift, row.reps, row.grade, row.main_fault) == (
        "ok",
        "kettlebell_deadlift",
        3,
        "B",
        "rounded_back",
    )
    assert row.score == round(doc["scorecard"]["overall_score"], 1)
    assert row.seconds == doc["timings_s"]["total"]
    assert not row.reused


def test_given_rows_when_written_as_csv_then_header_and_empty_cells_for_missing_values():
    # given an ok row and an error row with a comma and quotes in its message
    rows = [
        ok_row("a.mp4", "a" * 64, synthetic_doc(), reused=True),
        error_row("b.mp4", "b" * 64, "“b.mp4” is cut short, or damaged.", 0.25),
    ]
    # when written
    parsed = list(csv.DictReader(io.StringIO(summary_csv(rows))))
    # then the columns are the documented ones and values round-trip
    assert (
        tuple(parsed[0])
        == COLUMNS
        == ("file", "sha256", "status", "error", "lift", "reps", "grade", "score", "main_fault", "seconds", "reused")
    )
    assert parsed[0]["reused"] == "true" and parsed[0]["reps"] == "3"
    assert parsed[1] == {
        **dict.fromkeys(COLUMNS, ""),
        "file": "b.mp4",
        "sha256": "b" * 64,
        "status": "error",
        "error": "“b.mp4” is cut short, or damaged.",
        "seconds": "0.25",
        "reused": "false",
    }


def test_given_done_missing_duplicate_and_new_clips_when_planned_then_one_job_per_new_content(tmp_path):
    # given four files: one already analysed, one missing, and two copies of the same new content
    out = tmp_path / "out"
    out.mkdir()
    done, new, copy = tmp_path / "done.mp4", tmp_path / "new.mp4", tmp_path / "copy.mp4"
    done.write_bytes(b"done")
    new.write_bytes(b"new")
    copy.write_bytes(b"new")
    write_atomic(result_path(out, sha256_file(done), "done"), doc_text(synthetic_doc()))
    clips = [
        Clip(done, "done.mp4"),
        Clip(tmp_path / "gone.mp4", "gone.mp4"),
        Clip(new, "new.mp4"),
        Clip(copy, "copy.mp4"),
    ]
    # when planned
    plan = plan_batch(clips, out, AnalysisConfig())
    # then the done clip is reused, the missing one is an error row, and the shared content is one job for two clips
    assert plan.rows[0].reused and plan.rows[0].status == "ok"
    assert plan.rows[1].status == "error" and plan.rows[1].error == f"File not found: {tmp_path / 'gone.mp4'}"
    assert plan.rows[2] is None and plan.rows[3] is None
    assert [j.path for j in plan.jobs] == [new]
    assert plan.clips_of[sha256_file(new)] == (2, 3)


# --------------------------------------------------------------------------- progress and Ray planning (no model)


def test_given_clips_done_when_progress_shown_then_count_name_rate_and_time_left():
    # given 3 of 10 done, 2 of them analysed in 60 s
    state = ProgressState(done=3, total=10, analysed=2, elapsed_s=60.0, name="ana.mp4", status="ok")
    # then the line reads done/total, the clip, 2 clips/min and 7 clips' worth of time left
    assert progress_text(state) == "3/10 · ok ana.mp4 · 2.0 clips/min · about 3 min 30 s left"


def test_given_no_terminal_when_clips_finish_then_one_plain_line_each_without_control_codes():
    # given a log file as stderr and a clock that moves 30 s per clip
    ticks = iter([0.0, 0.0, 30.0, 60.0])
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=False, clock=lambda: next(ticks))
    # when a 3-clip batch with one clip already done reports two results
    bar.begin(3, settled=1)
    bar.update("a.mp4", "ok")
    bar.update("b.mp4", "error", "“b.mp4” is empty (0 bytes).")
    bar.close()
    # then each event is its own line, with no carriage returns or escape codes
    assert stream.getvalue().splitlines() == [
        "1/3 · already done or unreadable",
        "2/3 · ok a.mp4 · 2.0 clips/min · about 30 s left",
        "3/3 · error b.mp4 (“b.mp4” is empty (0 bytes).) · 2.0 clips/min",
    ]


def test_given_terminal_when_clips_finish_then_one_redrawn_line_with_a_bar():
    stream = io.StringIO()
    bar = ProgressBar(stream, tty=True, clock=lambda: 0.0)
    bar.begin(4)
    bar.update("a.mp4", "ok")
    bar.close()
    assert stream.getvalue().startswith("\r[######..................] 1/4 · ok a.mp4")
    assert stream.getvalue().endswith("\033[K\n")


@pytest.fixture(scope="module")
def ray_pool():
    """``batch.ray_pool`` (it imports Ray; the tests that need it skip on a plain install)."""
    return pytest.importorskip("batch.ray_pool", reason="Ray is not installed (pip install 'hinge-review[ray]')")


@pytest.mark.parametrize(
    "nodes,workers,use_gpus,expected",
    [
        ([(16, 2), (16, 2)], None, True, (4, 1.0, 1.0)),  # one actor per GPU
        ([(16, 2)], 4, True, (4, 1.0, 0.5)),  # more workers than GPUs share them
        ([(16, 2)], None, False, (8, 2.0, 0.0)),  # --device cpu ignores the GPUs
        ([(8, 0), (3, 0)], None, True, (5, 2.0, 0.0)),  # 2 CPUs each, counted per node (4 + 1)
        ([(2, 0)], 2, True, (2, 1.0, 0.0)),  # two workers on two CPUs get one each
        ([(2, 0)], 1, True, (1, 2.0, 0.0)),
        ([(1, 0)], None, True, (1, 1.0, 0.0)),  # a one-CPU node still gets an actor
    ],
)
def test_given_cluster_resources_when_planning_actors_then_one_model_per_gpu_or_a_few_per_cpu_node(
    ray_pool, nodes, workers, use_gpus, expected
):
    plan = ray_pool.plan_actors([ray_pool.NodeResources(c, g) for c, g in nodes], workers, use_gpus=use_gpus)
    assert (plan.actors, plan.num_cpus, plan.num_gpus) == expected


def test_given_cluster_without_cpus_when_planning_then_plain_error(ray_pool):
    with pytest.raises(InputError, match="no CPUs or GPUs"):
        ray_pool.plan_actors([ray_pool.NodeResources(0, 0)])


def test_given_pipeline_and_cli_imported_then_ray_is_not():
    # the batch command imports Ray lazily: a plain install (no Ray) keeps working
    code = "import sys, cli.main, pipeline.run, batch, batch.run; sys.exit('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120).returncode == 0


# --------------------------------------------------------------------------- the real model on real clips


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    """Three short real clips (one in a subfolder) with a text file and a truncated mp4 sorted between them."""
    folder = tmp_path_factory.mktemp("clips")
    for name, (src, _) in CLIPS.items():
        if not (src / name).is_file():
            pytest.skip(f"{name} not found in {src} (the real clips live outside the repository)")
    (folder / "sub").mkdir()
    for i, (name, (src, _)) in enumerate(CLIPS.items()):
        shutil.copy(src / name, folder / ("sub" if i == 2 else "") / name)
    (folder / NOT_A_VIDEO).write_text("Week 1 notes: Ana felt her back round on the last rep.\n")
    whole = (FIXTURES / "clips" / "formfit_deadlift_side_good.mp4").read_bytes()
    (folder / TRUNCATED).write_bytes(whole[: len(whole) // 8])  # a copy that stopped early
    return folder


def clip_names(folder: Path) -> dict[str, str]:
    """Clip file name -> its name in the summary (relative to the folder)."""
    return {Path(c.name).name: c.name for c in discover(folder)}


@pytest.fixture(scope="module")
def local_run(clip_folder, estimator, tmp_path_factory):
    out = tmp_path_factory.mktemp("out-local")
    started = time.perf_counter()
    report = run_batch(clip_folder, out, AnalysisConfig(), LocalRunner(estimator))
    return out, report, time.perf_counter() - started


def test_given_folder_with_three_clips_when_batched_then_one_json_each_as_analyze_writes_it(local_run, clip_folder):
    out, report, _ = local_run
    # then each good clip has <hash>-<stem>.json holding the analyze --json document with the labelled rep count
    names = clip_names(clip_folder)
    for name, (_, reps) in CLIPS.items():
        sha = sha256_file(clip_folder / names[name])
        path = result_path(out, sha, Path(name).stem)
        doc = json.loads(path.read_text())
        assert doc["rep_count"] == reps, name
        assert Path(doc["video"]["path"]).name == name
        for key in ("movement", "reps", "view", "side", "lifter_track_id", "timings_s", "scorecard", "summary"):
            assert key in doc
    assert report.analysed == 5 and report.reused == 0
    # and nothing else is in the folder (no temp files)
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".json", ".json", ".json"]


def test_given_folder_batch_when_done_then_summary_has_a_row_per_clip_in_folder_order(local_run, clip_folder):
    out, _, _ = local_run
    rows = rows_of(out)
    # then one row per discovered clip, in discovery order, with hash, status and the headline figures
    assert [r["file"] for r in rows] == [c.name for c in discover(clip_folder)]
    for row in rows:
        assert row["sha256"] == sha256_file(clip_folder / row["file"])
    names = clip_names(clip_folder)
    for name, (_, reps) in CLIPS.items():
        row = by_file(out)[names[name]]
        assert row["status"] == "ok" and row["error"] == ""
        assert int(row["reps"]) == reps
        assert row["lift"] and row["grade"] and float(row["score"]) >= 0 and float(row["seconds"]) > 0
    # and the main fault is a named fault or none; bichraix bad010 squats its pull, and its reading sits on
    # the squatting levels (borderline or faulty by a few degrees: docs/accuracy.md), so no other fault
    for row in rows:
        assert row["main_fault"] == "" or row["main_fault"] in FAULT_BY_CODE
    bad010 = by_file(out)["bichraix_bad010_squatting-deadlift_side.mp4"]
    assert bad010["main_fault"] in ("", "squatting")


def test_given_not_a_video_and_truncated_mp4_in_the_middle_then_error_rows_with_plain_reasons(local_run):
    out, report, _ = local_run
    rows = by_file(out)
    # then each is an error row carrying the probe's own plain sentence, and the clips after them were analysed
    assert rows[NOT_A_VIDEO]["status"] == "error"
    assert rows[NOT_A_VIDEO]["error"].startswith(f"“{NOT_A_VIDEO}” is not a video we can read")
    assert rows[TRUNCATED]["status"] == "error"
    assert "is cut short or damaged" in rows[TRUNCATED]["error"]
    assert "Traceback" not in (out / SUMMARY_NAME).read_text()
    assert report.errors == 2 and sum(r["status"] == "ok" for r in rows.values()) == 3


def test_given_finished_batch_when_run_again_then_every_clip_is_reused_without_loading_the_model(
    local_run, clip_folder, tmp_path, monkeypatch
):
    out, _, first_s = local_run
    again = tmp_path / "out"
    shutil.copytree(out, again)
    before = {p.name: p.read_bytes() for p in again.glob("*.json")}
    # given loading the model would fail (so a resumed batch must not need it)
    import batch.local

    def no_model(config):
        raise AssertionError("the model was loaded on a resumed batch")

    monkeypatch.setattr(batch.local, "load_estimator", no_model)
    # when the same batch runs again into the same folder
    started = time.perf_counter()
    report = run_batch(clip_folder, again, AnalysisConfig(), LocalRunner())
    took = time.perf_counter() - started
    # then the three clips are reused (still in the summary), the broken files fail again, and it is fast
    assert report.reused == 3 and report.errors == 2
    rows = by_file(again)
    assert [r["reused"] for r in rows.values() if r["status"] == "ok"] == ["true"] * 3
    assert {p.name: p.read_bytes() for p in again.glob("*.json")} == before
    assert took < min(5.0, first_s / 3), (took, first_s)


def test_given_csv_of_clips_when_batched_then_new_clip_analysed_done_clip_reused_missing_clip_error(
    local_run, clip_folder, estimator, tmp_path
):
    out, _, _ = local_run
    # given a CSV in its own folder: one clip by relative path, one by absolute path, one that does not exist
    names = clip_names(clip_folder)
    first, second = "bichraix_bad010_squatting-deadlift_side.mp4", "tobefrank_kb-deadlift_side.mp4"
    lists = tmp_path / "lists"
    lists.mkdir()
    rel = os.path.relpath(clip_folder / names[first], lists)
    (lists / "week.csv").write_text(f"athlete,file\nana,{rel}\nbo,{clip_folder / names[second]}\ncy,missing.mp4\n")
    # and an output folder that already has the second clip's result only
    target = tmp_path / "out"
    target.mkdir()
    kept = next(out.glob(f"{sha256_file(clip_folder / names[second])[:16]}-*.json"))
    shutil.copy(kept, target / kept.name)
    # when batched from the CSV
    report = run_batch(lists / "week.csv", target, AnalysisConfig(), LocalRunner(estimator))
    rows = rows_of(target)
    # then rows follow the CSV, named as written there
    assert [r["file"] for r in rows] == [rel, str(clip_folder / names[second]), "missing.mp4"]
    assert (rows[0]["status"], rows[0]["reused"], rows[0]["reps"]) == ("ok", "false", "1")
    assert (rows[1]["status"], rows[1]["reused"]) == ("ok", "true")
    assert rows[2]["status"] == "error" and rows[2]["error"] == f"File not found: {lists / 'missing.mp4'}"
    assert report.analysed == 1 and report.reused == 1
    # and the new result is the same as the folder batch's
    new = json.loads(next(target.glob(f"{rows[0]['sha256'][:16]}-*.json")).read_text())
    old = json.loads(next(out.glob(f"{rows[0]['sha256'][:16]}-*.json")).read_text())
    assert_same_analysis(old, new)


# --------------------------------------------------------------------------- the CLI


def test_given_batch_with_failed_clips_when_run_from_the_cli_then_exit_3_and_a_one_line_report(
    local_run, clip_folder, tmp_path, capsys
):
    out, _, _ = local_run
    again = tmp_path / "out"
    shutil.copytree(out, again)
    # when the folder (3 done clips, 2 broken files) is batched again through the CLI
    code = cli.main(["batch", str(clip_folder), "--out", str(again), "--quiet"])
    stdout, stderr = capsys.readouterr()
    # then exit 3 (some clips failed), and stdout says how many and where the summary is
    assert code == cli.EXIT_SOME_FAILED == 3
    assert stdout.startswith("5 clips: 3 ok (3 already done), 2 failed")
    assert str(again / SUMMARY_NAME) in stdout
    assert stderr == ""


def test_given_every_clip_done_when_run_from_the_cli_then_exit_0(local_run, clip_folder, tmp_path, capsys):
    out, _, _ = local_run
    # given a folder with only the three good clips, already analysed
    good = tmp_path / "good"
    good.mkdir()
    for c in discover(clip_folder):
        if Path(c.name).name in CLIPS:
            shutil.copy(c.path, good / Path(c.name).name)
    again = tmp_path / "out"
    shutil.copytree(out, again)
    # when batched through the CLI, with progress on (not a terminal: plain lines)
    code = cli.main(["batch", str(good), "--out", str(again)])
    stdout, stderr = capsys.readouterr()
    # then exit 0, and progress said the three were already done
    assert code == 0, stderr
    assert stdout.startswith("3 clips: 3 ok (3 already done), 0 failed")
    assert "3/3 · already done" in stderr


@pytest.mark.parametrize(
    "argv,phrase",
    [
        (["batch", "{tmp}/nowhere", "--out", "{tmp}/out"], "Not found"),
        (["batch", "{tmp}", "--out", "{tmp}/out", "--workers", "2"], "--workers sets the number of Ray actors"),
        (["batch", "{tmp}", "--out", "{tmp}/out", "--ray", "auto", "--workers", "0"], "--workers must be 1 or more"),
    ],
    ids=["missing-source", "workers-without-ray", "zero-workers"],
)
def test_given_bad_batch_arguments_when_run_then_exit_2_with_one_plain_line(tmp_path, capsys, argv, phrase):
    code = cli.main([a.format(tmp=tmp_path) for a in argv])
    _, stderr = capsys.readouterr()
    assert code == 2
    lines = [line for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hinge-review: ") and phrase in lines[0]


def test_given_a_good_and_a_broken_clip_when_the_cli_runs_as_a_program_then_json_summary_and_exit_3(
    clip_folder, tmp_path
):
    # given a folder with one real clip and one text file named .mp4
    folder = tmp_path / "in"
    folder.mkdir()
    name = "bichraix_bad010_squatting-deadlift_side.mp4"
    shutil.copy(clip_folder / name, folder / name)
    shutil.copy(clip_folder / NOT_A_VIDEO, folder / NOT_A_VIDEO)
    # when the installed command runs it, as a user would
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "batch", str(folder), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    # then exit 3, a JSON for the clip, both rows in the summary, one progress line per clip (no terminal)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(list((tmp_path / "out").glob("*-bichraix_bad010_squatting-deadlift_side.json"))) == 1
    assert {r["file"]: r["status"] for r in rows_of(tmp_path / "out")} == {NOT_A_VIDEO: "error", name: "ok"}
    assert [line.split(" · ")[0] for line in proc.stderr.splitlines()] == ["1/2", "2/2"]


# --------------------------------------------------------------------------- Ray: a real local cluster


def assert_same_analysis(a: dict, b: dict) -> None:
    """Same reps, grades and per-rep metrics (to the JSON's rounding); timings may differ."""
    assert a["rep_count"] == b["rep_count"] and a["movement"] == b["movement"]
    assert (a["view"], a["side"]) == (b["view"], b["side"])
    sa, sb = a["scorecard"] or {}, b["scorecard"] or {}
    for key in ("gradable", "exercise_id", "overall_grade", "faults"):
        assert sa.get(key) == sb.get(key), key
    assert sa.get("overall_score") == pytest.approx(sb.get("overall_score"), abs=0.01)
    assert len(a["reps"]) == len(b["reps"])
    for ra, rb in zip(a["reps"], b["reps"]):
        assert ra.keys() == rb.keys()
        for key, value in ra.items():
            if isinstance(value, float):
                assert rb[key] == pytest.approx(value, abs=2e-4), key
            else:
                assert rb[key] == value, key
    assert [r["grade"] for r in sa.get("reps", [])] == [r["grade"] for r in sb.get("reps", [])]


def test_given_ray_cluster_when_batched_with_two_actors_then_same_files_and_results_as_locally(
    ray_pool, local_run, clip_folder, ray_cluster, tmp_path
):
    out, _, _ = local_run
    runner = ray_pool.RayRunner(ray_cluster, workers=2)
    # when the same folder is batched on the 2-CPU cluster with two model-holding actors
    report = run_batch(clip_folder, tmp_path / "ray", AnalysisConfig(), runner)
    # then two actors ran, each with its own loaded model, and no clip was lost
    assert runner.plan == ray_pool.ActorPlan(2, 1.0, 0.0)
    assert len(runner.devices) == 2 and runner.lost == []
    # and the driver wrote the same files
    assert sorted(p.name for p in (tmp_path / "ray").iterdir()) == sorted(p.name for p in out.iterdir())

    # and the same summary, apart from the time each clip took
    def comparable(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert comparable(rows_of(tmp_path / "ray")) == comparable(rows_of(out))
    assert report.errors == 2
    # and the same analysis of every clip: reps, grades, per-rep metrics
    for path in out.glob("*.json"):
        local_doc = json.loads(path.read_text())
        ray_doc = json.loads((tmp_path / "ray" / path.name).read_text())
        assert_same_analysis(local_doc, ray_doc)
        assert ray_doc["video"] == local_doc["video"]  # named by the driver's path, not the worker's temp copy
