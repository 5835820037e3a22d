"""The settlement-support page (集落対策): sites on the map, coverage by area."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from html import escape

import pandas as pd
import pydeck as pdk
import streamlit as st

from regionmap import i18n, reference
from regionmap.i18n import t
from regionmap.maps import spec, static
from regionmap.maps.areas import area_codes_in
from regionmap.maps.spec import AreaFigures
from regionmap.plaintext import plain
from regionmap.render.charts import ranked_bar
from regionmap.style import format_number
from regionmap.ui import session
from regionmap.ui.components import cards, overlay

# ===========================================================================================
# 5. Settlement support
# ===========================================================================================


def site_positions(df: pd.DataFrame) -> pd.DataFrame:
    """Sites with a position: their own lon/lat, else their municipality's label point.

    Adds ``lon``, ``lat`` filled and ``placed`` ("site" | "municipality").
    """
    out = df.copy()
    if out.empty:
        out["placed"] = pd.Series(dtype=object)
        return out
    munis = static.publish_layer("municipalities")
    points = dict(zip(munis.codes, munis.label_points, strict=True))
    m = reference.municipalities().set_index("code")
    has = out["lon"].notna() & out["lat"].notna()
    out["placed"] = ["site" if h else "municipality" for h in has]
    for i in out.index[~has]:
        code = str(out.at[i, "municipality_code"])
        parent = str(m.loc[code, "parent_code"]) if code in m.index else ""
        p = points.get(code) or points.get(parent)
        if p:
            out.at[i, "lon"], out.at[i, "lat"] = p
    return out


def sites_layer(df: pd.DataFrame, lang: str, kinds: Mapping[str, tuple[str, str]]) -> pdk.Layer:
    """The settlement sites as points coloured by kind (layer id ``sites``)."""
    order = list(kinds)
    data = [
        {
            "position": [round(float(r["lon"]), 4), round(float(r["lat"]), 4)],
            "color": [*overlay.kind_colour(r["kind"], order), 235],
            "k": "s" + str(r["site_id"]),
            i18n.col("name", lang): str(r[i18n.col("name", lang)]),
        }
        for _, r in df.iterrows()
        if pd.notna(r["lon"]) and pd.notna(r["lat"])
    ]
    layer = pdk.Layer(
        "ScatterplotLayer",
        id="sites",
        data=data,
        get_position="position",
        get_fill_color="color",
        get_line_color=[40, 40, 40, 255],
        get_radius=6,
        stroked=True,
        filled=True,
        line_width_min_pixels=1,
        radius_min_pixels=4,
        radius_max_pixels=12,
        pickable=True,  # no auto_highlight: see deckgl._geojson_layer
    )
    layer.radius_units = "pixels"  # literal (pydeck would turn a keyword string into an expression)
    return layer


def site_tips(df: pd.DataFrame, lang: str) -> dict[str, str]:
    """Tooltip lines of the sites (kind, municipality, since FY, sample)."""
    out = {}
    for _, r in df.iterrows():
        parts = [str(r[i18n.col("kind", lang)]), str(r[i18n.col("municipality_name", lang)])]
        if pd.notna(r.get("start_fy")):
            parts.append(t("ov.since_fy", lang, fy=int(r["start_fy"])))
        line = escape(" · ".join(parts))
        if bool(r.get("is_sample")):
            line = i18n.sample_marked(line, lang)
        out["s" + str(r["site_id"])] = line
    return out


def site_coverage(sites_df: pd.DataFrame) -> pd.DataFrame:
    """Per bureau: municipalities with at least one site / all municipalities.

    Municipalities are the 179 (Sapporo as one, its wards counted as Sapporo; the
    Northern Territories villages not counted). Columns: bureau_code, covered,
    total, share (0..1), sites.
    """
    m = reference.municipalities()
    munis = m[m["kind"] == "municipality"]
    total = munis.groupby("bureau_code")["code"].nunique()
    if sites_df.empty:
        covered = pd.Series(dtype="int64")
        count = pd.Series(dtype="int64")
    else:
        parent = m.set_index("code")["parent_code"]
        codes = sites_df["municipality_code"].astype(str)
        city = codes.map(lambda c: parent.get(c) or c)
        bureau = city.map(m.set_index("code")["bureau_code"])
        covered = pd.Series(city.to_numpy(), index=bureau.to_numpy()).groupby(level=0).nunique()
        count = bureau.value_counts()
    out = pd.DataFrame({"bureau_code": sorted(total.index)})
    out["covered"] = out["bureau_code"].map(covered).fillna(0).astype("int64")
    out["total"] = out["bureau_code"].map(total).astype("int64")
    out["share"] = out["covered"] / out["total"]
    out["sites"] = out["bureau_code"].map(count).fillna(0).astype("int64")
    return out


@overlay.overlay_page("settlement", "sites")
def page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """集落対策: sites as points by kind; coverage by bureau."""
    lang, s = ctx.lang, ctx.state
    kinds = overlay.site_kinds()
    overlay.kind_filter(ctx, kinds, "ov.settlement.kind")
    fy = overlay.fy_for(ctx, "sites")
    when = t("ov.as_of_fy", lang, fy=fy) if fy else ""
    excluded = overlay.theme_excludes(s.theme_ids, "sites")
    if excluded:
        overlay.theme_excluded_notice(ctx, "sites")
    df = overlay.frame("sites", overlay.page_filters(s, "sites"))
    everywhere = overlay.frame(
        "sites", overlay.page_filters(replace(s, region=None, bureau=None, muni=None), "sites")
    )
    cov = site_coverage(everywhere)
    inside = area_codes_in("bureau", s.region_code, s.bureau_code)
    cov_in = cov[cov["bureau_code"].isin(inside)]
    c1, c2, c3 = st.columns(3)
    # a theme that covers nothing of the figure: "—" on every card, never 0
    overlay.headline(
        c1, t("metric.sites", lang), None if excluded else len(df), "箇所", lang, when=when
    )
    overlay.headline(
        c2, t("ov.settlement.covered", lang), None if excluded else int(cov_in["covered"].sum()), "市町村", lang,
        when=t("ov.settlement.of_total", lang, n=format_number(int(cov_in["total"].sum()), "市町村", lang)),
    )  # fmt: skip
    share = cov_in["covered"].sum() / max(1, cov_in["total"].sum())
    overlay.headline(
        c3, t("ov.settlement.coverage", lang), None if excluded else round(100 * share, 1), "%",
        lang, when=when,
    )  # fmt: skip
    overlay.source_caption(df, lang)
    overlay.muni_notice(ctx)
    placed = site_positions(df)
    layer = sites_layer(placed, lang, kinds)
    figs = AreaFigures(
        level="bureau",
        values={},
        unit_ja="箇所",
        unit_en="sites",
        when_ja=t("ov.as_of_fy", "ja", fy=fy) if fy else "",
        when_en=t("ov.as_of_fy", "en", fy=fy) if fy else "",
        source_ja=overlay.source_of(df, "ja"),
        source_en=overlay.source_of(df, "en"),
        is_sample=overlay.has_sample(df),
    )
    deck = spec.area_deck(
        s.map_area("bureau"),
        lang,
        figs,
        extra_layers=[layer],
        extra_tips=site_tips(df, lang),
        fill=False,
    ).deck
    present = [k for k in kinds if k in set(df["kind"])] if len(df) else []
    overlay.show_map(
        ctx,
        deck,
        page="settlement",
        level="points",
        title=t(
            "ov.settlement.map_title",
            lang,
            n=format_number(len(df), "箇所", lang),
            where=cards.where_text(ctx),
            when=when,
        ),  # fmt: skip
        scale=None,
        figs=figs,
        legend_title="",
        categories=[
            (overlay.kind_colour(k, list(kinds)), i18n.pick(kinds[k], lang)) for k in present
        ],
        categories_title=t("ov.settlement.legend", lang),
    )
    if (placed["placed"] == "municipality").any():
        st.caption(t("ov.settlement.placed_note", lang))

    st.subheader(t("ov.settlement.coverage_title", lang, when=when))
    cov_show = cov.assign(
        name=[overlay.area_name_of(c, "bureau", lang) for c in cov["bureau_code"]],
        pct=(100 * cov["share"]).round(1),
    )
    title = t("ov.settlement.coverage_chart", lang, where=t("fig.where.all", lang), when=when)
    fig = ranked_bar(
        cov_show, label="name", value="pct", title=title, unit="%", lang=lang,
        highlight=overlay.area_name_of(s.bureau_code, "bureau", lang) if s.bureau_code else None,
    )  # fmt: skip
    items.chart(fig, "rm.chart.coverage")
    cov_table = cov_show.assign(
        ratio=[
            f"{a} / {format_number(b, '市町村', lang)}"
            for a, b in zip(cov_show["covered"], cov_show["total"], strict=True)
        ]
    )
    items.table(
        cov_table,
        {
            "name": t("level.bureau", lang),
            "ratio": t("ov.settlement.covered_col", lang),
            "pct": t("ov.settlement.coverage_col", lang),
            "sites": t("ov.settlement.sites_col", lang),
        },
        "rm.table.coverage",
        t(
            "ov.settlement.coverage_caption",
            lang,
            when=when,
            source=plain(overlay.source_of(everywhere, lang)),
        ),
    )
    st.subheader(t("ov.settlement.table", lang, when=when))
    items.rows_table(
        df,
        {
            i18n.col("name", lang): t("col.site", lang),
            i18n.col("municipality_name", lang): t("level.municipality", lang),
            i18n.col("bureau_name", lang): t("level.bureau", lang),
            i18n.col("kind", lang): t("col.kind", lang),
            "start_fy": t("col.start_fy", lang),
            i18n.col("operator", lang): t("ov.col.operator", lang),
        },
        "rm.table.sites",
        lang,
        when,
    )
    sample = overlay.has_sample(df) or overlay.has_sample(everywhere)
    overlay.close_page(ctx, "settlement", "sites", items, sample=sample)
    return {"rows": len(df), "deck": deck, "coverage": cov, "fiscal_year": fy}
