"""Which analysis made a result: the package version plus the fitted levels and exercise table.

Stored with every result so a saved or batched result made before the rules or
their levels changed is known to be stale.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

_DATA = ("calibration.toml", "exercises.toml")


@lru_cache(maxsize=1)
def analysis_version() -> str:
    """E.g. ``"0.2.0+3f9a1c2b7d10"``: release, then a digest of the rule data files."""
    try:
        release = metadata.version("hinge-review")
    except metadata.PackageNotFoundError:
        release = "0"
    digest = hashlib.sha256()
    here = Path(__file__).parent / "judge"  # the rule data sits beside the judging code
    for name in _DATA:
        digest.update((here / name).read_bytes())
    return f"{release}+{digest.hexdigest()[:12]}"
