"""packages.txt: the Debian packages Streamlit Community Cloud installs with apt."""

from __future__ import annotations

from report.charts import DEBIAN_CHROMIUM
from tests.support.paths import REPO


def test_given_packages_txt_then_it_installs_the_chromium_that_the_reports_chart_looks_for():
    # given Cloud's apt list: one Debian package a line
    packages = [ln.strip() for ln in (REPO / "packages.txt").read_text().splitlines() if ln.strip()]
    # then Debian's chromium is there (it installs /usr/bin/chromium, where report.charts looks for it)
    assert packages == ["chromium"]
    assert DEBIAN_CHROMIUM.as_posix() == "/usr/bin/chromium"
