"""How ``make test`` spreads the suite over two workers (see ``BROWSER_FILES`` in conftest.py)."""

from __future__ import annotations

from conftest import BROWSER_FILES


def _uses_the_session_app(item) -> bool:
    """Whether ``item`` uses conftest's app server or Chromium (not a fixture of its own that
    happens to share the name, like test_geo_sources' download server)."""
    defs = getattr(item, "_fixtureinfo", None)
    defs = defs.name2fixturedefs if defs else {}
    return any(defs[name][-1].baseid == "tests" for name in ("server", "browser") if name in defs)


def test_every_test_of_the_app_server_or_browser_runs_with_the_browser_files(request):
    """A test that uses the session's app server or Chromium outside :data:`BROWSER_FILES`
    would start a second server and browser on the other worker, beside the first."""
    items = request.session.items
    users = {item.path.name for item in items if _uses_the_session_app(item)}
    assert users <= BROWSER_FILES, sorted(users - BROWSER_FILES)
    # the check itself sees them: the browser tests are found, the download server is not
    named = [i for i in items if "server" in getattr(i, "fixturenames", ())]
    for item in named:
        assert _uses_the_session_app(item) == (item.path.name != "test_geo_sources.py"), item
