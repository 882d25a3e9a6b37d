"""What a Markdown element shows of its source, as far as backslash escapes go (CommonMark: a backslash
before an ASCII punctuation mark shows the mark itself), and whether every such mark was escaped."""

from __future__ import annotations

ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def read_escapes(text: str) -> tuple[str, bool]:
    """(the characters shown, whether every ASCII punctuation mark in ``text`` was escaped)."""
    shown, escaped, i = [], True, 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in ASCII_PUNCTUATION:
            shown.append(text[i + 1])
            i += 2
            continue
        escaped = escaped and text[i] not in ASCII_PUNCTUATION
        shown.append(text[i])
        i += 1
    return "".join(shown), escaped


def shown(text: str) -> str:
    """What one reads of a Markdown element's ``text``: escapes read, invisible word joiners left out."""
    return read_escapes(text)[0].replace("\u2060", "")
