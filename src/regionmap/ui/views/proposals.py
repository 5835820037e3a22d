"""The proposals page (政策提案) and the departments' measures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from regionmap import content, figures, i18n
from regionmap.i18n import t
from regionmap.plaintext import plain
from regionmap.render.charts import count_axis
from regionmap.style import ACCENT, FONT_FAMILY, SEQUENTIAL, format_number, rgb
from regionmap.ui import session
from regionmap.ui.components import cards, overlay

# ===========================================================================================
# 7. Proposals
# ===========================================================================================


def measures_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per (proposal, measure): department, measure, proposal, bureaus."""
    rows = []
    for _, r in df.iterrows():
        for m in r["measures"] if isinstance(r["measures"], list) else []:
            rows.append(
                {
                    "department": m.get(i18n.col("department", lang)),
                    "measure": m.get(i18n.col("text", lang)),
                    "proposal": r[i18n.col("title", lang)],
                    "bureaus": r[i18n.col("bureau_names", lang)],
                }
            )
    return pd.DataFrame(rows, columns=["department", "measure", "proposal", "bureaus"])


def proposals_by_pillar(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Proposals and how many are reflected in measures, per pillar."""
    if df.empty:
        return pd.DataFrame(columns=["pillar", "proposals", "reflected"])
    g = df.assign(reflected=df["measure_count"] > 0).groupby(
        i18n.col("pillar_name", lang), dropna=False
    )
    out = g.agg(proposals=("proposal_id", "count"), reflected=("reflected", "sum")).reset_index()
    out = out.rename(columns={i18n.col("pillar_name", lang): "pillar"})
    out["reflected"] = out["reflected"].astype("int64")
    return out.sort_values("proposals", ascending=False, ignore_index=True)


@overlay.overlay_page("proposals")
def page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """政策提案: the bureaus' proposals and the departments' measures reflecting them."""
    lang = ctx.lang
    df, when = overlay.document_items(ctx, "proposals")
    mt = measures_table(df, lang)
    reflected = int((df["measure_count"] > 0).sum()) if len(df) else 0
    c1, c2, c3 = st.columns(3)
    overlay.headline(c1, content.selection_label("proposals", lang), len(df), "件", lang, when=when)
    overlay.headline(
        c2, t("ov.proposals.reflected", lang), reflected, "件", lang,
        when=t("ov.proposals.of", lang, n=format_number(len(df), "件", lang)) + " · " + when,
    )  # fmt: skip
    overlay.headline(
        c3, content.measures_label(lang), content.distinct_measures(df), "件", lang,
        when=t("ov.proposals.departments", lang, n=mt["department"].nunique() if len(mt) else 0),
    )  # fmt: skip
    overlay.source_caption(df, lang)
    if df.empty:
        st.info(t("ov.no_match", lang, what=t("metric.proposals", lang)))
    figs = overlay.metric_figures(ctx, "proposals", "bureau", None)
    deck, _ = overlay.choropleth_section(
        ctx, page="proposals", metric="proposals", figs=figs, level="bureau"
    )
    st.caption(t("ov.proposals.joint_note", lang))

    pillars = proposals_by_pillar(df, lang)
    if not pillars.empty:
        title = t("ov.proposals.by_pillar", lang, where=cards.where_text(ctx), when=when)
        fig = go.Figure()
        fig.add_bar(
            y=pillars["pillar"], x=pillars["proposals"], orientation="h",
            name=t("metric.proposals", lang), marker_color=rgb(SEQUENTIAL[2]),
        )  # fmt: skip
        fig.add_bar(
            y=pillars["pillar"], x=pillars["reflected"], orientation="h",
            name=t("ov.proposals.reflected", lang), marker_color=ACCENT,
        )  # fmt: skip
        fig.update_layout(
            barmode="group",
            title={"text": title, "font": {"size": 15}},
            font={"family": FONT_FAMILY, "size": 13},
            height=max(240, 60 * len(pillars) + 110),
            margin={"l": 10, "r": 20, "t": 60, "b": 30},
            xaxis={
                "title": {"text": figures.unit_text("件", lang)},
                **count_axis(pillars[["proposals", "reflected"]].max(axis=1)),
            },
            legend={"orientation": "h", "y": -0.2},
            plot_bgcolor="white",
        )
        items.chart(fig, "rm.chart.proposals_pillar")
        overlay.source_caption(df, lang)

    st.subheader(t("ov.proposals.list", lang, when=when))
    shown = df.assign(
        joint=[t("ov.yes", lang) if j else "" for j in df["is_joint"]] if len(df) else [],
        # pillar, policy area and the matching to measures: this tool's reading of the layout
        basis=content.basis_label(content.basis("proposals", "pillar_theme_id") or "", lang)
        if len(df)
        else [],
    )
    items.rows_table(
        shown,
        {
            i18n.col("title", lang): t("ov.col.proposal", lang),
            i18n.col("bureau_names", lang): t("level.bureau", lang),
            "joint": t("ov.col.joint", lang),
            i18n.col("pillar_name", lang): t("ov.col.pillar", lang),
            i18n.col("policy_area", lang): t("ov.col.policy_area", lang),
            "measure_count": t("ov.col.measures", lang),
            "basis": t("basis.col", lang),
        },
        "rm.table.proposals",
        lang,
        when,
        sources=df,
    )
    st.caption(t("basis.footnote", lang))
    st.subheader(t("ov.proposals.measures_title", lang, when=when))
    items.rows_table(
        mt,
        {
            "department": t("col.department", lang),
            "measure": t("ov.col.measure", lang),
            # which proposal a measure answers: this tool's matching, said on the column
            "proposal": content.with_matching_note(t("ov.col.proposal", lang), lang),
            "bureaus": t("level.bureau", lang),
        },
        "rm.table.measures",
        lang,
        when,
        sources=df,
    )
    for _, r in df.iterrows():
        with cards.proposal_expander(r, lang):
            parts = [r.get(i18n.col("pillar_name", lang)), r.get(i18n.col("policy_area", lang))]
            st.caption(i18n.join([plain(p) for p in parts if p], lang, sep="dot"))
            ms = r["measures"] if isinstance(r["measures"], list) else []
            if not ms:
                st.caption(t("ov.proposals.no_measure", lang))
            for m in ms:
                dept = plain(m.get(i18n.col("department", lang)))
                text = plain(m.get(i18n.col("text", lang)))
                st.markdown("- " + i18n.punct("label_text", lang, label=f"**{dept}**", text=text))
    overlay.close_page(ctx, "proposals", "proposals", items)
    return {"rows": len(df), "measures": len(mt), "deck": deck, "figures": figs}
