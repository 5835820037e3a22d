"""Figures on pages: headline cards, the ranking chart, tables, theme-coverage notices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import db, figures, i18n, reference
from regionmap import state as state_mod
from regionmap.i18n import fy_text, t
from regionmap.plaintext import plain, shown_frame
from regionmap.render.charts import ranked_bar, ranked_html, ranked_rows
from regionmap.render.headline import Card, other_year_note
from regionmap.style import MISSING, format_number
from regionmap.ui.cached import (
    by_db_version,
    cached_headline_row,
    effective_year,
    indicator_frame,
    metric_frame,
    metric_years,
)
from regionmap.ui.components.notices import sample_notice
from regionmap.ui.components.widgets import area_label
from regionmap.ui.session import Context

# --- figures on pages -------------------------------------------------------------------


def where_text(ctx: Context) -> str:
    """The selected area's name (or 全道)."""
    s, lang = ctx.state, ctx.lang
    if s.bureau:
        return area_label("b:" + s.bureau, lang).strip("\u3000")
    if s.region:
        r = reference.regions().set_index("region_id").loc[s.region]
        return str(r[i18n.col("name", lang)])
    return t("fig.where.all", lang)


def theme_excludes(ctx: Context, metric: str) -> bool:
    """True when theme filters are set and none of them covers ``metric`` (its figures
    would all be 0 because of the filter, not because there are none)."""
    if not ctx.state.theme_ids or not ctx.ready.database:
        return False
    return not theme_covers(metric, ctx.state.theme_ids)


def theme_covers(metric: str, theme_ids: Sequence[str]) -> bool:
    """Whether the themes leave anything of ``metric`` to show: the one answer of every page
    (:func:`regionmap.figures.covers`; a document figure asks its items' themes)."""
    ids = tuple(theme_ids or ())
    if not ids:
        return True
    if figures.get(metric).item_type is None:
        return figures.covers(metric, ids)
    return _document_theme_covers(metric, ids)


@by_db_version(max_entries=256)
def _document_theme_covers(metric: str, theme_ids: tuple[str, ...], *, db_version: str) -> bool:
    return db.theme_covers(metric, list(theme_ids))


def not_imported(metric: str) -> bool:
    """Whether ``metric`` is a per-municipality figure with no figures at all: nothing
    imported and its sample hidden (setting ``sample``). Pages then say so in words, with
    the templates: never a row of zeros or a map coloured as if none were there."""
    return figures.get(metric).origin != "document" and not metric_years(metric)


def has_sample(metric: str) -> bool:
    """Whether what is shown of ``metric`` includes sample rows (never when hidden)."""
    return figures.get(metric).origin == "municipal" and _has_sample(metric)


@by_db_version(max_entries=16)
def _has_sample(metric: str, *, db_version: str) -> bool:
    return db.has_sample(metric)


def _headline_row(ctx: Context, metrics: Sequence[str]):
    s = ctx.state
    area = state_mod.query_filters(s)
    return cached_headline_row(
        tuple(metrics),
        ctx.lang,
        s.fy_to,  # the year chosen; None: the default year, said as such (row_year)
        s.latest,
        s.theme_ids,
        area["region_code"],
        area["bureau_code"],
    )


def breakdown_is_sample(ctx: Context, figure_ids: Sequence[str]) -> bool:
    """Whether any of ``figure_ids``' figures in the view (the headline row's) is a sample."""
    if not ctx.ready.database:
        return False
    row = _headline_row(ctx, figures.ids())
    return any(
        c.is_sample for m, c in zip(figures.ids(), row.cards, strict=True) if m in figure_ids
    )


def headline_cards(ctx: Context, metrics: Sequence[str] = figures.ids()) -> list[Card]:
    """The headline row (:func:`regionmap.render.headline.headline_row`): one year, said
    above the cards; the document's own figures (42市町村, 約2,500名) where it gives them,
    with "内訳はサンプル" under them; selection labels on counted lists."""
    if not ctx.ready.database:
        st.info(t("notice.no_database", ctx.lang))
        return []
    lang = ctx.lang
    row = _headline_row(ctx, metrics)
    st.markdown("**" + row.heading(lang) + "**")
    cols = st.columns(len(metrics))
    for col, c in zip(cols, row.cards, strict=True):
        with col:
            source = t("fig.source", lang, source=plain(c.source))
            if not c.theme_match:
                st.metric(c.label, MISSING, border=True, help=source)
                st.caption(t("fig.not_in_theme", lang))
                continue
            st.metric(
                i18n.sample_marked(c.label, lang) if c.is_sample else c.label,
                c.value,
                delta=c.delta,
                delta_color="off",
                help=source,
                border=True,
            )
            change = t("fig.change", lang, delta=c.delta) if c.delta else ""
            parts = [p for p in (other_year_note(c, lang), change) if p]
            if c.from_document:
                parts.append(t("fig.source", lang, source=plain(c.source)))
            if c.breakdown:
                parts.append(c.breakdown)
            if parts:
                st.caption(" · ".join(parts))
    if any(c.is_sample or c.breakdown_sample for c in row.cards):
        sample_notice(lang)
    return list(row.cards)


def ranked_chart(ctx: Context, metric: str | None = None) -> Any:
    """The metric by bureau, ranked (HTML bars, :func:`regionmap.render.charts.ranked_html`);
    the selected bureau (or the selected region's bureaus) highlighted. Returns the same
    ranking as a plotly figure, for the chart's PNG download (None when nothing is drawn)."""
    if not ctx.ready.database:
        return None
    s, lang = ctx.state, ctx.lang
    metric = metric or s.metric
    if theme_excludes(ctx, metric):
        return None  # the map above says why there are no figures
    fy = effective_year(ctx, metric)
    if figures.get(metric).is_indicator:  # published, not narrowed by themes
        drawn = _ranked_indicator(metric, fy, lang, s.bureau_code, s.region_code)
    else:
        drawn = _ranked_figure(metric, fy, s.theme_ids, lang, s.bureau_code, s.region_code)
    if drawn is None:
        st.info(t("chart.no_data", lang))
        return None
    fig, bars, source, sample = drawn
    # HTML bars, not a plotly chart: the overview then needs no chart library in the browser
    # (4.7 MB of script before the map could draw, issue #14); the figure is the PNG download
    st.html(bars)
    st.caption(t("fig.source", lang, source=plain(source)))
    if sample:
        sample_notice(lang)
    return fig


@by_db_version(max_entries=256, shared=True)
def _ranked_figure(
    metric: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    lang: str,
    bureau_code: str | None,
    region_code: str | None,
    *,
    db_version: str,
) -> tuple[Any, str, str, bool] | None:
    """The ranking's plotly figure (for the PNG download), its HTML bars, its source and
    whether it is a sample (None without figures): made once per view, every session showing
    it gets the same objects, which nobody changes."""
    df = metric_frame(metric, "bureau", fiscal_year, theme_ids, None, None)
    if df.empty:
        return None
    b = reference.bureaus().set_index("bureau_code")
    # a branch on purpose: Japanese uses the short names (空知), which have no English column
    names = b[i18n.short_name_col(lang)]
    frame = df.assign(name=df["area_code"].map(names))
    unit, title = _ranked_title("chart.ranked", metric, df, lang)
    if bureau_code:
        highlight = [str(names[bureau_code])]
    elif region_code:
        highlight = [str(names[c]) for c in b.index[b["region_code"] == region_code]]
    else:
        highlight = None
    args: dict[str, Any] = dict(
        label="name", value="value", unit=unit, lang=lang, highlight=highlight
    )
    sample = "is_sample" in df and bool(df["is_sample"].any())
    title = i18n.sample_marked(title, lang) if sample else title
    bars = ranked_html(ranked_rows(frame, **args), title=title)
    fig = ranked_bar(frame, title=title, **args)
    return fig, bars, str(df[i18n.col("source", lang)].iloc[0]), sample


def _ranked_title(key: str, metric: str, df: pd.DataFrame, lang: str) -> tuple[str, str]:
    """The unit of a ranking's frame ``df`` and the ranking's title (catalogue ``key``)."""
    unit = str(df[i18n.col("unit", lang)].iloc[0])
    when = fy_text(int(df["fiscal_year"].iloc[0]), lang)
    where = t("fig.where.all", lang)
    return unit, t(key, lang, metric=t("metric." + metric, lang), unit=unit, where=where, when=when)


@by_db_version(max_entries=64, shared=True)
def _ranked_indicator(
    metric: str, fiscal_year: int | None, lang: str, bureau_code: str | None,
    region_code: str | None, *, db_version: str,
) -> tuple[Any, str, str, bool] | None:  # fmt: skip
    """A public figure's ranking by bureau: each bureau's median of its municipalities
    (never a sum), its lowest and highest beside its name; the ministry's credit as source."""
    df = indicator_frame(metric, "bureau", fiscal_year)
    df = df[df["median"].notna()]
    if df.empty:
        return None
    fig_def = figures.get(metric)
    b = reference.bureaus().set_index("bureau_code")
    names = b[i18n.short_name_col(lang)]
    dec = fig_def.decimals

    def _range(r) -> str:
        lo, hi = (format_number(r[k], "", lang, decimals=dec) for k in ("min", "max"))
        return i18n.punct("with_note", lang, text=str(names[r["area_code"]]), note=f"{lo}–{hi}")

    frame = df.assign(name=[_range(r) for _, r in df.iterrows()], value=df["median"].astype(float))
    unit, title = _ranked_title("chart.ranked.indicator", metric, df, lang)
    chosen = [bureau_code] if bureau_code else list(b.index[b["region_code"] == region_code])
    highlight = [n for c, n in zip(df["area_code"], frame["name"], strict=True) if c in chosen]
    args: dict[str, Any] = dict(
        label="name", value="value", unit=unit, lang=lang, highlight=highlight or None,
        decimals=dec,
    )  # fmt: skip
    bars = ranked_html(ranked_rows(frame, **args), title=title)
    fig = ranked_bar(frame, title=title, **args)
    source = str(df[i18n.col("credit", lang)].iloc[0]).removeprefix(
        t("fig.source", lang, source="")
    )
    return fig, bars, source, False


def proposal_expander(row: Any, lang: str) -> Any:
    """An expander titled with a bureau proposal's title and its bureaus (plain text), for
    its pillar, basis and measures (the proposals page and the bureau page's tab)."""
    title = i18n.punct(
        "with_note",
        lang,
        text=plain(row[i18n.col("title", lang)]),
        note=plain(row[i18n.col("bureau_names", lang)]),
    )
    return st.expander(title)


def data_table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str,
    column_help: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A table with the given columns (column -> header), numbers formatted; returns it.
    ``column_help``: header -> its explanation on hover (e.g. the 根拠 column)."""
    cols = [c for c in columns if c in frame.columns]
    shown = frame[cols].rename(columns=columns)
    config = {h: st.column_config.Column(h, help=text) for h, text in (column_help or {}).items()}
    st.dataframe(
        shown_frame(shown), hide_index=True, width="stretch", key=key, column_config=config or None
    )
    return shown
