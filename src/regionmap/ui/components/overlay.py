"""What the overlay pages share: state to filters, kind filters, figures per area, the
choropleth section, charts, page header and notices.

Every figure says its unit, fiscal year (or month) and source; sample rows are marked with
:func:`regionmap.ui.components.mapview.sample_notice`; a theme filter that excludes an overlay says so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from regionmap import db, figures, i18n, reference
from regionmap.i18n import t
from regionmap.maps import deckgl, scales, spec
from regionmap.maps.spec import AreaFigures, figures_from_metric
from regionmap.plaintext import plain
from regionmap.render.charts import count_axis
from regionmap.state import FilterState, query_filters, shown_year
from regionmap.style import FONT_FAMILY, format_number, rgb
from regionmap.ui import cached, session
from regionmap.ui.cached import by_db_version
from regionmap.ui.components import (
    cards,
    document,
    downloads,
    imports,
    mapview,
    notices,
    widgets,
)


def dispatch_kinds() -> dict[str, tuple[str, str]]:
    """Dispatch kind id -> (Japanese, English); a label is ``i18n.pick(kinds[k], lang)``
    (an index into the data's pair, not a choice of text)."""
    return dict(db.DISPATCH_KINDS)


def site_kinds() -> dict[str, tuple[str, str]]:
    """Site kind id -> (Japanese, English); a label is ``i18n.pick(kinds[k], lang)``."""
    return dict(db.SITE_KINDS)


def kind_colour(kind: str, kinds: Sequence[str] = ()) -> tuple[int, int, int]:
    """The category colour of ``kind``: the registry's (:meth:`figures.Figure.kind_colour`),
    the same on every page and handout; a kind the registry does not know goes by its
    position in ``kinds``."""
    for fig in figures.FIGURES:
        if fig.kind(kind) is not None:
            return fig.kind_colour(kind)
    palette = figures.CATEGORY_COLOURS
    i = list(kinds).index(kind) if kind in kinds else len(palette) - 1
    return palette[i % len(palette)]


# --- state -> filters -------------------------------------------------------------------


def frame(name: str, filters: Mapping[str, Any]) -> pd.DataFrame:
    """A database list (``dispatches``, ``sites`` …) with ``filters`` (from
    :func:`regionmap.state.query_filters`), cached."""
    return cached.table(name, tuple(sorted(filters.items())))


def document_items(ctx: session.Context, name: str) -> tuple[pd.DataFrame, str]:
    """The document's items of ``name`` (``priority_projects``, ``proposals``) in the view,
    and the fiscal year they are of, as text (the document's year when none are left)."""
    df = frame(name, query_filters(ctx.state))
    fy = int(df["fiscal_year"].iloc[0]) if len(df) else db.DOCUMENT_FISCAL_YEAR
    return df, i18n.fy_text(fy, ctx.lang)


def page_filters(s: FilterState, view: str) -> dict[str, Any]:
    """The filters of an overlay page's list ``view`` (``dispatches``: every year, for the
    trend; ``sites``: the year shown; ``evacuees``: the months shown) for state ``s``.

    The Data page's export uses :func:`regionmap.state.query_filters` with the same
    years, months and kinds, so it exports what the page shows.
    """
    if view == "dispatches":
        return query_filters(s, view, kinds=dispatch_kinds())
    if view == "sites":
        return query_filters(s, view, years=_years("sites"), kinds=site_kinds())
    if view == "evacuees":
        return query_filters(s, view, months=evacuee_months())
    return query_filters(s, view)


def theme_excludes(theme_ids: Iterable[str], metric: str) -> bool:
    """True when a theme filter is set and covers nothing of ``metric`` (the one answer:
    ``cards.theme_covers``)."""
    return not cards.theme_covers(metric, tuple(theme_ids or ()))


def theme_names(ctx: session.Context, ids: Iterable[str]) -> str:
    """Names of theme ids in the state's language, joined."""
    if ctx.themes is None:
        return ", ".join(ids)
    names = ctx.themes.set_index("theme_id")[i18n.col("name", ctx.lang)]
    out = [str(names.get(i, i)) for i in ids]
    return i18n.join(out, ctx.lang)


def theme_excluded_notice(ctx: session.Context, metric: str) -> None:
    """Say that the theme filter excludes ``metric`` and which themes would show it."""
    st.info(
        t(
            "ov.theme_excludes",
            ctx.lang,
            metric=t("metric." + metric, ctx.lang),
            themes=theme_names(ctx, figures.get(metric).themes),
        ),
        icon=":material/filter_alt_off:",
    )


def valid_kind(s: FilterState, kinds: Mapping[str, Any]) -> str | None:
    """The state's kind if it is one of ``kinds``, else None."""
    return s.kind if s.kind in kinds else None


def map_by(s: FilterState, options: Sequence[str]) -> str:
    """What the page's map colours: the state's ``map_by`` if the page offers it, else its first."""
    return s.map_by if s.map_by is not None and s.map_by in options else options[0]


def source_of(df: pd.DataFrame, lang: str) -> str:
    """The distinct sources of a frame's rows, joined."""
    col = i18n.col("source", lang)
    if df.empty or col not in df:
        return ""
    return " / ".join(sorted({str(v) for v in df[col].dropna()}))


def source_caption(df: pd.DataFrame, lang: str) -> None:
    text = source_of(df, lang)
    if text:
        st.caption(t("fig.source", lang, source=plain(text)))


def has_sample(df: pd.DataFrame) -> bool:
    return bool(len(df)) and "is_sample" in df and bool(df["is_sample"].astype(bool).any())


# --- widgets bound to the state -----------------------------------------------------------


def kind_filter(ctx: session.Context, kinds: Mapping[str, tuple[str, str]], label_key: str):
    """A select box of ``kinds`` ('' = all) bound to the state's ``kind``; returns the kind.

    A kind in the URL that the page does not know (e.g. a dispatch kind on the
    settlement page) is ignored with a quiet notice.
    """
    lang = ctx.lang
    if ctx.state.kind and ctx.state.kind not in kinds:
        st.caption(t("ov.kind_ignored", lang, kind=ctx.state.kind))
    widgets.bound_widget(
        st.selectbox,
        "kind",
        t(label_key, lang),
        options=["", *kinds],
        format_func=lambda v: t("ov.kind.all", lang) if not v else i18n.pick(kinds[v], lang),
        to_widget=lambda s: valid_kind(s, kinds) or "",
        from_widget=lambda s, v: replace(s, kind=v or None),
    )
    return valid_kind(ctx.state, kinds)


def map_by_control(ctx: session.Context, options: Sequence[str]) -> str:
    """The 'colour the map by' switch (bound to ``map_by``); returns the choice."""
    lang = ctx.lang
    widgets.bound_widget(
        st.segmented_control,
        "map_by",
        t("filter.level", lang),
        options=list(options),
        format_func=lambda v: t("level." + v, lang),
        to_widget=lambda s: map_by(s, options),
        from_widget=lambda s, v: replace(s, map_by=None if (v or options[0]) == options[0] else v),
    )
    return map_by(ctx.state, options)


# --- figures per area ---------------------------------------------------------------------


def metric_figures(
    ctx: session.Context, metric: str, level: str, fiscal_year: int | None, kind: str | None = None
) -> AreaFigures | None:
    """The overlay or document ``metric`` by area under the state's filters; None without
    database or when the theme filter covers nothing of ``metric`` (the map then shows no
    figure, and the page says why: never zeros)."""
    if not ctx.ready.database or theme_excludes(ctx.state.theme_ids, metric):
        return None
    s = ctx.state
    f = query_filters(s)
    df = cached.metric_frame(
        metric,
        level,
        fiscal_year,
        s.theme_ids,
        f["region_code"],
        f["bureau_code"],
        kind=kind,
    )
    return figures_from_metric(df, level, area_filter=bool(s.bureau or s.region))


def rollup(df: pd.DataFrame, value: str, level: str) -> dict[str, float]:
    """Sum ``value`` of rows with ``municipality_code`` by area of ``level``.

    Sapporo's wards count as Sapporo (01100) at municipality level.
    """
    if df.empty:
        return {}
    m = reference.municipalities().set_index("code")
    codes = df["municipality_code"].astype(str)
    if level == "municipality":
        parent = m["parent_code"].where(m["parent_code"].astype(str) != "", m.index.to_series())
        key = codes.map(parent).fillna(codes)
    elif level == "bureau":
        key = codes.map(m["bureau_code"])
    else:
        key = codes.map(m["region_code"])
    return {str(k): float(v) for k, v in df.groupby(key.to_numpy())[value].sum().items()}


# --- maps -------------------------------------------------------------------------------


def show_map(
    ctx: session.Context,
    deck: deckgl.Deck,
    *,
    page: str,
    level: str,
    title: str,
    scale: scales.ColorScale | None,
    figs: AreaFigures | None,
    legend_title: str,
    categories: Sequence[tuple[tuple[int, int, int], str]] | None = None,
    categories_title: str = "",
) -> None:
    """Draw an overlay page's map (:func:`regionmap.ui.components.mapview.page_map`)."""
    mapview.page_map(
        ctx,
        deck,
        key=f"rm.map.{page}.{ctx.state.bureau or ctx.state.region or 'all'}.{level}",
        heading="**{}**",
        title=title,
        scale=scale,
        figs=figs,
        legend_title=legend_title,
        categories=categories or (),
        categories_title=categories_title,
        click_hint="ov.map.click_hint",
        download_key=f"rm.dl.{page}.{level}.map_html",
        download_item=f"{page}-{level}",
        height=520,
    )


def map_title(ctx: session.Context, metric_label: str, figs: AreaFigures | None, level: str) -> str:
    lang = ctx.lang
    unit = figures.unit_text(figs.unit_ja, lang) if figs else ""
    when = figs.when(lang) if figs else ""
    return t(
        "overview.map_title",
        lang,
        metric=metric_label,
        unit=unit,
        level=t("level." + level, lang),
        when=i18n.join([cards.where_text(ctx), when], lang) if when else "",
    )


def choropleth_section(
    ctx: session.Context,
    *,
    page: str,
    metric: str,
    figs: AreaFigures | None,
    level: str,
) -> tuple[deckgl.Deck, AreaFigures | None]:
    """A choropleth of ``figs`` with everything around it; returns the deck (for tests)."""
    label = t("metric." + metric, ctx.lang)
    drawn = spec.area_deck(ctx.state.map_area(level), ctx.lang, figs)
    deck, scale = drawn.deck, drawn.scale
    show_map(
        ctx,
        deck,
        page=page,
        level=level,
        title=map_title(ctx, label, figs, level),
        scale=scale,
        figs=figs,
        legend_title=label,
    )
    return deck, figs


# --- charts -----------------------------------------------------------------------------


def stacked_bar(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    category: str,
    labels: Mapping[str, str],
    order: Sequence[str],
    title: str,
    unit: str,
    lang: str,
) -> go.Figure:
    """Bars of ``y`` by ``x`` stacked by ``category`` (Okabe-Ito colours in ``order``)."""
    fig = go.Figure()
    xs = sorted(frame[x].unique()) if len(frame) else []
    for cat in order:
        part = frame[frame[category] == cat].set_index(x)[y].reindex(xs, fill_value=0)
        if not part.any():
            continue
        fig.add_bar(
            x=[str(v) for v in xs],
            y=part.to_list(),
            name=labels.get(cat, cat),
            marker_color=rgb(kind_colour(cat, order)),
            text=[format_number(v, unit, lang) if v else "" for v in part],
            hovertemplate="%{x}: %{text}<extra>" + labels.get(cat, cat) + "</extra>",
        )
    unit_label = figures.unit_text(unit, lang)
    fig.update_layout(
        barmode="stack",
        title={"text": title, "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 13},
        separators=".,",
        height=360,
        margin={"l": 10, "r": 20, "t": 60, "b": 30},
        xaxis={"type": "category"},
        yaxis={
            "title": {"text": unit_label},
            **count_axis(frame.groupby(x)[y].sum() if len(frame) else []),
        },
        legend={"orientation": "h", "y": -0.15},
        uniformtext={"minsize": 10, "mode": "hide"},  # no unreadable labels in thin segments
        plot_bgcolor="white",
    )
    return fig


@dataclass
class PageItems:
    """The charts and tables a page shows in this run, handed to its downloads."""

    charts: dict[str, go.Figure] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def chart(self, fig: go.Figure, key: str) -> None:
        """Show ``fig`` (key ``rm.chart.<id>``) and keep it for the PNG download."""
        st.plotly_chart(fig, key=key, config={"displayModeBar": False})
        self.charts[key.removeprefix("rm.chart.")] = fig

    def table(
        self,
        df: pd.DataFrame,
        columns: Mapping[str, str],
        key: str,
        caption: str,
        column_help: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``df`` (key ``rm.table.<id>``) and keep what is shown for CSV/Excel;
        ``column_help``: header -> its explanation on hover (a 根拠 column)."""
        st.caption(caption)
        self.tables[key.removeprefix("rm.table.")] = cards.data_table(
            df, dict(columns), key=key, column_help=dict(column_help or {})
        )

    def rows_table(
        self,
        df: pd.DataFrame,
        columns: Mapping[str, str],
        key: str,
        lang: str,
        when: str,
        sources: pd.DataFrame | None = None,
        column_help: Mapping[str, str] | None = None,
    ) -> None:
        """:meth:`table` under the usual caption: how many rows, when, and the distinct
        sources of ``sources``' rows (default: ``df``'s), as plain text."""
        source = plain(source_of(df if sources is None else sources, lang))
        caption = t("ov.rows", lang, n=len(df), when=when, source=source)
        self.table(df, columns, key, caption, column_help)


def overlay_page(
    page: str, metric: str | None = None
) -> Callable[[PageView], Callable[[session.Context], dict]]:
    """Make ``view(ctx, items)`` the overlay page of ``metric`` (None: of the document's
    items, never sample): it starts with its title
    (``page.<page>``) with the selected area and its one-line intro (``ov.<page>.intro``);
    without a database it says so and returns ``{}``. Where ``metric`` holds sample rows the
    page says so once, at the top; where it has no figures at all (nothing imported, the
    sample hidden) the page shows the document's figures and the words "not imported yet"
    with the templates (:func:`not_imported_section`) and returns ``{"not_imported": True}``.
    Else ``view`` runs with the :class:`PageItems` that collects what it shows for its
    downloads (:func:`close_page`)."""

    def wrap(view: PageView) -> Callable[[session.Context], dict]:
        @functools.wraps(view)
        def run(ctx: session.Context) -> dict:
            sample = bool(metric and ctx.ready.database and cards.has_sample(metric))
            page_header(ctx, f"page.{page}", f"ov.{page}.intro", sample=sample)
            if no_database(ctx):
                return {}
            if metric and cards.not_imported(metric):
                not_imported_section(ctx, metric)
                return {"not_imported": True}
            return view(ctx, PageItems())

        return run

    return wrap


def not_imported_section(ctx: session.Context, metric: str) -> None:
    """A per-municipality figure with nothing to show: the document's own figures of it
    first (42市町村 …, 約2,500名), then "not imported yet" with its template."""
    document.document_figures(ctx, (metric,), sample=False)
    imports.nothing_imported(figures.get(metric).table, ctx.lang, why="ov.not_imported")


#: A page view: the context and the page's :class:`PageItems` → what it showed (for tests).
PageView = Callable[[session.Context, PageItems], dict]


def close_page(
    ctx: session.Context, page: str, metric: str, items: PageItems, *, sample: bool = False
) -> None:
    """The end of an overlay page: the sample notice where any figure shown is a sample,
    then the downloads (:func:`page_downloads`)."""
    if sample:
        mapview.sample_notice(ctx.lang)
    page_downloads(ctx, page, metric, items)


def page_downloads(
    ctx: session.Context, page: str, metric: str | None, items: PageItems, *, map_png: bool = True
) -> None:
    """The downloads expander with the map of ``metric`` and the page's charts and tables
    (``map_png`` False: the map as its HTML file only, see :func:`downloads.downloads`)."""
    downloads.downloads(
        ctx,
        page=page,
        map_metric=metric,
        charts=items.charts,
        tables=items.tables,
        map_png=map_png,
    )


def area_name_of(code: str, level: str, lang: str) -> str:
    if level == "bureau":
        b = reference.bureaus().set_index("bureau_code")
        return (
            # a branch on purpose: Japanese uses the short names (空知), with no English column
            str(b.loc[code, i18n.short_name_col(lang)]) if code in b.index else code
        )
    if level == "region":
        r = reference.regions().set_index("region_code")
        return str(r.loc[code, i18n.col("name", lang)]) if code in r.index else code
    m = reference.municipalities().set_index("code")
    return str(m.loc[code, i18n.col("name", lang)]) if code in m.index else code


# --- page header and notices ---------------------------------------------------------------


def page_header(
    ctx: session.Context, title_key: str, intro_key: str, *, sample: bool = False
) -> None:
    """Title (with the selected area), one line on what the page shows (``sample``: and that
    its figures include samples, said once here)."""
    intro = t(intro_key, ctx.lang)
    if sample:
        intro += "  \n" + notices.sample_page_line(ctx.lang)
    st.title(t(title_key, ctx.lang) + " — " + cards.where_text(ctx))
    st.caption(intro)


def no_database(ctx: session.Context) -> bool:
    if ctx.ready.database:
        return False
    st.info(t("notice.no_database", ctx.lang))
    return True


def muni_notice(ctx: session.Context) -> None:
    """Says the page is filtered to the municipality chosen on the map, with a button to clear it."""
    s, lang = ctx.state, ctx.lang
    if not s.muni:
        return
    m = reference.municipalities().set_index("code")
    name = m.loc[s.muni, i18n.col("name", lang)] if s.muni in m.index else s.muni
    st.info(t("ov.muni_filter", lang, name=name))
    st.button(
        t("ov.muni_clear", lang),
        key="rm.w.muni_clear",
        on_click=lambda: session.set_state(replace(session.current().state, muni=None)),
    )


def headline(
    col, label: str, value: float | None, unit: str, lang: str, *, when: str, help_text: str = ""
) -> None:
    with col:
        st.metric(label, format_number(value, unit, lang), border=True, help=help_text or None)
        if when:
            st.caption(when)


def _years(metric: str) -> tuple[int, ...]:
    return cached.metric_years(metric)


def fy_for(ctx: session.Context, metric: str) -> int | None:
    """The fiscal year a page shows: the filter bar's if ``metric`` has it, else the latest."""
    return shown_year(ctx.state, _years(metric))


def months_of(df: pd.DataFrame) -> tuple[str, ...]:
    """The distinct months (``YYYY-MM``, ascending) of an evacuee frame."""
    if df.empty:
        return ()
    return tuple(sorted(pd.to_datetime(df["month"]).dt.strftime("%Y-%m").unique()))


@by_db_version(max_entries=8)
def evacuee_months(*, db_version: str) -> tuple[str, ...]:
    """Months with evacuee figures (``YYYY-MM``), ascending."""
    return months_of(db.evacuees())
