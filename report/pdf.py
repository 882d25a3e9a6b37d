"""The PDF layout of a set's report, with ReportLab's platypus (flowables, no drawing operators)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from drawing.figures import grade_colour
from drawing.filming import FILMING_DIAGRAM, HEIGHT, Shape
from drawing.filming import WIDTH as DIAGRAM_WIDTH
from report.content import DISCLAIMER, FrameImage, ReportContent

PAGE = A4
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
FRAME_HEIGHT = 52 * mm
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#666666")
RULE = colors.HexColor("#dddddd")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=3
    )
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=20, leading=24, alignment=0, spaceAfter=2),
        "sub": ParagraphStyle("sub", parent=body, textColor=MUTED, fontSize=9),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=13.5, leading=16, spaceBefore=10, spaceAfter=5, textColor=INK
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base["Heading3"],
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            spaceBefore=4,
            spaceAfter=3,
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontSize=7, leading=8.5, spaceAfter=0, fontName="Helvetica-Bold"),
        "caption": ParagraphStyle(
            "caption", parent=body, fontSize=7.5, leading=9, alignment=TA_CENTER, textColor=MUTED
        ),
        "big": ParagraphStyle(
            "big", parent=body, fontName="Helvetica-Bold", fontSize=22, leading=26, alignment=TA_CENTER, spaceAfter=0
        ),
        "label": ParagraphStyle("label", parent=body, fontSize=8, alignment=TA_CENTER, textColor=MUTED, spaceAfter=0),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _bullets(items: tuple[str, ...] | list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [ListItem(_p(i, style), leftIndent=10) for i in items],
        bulletType="bullet",
        start="•",
        leftIndent=10,
        bulletFontSize=8,
    )


def _summary(c: ReportContent, st: dict) -> Table:
    """The big figures: the grade (the coach's, then the measured one, each one letter), score and reps."""
    grades = [
        Paragraph(f'<font color="{grade_colour(letter if letter != "–" else None)}">{escape(letter)}</font>', st["big"])
        for _, letter in c.grade.metrics
    ]
    labels = [label for label, _ in c.grade.metrics] + ["Score", "Reps", "Partial reps"]
    cells = [
        [*grades, _p(c.score, st["big"]), _p(str(c.rep_count), st["big"]), _p(str(c.partial_count), st["big"])],
        [_p(label, st["label"]) for label in labels],
    ]
    t = Table(cells, colWidths=[WIDTH / len(labels)] * len(labels))
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEAFTER", (0, 0), (-2, -1), 0.6, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fafafa")),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
            ]
        )
    )
    return t


REP_COLUMN_MM = {"Rep": 8, "Grade": 10, "Score": 10, "Faults": 25, "Watch": 25}


def _rep_table(c: ReportContent, st: dict) -> Table:
    fixed = sum(REP_COLUMN_MM.get(h, 0) for h in c.rep_header) * mm
    rest = [h for h in c.rep_header if h not in REP_COLUMN_MM]
    widths = [
        REP_COLUMN_MM[h] * mm if h in REP_COLUMN_MM else (WIDTH - fixed) / max(1, len(rest)) for h in c.rep_header
    ]
    data = [[_p(h.replace("-", "- "), st["head"]) for h in c.rep_header]]  # lets "Head-back" wrap at its hyphen
    data += [[_p(v, st["cell"]) for v in row] for row in c.rep_rows]
    t = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, g in enumerate(c.rep_grades, start=1):
        if g and g != "–":
            tint = colors.HexColor(grade_colour(g))
            style.append(("BACKGROUND", (0, i), (-1, i), colors.Color(tint.red, tint.green, tint.blue, alpha=0.12)))
    t.setStyle(TableStyle(style))
    return t


def _frames_row(frames: tuple[FrameImage, ...], st: dict) -> Table:
    cells, captions, widths = [], [], []
    per = WIDTH / 3
    for f in frames:
        h = FRAME_HEIGHT
        w = h * f.width_px / max(1, f.height_px)
        if w > per - 4 * mm:
            w = per - 4 * mm
            h = w * f.height_px / max(1, f.width_px)
        cells.append(Image(io.BytesIO(f.jpeg), width=w, height=h))
        captions.append(_p(f.caption, st["caption"]))
        widths.append(per)
    t = Table([cells, captions], colWidths=widths, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _fault(section, st: dict) -> KeepTogether:
    colour = "#c62828" if section.severity == "fault" else "#ef6c00"
    parts = [
        Paragraph(
            f'<font color="{colour}">●</font> <b>{escape(section.label)}</b> — '
            f"{section.severity} on {escape(section.where)}",
            st["h3"],
        ),
        _p(section.message, st["body"]),
    ]
    if section.trust:
        parts.append(_p(section.trust, st["small"]))
    if section.cue:
        parts.append(Paragraph(f"<i>Cue:</i> {escape(section.cue)}", st["body"]))
    if section.drill:
        parts.append(Paragraph(f"<i>Drill:</i> {escape(section.drill)}", st["body"]))
    if section.frames:
        parts += [Spacer(1, 2 * mm), _frames_row(section.frames, st)]
    parts.append(Spacer(1, 3 * mm))
    return KeepTogether(parts)


def _boxed(inner: list, border: str, fill: str) -> Table:
    box = Table([[inner]], colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor(border)),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(fill)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def _next_step(c: ReportContent, st: dict) -> list:
    s = c.next_step
    inner = [Paragraph(f"<b>{escape(s.headline)}</b>", st["h3"]), _p(s.reason, st["body"])]
    if s.drills:
        inner += [Paragraph("<b>Drills</b>", st["body"]), _bullets(s.drills, st["body"])]
    if s.cues:
        inner += [Paragraph("<b>Cues</b>", st["body"]), _bullets(s.cues, st["body"])]
    if s.next_session:
        inner.append(Paragraph(f"<b>Next session:</b> {escape(s.next_session)}", st["body"]))
    if s.move_on:
        inner.append(_p(f"Move on when: {s.move_on}", st["small"]))
    box = _boxed(inner, "#2e7d32", "#f4f9f4")
    return [Paragraph("Next step", st["h2"]), box]


def _paint(shape: Shape, item) -> None:
    if not isinstance(item, Line):  # a line has a stroke only
        item.fillColor = colors.HexColor(shape.fill) if shape.fill else None
    item.strokeColor = colors.HexColor(shape.stroke) if shape.stroke else None
    item.strokeWidth = shape.width
    if shape.dash:
        item.strokeDashArray = list(shape.dash)


def filming_drawing(scale: float = 1.0) -> Drawing:
    """``drawing.filming``'s diagram with reportlab's shapes (its y axis points up)."""
    top = HEIGHT * scale
    d = Drawing(DIAGRAM_WIDTH * scale, top)
    for shape in FILMING_DIAGRAM:
        a = [v * scale for v in shape.at]
        if shape.kind == "text":
            d.add(
                String(
                    a[0],
                    top - a[1],
                    shape.label,
                    fontName="Helvetica",
                    fontSize=11 * scale,
                    fillColor=colors.HexColor(shape.fill or "#333333"),
                )
            )
            continue
        if shape.kind == "rect":
            item = Rect(a[0], top - a[1] - a[3], a[2], a[3], rx=shape.radius * scale, ry=shape.radius * scale)
        elif shape.kind == "circle":
            item = Circle(a[0], top - a[1], a[2])
        else:
            item = Line(a[0], top - a[1], a[2], top - a[3])
        _paint(shape, item)
        d.add(item)
    return d


def _not_graded(c: ReportContent, st: dict) -> list:
    inner = [
        Paragraph(
            f"<b>Not graded.</b> {escape(c.not_graded_reason)} The rep count and chart may still help.", st["body"]
        )
    ]
    if c.still_reliable:
        inner.append(_p("Still reliable: " + ", ".join(c.still_reliable) + ".", st["body"]))
    if c.refilm_tips:
        inner += [
            Paragraph("<b>To get a grade next time, film again:</b>", st["body"]),
            _bullets(c.refilm_tips, st["body"]),
            Spacer(1, 2 * mm),
            filming_drawing(),
        ]
    box = _boxed(inner, "#ef6c00", "#fff6ec")
    return [Spacer(1, 4 * mm), box]


def _coach_grade(c: ReportContent, st: dict) -> list:
    """The coach's grade, labelled as theirs with the measured grade beside it, and who set it, when and why."""
    if not c.grade.coach:
        return []
    inner = [Paragraph(f"<b>{escape(c.grade.text)}</b>", st["body"]), _p(c.grade.note, st["body"])]
    return [Spacer(1, 3 * mm), _boxed(inner, "#1565c0", "#f3f7fc")]


def _explanation(c: ReportContent, st: dict) -> list:
    """How the grade is made: this set's steps, how a rep is scored, and the A-F bands."""
    e = c.explanation
    if not e.steps:
        return []
    return [
        KeepTogether(
            [
                Paragraph("How the grade is made", st["h2"]),
                _bullets(e.steps, st["body"]),
                _p(e.rep_rule, st["small"]),
                _p("Grades by set score: " + " · ".join(e.legend) + ".", st["small"]),
            ]
        )
    ]


def _comments(c: ReportContent, st: dict) -> list:
    """The review's comment thread, oldest first, as plain text."""
    if not c.comments:
        return []
    out: list = [Paragraph("Comments", st["h2"])]
    for n in c.comments:
        text = escape(n.text).replace("\n", "<br/>")
        out.append(KeepTogether([_p(n.heading, st["small"]), Paragraph(text, st["body"])]))
    return out


def render_pdf(c: ReportContent, chart: bytes | Drawing) -> bytes:
    """The PDF: header and summary, not-graded notice, reps, faults with key frames, next step, chart."""
    st = _styles()
    story: list = [
        _p(c.title, st["title"]),
        _p(f"{c.filename} · {c.duration_s:.1f} s of video · report made {c.created}", st["sub"]),
    ]
    if c.lift_assumed:
        story.append(_p(f"The lift was recognised automatically as {c.lift}.", st["sub"]))
    story += [Spacer(1, 3 * mm), _summary(c, st)]
    story += _coach_grade(c, st)
    if not c.gradable:
        story += _not_graded(c, st)
    for note in c.notes:
        story.append(_p(note, st["small"]))
    if c.rep_rows:
        story += [Paragraph("Reps", st["h2"]), _rep_table(c, st)]
    story += _explanation(c, st)
    if c.gradable:
        story.append(Paragraph("What the video shows", st["h2"]))
        if not c.faults:
            story.append(_p("No faults found on any rep.", st["body"]))
            if c.clean_frames:
                story += [_p("Key frames of the best rep:", st["small"]), _frames_row(c.clean_frames, st)]
        story += [_fault(f, st) for f in c.faults]
        story += [_p(n, st["body"]) for n in c.set_notes]
        if c.skipped:
            story.append(_p("Not checked in this clip: " + "; ".join(c.skipped) + ".", st["small"]))
    story += _comments(c, st)
    if c.next_step is not None:
        story.append(KeepTogether(_next_step(c, st)))
    if isinstance(chart, bytes):
        drawn = Image(io.BytesIO(chart), width=WIDTH, height=WIDTH * 420 / 1000)
        legend = (
            "Shaded bands are reps, coloured by grade; triangles mark each bottom (down) and lockout (up); "
            "dashed lines are the graded limits."
        )
    else:
        drawn, legend = chart, "Shaded bands are reps (numbered), coloured by grade."
    story.append(KeepTogether([Paragraph("Joint angles over time", st["h2"]), drawn, _p(legend, st["small"])]))
    story += [Spacer(1, 4 * mm), _p(DISCLAIMER, st["small"])]

    def footer(canvas, doc) -> None:  # page furniture through platypus' page callback
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, f"Hinge Review · {c.title} · {c.filename}")
        canvas.drawRightString(PAGE[0] - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=c.title,
        author="Hinge Review",
        subject=f"{c.lift} · {c.filename}",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
