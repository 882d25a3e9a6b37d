"""Batch progress on stderr: a redrawn bar on a terminal, one plain line per clip otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

BAR_CELLS = 24


@dataclass(frozen=True)
class ProgressState:
    done: int  # clips settled: analysed now, reused from an earlier run, or unreadable
    total: int
    analysed: int  # clips analysed in this run (the rate and ETA count only these)
    elapsed_s: float  # since analysis started
    name: str = ""  # the clip just finished
    status: str = ""  # ok or error
    detail: str = ""  # the error's plain reason

    @property
    def clips_per_min(self) -> float | None:
        return 60.0 * self.analysed / self.elapsed_s if self.analysed and self.elapsed_s > 0 else None

    @property
    def eta_s(self) -> float | None:
        rate = self.clips_per_min
        return (self.total - self.done) * 60.0 / rate if rate else None


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def progress_text(state: ProgressState) -> str:
    """``7/120 ok clip.mp4 · 11.3 clips/min · about 10 min 00 s left`` (no bar)."""
    parts = [f"{state.done}/{state.total}"]
    if state.name:
        parts.append(
            " ".join(p for p in (state.status, state.name) if p) + (f" ({state.detail})" if state.detail else "")
        )
    rate = state.clips_per_min
    if rate is not None:
        parts.append(f"{rate:.1f} clips/min")
    eta = state.eta_s
    if eta is not None and state.done < state.total:
        parts.append(f"about {_duration(eta)} left")
    return " · ".join(parts)


def bar(done: int, total: int, cells: int = BAR_CELLS) -> str:
    filled = cells if total <= 0 else int(cells * done / total)
    return "[" + "#" * filled + "." * (cells - filled) + "]"


class ProgressBar:
    """Reports each finished clip. On a TTY one line is redrawn; elsewhere (logs, CI) each clip gets a line."""

    def __init__(
        self, stream: TextIO | None = None, *, tty: bool | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = 0
        self.done = 0
        self.analysed = 0
        self._clock = clock
        self._started = clock()

    def begin(self, total: int, settled: int = 0) -> None:
        """Start the clock once clips are hashed; ``settled`` were reused or unreadable."""
        self.total, self.done, self.analysed = total, settled, 0
        self._started = self._clock()
        if settled:
            self._write(f"{settled}/{total} · already done or unreadable")

    def update(self, name: str, status: str, detail: str = "") -> None:
        """One clip analysed in this run (``status`` ok or error, ``detail`` the reason)."""
        self.done += 1
        self.analysed += 1
        self._write(
            progress_text(
                ProgressState(self.done, self.total, self.analysed, self._clock() - self._started, name, status, detail)
            )
        )

    def _write(self, text: str) -> None:
        if self.tty:
            self.stream.write(f"\r{bar(self.done, self.total)} {text}\033[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
