"""The run of a page: the page list, first-run preparation, the run's :class:`Context` and
the URL.

``app.py`` calls :func:`setup_page`, :func:`navigation` and
:func:`regionmap.ui.frame.start` (which prepares what is missing with :func:`prepare`,
reads the state from the URL, draws the filter bar in the sidebar once and makes the
run's :class:`Context`), then runs the page chosen in ``st.navigation``. The state lives in the URL (``st.query_params``); widgets are drawn from
it on every run and their ``on_change`` callbacks write the URL before the rerun, so a
bookmark, the back button, a map click and the widgets agree. Session state is used under
the ``rm.`` prefix only (widget keys and the run's :class:`Context`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import db, geo, settings
from regionmap import state as state_mod
from regionmap.geo.build import build
from regionmap.i18n import t
from regionmap.state import FilterState

_CTX_KEY = "rm.ctx"
_MAP_SENT_KEY = "rm.map_sent"  # the session has sent a map: its browser has the map script

# --- pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """A page of the dashboard, by its name: its script ``pages/<name>.py``, its title
    ``page.<name>`` in the i18n catalogue; its URL path is ``/<name>``."""

    name: str
    default: bool = False
    #: ``pages/<name>.py``, relative to the project
    script: str = field(init=False)
    #: ``page.<name>``
    title_key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "script", f"pages/{self.name}.py")
        object.__setattr__(self, "title_key", f"page.{self.name}")


#: The pages, in navigation order. Add new pages here, with their script (``pages/<name>.py``),
#: their view (``regionmap.ui.views.<name>.page``) and their title (``page.<name>`` in the catalogue).
PAGES: list[PageSpec] = [
    PageSpec(name, default=name == "overview")
    for name in (
        "overview",
        "bureau",
        "projects",
        "dispatch",
        "settlement",
        "evacuees",
        "proposals",
        "regional",
        "data",
        "present",
    )
]


def navigation(lang: str | None = None) -> Any:
    """``st.navigation`` of :data:`PAGES` with titles in ``lang`` (hidden: the sidebar
    links of the filter bar carry the filter state to the other pages). Returns the page
    to run."""
    lang = lang or url_lang()
    pages = [
        st.Page(
            str(settings.PROJECT_ROOT / p.script),
            title=t(p.title_key, lang),
            # the default page is served at "/"; its own name opens it too (below)
            url_path=f"{p.name}-home" if p.default else p.name,
            default=p.default,
        )
        for p in PAGES
    ]
    home = next(page for page, spec in zip(pages, PAGES, strict=True) if spec.default)

    def open_home() -> None:
        st.switch_page(home, query_params=st.query_params.to_dict())

    pages += [
        st.Page(open_home, title=t(p.title_key, lang), url_path=p.name) for p in PAGES if p.default
    ]
    return st.navigation(pages, position="hidden")


# --- set-up -------------------------------------------------------------------------


def setup_page() -> None:
    """Page config: wide layout, title. (The page icon is an emoji: a Material icon
    would make the browser fetch the favicon from Google's font server.)"""
    st.set_page_config(
        page_title="北海道 地域政策マップ | regionmap",
        page_icon="🗾",
        layout="wide",
    )


@dataclass(frozen=True)
class Readiness:
    """What is available this run: boundary layers (always, else the app stops) and figures."""

    layers: bool
    database: bool
    database_error: str | None = None


def prepare(lang: str) -> Readiness:
    """Build the boundary layers and the database when missing, with visible progress.

    Without layers the map cannot be drawn: the app shows what to do and stops.
    Without a database the map is still drawn (no figures) with a notice.
    """

    if not geo.layers_available():
        with st.status(t("prep.layers", lang), expanded=True) as status:
            bar = st.progress(0.0)
            try:
                man = build(settings.get("boundary_source"), progress=_progress_to(bar, lang))
            except Exception as exc:  # noqa: BLE001 - every failure gets the same advice
                status.update(label=t("prep.failed", lang), state="error", expanded=True)
                st.error(t("prep.layers.help", lang, error=_short(exc)))
                st.stop()
            status.update(label=t("prep.layers.done", lang), state="complete", expanded=False)
        if man.get("fallback_from"):
            st.warning(
                t(
                    "prep.layers.fallback",
                    lang,
                    path=man.get("source_file") or man.get("source"),
                    vintage=man.get("vintage") or "?",
                )
            )
    path = Path(settings.get("db_path"))
    if db.check(path):  # present with the current schema (else rebuilt or refused below)
        return Readiness(True, True)
    with st.status(t("prep.database", lang), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            db.ensure_database(path, progress=_progress_to(bar, lang))
        except Exception as exc:  # noqa: BLE001
            status.update(label=t("prep.failed", lang), state="error", expanded=True)
            st.warning(t("prep.database.help", lang, error=_short(exc)))
            return Readiness(True, False, _short(exc))
        status.update(label=t("prep.database.done", lang), state="complete", expanded=False)
    return Readiness(True, True)


def _progress_to(bar, lang: str) -> Callable[..., None]:
    """A progress callback for ``bar`` (the build's step messages are English: in Japanese
    the bar says 作成中… with the percentage)."""

    def progress(fraction: float, message: str = "") -> None:
        share = min(max(float(fraction), 0.0), 1.0)
        # a branch on purpose (logic, not text): the build's steps are worded in English only
        detail = message if lang == "en" else ""
        bar.progress(share, text=t("prep.progress", lang, pct=round(share * 100), message=detail))

    return progress


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 600 else text[:600] + "…"


# --- the run's context -------------------------------------------------------------


@dataclass
class RunShown:
    """What a run has shown so far, for what it shows later in the same run."""

    #: whether the full "sample data" notice was shown (later ones are a short mark)
    sample_notice: bool = False
    #: maps drawn, by download button key ``rm.dl.<page>.…``: (deck, HTML page, file name)
    maps: dict[str, tuple[Any, Any, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Everything a page needs this run: the state, its notices and what is available."""

    state: FilterState
    notices: tuple[str, ...]
    ready: Readiness
    years: tuple[int, ...]
    themes: pd.DataFrame | None
    #: what this run has shown so far (the full sample notice once, then a short mark; the
    #: maps its downloads offer as HTML files)
    shown: RunShown = field(default_factory=lambda: RunShown(), compare=False, hash=False)

    @property
    def lang(self) -> str:
        return self.state.lang

    def t(self, key: str, **values: object) -> str:
        return t(key, self.state.lang, **values)


def map_sent() -> bool:
    """Whether this session has sent a map before (its browser then has deck.gl loaded)."""
    return bool(st.session_state.get(_MAP_SENT_KEY))


def mark_map_sent() -> None:
    """Note that this session sends a map (:func:`map_sent` from the next one on)."""
    st.session_state[_MAP_SENT_KEY] = True


def url_lang() -> str:
    """The language the URL asks for (`?lang=`), else the setting's."""
    value = st.query_params.get("lang", "")
    if value in ("ja", "en"):
        return value
    try:
        return settings.get("language")
    except ValueError:
        return "ja"


def url_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}  # noqa: SIM118 - QueryParams is not a dict


def write_url(state: FilterState) -> None:
    wanted = state_mod.to_query_params(state)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}  # noqa: SIM118
    current.pop("embed", None)
    current.pop("embed_options", None)
    if current != wanted:
        st.query_params.from_dict(wanted)


def set_state(new: FilterState) -> None:
    """Make ``new`` the state: write it to the URL (use in callbacks; the rerun shows it)."""
    write_url(new)
    ctx = stored()
    if ctx is not None:
        store(replace(ctx, state=new))


def store(ctx: Context) -> None:
    """Keep ``ctx`` as this run's :class:`Context` (:func:`regionmap.ui.frame.start` makes it)."""
    st.session_state[_CTX_KEY] = ctx


def stored() -> Context | None:
    """This run's :class:`Context`, or None before :func:`regionmap.ui.frame.start` made it."""
    ctx = st.session_state.get(_CTX_KEY)
    return ctx if isinstance(ctx, Context) else None


def current() -> Context:
    """The :class:`Context` of this run, for widget and map callbacks (which run after
    :func:`regionmap.ui.frame.start` made it)."""
    return st.session_state[_CTX_KEY]
