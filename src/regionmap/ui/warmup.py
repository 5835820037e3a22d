"""Warm-up: the default views made once, in the server's own process, before its port opens.

A fresh Streamlit process imports the heavy libraries and fills its caches (frames, decks,
stills, layers) on the first sessions that arrive; sessions arriving together build the
same values on one interpreter (issue #28: 30 viewers at a just-started process waited
4-5 s for their first page). :func:`warm` runs each default view (:func:`views`) once,
through Streamlit's own script runner (``AppTest``), in the process that then serves: the
caches it fills (``st.cache_data``, ``st.cache_resource``, :func:`regionmap.once.made_once`)
are the ones the viewers' sessions read. :mod:`regionmap.ui.replica` calls it before
Streamlit opens its port, so the port (which nginx routes to, and ``serve`` health-checks)
opens on a warm process: at ``make run``, in each ``serve`` replica and in a replica that
``serve`` restarts.

A view that fails is logged and skipped; the warm-up stops at the ``warm_up_s`` setting
(what is left is made by the first viewers): it never keeps the app from starting.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from regionmap import reference, settings
from regionmap.ui.session import PAGES

_LOG = logging.getLogger(__name__)
#: Streamlit's registry of custom components, as AppTest's first run found it (see run_view)
_COMPONENTS: list = []


@dataclass(frozen=True)
class View:
    """A view as a link opens it: a page (its script) with URL parameters."""

    script: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return self.script + (f"?{query}" if query else "")


def views() -> list[View]:
    """The default views, most asked for first (a warm-up cut short by its limit leaves the
    rest): the default page (the overview), the bureau page of each of the 14 bureaus (the
    bookmarks of bureau chiefs), then every other page as a link without parameters opens it."""
    home = [View(p.script) for p in PAGES if p.default]
    bureau = next(p.script for p in PAGES if p.name == "bureau")
    bureaus = [View(bureau, {"bureau": str(b)}) for b in reference.bureaus()["bureau_id"]]
    return home + bureaus + [View(p.script) for p in PAGES if not p.default]


@dataclass
class WarmReport:
    """What :func:`warm` did: views made, views that failed, views left for lack of time."""

    done: int = 0
    failed: list[str] = field(default_factory=list)
    left: int = 0
    seconds: float = 0.0


def run_view(app: Path, view: View) -> None:
    """Run ``app`` the way a link to ``view`` opens it (parameters in the URL, then the page);
    raises when the run showed an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=120)
    # AppTest scans every installed package for custom components on its first run (about
    # 1.5 s each time, a test harness's cost, not the app's): one scan serves every view
    if hasattr(at, "_bidi_component_manager"):
        if _COMPONENTS:
            at._bidi_component_manager = _COMPONENTS[0]
    for key, value in view.params.items():
        at.query_params[key] = value
    at.switch_page(view.script).run()
    if not _COMPONENTS and getattr(at, "_bidi_component_manager", None) is not None:
        _COMPONENTS.append(at._bidi_component_manager)
    if at.exception:
        raise RuntimeError(str(at.exception[0].value)[:200])


def warm(
    app: Path,
    *,
    limit_s: float | None = None,
    log: Callable[[str], None] = print,
    run: Callable[[Path, View], None] = run_view,
) -> WarmReport:
    """Run each of :func:`views` of ``app`` once, printing progress ("warming: 3/22 views");
    stop at ``limit_s`` seconds (the ``warm_up_s`` setting; 0: nothing is run)."""
    limit = settings.get("warm_up_s") if limit_s is None else limit_s
    report = WarmReport()
    if limit <= 0:
        return report
    t0 = time.monotonic()
    todo = views()
    with _quiet_streamlit():
        for i, view in enumerate(todo, 1):
            if time.monotonic() - t0 > limit:
                report.left = len(todo) - i + 1
                log(
                    f"warming: stopped after {limit:.0f} s (warm_up_s), {report.left} view(s) "
                    "left to the first viewers"
                )
                break
            try:
                run(app, view)
                report.done += 1
            except Exception as exc:  # noqa: BLE001 - a view that fails must not stop the start
                report.failed.append(view.label)
                _LOG.warning("warming %s failed: %s", view.label, exc)
            log(f"warming: {i}/{len(todo)} views ({view.label})")
    report.seconds = time.monotonic() - t0
    log(
        f"warm in {report.seconds:.1f} s: {report.done} view(s) made"
        + (f", {len(report.failed)} failed ({', '.join(report.failed)})" if report.failed else "")
    )
    return report


@contextlib.contextmanager
def _quiet_streamlit():
    """Streamlit warns "missing ScriptRunContext" after every view run outside a server;
    here that is expected, so that one message is filtered out while warming (a filter:
    Streamlit resets its loggers' levels whenever its configuration is read)."""
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")

    def expected(record: logging.LogRecord) -> bool:
        return "missing ScriptRunContext" not in str(record.msg)

    logger.addFilter(expected)
    try:
        yield
    finally:
        logger.removeFilter(expected)
