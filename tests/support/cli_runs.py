"""``hinge-review analyze CLIP --json OUT --quiet`` run as a program, once per clip per test session.

The end-to-end tests, the CLI's smoke test and the backends' agreement test all
read the same runs: the real model on a fixture clip takes 10-20 s on a 2-core
CPU, so each clip goes through the CLI once and every test reads the
same exit status, output and JSON document.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO

# the summary's last line: "time: 12.3 s on cpu (openvino)"
_RAN_ON = re.compile(r"^time: [0-9.]+ s on (\S+) \((\w+)\)$", re.MULTILINE)


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


class CliRuns:
    """The runs of this session, by clip; a clip's first request runs the CLI, later ones read the same run."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._runs: dict[Path, CliRun] = {}

    def analyze(self, clip: Path) -> CliRun:
        clip = clip.resolve()
        if clip not in self._runs:
            out = self.out_dir / f"{len(self._runs):02d}-{clip.stem}.json"
            proc = subprocess.run(
                [sys.executable, "-m", "cli.main", "analyze", str(clip), "--json", str(out), "--quiet"],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=REPO,
            )
            self._runs[clip] = CliRun(clip, out, proc.returncode, proc.stdout, proc.stderr)
        return self._runs[clip]
