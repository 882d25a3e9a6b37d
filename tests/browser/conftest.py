"""One running app and one Chromium for all the browser tests (``running_app.py``)."""

from tests.browser.running_app import app_url, browser, page  # noqa: F401  (fixtures, by name)
