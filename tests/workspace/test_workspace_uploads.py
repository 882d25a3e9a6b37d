"""An upload's bytes leave Streamlit's upload store once saved (``workspace.ui.release_upload``).

The server keeps every file a session uploaded until the session ends, and a closed tab's session lingers:
``bench/memory.py --big-uploads 3`` measured three 200 MB uploads leaving the server 374 MB above its idle
size before this, and within 50 MB after.
"""

from __future__ import annotations

from types import SimpleNamespace

from streamlit.runtime import scriptrunner
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from workspace import ui


def _store_with(session_id: str, *records: UploadedFileRec) -> MemoryUploadedFileManager:
    store = MemoryUploadedFileManager("/_stcore/upload_file")
    for rec in records:
        store.add_file(session_id, rec)
    return store


def test_given_a_saved_upload_when_released_then_the_store_no_longer_holds_its_bytes(monkeypatch):
    # given two files a session uploaded, held in Streamlit's in-memory upload store
    clip = UploadedFileRec("clip-id", "set.mp4", "video/mp4", b"\0" * 4096)
    other = UploadedFileRec("other-id", "notes.mp4", "video/mp4", b"\1" * 16)
    store = _store_with("session-1", clip, other)
    monkeypatch.setattr(
        scriptrunner, "get_script_run_ctx", lambda: SimpleNamespace(session_id="session-1", uploaded_file_mgr=store)
    )
    # when the saved one is released
    ui.release_upload(UploadedFile(clip, None))
    # then its bytes are gone from the store, and the other file is kept
    assert store.get_files("session-1", ["clip-id", "other-id"]) == [other]


def test_given_no_script_run_when_released_then_nothing_happens(monkeypatch):
    # given a call outside a Streamlit script run (a worker, a test helper)
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda: None)
    # when bytes (not an uploaded file) are released, then nothing is raised
    ui.release_upload(b"raw bytes")
