"""The inbox made for scanning and the ways back, under ``streamlit.testing.v1.AppTest``.

Same set-up as ``test_workspace_pages``: a real SQLite database and blob folder per test,
jobs run in-process with the pose model's work replaced by the synthetic three-rep result.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

import store
from tests.pages.test_workspace_pages import (  # noqa: F401  (clip, data, engine: fixtures)
    APP,
    AUTH,
    NOT_YOURS,
    _analysed,
    _app,
    _button,
    _link,
    _ok,
    _person,
    _texts,
    clip,
    data,
    engine,
)
from tests.support import factories
from tests.support.markdown import shown
from workspace import session, ui

CORA, ANN, BOB = ("cora@example.test", "Cora"), ("ann@example.test", "Ann"), ("bob@example.test", "Bob")


def _team(data, clip, sets: int = 2) -> tuple[store.Account, store.Account, list[store.UploadView]]:
    """Given: coach Cora and her client Ann, who has ``sets`` analysed sets (the first one oldest)."""
    cora = store.user_from_claims(data.db, _person(*CORA), role_if_new="coach")
    ann = store.user_from_claims(data.db, _person(*ANN))
    store.redeem_invite(data.db, ann, store.create_invite(data.db, cora).code)
    ups = [_analysed(data, ann, clip, "monday.mp4")]
    for i in range(1, sets):
        other = factories.write_synthetic_clip(data.folder / f"set{i}.mp4", duration_s=8.0 + i / 4)
        ups.append(_analysed(data, ann, other, f"set{i}.mp4"))
    return cora, ann, ups


def _columns(at) -> dict:
    """The table's column settings as Streamlit sends them (labels, types)."""
    return json.loads(at.dataframe[0].proto.columns)


# --- the inbox -----------------------------------------------------------------------------------


def test_a_signed_in_coach_lands_on_the_inbox_and_scans_file_picture_grade_status_and_time(data, engine, clip):
    _team(data, clip)
    # when Cora signs in
    at = _app(secrets=AUTH, user=_person(*CORA))
    # then the inbox is the first page she sees
    _ok(at)
    assert at.title[0].value == "Inbox"
    table = at.dataframe[0].value
    newest = table.iloc[0]
    assert (newest["Client"], newest["File"], newest["Status"], newest["Main fault"]) == (
        "Ann",
        "set1.mp4",
        "New",
        "Rounded back",
    )
    assert all(str(p).startswith("data:image/jpeg;base64,") for p in table["Worst rep"])
    # and the time column says its zone (the test browser tells none: UTC, labelled so)
    assert _columns(at)["Uploaded"]["label"] == "Uploaded (UTC)"


def test_the_inbox_filters_live_in_the_address_so_a_reload_keeps_them(data, engine, clip):
    _team(data, clip)
    at = _app(secrets=AUTH, user=_person(*CORA))
    # when Cora sorts borderline first and keeps only the sets a client replied on
    next(s for s in at.selectbox if s.label == "Sort").set_value("borderline").run()
    next(s for s in at.selectbox if s.label == "Status").set_value("replied").run()
    # then the address carries them
    assert dict(at.query_params) == {"sort": "borderline", "status": "replied"}
    assert "No reviews match these filters." in _texts(at)
    # and a reload (a new session on that address) opens the inbox the same way
    again = _app(secrets=AUTH, user=_person(*CORA), query={"sort": "borderline", "status": "replied"})
    _ok(again)
    assert {s.label: s.value for s in again.selectbox}["Sort"] == "borderline"
    assert {s.label: s.value for s in again.selectbox}["Status"] == "replied"
    # and an address with a filter the inbox does not offer still opens it
    odd = _app(secrets=AUTH, user=_person(*CORA), query={"grade": "Z", "client": "999"})
    _ok(odd)
    assert len(odd.dataframe[0].value) == 2


def test_the_coach_opens_the_next_set_waiting_and_the_review_offers_the_next_and_the_way_back(data, engine, clip):
    cora, _, (monday, later) = _team(data, clip)
    store.mark_reviewed(data.db, cora, later.analysis_id)
    # given the inbox, newest first, its newest set already reviewed
    at = _app(secrets=AUTH, user=_person(*CORA), query={"verdict": "faulty"})
    # when Cora opens the next set waiting
    _button(at, "Open the next set waiting").click().run()
    _ok(at)
    # then the first one not reviewed opens, the inbox's filters travelling in its address
    assert shown(at.title[0].value) == "Review · monday.mp4"
    assert dict(at.query_params) == {"review": _link(data, monday.analysis_id), "verdict": "faulty"}
    # and a review opened by its address offers "mark reviewed and open the next" and the way back
    review = _app(secrets=AUTH, user=_person(*CORA), query={"review": _link(data, monday.analysis_id), "sort": "score"})
    _ok(review)
    assert "Mark reviewed and open the next" in [b.label for b in review.sidebar.button]
    (back,) = [p for p in review.sidebar.get("page_link") if p.proto.label == "Back to the Inbox"]
    assert back.proto.query_string == "sort=score"  # back to the inbox as it was filtered


def test_a_client_reply_shows_in_the_coachs_words_and_in_the_clients_own(data, engine, clip):
    cora, ann, (up,) = _team(data, clip, sets=1)
    store.add_comment(data.db, cora, up.analysis_id, "Hips back first.")
    # then Ann reads that her coach replied, never the coach's word "new"
    ann_at = _app(secrets=AUTH, user=_person(*ANN))
    ann_at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(ann_at)
    assert "Your coach replied" in _texts(ann_at) and "\nnew" not in _texts(ann_at).lower()
    # when she replies, then Cora's inbox says "Client replied" and Ann's space says it waits for her coach
    store.add_comment(data.db, ann, up.analysis_id, "Should I go lighter?")
    cora_at = _app(secrets=AUTH, user=_person(*CORA))
    assert cora_at.dataframe[0].value.iloc[0]["Status"] == "Client replied"
    ann_at.run()
    assert "Waiting for your coach" in _texts(ann_at)


# --- return paths ---------------------------------------------------------------------------------


def test_a_client_opening_the_scorecard_in_a_new_tab_sees_her_latest_saved_set(data, engine, clip):
    _team(data, clip)
    # when Ann opens the Scorecard's address in a fresh session (a new tab)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(AUTH)
    at.user = _person(*ANN)
    at.switch_page(session.SCORECARD_PAGE).run()
    # then her latest set is on screen, not "no video analysed"
    _ok(at)
    assert at.title[0].value == "Scorecard" and "set1.mp4" in shown(at.caption[0].value)
    assert "No video analysed yet" not in _texts(at)
    # and the set stays on screen for the Frames page
    at.switch_page(session.FRAMES_PAGE).run()
    _ok(at)
    assert at.title[0].value == "Frames"


def test_someone_elses_review_and_a_missing_one_are_refused_alike_with_a_way_back(data, engine, clip):
    _, _, (up,) = _team(data, clip, sets=1)
    bob = _app(secrets=AUTH, user=_person(*BOB), query={"review": _link(data, up.analysis_id)})
    missing = _app(secrets=AUTH, user=_person(*BOB), query={"review": "987654"})
    for at in (bob, missing):
        _ok(at)
        assert shown(at.error[0].value) == NOT_YOURS
        assert "Back to My space" in [p.proto.label for p in at.sidebar.get("page_link")]
    cora_missing = _app(secrets=AUTH, user=_person(*CORA), query={"review": "987654"})
    assert "Back to the Inbox" in [p.proto.label for p in cora_missing.sidebar.get("page_link")]


def test_in_local_mode_my_space_has_no_comments_from_my_coach(data, engine, clip):
    _analysed(data, store.local_user(data.db), clip)
    at = _app()
    at.switch_page(ui.MY_SPACE_PAGE).run()
    _ok(at)
    assert "Comments from my coach" not in [h.value for h in at.subheader]
    assert "My history" in [h.value for h in at.subheader]
