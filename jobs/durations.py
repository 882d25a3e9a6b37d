"""Durations the worker reads from its environment: a number of seconds above 0, or ``off``."""

from __future__ import annotations

from collections.abc import Mapping

OFF_WORDS = ("off", "never", "none")


def seconds_from(environ: Mapping[str, str], name: str, default_s: float) -> float | None:
    """``environ[name]`` in seconds; ``default_s`` when unset, None for ``off``; anything else is a
    ``ValueError`` that names the variable and what it takes."""
    raw = (environ.get(name) or "").strip().lower()
    if not raw:
        return default_s
    if raw in OFF_WORDS:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ValueError(f"{name} is {raw!r}: give a number of seconds above 0, or off.")
    return seconds
