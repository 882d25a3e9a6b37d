"""The set's report as PDF and HTML: read back with pypdf and an HTML parser."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

import report
from drawing.scorecard import CoachComment, CoachReview
from report import charts
from tests.support import factories, real_clips

DAY = dt.date(2026, 12, 1)
COACH = CoachReview(
    grade="D",
    reason="Rep 3 rounds more than the camera shows",
    by="Cora",
    when="2 Dec 2026, 00:41 UTC",
    comments=(
        CoachComment("Cora", "Rep 3 · 8.2 s", "2 Dec 2026, 00:40 UTC", "Brace <b>before</b> the pull & breathe."),
        CoachComment("Ann", "Whole set", "2 Dec 2026, 09:12 UTC", "Should I go lighter?\n<script>alert(1)</script>"),
    ),
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return factories.write_synthetic_clip(tmp_path_factory.mktemp("report") / "lifter.mp4")


@pytest.fixture(scope="module")
def result(clip):
    return factories.synthetic_result(clip)


@pytest.fixture(scope="module")
def pdf(result) -> PdfReader:
    return PdfReader(io.BytesIO(report.build_pdf(result, filename="monday_set.mp4", created=DAY)))


def _text(reader: PdfReader) -> str:
    """All pages' text, whitespace collapsed (table cells come out one per line)."""
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def _image_sizes(reader: PdfReader) -> set[tuple[int, int]]:
    """(width, height) of every image the pages place, read from the PDF's own records, not by decoding
    them (Ultralytics replaces PIL's ``Image.open`` in any process that imported it, and pypdf's decoding
    calls it with a keyword that replacement does not take)."""
    sizes = set()
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                sizes.add((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_names_the_lift_grade_score_and_every_rep(pdf):
    text = _text(pdf)
    assert "Form report: Kettlebell deadlift" in text and "monday_set.mp4" in text and "2026-12-01" in text
    assert "B 82/100 3 0 Overall grade Score Reps Partial reps" in text
    # one row per rep: number, grade, score, faults, watch, hip and knee at the bottom ... duration
    assert "1 A 95 – – 90 30 0.77 – – 6 8 2.40" in text
    assert "2 B 82 – Flat back 86 32 0.77 – – 10 8 2.40" in text
    assert "3 C 68 Flat back – 81 34 0.77 – – 15 8 2.40" in text
    assert 1 <= len(pdf.pages) <= 3
    assert pdf.metadata.title == "Form report: Kettlebell deadlift"


def test_pdf_shows_each_fault_with_cue_drill_and_key_frames(pdf):
    text = _text(pdf)
    assert "Flat back — fault on reps 2 (watch), 3" in text
    assert "Cue: Proud chest, long spine." in text and "Drill: Standing dowel hinge" in text
    assert "caught 4 of 5 labelled clips" in text
    # the evidence frames of reps 2 and 3, captioned, plus the angle chart rendered by Kaleido
    assert "Rep 2 · 5.2 s" in text and "Rep 3 · 8.2 s" in text
    assert _images(pdf) == 3


def test_pdf_ends_with_the_next_step_on_the_ladder(pdf):
    text = _text(pdf)
    assert "Next step" in text and "Stay with Kettlebell deadlift" in text
    assert "Next session: 3 x 8-10, rest 90 s." in text and "Dowel hinge, 2 x 10" in text
    assert "Move on when: Three sets of 10 clean reps." in text
    assert text.index("Next step") > text.index("What the video shows")


def test_pdf_explains_how_the_grade_was_made_from_the_reps(pdf):
    text = _text(pdf)
    assert "How the grade is made" in text
    assert "Set score 82: the middle of 3 rep scores (68–95), minus 0 for whole-set checks." in text
    assert "Grade B: a set score of 82 is in B's band (80 to under 90)." in text
    assert "A: 90 to 100 · B: 80 to under 90 · C: 70 to under 80 · D: 60 to under 70 · F: under 60" in text
    assert "Comments" not in text and "from your coach" not in text  # no review: nothing of a coach's


def test_given_a_coachs_review_when_the_report_content_is_gathered_then_grade_reason_and_thread_travel(result):
    # given the synthetic set (measured B) that coach Cora graded D, with two comments
    # when the report's content is gathered
    content = report.report_content(result, created=DAY, coach=COACH)
    # then the coach's grade comes first and is labelled, with who, when and why, and the thread in order
    assert content.grade.text == "D from your coach · B measured"
    assert content.grade.metrics == (("Grade from your coach", "D"), ("Measured grade", "B"))
    assert "Your coach Cora graded this set D on 2 Dec 2026, 00:41 UTC" in content.grade.note
    assert [c.author for c in content.comments] == ["Cora", "Ann"]
    assert content.explanation.steps[0].startswith("Set score 82: the middle of 3 rep scores")
    # and without a review the report is the measured grade's alone
    plain = report.report_content(result, created=DAY)
    assert plain.grade.text == "B" and plain.comments == ()


@pytest.fixture(scope="module")
def coached_pdf(result) -> str:
    return _text(PdfReader(io.BytesIO(report.build_pdf(result, filename="monday_set.mp4", created=DAY, coach=COACH))))


def test_given_a_coachs_review_the_pdf_shows_the_coachs_grade_first_then_the_measured_one_and_the_thread(coached_pdf):
    text = coached_pdf
    assert "D B 82/100 3 0 Grade from your coach Measured grade Score Reps Partial reps" in text
    assert "D from your coach · B measured" in text
    assert (
        "Your coach Cora graded this set D on 2 Dec 2026, 00:41 UTC: Rep 3 rounds more than the camera shows." in text
    )
    assert "Comments" in text and "Cora · Rep 3 · 8.2 s · 2 Dec 2026, 00:40 UTC" in text
    # comments are plain text: markup in them is printed, not obeyed
    assert "Brace <b>before</b> the pull & breathe." in text and "<script>alert(1)</script>" in text
    assert text.index("What the video shows") < text.index("Comments") < text.index("Next step")


def test_given_a_coachs_review_the_html_shows_it_and_escapes_the_comments(result):
    page = report.build_html(result, filename="monday_set.mp4", created=DAY, coach=COACH)
    text = re.sub(r"<[^>]+>", " ", page.split("<script")[0] + page.split("</script>")[-1])
    assert "D from your coach · B measured" in page and "Grade from your coach" in text and "Measured grade" in text
    assert "Rep 3 rounds more than the camera shows." in page and "How the grade is made" in page
    assert "Brace &lt;b&gt;before&lt;/b&gt; the pull &amp; breathe." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "Should I go lighter?<br>" in page  # a line break in a comment stays one


def test_not_gradable_pdf_says_why_and_how_to_refilm(clip):
    # given an analysis that could not be graded (camera in front)
    ungraded = factories.synthetic_result(clip, gradable=False)
    # when its report is built
    reader = PdfReader(io.BytesIO(report.build_pdf(ungraded, created=DAY)))
    text = _text(reader)
    # then it says so, why, what still holds and how to film next time, and grades nothing
    assert "Not graded. The camera was in front of the lifter." in text
    assert "Still reliable: rep count." in text and "Film side-on, camera at hip height." in text
    assert "What the video shows" not in text and "82/100" not in text
    # and draws how to film (the same diagram as the page's)
    assert "phone at hip height" in text and "whole body in frame" in text and "side-on, 2–4 m away" in text


def test_without_a_browser_the_chart_is_drawn_by_reportlab_and_a_log_line_says_so(result, monkeypatch, caplog):
    # given Kaleido cannot start its browser
    def no_browser(*args, **kwargs):
        raise RuntimeError("Chromium not found at /nowhere")

    monkeypatch.setattr(charts, "_kaleido_png", no_browser)
    # when the report is built
    with caplog.at_level(logging.WARNING, logger="hinge_review.report"):
        reader = PdfReader(io.BytesIO(report.build_pdf(result, created=DAY)))
    # then it is still made, the chart drawn as vector graphics (axis title and legend as text), and the log says why
    text = _text(reader)
    assert "Joint angles over time" in text and "time (s)" in text and "Hip flexion" in text
    assert _images(reader) == 2  # the two key frames only: no raster chart
    assert any(
        "Kaleido could not render the chart (RuntimeError: Chromium not found at /nowhere)" in r.message
        for r in caplog.records
    )


def test_kaleido_is_pointed_at_browser_path_or_debian_chromium(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "my-chrome"))
    assert charts.browser_path() == str(tmp_path / "my-chrome")
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setattr(charts, "DEBIAN_CHROMIUM", tmp_path / "chromium")
    assert charts.browser_path() is None
    (tmp_path / "chromium").write_text("")
    assert charts.browser_path() == str(tmp_path / "chromium")


# --- HTML --------------------------------------------------------------------------------


class _Refs(HTMLParser):
    """Every address the browser would fetch: src/href/poster/srcset attributes, CSS url() and @import."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts_with_src = 0
        self.images: list[str] = []
        self._style = False
        self.css = ""

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "poster", "srcset", "data", "action") and value:
                self.refs.append(value)
        if tag == "script" and any(n == "src" for n, _ in attrs):
            self.scripts_with_src += 1
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style:
            self.css += data

    def handle_endtag(self, tag):
        self._style = False


@pytest.fixture(scope="module")
def html(result) -> str:
    return report.build_html(result, filename="monday_set.mp4", created=DAY)


def test_html_is_self_contained(html):
    refs = _Refs()
    refs.feed(html)
    css_urls = re.findall(r"url\(([^)]*)\)|@import", refs.css)
    assert not [r for r in refs.refs if not r.startswith("data:")], "fetches something"
    assert refs.scripts_with_src == 0 and not css_urls
    assert len(refs.images) == 2 and all(i.startswith("data:image/jpeg;base64,") for i in refs.images)
    # plotly.js itself is inside the page, and the chart is drawn from it
    assert "plotly.js v" in html and "Plotly.newPlot" in html and '"Hip flexion"' in html


def test_html_says_what_the_pdf_says(html):
    text = re.sub(r"<[^>]+>", " ", html.split("<script")[0] + html.split("</script>")[-1])
    for words in (
        "Form report: Kettlebell deadlift",
        "82/100",
        "Flat back",
        "fault on reps 2 (watch), 3",
        "Proud chest, long spine.",
        "Standing dowel hinge",
        "Stay with Kettlebell deadlift",
        "3 x 8-10, rest 90 s.",
    ):
        assert words in text, words
    assert text.index("What the video shows") < text.index("Next step") < text.index("Joint angles over time")


def test_not_gradable_html_explains_and_shows_the_filming_diagram(clip):
    page = report.build_html(factories.synthetic_result(clip, gradable=False), created=DAY)
    assert "Not graded." in page and "The camera was in front of the lifter." in page
    assert "Film side-on, camera at hip height." in page and "phone at hip height" in page  # the SVG drawing


# --- real clips ----------------------------------------------------------------------------


@pytest.mark.e2e
def test_report_of_the_rounded_back_set(estimator):
    result = real_clips.analysed(real_clips.ROUNDED, estimator)
    reader = PdfReader(io.BytesIO(report.build_pdf(result, created=DAY)))
    text = _text(reader)
    sc = result.scorecard
    assert sc.exercise_name in text and sc.overall_grade in text and f"{sc.overall_score:.0f}/100" in text
    assert "Rounded back" in text and sc.suggestions.exercise_name in text
    for rep in result.reps:
        grade = next(g.grade for g in sc.reps if g.index == rep.index)
        assert f" {rep.index} {grade} " in text, f"no row for rep {rep.index}"
    assert _images(reader) >= 2 and len(reader.pages) <= 4


@pytest.mark.parametrize(
    "kind, target, expected",
    [
        ("regression", "kettlebell_deadlift", "Ease off on **Kettlebell deadlift**"),  # lighter or slower, same lift
        ("regression", "standing_dowel_hinge", "Step back to **Standing dowel hinge**"),
        ("progression", "kettlebell_swing", "Move on to **Kettlebell swing**"),
        ("stay", "kettlebell_deadlift", "Stay with **Kettlebell deadlift**"),
    ],
)
def test_the_next_step_headline_names_where_to_go_and_never_steps_back_to_the_same_lift(kind, target, expected):
    from drawing.scorecard import headline
    from pipeline.judge.coaching import load_catalogue
    from pipeline.types import Suggestion

    # given a suggestion for a kettlebell deadlift set
    s = Suggestion(kind=kind, exercise_id=target, exercise_name=load_catalogue()[target].name, reason="")
    # when worded for the page, then it says where to go next
    assert headline(s, "kettlebell_deadlift", strong="**") == expected
    assert headline(s, "kettlebell_deadlift") == expected.replace("**", "")


def test_the_reports_key_frames_are_cut_to_the_lifter(result, clip):
    # given the synthetic set's report made from its clip
    from drawing import crop
    from drawing import frames as render
    from report.content import report_content

    content = report_content(result, video_path=clip, filename="monday_set.mp4", created=DAY)
    frames = [f for section in content.faults for f in section.frames]
    assert frames
    for f in frames:
        # then each key frame is the lifter's padded keypoint box at its moment, not the whole frame
        p = render.pose_at(result, f.t_s)
        box = crop.lifter_box(p.xy, p.conf, (factories.WIDTH, factories.HEIGHT), min_conf=result.config.keypoint_conf)
        assert (f.width_px, f.height_px) == (box.width, box.height), f.caption
        assert f.width_px < factories.WIDTH and f.height_px <= factories.HEIGHT
        assert f.width_px * f.height_px < 0.8 * factories.WIDTH * factories.HEIGHT
    # and the PDF places those cut frames
    reader = PdfReader(io.BytesIO(report.build_pdf(result, video_path=clip, filename="monday_set.mp4", created=DAY)))
    assert {(f.width_px, f.height_px) for f in frames} <= _image_sizes(reader)


# --- one name per measure on every surface -------------------------------------------------------

# names a measure was once called, on some surface (issue: three names for the head-back line, "warn" on one
# page and "watch" on another)
OTHER_SPELLINGS = re.compile(
    r"back bend|ear-shoulder-hip|head-shoulder-hip|head-back angle|back line deviation|\bwarn\b", re.IGNORECASE
)


def _visible_html(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#x27;", "'").replace("&amp;", "&").split())


def _spelled_otherwise(text: str) -> list[str]:
    """Every measure name found in ``text`` in a spelling other than the glossary's (its first letter may be
    lower case mid-sentence), and every retired name."""
    from pipeline.measure.glossary import MEASURES

    odd = [m.group(0) for m in OTHER_SPELLINGS.finditer(text)]
    for m in MEASURES.values():
        allowed = {m.name, m.name[0].lower() + m.name[1:]}
        odd += [hit for hit in re.findall(re.escape(m.name), text, flags=re.IGNORECASE) if hit not in allowed]
    return odd


def _words_for_people(doc: object) -> list[str]:
    """The JSON document's text meant to be read (labels, messages, reasons), not its codes ("warn")."""
    if isinstance(doc, dict):
        return [
            w
            for k, v in doc.items()
            for w in ([v] if k in ("label", "message", "reason", "text", "name") and isinstance(v, str) else [])
            + _words_for_people(v)
        ]
    if isinstance(doc, list):
        return [w for v in doc for w in _words_for_people(v)]
    return []


def test_every_measure_is_called_by_its_glossary_name_on_every_surface(estimator):
    from drawing import figures
    from drawing.scorecard import scorecard_view
    from pipeline.document.result_doc import result_json, result_text
    from pipeline.measure.glossary import MEASURES

    # given a real analysis with a fault (the rounded-back fixture) and the coach's review
    result = real_clips.analysed(real_clips.ROUNDED, estimator)
    deciding = {c.metric for g in result.scorecard.reps for c in g.criteria if c.metric and c.status != "pass"}
    assert deciding, "the set has a check at watch or fault"
    # when it is shown on the pages (the scorecard's words, the rep table, the charts' measures), in the PDF,
    # the HTML report and the JSON document
    view = scorecard_view(result, COACH)
    page = " ".join(
        [
            *(f"{f.label} {f.message} {f.where}" for f in view.faults),
            *(f"{s.label} {s.message}" for s in view.set_checks),
            *view.skipped,
            *view.explanation.steps,
            *figures.rep_rows(result)[0],
            *figures.chart_measures(result).values(),
        ]
    )
    pdf = _text(PdfReader(io.BytesIO(report.build_pdf(result, created=DAY, coach=COACH)))).replace("- ", "-")
    html = _visible_html(report.build_html(result, created=DAY, coach=COACH))
    doc = json.loads(result_text(result_json(result)))
    surfaces = {"page": page, "pdf": pdf, "html": html, "json": " ".join(_words_for_people(doc))}
    # then each table measure and each deciding measure is there by its glossary name (with its unit in tables)
    for _, heading in figures.TABLE_COLUMNS:
        for name in ("page", "pdf", "html"):
            assert heading in surfaces[name], f"{heading!r} missing on the {name}"
    for field in deciding:
        for name, text in surfaces.items():
            assert MEASURES[field].name.lower() in text.lower(), f"{field} not named on the {name}"
    # and the JSON says what its keys mean in the same words
    for rep in doc["reps"]:
        for key in set(rep) & set(MEASURES):
            assert doc["measures"][key]["name"] == MEASURES[key].name
    # and no surface spells a measure any other way
    for name, text in surfaces.items():
        assert not _spelled_otherwise(text), f"on the {name}: {_spelled_otherwise(text)}"
