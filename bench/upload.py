"""Upload to the analysed set on screen in a real browser, first upload after the app starts included.

    python bench/upload.py            # the fixture clip and the 30 s 1080p30 clip
    python bench/upload.py --runs 3   # more fresh app starts per clip (medians printed)

For each run a fresh ``streamlit run app.py`` (its own empty data folder, so no
clip is known and the worker starts cold) is driven by headless Chromium
(Playwright): the page is opened as soon as the server answers, the clip is
uploaded at once (the model may still be loading) and the clock stops when the
set's grade is on screen (its Review page, which opens by itself; the Scorecard did
before 2026-12-07, when the README's figures were taken). The baseline, measured in the same run, is
``pipeline.run.analyze`` on the same clip in a fresh process with the model
already loaded: the ratio says what the app adds (upload, queue, model not yet
warm, saving, page). The CPU model and its vector extensions are printed first.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_description
from speed import _OURS, FIXTURE, OUT, ROOT, make_1080p, run_child

sys.path.insert(0, str(ROOT))
from tests.support.servers import free_port, streamlit_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TIMEOUT_S = 600


def _wait_health(url: str, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("streamlit exited before answering")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("streamlit did not answer in time")


def upload_to_scorecard_s(clip: Path) -> float:
    """One cold app start: seconds from choosing the file to the grade on screen."""
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="hinge-upload-bench-") as data:
        port = free_port()
        env = {**os.environ, "HINGE_REVIEW_DATA": data, "HINGE_REVIEW_WORKER": "on", "PYTHONUNBUFFERED": "1"}
        with open(Path(data) / "streamlit.log", "w") as log:
            proc = subprocess.Popen(streamlit_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_health(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                expect(page.get_by_role("heading", name="Analyse a hip-hinge set")).to_be_visible(timeout=60_000)
                start = time.perf_counter()
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(clip))
                review = page.get_by_role("heading", name=re.compile(r"^Review · "))
                expect(review).to_be_visible(timeout=TIMEOUT_S * 1000)
                grade = page.locator('[data-testid="stMetric"]').filter(has_text="Overall grade").first
                expect(grade).to_be_visible(timeout=60_000)
                seconds = time.perf_counter() - start
                browser.close()
            return seconds
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="cold app starts per clip")
    args = ap.parse_args()
    if not CHROMIUM.is_file():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    print(f"machine: {cpu_description()}")
    clips = [("fixture " + FIXTURE.name[:20], FIXTURE), ("30 s 1080p30", make_1080p(30, OUT / "bench_30s_1080p30.mp4"))]
    for name, clip in clips:
        app = [upload_to_scorecard_s(clip) for _ in range(args.runs)]
        alone = run_child(_OURS.format(root=str(ROOT), device="cpu", clip=str(clip)))
        med = statistics.median(app)
        print(
            f"{name:<30} upload to scorecard {med:6.1f} s (runs: {', '.join(f'{s:.1f}' for s in app)})  "
            f"analysis alone {alone['wall_s']:5.1f} s after a {alone['load_s']:.1f} s model load  "
            f"ratio {med / alone['wall_s']:4.2f}x  ({alone['duration_s']:.0f} s of video)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
