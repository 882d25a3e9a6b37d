"""Where the tests find the repository and the labelled clips (one place, whatever the test's folder)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "fixtures"
CLIPS_DIR = FIXTURES / "clips"
DEVSET_DIR = FIXTURES / "devset"
