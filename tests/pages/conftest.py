"""The pages run the app in local mode, chosen explicitly (``HINGE_REVIEW_LOCAL=1``): under ``AppTest``
the server has no address, which counts as every interface and would show only the setup page."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def local_mode(monkeypatch) -> None:
    monkeypatch.setenv("HINGE_REVIEW_LOCAL", "1")
