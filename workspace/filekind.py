"""What an uploaded file is, from its first bytes: enough to tell someone their file is not a video
before it is stored and queued (pure: no Streamlit). Anything not recognised goes on to the video
reader, which has the last word."""

from __future__ import annotations

SNIFF_BYTES = 4096
# (signature at offset 0, what the file is)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG photo"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or PowerPoint file)"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"{\\rtf", "a rich-text document"),
)
# ISO media ("....ftyp<brand>") that holds a still or sound, not a video
_STILL_OR_SOUND_BRANDS = {
    b"heic": "a HEIC photo",
    b"heix": "a HEIC photo",
    b"mif1": "a HEIC photo",
    b"msf1": "a HEIC photo sequence",
    b"avif": "an AVIF image",
    b"M4A ": "an M4A audio file",
}
_RIFF_KINDS = {b"WAVE": "a WAV audio file", b"WEBP": "a WebP image"}  # RIFF....AVI is a video


def _is_text(head: bytes) -> bool:
    """UTF-8 text with no control characters but tabs and line ends (a character cut at the end is fine)."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\t\n\r\f" for c in text)


def not_a_video(head: bytes) -> str | None:
    """What the file is, in words ("a PDF document", "a text file"), when its first bytes show it is not a
    video; None when it may be one."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" and head[8:12] in _STILL_OR_SOUND_BRANDS:
        return _STILL_OR_SOUND_BRANDS[head[8:12]]
    if head[:4] == b"RIFF" and head[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[head[8:12]]
    if _is_text(head[:SNIFF_BYTES]):
        return "a text file"
    return None


def refusal(name: str, kind: str, video_kinds: str) -> str:
    """What to say about ``name`` that is ``kind``: what it is and which file to choose instead."""
    return f"“{name}” is {kind}, not a video. Choose the video of your set instead ({video_kinds})."
