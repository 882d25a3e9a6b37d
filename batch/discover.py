"""Which clips a batch covers: every video under a folder, or the rows of a CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.capture import video
from pipeline.errors import InputError

VIDEO_EXTENSIONS = frozenset(video.VIDEO_EXTENSIONS)
CSV_COLUMNS = ("file", "path")  # the first of these present names the clip


@dataclass(frozen=True)
class Clip:
    """One clip to analyse: ``name`` is how the summary shows it (relative to the source)."""

    path: Path
    name: str


def discover(source: str | Path) -> tuple[Clip, ...]:
    """Clips from a folder (recursively, by extension, hidden files skipped) or a CSV.

    A CSV needs a ``file`` or ``path`` column; relative paths are taken from
    the CSV's folder. Files a CSV lists but that are missing stay in the list
    (they become error rows). Raises ``InputError`` when there is nothing to do.
    """
    source = Path(source).expanduser()
    if source.is_dir():
        clips = _from_folder(source)
        where = f"under {source}"
    elif source.is_file() and source.suffix.lower() == ".csv":
        clips = _from_csv(source)
        where = f"in {source.name}"
    elif source.is_file():
        raise InputError(f"{source} is neither a folder nor a .csv list of clips.")
    else:
        raise InputError(f"Not found: {source}")
    if not clips:
        raise InputError(f"No video clips {where} ({', '.join(sorted(VIDEO_EXTENSIONS))}).")
    return clips


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _from_folder(root: Path) -> tuple[Clip, ...]:
    found = sorted(
        p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file() and not _hidden(p, root)
    )
    return tuple(Clip(p, p.relative_to(root).as_posix()) for p in found)


def _from_csv(table: Path) -> tuple[Clip, ...]:
    with open(table, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        column = next((c for c in CSV_COLUMNS if c in header), None)
        if column is None:
            raise InputError(
                f"{table.name} has no 'file' or 'path' column (its columns: {', '.join(header) or 'none'})."
            )
        key = (reader.fieldnames or [])[header.index(column)]
        entries = [(row.get(key) or "").strip() for row in reader]
    clips = []
    for entry in entries:
        if not entry:
            continue
        p = Path(entry).expanduser()
        clips.append(Clip(p if p.is_absolute() else table.parent / p, entry))
    return tuple(clips)
