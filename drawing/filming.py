"""How to film a hinge, drawn once as data: a phone at hip height, side-on, whole body in frame.

``FILMING_DIAGRAM`` lists plain shapes in a 360 x 170 box (y down); the pages and the
HTML report draw it as SVG (``filming_diagram_svg``), the PDF report with its own
drawing primitives from the same list, so the two never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 360, 170
BLUE, INK, GREY, PANEL = "#2e86de", "#333333", "#555555", "#f7f7f9"


@dataclass(frozen=True)
class Shape:
    """One primitive: ``rect`` (x, y, w, h), ``circle`` (cx, cy, r), ``line`` (x1, y1, x2, y2) or
    ``text`` (x, y baseline) with ``label``."""

    kind: str
    at: tuple[float, ...]
    stroke: str | None = None
    fill: str | None = None
    width: float = 1.0
    dash: tuple[float, ...] = ()
    radius: float = 0.0  # rounded corners of a rect
    label: str = ""


FILMING_DIAGRAM: tuple[Shape, ...] = (
    Shape("rect", (0, 0, WIDTH, HEIGHT), fill=PANEL, radius=8),
    Shape("line", (10, 150, 350, 150), stroke="#999999", width=2),  # the floor
    # the lifter, side-on
    Shape("circle", (265, 42, 9), stroke=INK, width=3),
    Shape("line", (265, 51, 262, 95), stroke=INK, width=4),
    Shape("line", (262, 95, 270, 122), stroke=INK, width=4),
    Shape("line", (270, 122, 266, 150), stroke=INK, width=4),
    Shape("line", (264, 60, 268, 100), stroke=INK, width=3),
    Shape("rect", (258, 28, 22, 130), stroke=BLUE, dash=(4, 3)),
    Shape("text", (236, 20), fill=BLUE, label="whole body in frame"),
    # the phone on a tripod at hip height, looking straight across
    Shape("rect", (52, 86, 12, 20), fill=BLUE, radius=2),
    Shape("line", (58, 106, 58, 150), stroke=GREY, width=2),
    Shape("line", (58, 150, 46, 150), stroke=GREY, width=2),
    Shape("line", (58, 150, 70, 150), stroke=GREY, width=2),
    Shape("line", (66, 96, 250, 96), stroke=BLUE, dash=(5, 4)),
    Shape("text", (20, 78), fill=INK, label="phone at hip height"),
    Shape("text", (120, 90), fill=INK, label="side-on, 2–4 m away"),
    Shape("text", (120, 166), fill=GREY, label="landscape or portrait, steady, good light"),
)


def _svg(shape: Shape) -> str:
    paint = f' fill="{shape.fill or "none"}"' + (
        f' stroke="{shape.stroke}" stroke-width="{shape.width:g}"' if shape.stroke else ""
    )
    if shape.dash:
        paint += f' stroke-dasharray="{" ".join(f"{d:g}" for d in shape.dash)}"'
    a = shape.at
    if shape.kind == "rect":
        return (
            f'<rect x="{a[0]:g}" y="{a[1]:g}" width="{a[2]:g}" height="{a[3]:g}"'
            + (f' rx="{shape.radius:g}"' if shape.radius else "")
            + f"{paint}/>"
        )
    if shape.kind == "circle":
        return f'<circle cx="{a[0]:g}" cy="{a[1]:g}" r="{a[2]:g}"{paint}/>'
    if shape.kind == "line":
        return f'<line x1="{a[0]:g}" y1="{a[1]:g}" x2="{a[2]:g}" y2="{a[3]:g}"{paint}/>'
    if shape.kind == "text":
        return f'<text x="{a[0]:g}" y="{a[1]:g}" fill="{shape.fill or INK}">{escape(shape.label)}</text>'
    raise ValueError(f"unknown shape {shape.kind!r}")


def filming_diagram_svg() -> str:
    """The diagram as a standalone SVG (360 x 170)."""
    body = "\n ".join(_svg(s) for s in FILMING_DIAGRAM)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" font-family="sans-serif" font-size="11">\n {body}\n</svg>'
    )
