"""The CLI run as a program on real clips, once per test session.

``analyze(clip)``: ``hinge-review analyze CLIP --json OUT --quiet``, once per clip (the CLI's smoke test).
``batch(clips)``: ``hinge-review batch LIST.csv --out DIR --quiet`` over many clips in one process, one
model load for all (the end-to-end tests read its JSON documents, which are ``analyze --json``'s). The real
model on a fixture clip takes 5-20 s on a 2-core CPU, and a process of its own adds its start and model
load to each, so every test reads the same runs.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO

# the summary's last line: "time: 12.3 s on cpu (openvino)"
_RAN_ON = re.compile(r"^time: [0-9.]+ s on (\S+) \((\w+)\)$", re.MULTILINE)


def _hinge_review(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """``hinge-review ARGS`` run as a program from the repository root, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=timeout_s, cwd=REPO
    )


@dataclass(frozen=True)
class CliRun:
    """One finished ``hinge-review analyze`` process on one clip."""

    clip: Path
    json_path: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def doc(self) -> dict:
        """The JSON document it wrote."""
        return json.loads(self.json_path.read_text())

    @property
    def device_and_backend(self) -> tuple[str, str] | None:
        """Where the model ran, as the summary says it (``("cpu", "openvino")``); ``None`` when not said."""
        found = _RAN_ON.search(self.stdout)
        return (found.group(1), found.group(2)) if found else None


@dataclass(frozen=True)
class BatchRun:
    """One finished ``hinge-review batch`` process over a list of clips."""

    out_dir: Path
    returncode: int
    stdout: str
    stderr: str

    def doc(self, clip: Path) -> dict:
        """The JSON document written for ``clip`` (``<hash>-<stem>.json``, as ``batch.store.result_path``)."""
        (found,) = self.out_dir.glob(f"*-{clip.stem}.json")
        return json.loads(found.read_text())


class CliRuns:
    """The runs of this session, by clip; a clip's first request runs the CLI, later ones read the same run."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._runs: dict[Path, CliRun] = {}
        self._batches: dict[tuple[Path, ...], BatchRun] = {}

    def analyze(self, clip: Path) -> CliRun:
        clip = clip.resolve()
        if clip not in self._runs:
            out = self.out_dir / f"{len(self._runs):02d}-{clip.stem}.json"
            proc = _hinge_review("analyze", str(clip), "--json", str(out), "--quiet", timeout_s=600)
            self._runs[clip] = CliRun(clip, out, proc.returncode, proc.stdout, proc.stderr)
        return self._runs[clip]

    def batch(self, clips: list[Path]) -> BatchRun:
        """``hinge-review batch`` over ``clips`` (listed in a CSV's ``path`` column), once per list."""
        key = tuple(c.resolve() for c in clips)
        if key not in self._batches:
            n = len(self._batches)
            listing = self.out_dir / f"batch{n:02d}.csv"
            with open(listing, "w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["path"])
                writer.writerows([str(c)] for c in key)
            out = self.out_dir / f"batch{n:02d}"
            proc = _hinge_review("batch", str(listing), "--out", str(out), "--quiet", timeout_s=1800)
            self._batches[key] = BatchRun(out, proc.returncode, proc.stdout, proc.stderr)
        return self._batches[key]
