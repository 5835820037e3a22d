"""The page of the document's sections without a map of their own: 移住・定住 (II-3(3)),
広域連携 (II-4(1)(2)), support for evacuees (II-4(3)) and 推進体制 (how proposals become
measures), each summarised in this tool's words with the document's phrase and its section
reference (:func:`regionmap.content.sections`, :func:`regionmap.content.policy_flow`); and
the figures only staff imports provide (:data:`regionmap.figures.IMPORTED_FIGURES`, the
wide-area groupings): with nothing imported the page says so and offers their templates.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import content, db, figures, i18n, importable, reference
from regionmap.i18n import fy_text, pick, t
from regionmap.maps import deckgl, spec, static
from regionmap.plaintext import plain, shown_frame
from regionmap.ui.cached import by_db_version
from regionmap.ui.components import imports, overlay
from regionmap.ui.session import Context

#: The import-only tables, by id: a section lists those among its ``figure_ids``.
_IMPORT_TABLES = {tb.table: tb for tb in importable.IMPORT_ONLY}


@by_db_version(max_entries=16)
def imported_table(table: str, *, db_version: str) -> pd.DataFrame:
    """The rows imported into an import-only table (empty without a database)."""
    if table not in db.TABLES:
        return pd.DataFrame()
    try:
        return db.read_table(table)
    except Exception:  # noqa: BLE001 - no database yet: nothing imported
        return pd.DataFrame()


#: Outline colour of the wide-area groupings (Okabe-Ito reddish purple: not the selection's
#: vermillion), drawn above the fill.
GROUP_LINE = (204, 121, 167, 255)
#: The groupings' names: the outline's hue, dark enough to read at 4.5:1 or more on the
#: names' white halo (regionmap.maps.scales.contrast), as every name on a map.
GROUP_INK = (143, 85, 117, 255)


def groups_of(df: pd.DataFrame) -> list[static.Group]:
    """The groupings of the imported ``wide_area_groups`` rows: (name, kind, member codes)."""
    if df.empty:
        return []
    return [
        (str(name), str(g["group_kind"].iloc[0]), tuple(sorted(g["municipality_code"].astype(str))))
        for name, g in df.groupby("group_name", sort=True)
    ]


def group_layers(groups: list[static.Group], lang: str) -> tuple[list, static.PublishedLayer]:
    """The dissolved groupings as an outline layer (``groups``) and their names
    (``labels-groups``), from their own static file (:func:`static.publish_groups`)."""
    layer = static.publish_groups(groups)
    layers = deckgl.area_layers(
        "groups", layer, line_color=GROUP_LINE, line_width=3, pickable=False
    )
    labels = [
        {"position": p, "text": name}
        for p, name in zip(layer.label_points, layer.names_ja, strict=True)
    ]
    layers.append(deckgl.label_layer("labels-groups", labels, size=14, color=GROUP_INK))
    return layers, layer


def _source(df: pd.DataFrame, lang: str) -> str:
    """The imported rows' source column, or 取り込みデータ（ファイル名）."""
    col = i18n.col("source", lang)
    vals = sorted({str(v) for v in df.get(col, pd.Series(dtype=object)).dropna() if str(v)})
    return " / ".join(vals)


def _municipality_names(lang: str) -> dict[str, str]:
    m = reference.municipalities()
    ja = dict(zip(m["code"], m["name_ja"], strict=True))
    english = reference.english_names()
    return pick((ja, {c: english.get(c, n) for c, n in ja.items()}), lang)


def _bureau_names(lang: str) -> dict[str, str]:
    m = reference.municipalities()
    b = reference.bureaus().set_index("bureau_code")
    col = i18n.short_name_col(lang)
    return {
        c: str(b.loc[bc, col]) if bc in b.index else ""
        for c, bc in zip(m["code"], m["bureau_code"], strict=True)
    }


def figure_table(fig: figures.Figure, df: pd.DataFrame, fy: int, lang: str) -> pd.DataFrame:
    """The imported figure of one fiscal year per municipality (only the imported ones)."""
    count = importable.get(fig.table).count
    rows = df[df["fiscal_year"] == fy].sort_values("municipality_code")
    names, bureaus = _municipality_names(lang), _bureau_names(lang)
    unit = fig.unit.text(2, lang)
    return pd.DataFrame(
        {
            t("regional.col.municipality", lang): [
                names.get(c, c) for c in rows["municipality_code"]
            ],
            t("regional.col.bureau", lang): [bureaus.get(c, "") for c in rows["municipality_code"]],
            i18n.punct("with_unit", lang, label=fig.label(lang), unit=unit): rows[count]
            .astype(int)
            .to_list(),
        }
    )


def _count_figure(
    ctx: Context, fig: figures.Figure, df: pd.DataFrame, items: overlay.PageItems
) -> dict | None:
    """An imported count: year, table (kept in ``items``), total, source; returns what the
    map needs."""
    lang = ctx.lang
    years = sorted(int(y) for y in df["fiscal_year"].dropna().unique())
    fy = st.selectbox(
        t("regional.year", lang, label=fig.label(lang)),
        years[::-1],
        format_func=lambda y: fy_text(y, lang),
        key=f"rm.regional.fy.{fig.id}",
    )
    table = figure_table(fig, df, fy, lang)
    shown = df[df["fiscal_year"] == fy]
    total = int(table.iloc[:, -1].sum())
    st.caption(
        t(
            "regional.total",
            lang,
            value=f"{total:,}",
            unit=fig.unit.text(total, lang),
            when=fy_text(fy, lang),
            n=len(table),
        )
    )
    st.dataframe(shown_frame(table), hide_index=True, width="stretch")
    items.tables[fig.id] = table  # its CSV and Excel in the downloads
    source = _source(shown, lang)
    st.caption(t("fig.source", lang, source=plain(source)))
    return {"figure": fig, "fiscal_year": fy, "source": source}


def _groups_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = _municipality_names(lang)
    kinds = {k.id: k.label(lang) for k in figures.GROUPING_KINDS}
    out = []
    for name, g in df.groupby("group_name", sort=True):
        out.append(
            {
                t("regional.col.group", lang): name,
                t("regional.col.kind", lang): kinds.get(str(g["group_kind"].iloc[0]), ""),
                t("regional.col.count", lang): len(g),
                t("regional.col.members", lang): i18n.join(
                    [names.get(c, c) for c in sorted(g["municipality_code"].astype(str))], lang
                ),
            }
        )
    return pd.DataFrame(out)


def _section_source(row: pd.Series, lang: str) -> str:
    """``出典：北海道の地域政策に関する資料（平成27年度） §II-3(3) …``."""
    # the committed document's section references (§II-3(3)): our own data, shown as written
    return t("fig.source", lang, source=content.source_line(_with_document(row), lang))


def _with_document(row: pd.Series) -> dict:
    return {
        **row.to_dict(),
        "source_ja": content.DOCUMENT_SOURCE_JA,
        "source_en": content.DOCUMENT_SOURCE_EN,
    }


def _anchor(anchor_ja: str, lang: str) -> str:
    """The document's own phrase (Japanese: shown in Japanese mode only), then a space."""
    return pick((t("regional.anchor", lang, anchor=plain(anchor_ja)) + "　", ""), lang)


def _import_table(ctx: Context, table_id: str, shown: dict, items: overlay.PageItems) -> None:
    """An import-only table: nothing imported, said with its template; else its figure
    (its table kept in ``items`` for the downloads)."""
    lang = ctx.lang
    table = _IMPORT_TABLES[table_id]
    label = i18n.capitalise(t(table.label_key, lang))
    df = imported_table(table_id)
    if df.empty:
        imports.nothing_imported(table.table, lang)
        return
    if table_id == "wide_area_groups":
        st.markdown(f"**{label}**")
        groups = _groups_table(df, lang)
        st.dataframe(shown_frame(groups), hide_index=True, width="stretch")
        items.tables[table_id] = groups
        st.caption(t("fig.source", lang, source=plain(_source(df, lang))))
        shown["groups"] = groups_of(df)
        return
    fig = figures.get(table_id)
    st.markdown(f"**{fig.label(lang)}**")
    shown.setdefault("figures", []).append(_count_figure(ctx, fig, df, items))


def imported_map(ctx: Context, shown: dict) -> dict:
    """One map of the imported figures: a choropleth of one count (the one map pipeline)
    with the wide-area groupings drawn above as dissolved outlines with their names."""
    lang = ctx.lang
    counts = [f for f in shown.get("figures", []) if f]
    groups = shown.get("groups") or []
    if not counts and not groups:
        return {}
    st.subheader(t("regional.map", lang))
    figs, metric, label = None, None, ""
    if counts:
        options = [c["figure"].id for c in counts]
        metric = (
            st.radio(
                t("regional.map_figure", lang),
                options,
                format_func=lambda m: figures.get(m).label(lang),
                horizontal=True,
                key="rm.regional.map_metric",
            )
            if len(options) > 1
            else options[0]
        )
        chosen = next(c for c in counts if c["figure"].id == metric)
        label = chosen["figure"].label(lang)
        frame = db.metric_by_area(metric, level="municipality", fiscal_year=chosen["fiscal_year"])
        figs = spec.figures_from_metric(frame, "municipality", area_filter=False)
        if figs is not None:  # only municipalities with an imported row: never a 0 for "none"
            have = set(
                imported_table(metric)
                .query("fiscal_year == @chosen['fiscal_year']")["municipality_code"]
                .astype(str)
            )
            figs = dataclasses.replace(
                figs,
                values={c: v for c, v in figs.values.items() if c in have},
                **{i18n.col("source", lang): chosen["source"]},
            )
    extra: list[Any] = []
    tips: dict[str, Any] = {}
    group_layer = None
    if groups:
        extra, group_layer = group_layers(groups, lang)
    drawn = spec.area_deck(
        ctx.state.map_area("municipality"),
        lang,
        figs,
        fill=figs is not None,
        extra_layers=extra,
    )
    overlay.show_map(
        ctx,
        drawn.deck,
        page="regional",
        level="municipality",
        title=overlay.map_title(ctx, label, figs, "municipality")
        if figs
        else t("regional.map", lang),
        scale=drawn.scale,
        figs=figs,
        legend_title=label,
    )
    if group_layer is not None:
        st.caption(t("regional.groups_map", lang, n=len(group_layer.codes)))
    return {
        "metric": metric,
        "groups": list(group_layer.codes) if group_layer else [],
        "tips": tips,
    }


def page(ctx: Context) -> dict:
    """移住・広域連携・推進体制: the document's sections in our words, the policy flow, and
    the import-only figures (nothing imported: said, with their templates)."""
    lang = ctx.lang
    st.title(t("page.regional", lang))
    st.caption(t("regional.caption", lang))
    secs = content.sections()
    shown_tables: list[str] = []
    shown: dict = {}
    items = overlay.PageItems()
    for _, r in secs.iterrows():
        if r["section_id"] == "governance":
            continue  # told below, step by step
        st.subheader(f"{r['section_ref']} " + plain(r[i18n.col("heading", lang)]))
        st.markdown(plain(r[i18n.col("summary", lang)]))
        st.caption(_anchor(r["anchor_ja"], lang) + _section_source(r, lang))
        for fid in str(r["figure_ids"]).split(";"):
            if fid in _IMPORT_TABLES and fid not in shown_tables:
                shown_tables.append(fid)
                _import_table(ctx, fid, shown, items)
    drawn = imported_map(ctx, shown)
    gov = secs[secs["section_id"] == "governance"]
    st.subheader(t("regional.flow", lang))
    if not gov.empty:
        g = gov.iloc[0]
        st.markdown(plain(g[i18n.col("summary", lang)]))
        st.caption(_section_source(g, lang))
    flow = content.policy_flow()
    for _, step in flow.iterrows():
        actor = plain(step[i18n.col("actor", lang)])
        action = plain(step[i18n.col("action", lang)])
        st.markdown(f"{int(step['step'])}. **{actor}** — {action}")
        st.caption(_anchor(step["anchor_ja"], lang) + content.section_ref(step["source_ref"], lang))
    if items.tables or drawn:  # nothing imported: nothing to download but the templates
        # the map as its HTML file: the PNG renderer draws the registry's figures by bureau
        # or region, not this page's municipalities and groupings
        overlay.page_downloads(ctx, "regional", drawn.get("metric"), items, map_png=False)
    return {"sections": list(secs["section_id"]), "templates": shown_tables, "map": drawn}
