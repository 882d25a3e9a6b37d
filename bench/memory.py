"""Resident memory of the app and its analysis worker: idle, during one analysis, after going idle.

    python bench/memory.py               # the fixture clip, the worker exits after 20 s idle
    python bench/memory.py --idle-s 30
    python bench/memory.py --big-uploads 3 --big-mb 200   # then three 200 MB uploads, one after another
    python bench/memory.py --cold        # a first boot: no model export yet (made by the worker's child)

A fresh ``streamlit run app.py`` (its own empty data folder; the worker's idle limit set to
``--idle-s`` through ``HINGE_REVIEW_WORKER_IDLE_EXIT_S``) is opened in headless Chromium, which
makes the app start its worker. Once the worker has loaded the model the resident memory of the app's
server process (RSS) and of the worker with any child it runs (their PSS summed) is read; then a clip is
uploaded and both are sampled every 0.1 s until its review is on screen (peak); then read once
more after the worker has been idle past its limit. Baselines measured in the same run: the idle
worker holding its model (what an idle server held before the idle limit, for good), and the
analysis alone in a fresh process (``bench/speed.py``'s child: its peak RSS). The CPU model and its
vector extensions are printed first (``bench/machine.py``).

With ``--big-uploads N`` the same tab then uploads N large files one after another (the clip with an MP4
``free`` box appended to reach ``--big-mb``: a valid video that analyses like the clip, each one's padding
different so none is taken for a copy of another), waits for each to open analysed, closes the tab and
reads the server again: the server's memory after uploads end against its idle size before them (issue:
within 50 MB).

``--cold`` starts from a machine's first boot: the weights are copied into an empty folder
(``HINGE_REVIEW_MODEL``), so there is no OpenVINO export and no timing record; the worker's child makes
them before the model is ready, and that first boot's peak is read too. Without it the boot is warm (the
exports in ``models/`` from an earlier run).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_description
from speed import _OURS, FIXTURE, ROOT, run_child
from upload import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_S, _wait_health

sys.path.insert(0, str(ROOT))
from jobs.supervisor import IDLE_EXIT_ENV, WORKER_LOG
from models import DEFAULT_MODEL, find_local
from models import ENV_VAR as MODEL_ENV
from tests.support.procmem import MB, PeakSampler, Reading, read, worker_pid
from tests.support.servers import free_port, streamlit_command

MODEL_READY = "pose model ready"
BIG_BEFORE = "before the large uploads"
BIG_AFTER = "10 s after the tab closed"


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.2)


ANALYSED = re.compile(r"^Review · ")  # the heading of the page a finished upload opens


def padded_copy(clip: Path, size_mb: float, tag: int, folder: Path) -> Path:
    """``clip`` followed by one MP4 ``free`` box (ignored by every demuxer) up to ``size_mb``; ``tag`` makes
    each copy's bytes its own."""
    data = clip.read_bytes()
    pad = max(int(size_mb * MB) - len(data), 16)
    out = folder / f"{clip.stem}-big{tag}{clip.suffix}"
    with open(out, "wb") as fh:
        fh.write(data)
        fh.write(struct.pack(">I4s", pad, b"free"))
        fh.write(tag.to_bytes(8, "big"))
        fh.truncate(len(data) + pad)
    return out


def upload_and_wait(page, clip: Path) -> None:
    """Upload ``clip`` on the Analyse page and wait until its analysis opens."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(clip))
    expect(page.get_by_role("heading", name=ANALYSED).first).to_be_visible(timeout=TIMEOUT_S * 1000)


def measure_app(
    clip: Path, idle_s: float, big_uploads: int = 0, big_mb: float = 200.0, cold: bool = False
) -> dict[str, Reading]:
    """One app start (``cold``: with no model export yet): readings idle with the model loaded, peak during
    the analysis, after idle; then, with ``big_uploads``, the server idle, at its peak during the large uploads
    and after them. A cold start also reads the peak while the first boot prepares the model."""
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="hinge-memory-bench-") as tmp:
        data = Path(tmp)
        port = free_port()
        env = {**os.environ, "HINGE_REVIEW_DATA": tmp, "HINGE_REVIEW_WORKER": "on", IDLE_EXIT_ENV: str(idle_s)}
        if cold:  # the weights alone in a folder of their own: nothing exported, nothing timed
            weights = data / "models" / DEFAULT_MODEL
            weights.parent.mkdir()
            local = find_local()
            if local is None:
                raise SystemExit("no pose weights here: run `python -m models fetch` first")
            shutil.copy2(local, weights)
            env[MODEL_ENV] = str(weights)
        with open(data / "streamlit.log", "w") as log:
            proc = subprocess.Popen(streamlit_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_health(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=60_000)
                log_path = data / WORKER_LOG
                out: dict[str, Reading] = {}
                with PeakSampler(proc.pid, data) as sampler:
                    wait_until(lambda: log_path.is_file() and MODEL_READY in log_path.read_text(), 600, "the model")
                if cold:
                    out["first boot, preparing the model (peak)"] = sampler.peak
                time.sleep(2.0)  # settle after the warm-up
                out["idle, model loaded"] = read(proc.pid, data)
                with PeakSampler(proc.pid, data) as sampler:
                    upload_and_wait(page, clip)
                out["during the analysis (peak)"] = sampler.peak
                out["just after the analysis"] = read(proc.pid, data)
                wait_until(lambda: worker_pid(data) is None, idle_s + 60, "the idle worker to exit")
                time.sleep(1.0)
                out[f"after {idle_s:.0f} s idle"] = read(proc.pid, data)
                if big_uploads:
                    with tempfile.TemporaryDirectory(prefix="hinge-memory-big-") as big:
                        files = [padded_copy(clip, big_mb, i, Path(big)) for i in range(big_uploads)]
                        out[BIG_BEFORE] = read(proc.pid, data)
                        with PeakSampler(proc.pid, data) as sampler:
                            for f in files:
                                page.goto(url)
                                expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(
                                    timeout=60_000
                                )
                                upload_and_wait(page, f)
                        out[f"{big_uploads} uploads of {big_mb:.0f} MB (peak)"] = sampler.peak
                        page.close()
                        time.sleep(10.0)
                        out[BIG_AFTER] = read(proc.pid, data)
                browser.close()
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idle-s", type=float, default=20.0, help="the worker's idle limit for this run")
    ap.add_argument("--clip", type=Path, default=FIXTURE)
    ap.add_argument("--big-uploads", type=int, default=0, help="then this many large uploads, one after another")
    ap.add_argument("--big-mb", type=float, default=200.0, help="the size of each large upload")
    ap.add_argument("--cold", action="store_true", help="a first boot: no model export yet")
    args = ap.parse_args()
    if not CHROMIUM.is_file():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    print(f"machine: {cpu_description()}")
    print(f"boot: {'cold (no model export yet)' if args.cold else 'warm (the model export made earlier)'}")
    readings = measure_app(args.clip, args.idle_s, args.big_uploads, args.big_mb, args.cold)
    alone = run_child(_OURS.format(root=str(ROOT), device="cpu", clip=str(args.clip)))
    print(f"clip: {args.clip.name} ({alone['duration_s']:.0f} s of video); worker idle limit {args.idle_s:.0f} s")
    print(f"{'':30} {'app MB':>8} {'worker MB':>10} {'total MB':>9}")
    for name, r in readings.items():
        worker = f"{r.worker_mb:10.0f}" if r.worker_mb else f"{'exited':>10}"
        print(f"{name:30} {r.app_mb:8.0f} {worker} {r.total_mb:9.0f}")
    held, after = readings["idle, model loaded"], readings[f"after {args.idle_s:.0f} s idle"]
    peak = readings["during the analysis (peak)"]
    print(
        f"after going idle the app and worker hold {after.total_mb / held.total_mb:.2f}x "
        f"the memory of an idle worker keeping its model (baseline, same run: {held.total_mb:.0f} MB)"
    )
    print(
        f"analysis alone in a fresh process: peak {alone['peak_mb']:.0f} MB; "
        f"the worker's peak is {peak.worker_mb / alone['peak_mb']:.2f}x that"
    )
    if args.big_uploads:
        before, later = readings[BIG_BEFORE].app_mb, readings[BIG_AFTER].app_mb
        print(
            f"server after {args.big_uploads} uploads of {args.big_mb:.0f} MB: {later:.0f} MB, "
            f"{later - before:+.0f} MB against its {before:.0f} MB before them (bound: within 50 MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
