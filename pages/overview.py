"""全道概要 Overview: the document's own figures, headline figures of one year, figures by
bureau or region on the map, ranking."""

import streamlit as st

from regionmap.ui import cards, document, downloads, frame, mapview, widgets

ctx = frame.context()
st.title(ctx.t("page.overview"))
st.caption(ctx.t("app.caption") + " — " + cards.where_text(ctx))
document.document_figures(ctx)
cards.headline_cards(ctx)
widgets.metric_controls(ctx)
mapview.area_map(ctx, page="overview")
ranked = cards.ranked_chart(ctx)
downloads.downloads(ctx, page="overview", charts={"ranked": ranked})
