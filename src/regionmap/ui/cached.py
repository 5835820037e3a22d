"""The data a page shows, through Streamlit's caches: every input is an argument
(the database version included), so a new import is seen at once.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from regionmap import db, figures, settings
from regionmap.db import indicators
from regionmap.render import headline
from regionmap.ui.session import Context

T = TypeVar("T")

# --- cached data -------------------------------------------------------------------


def by_db_version(
    max_entries: int, *, shared: bool = False
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache a function of the data on every input and the database version.

    The function takes ``db_version`` as a keyword-only parameter: the cache key that
    changes with every import (:func:`_db_version`). Callers leave it out; it is added
    here, so no call site passes a value that is only a cache key.

    ``shared``: every session gets the one cached object itself (``st.cache_resource``)
    instead of a copy (``st.cache_data`` pickles each hit). For what is costly to copy and
    never changed once made: a page's deck and its JSON, a chart figure.
    """

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        cache = st.cache_resource if shared else st.cache_data
        cached_fn = cache(show_spinner=False, max_entries=max_entries)(fn)
        # Arguments are passed on by name: Streamlit looks a positional argument's name up
        # in the function's signature on every call, which costs more than the look-up.
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> T:
            named = signature.bind_partial(*args, **kwargs).arguments
            return cached_fn(**named, db_version=_db_version())

        call.clear = cached_fn.clear  # type: ignore[attr-defined]
        return call

    return wrap


def _db_version() -> str:
    """Changes when the database file is replaced (an import), or when what may be read of
    it changes (sample breakdowns shown or hidden): part of every cache key."""
    path = Path(settings.get("db_path"))
    rows = "all" if settings.samples_shown() else "real"
    try:
        s = os.stat(path)
    except OSError:  # not there, or a path that cannot be one (the map is drawn without)
        return "missing:" + rows
    return f"{path}:{s.st_mtime_ns}:{s.st_size}:{s.st_ino}:{rows}"


@by_db_version(max_entries=8)
def all_themes(*, db_version: str) -> pd.DataFrame:
    return db.themes()


@by_db_version(max_entries=8)
def all_years(*, db_version: str) -> tuple[int, ...]:
    years: set[int] = set()
    for metric in figures.ids():
        years.update(db.fiscal_years(metric))
    for metric in figures.public_ids():  # the ministry's editions: FY2005–FY2021
        years.update(indicators.indicator_years(metric))
    return tuple(sorted(years))


@by_db_version(max_entries=8)
def default_year(*, db_version: str) -> int:
    """The year a fresh view opens on: the latest year with real (imported) figures of any
    figure, else the document's year (FY2015); ``db.default_year`` per figure."""
    return max(db.default_year(m) for m in db.OVERLAY_METRICS)


@by_db_version(max_entries=64)
def metric_years(metric: str, *, db_version: str) -> tuple[int, ...]:
    if figures.get(metric).is_indicator:
        return tuple(indicators.indicator_years(metric))
    return tuple(db.fiscal_years(metric))


@by_db_version(max_entries=256)
def indicator_frame(
    metric: str, level: str, fiscal_year: int | None, *, db_version: str
) -> pd.DataFrame:
    """``db.indicators.indicator_by_area`` (median, range, counts at or above the
    thresholds per bureau or region) cached with every input."""
    return indicators.indicator_by_area(metric, level, fiscal_year)


@by_db_version(max_entries=512)
def metric_frame(
    metric: str,
    level: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    region_code: str | None,
    bureau_code: str | None,
    kind: str | None = None,
    *,
    db_version: str,
) -> pd.DataFrame:
    """``db.metric_by_area`` cached with every input (and the database version)."""

    return db.metric_by_area(
        metric,
        level=level,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids) or None,
        region_code=region_code,
        bureau_code=bureau_code,
        kind=kind,
    )


@by_db_version(max_entries=256)
def cached_headline_row(
    metrics: tuple[str, ...],
    lang: str,
    fiscal_year: int | None,
    latest: bool,
    theme_ids: tuple[str, ...],
    region_code: str | None,
    bureau_code: str | None,
    *,
    db_version: str,
):
    """:func:`regionmap.render.headline.headline_row` cached with every input."""
    return headline.headline_row(
        metrics,
        lang,
        fiscal_year=fiscal_year,
        latest=latest,
        theme_ids=theme_ids,
        region_code=region_code,
        bureau_code=bureau_code,
    )


@by_db_version(max_entries=256)
def table(name: str, filters: tuple[tuple[str, Any], ...], *, db_version: str) -> pd.DataFrame:
    """A cached call of one of the database's list functions (``priority_projects``,
    ``proposals``, ``bureau_projects``, ``dispatches``, ``sites``, ``evacuees``,
    ``municipality_summary``) with keyword ``filters``."""

    allowed = {
        "priority_projects",
        "proposals",
        "bureau_projects",
        "dispatches",
        "sites",
        "evacuees",
        "municipality_summary",
    }
    if name not in allowed:
        raise ValueError(f"not a list function of the database: {name}")
    kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in filters}
    return getattr(db, name)(**kwargs)


def effective_year(ctx: Context, metric: str) -> int | None:
    """The state's fiscal year if ``metric`` has figures for it, else ``None`` (latest)."""
    fy = ctx.state.fiscal_year
    if fy is None or not ctx.ready.database:
        return None
    return fy if fy in metric_years(metric) else None
