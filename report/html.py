"""The self-contained HTML version of a set's report.

Key frames are ``data:`` URIs, the CSS is inline and the Plotly chart carries
plotly.js inside the page, so the file opens offline and can be mailed as is.
"""

from __future__ import annotations

import base64
from html import escape

import plotly.graph_objects as go

from drawing.figures import grade_colour
from drawing.filming import filming_diagram_svg
from report.content import DISCLAIMER, FaultSection, FrameImage, ReportContent

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #f4f4f6; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 40px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; } .sub, .small { color: #666; font-size: 13px; }
.summary { display: grid; grid-auto-flow: column; grid-auto-columns: 1fr; border: 1px solid #ddd; border-radius: 6px; margin: 14px 0; background: #fafafa; }
.summary div { text-align: center; padding: 10px; border-right: 1px solid #ddd; } .summary div:last-child { border-right: 0; }
.summary b { display: block; font-size: 28px; } .summary span { color: #666; font-size: 13px; }
table.reps { border-collapse: collapse; width: 100%; font-size: 13px; }
table.reps th { text-align: left; border-bottom: 2px solid #222; padding: 4px 6px; }
table.reps td { border-bottom: 1px solid #e4e4e4; padding: 4px 6px; }
.fault { border: 1px solid #ddd; border-radius: 6px; padding: 12px 14px; margin: 10px 0; }
.dot-fault { color: #c62828; } .dot-watch { color: #ef6c00; }
.frames { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 8px; }
.frames figure { margin: 0; } .frames img { max-height: 300px; max-width: 300px; border-radius: 4px; display: block; }
.frames figcaption { font-size: 12px; color: #666; text-align: center; margin-top: 3px; }
.box { border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.next { border: 1px solid #2e7d32; background: #f4f9f4; } .coach { border: 1px solid #1565c0; background: #f3f7fc; }
.comment { border-left: 3px solid #ddd; padding: 2px 10px; margin: 8px 0; } .comment p { margin: 2px 0; } .notgraded { border: 1px solid #ef6c00; background: #fff6ec; }
footer { color: #888; font-size: 12px; margin-top: 30px; }
"""


def _frames(frames: tuple[FrameImage, ...]) -> str:
    figs = "".join(
        f'<figure><img alt="{escape(f.caption)}" src="data:image/jpeg;base64,{base64.b64encode(f.jpeg).decode()}">'
        f"<figcaption>{escape(f.caption)}</figcaption></figure>"
        for f in frames
    )
    return f'<div class="frames">{figs}</div>' if figs else ""


def _list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _fault(s: FaultSection) -> str:
    out = [
        f'<div class="fault"><h3><span class="dot-{s.severity}">●</span> {escape(s.label)} — '
        f"{s.severity} on {escape(s.where)}</h3><p>{escape(s.message)}</p>"
    ]
    if s.trust:
        out.append(f'<p class="small">{escape(s.trust)}</p>')
    if s.cue:
        out.append(f"<p><i>Cue:</i> {escape(s.cue)}</p>")
    if s.drill:
        out.append(f"<p><i>Drill:</i> {escape(s.drill)}</p>")
    out.append(_frames(s.frames) + "</div>")
    return "".join(out)


def _reps(c: ReportContent) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in c.rep_header)
    rows = []
    for grade, row in zip(c.rep_grades, c.rep_rows):
        tint = f' style="background:{grade_colour(grade)}1f"' if grade and grade != "–" else ""
        rows.append(f"<tr{tint}>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>")
    return f'<table class="reps"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _summary(c: ReportContent) -> str:
    """The big figures: the grade (the coach's, then the measured one, each one letter), score and reps."""
    cells = [
        f'<div><b style="color:{grade_colour(letter if letter != "–" else None)}">{escape(letter)}</b>'
        f"<span>{escape(label)}</span></div>"
        for label, letter in c.grade.metrics
    ]
    cells += [
        f"<div><b>{escape(c.score)}</b><span>Score</span></div><div><b>{c.rep_count}</b><span>Reps</span></div>",
        f"<div><b>{c.partial_count}</b><span>Partial reps</span></div>",
    ]
    return f'<div class="summary">{"".join(cells)}</div>'


def _explanation(c: ReportContent) -> list[str]:
    """How the grade is made: this set's steps, how a rep is scored, and the A-F bands."""
    e = c.explanation
    if not e.steps:
        return []
    return [
        "<h2>How the grade is made</h2>",
        _list(e.steps),
        f'<p class="small">{escape(e.rep_rule)}</p>',
        f'<p class="small">Grades by set score: {escape(" · ".join(e.legend))}.</p>',
    ]


def _comments(c: ReportContent) -> list[str]:
    """The review's comment thread, oldest first, as plain text."""
    if not c.comments:
        return []
    return ["<h2>Comments</h2>"] + [
        f'<div class="comment"><p class="small">{escape(n.heading)}</p><p>{escape(n.text).replace(chr(10), "<br>")}</p>'
        "</div>"
        for n in c.comments
    ]


def render_html(c: ReportContent, chart: go.Figure) -> str:
    """One HTML document: same sections and order as the PDF, with the interactive chart inline."""
    body = [
        f"<h1>{escape(c.title)}</h1>",
        f'<p class="sub">{escape(c.filename)} · {c.duration_s:.1f} s of video · report made {c.created}</p>',
    ]
    if c.lift_assumed:
        body.append(f'<p class="sub">The lift was recognised automatically as {escape(c.lift)}.</p>')
    body.append(_summary(c))
    if c.grade.coach:
        body.append(f'<div class="box coach"><p><b>{escape(c.grade.text)}</b></p><p>{escape(c.grade.note)}</p></div>')
    if not c.gradable:
        box = [f"<p><b>Not graded.</b> {escape(c.not_graded_reason)} The rep count and chart may still help.</p>"]
        if c.still_reliable:
            box.append(f"<p>Still reliable: {escape(', '.join(c.still_reliable))}.</p>")
        if c.refilm_tips:
            box.append("<p><b>To get a grade next time, film again:</b></p>" + _list(c.refilm_tips))
            box.append(filming_diagram_svg())
        body.append(f'<div class="box notgraded">{"".join(box)}</div>')
    body += [f'<p class="small">{escape(n)}</p>' for n in c.notes]
    if c.rep_rows:
        body += ["<h2>Reps</h2>", _reps(c)]
    body += _explanation(c)
    if c.gradable:
        body.append("<h2>What the video shows</h2>")
        if not c.faults:
            body.append("<p>No faults found on any rep.</p>")
            if c.clean_frames:
                body += ['<p class="small">Key frames of the best rep:</p>', _frames(c.clean_frames)]
        body += [_fault(f) for f in c.faults]
        body += [f"<p>{escape(n)}</p>" for n in c.set_notes]
        if c.skipped:
            body.append(f'<p class="small">Not checked in this clip: {escape("; ".join(c.skipped))}.</p>')
    body += _comments(c)
    if c.next_step is not None:
        s = c.next_step
        box = [f"<h3>{escape(s.headline)}</h3><p>{escape(s.reason)}</p>"]
        if s.drills:
            box.append("<p><b>Drills</b></p>" + _list(s.drills))
        if s.cues:
            box.append("<p><b>Cues</b></p>" + _list(s.cues))
        if s.next_session:
            box.append(f"<p><b>Next session:</b> {escape(s.next_session)}</p>")
        if s.move_on:
            box.append(f'<p class="small">Move on when: {escape(s.move_on)}</p>')
        body += ["<h2>Next step</h2>", f'<div class="box next">{"".join(box)}</div>']
    plot = chart.to_html(
        full_html=False,
        include_plotlyjs=True,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
        default_width="100%",
    )
    body += [
        "<h2>Joint angles over time</h2>",
        plot,
        '<p class="small">Shaded bands are reps, coloured by grade; dashed lines are the graded limits.</p>',
    ]
    body.append(f"<footer>Hinge Review · {escape(c.filename)} · {escape(DISCLAIMER)}</footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(c.title)} · {escape(c.filename)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
