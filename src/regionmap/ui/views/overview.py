"""The overview page (全道概要): figures by bureau or region on the map (first, above the
fold on a 1280x720 screen), the document's own figures, headline figures of one year and
the ranking."""

from __future__ import annotations

import streamlit as st

from regionmap.ui.components import cards, document, downloads, mapview, notices, widgets
from regionmap.ui.session import Context


def page(ctx: Context) -> None:
    """Lay out the overview page."""
    st.title(ctx.t("page.overview"))
    caption = ctx.t("app.caption") + " — " + cards.where_text(ctx)
    if ctx.ready.database and cards.has_sample(ctx.state.metric):
        # the map's figure is a sample: said once, at the top, on the caption's own line (the
        # map stays above the fold); samples in the cards below carry their mark and notice
        caption += " · " + notices.sample_page_line(ctx.lang, short=True)
    st.caption(caption)
    widgets.metric_controls(ctx)
    mapview.area_map(ctx, page="overview")
    document.document_figures(ctx)
    cards.headline_cards(ctx)
    ranked = cards.ranked_chart(ctx)
    downloads.downloads(ctx, page="overview", charts={"ranked": ranked})
