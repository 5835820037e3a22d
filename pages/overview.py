"""全道概要 Overview: figures by bureau or region on the map (first, above the fold on a
1280x720 screen), the document's own figures, headline figures of one year, ranking."""

import streamlit as st

from regionmap.ui import cards, document, downloads, frame, mapview, widgets

ctx = frame.context()
st.title(ctx.t("page.overview"))
st.caption(ctx.t("app.caption") + " — " + cards.where_text(ctx))
widgets.metric_controls(ctx)
mapview.area_map(ctx, page="overview")
document.document_figures(ctx)
cards.headline_cards(ctx)
ranked = cards.ranked_chart(ctx)
downloads.downloads(ctx, page="overview", charts={"ranked": ranked})
