"""Shared fixtures.

The whole test session runs against its own boundary layers and database in a
temporary folder (never the developer's ``geo/`` or ``data/``): the
``REGIONMAP_*`` environment variables are pointed there before any test runs,
so AppTests and subprocesses see the same files.

The N03 source is ``REGIONMAP_BOUNDARY_SOURCE`` if set to a local file, else
the copy in ``../shared/data/boundaries/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from regionmap.settings import PROJECT_ROOT

SHARED_BOUNDARIES = PROJECT_ROOT.parent / "shared" / "data" / "boundaries"
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="regionmap-tests-"))


def _local_source() -> Path:
    env = os.environ.get("REGIONMAP_BOUNDARY_SOURCE", "")
    if env and Path(env).is_file():
        return Path(env)
    return SHARED_BOUNDARIES / "N03-21_01_210101.geojson"


def pytest_configure(config):
    os.environ["REGIONMAP_GEO_DIR"] = str(_SESSION_DIR / "geo")
    os.environ["REGIONMAP_DB_PATH"] = str(_SESSION_DIR / "data" / "regionmap.duckdb")
    os.environ["REGIONMAP_STATIC_DIR"] = str(_SESSION_DIR / "static")
    os.environ["REGIONMAP_BOUNDARY_SOURCE"] = str(_local_source())
    # the servers tests start (serve's replicas) open their port without the warm-up, which
    # would cost each up to a minute; tests/test_warm.py starts one with it
    os.environ.setdefault("REGIONMAP_WARM_UP_S", "0")


#: The test files whose tests share the session's app server and Chromium (the ``server``
#: and ``browser`` fixtures). ``make test`` runs pytest on two workers (pytest-xdist,
#: ``-n 2 --dist loadfile``), a file at a time; these files go to one worker together and
#: first, so the server and the browser start once and the longest unit starts at once,
#: while the other worker takes the other files (each with its module fixtures once).
BROWSER_FILES = frozenset(
    {
        "test_browser.py",
        "test_browser_pages.py",
        "test_labels_browser.py",
        "test_layouts.py",
        "test_maphtml.py",
        "test_present.py",
        "test_rights.py",  # the session's app server, spoken to over its WebSocket
        "test_signin_browser.py",
    }
)


def _worker_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or "browser" for :data:`BROWSER_FILES`."""
    file = nodeid.split("::", 1)[0]
    return "browser" if Path(file).name in BROWSER_FILES else file


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with :data:`BROWSER_FILES` as one unit, in collection order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserFilesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _worker_unit(nodeid)

    config.option.loadscopereorder = False  # keep the order below: the browser unit first
    return BrowserFilesTogether(config, log)


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: the browser unit first
        items.sort(key=lambda item: _worker_unit(item.nodeid) != "browser")


def pytest_unconfigure(config):
    """Remove the session's folder (layers, database, static files)."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def n03_geojson() -> Path:
    """The local N03 GeoJSON copy (Hokkaido, 2021-01-01)."""
    path = _local_source()
    if not path.is_file():
        pytest.fail(f"N03 test copy not found at {path}; set REGIONMAP_BOUNDARY_SOURCE")
    return path


@pytest.fixture(scope="session")
def n03_topojson(n03_geojson: Path) -> Path:
    return n03_geojson.with_suffix(".topojson")


@pytest.fixture(scope="session")
def geo_dir(n03_geojson: Path) -> Path:
    """Boundary layers built once per session into the session's geo folder."""
    from regionmap.geo.build import build

    out = Path(os.environ["REGIONMAP_GEO_DIR"])
    if not (out / "manifest.json").is_file():
        build(str(n03_geojson), out)
    return out


@pytest.fixture(scope="session")
def db_path(geo_dir: Path) -> Path:
    """The session's database, created once with the reference, document facts and sample."""
    from regionmap.db.load import ensure_database

    path = Path(os.environ["REGIONMAP_DB_PATH"])
    ensure_database(path)
    return path


@pytest.fixture(scope="session")
def base_db(tmp_path_factory, geo_dir: Path) -> Path:
    """A database initialised once for the importer tests (reference, document facts,
    sample; ``geo_dir``: the sample sites get coordinates from the session's boundary
    layers). Tests take their own copy, :func:`dbp`."""
    from regionmap.db.load import init_database  # as db_path: after pytest_configure

    path = tmp_path_factory.mktemp("base") / "regionmap.duckdb"
    init_database(path)
    return path


@pytest.fixture
def dbp(base_db: Path, tmp_path: Path) -> Path:
    """A test's own copy of :func:`base_db` (in ``tmp_path/db``, with its own history)."""
    p = tmp_path / "db" / "regionmap.duckdb"
    p.parent.mkdir()
    shutil.copyfile(base_db, p)
    return p


@pytest.fixture(scope="session")
def server(geo_dir, db_path):
    """One app server (``streamlit run app.py``) for every browser test of the session."""
    import test_browser  # the browser tests' helpers (imported only when a browser test runs)

    with test_browser.running_app() as url:
        yield url


@pytest.fixture(scope="session")
def app_url(server, browser):
    """The session's app server once "/" has been opened (as its first user does)."""
    import test_browser

    test_browser.open_root_once(server, browser)
    return server


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for every browser test of the session."""
    import test_browser

    if not test_browser.CHROMIUM.exists():
        pytest.skip("Debian chromium not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(test_browser.CHROMIUM), args=test_browser.CHROMIUM_ARGS
        )
        yield b
        b.close()
