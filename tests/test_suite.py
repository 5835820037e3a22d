"""How ``make test`` spreads the suite over two workers (see ``BROWSER_FILES`` in conftest.py)."""

from __future__ import annotations

from conftest import BROWSER_FILES


def test_every_test_of_the_app_server_or_browser_runs_with_the_browser_files(request):
    """A test that uses the session's app server or Chromium outside :data:`BROWSER_FILES`
    would start a second server and browser on the other worker, beside the first."""
    users = {
        item.path.name
        for item in request.session.items
        if {"server", "browser"} & set(getattr(item, "fixturenames", ()))
    }
    assert users <= BROWSER_FILES, sorted(users - BROWSER_FILES)
