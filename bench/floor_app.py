"""The overview's elements with no work behind them: the floor Streamlit sets for a page this size.

The same kinds and numbers of elements as regionmap's overview (the page navigation and its ten
links, eleven widgets bound to session state with callbacks, nine metric cards in columns, one
deck and one plotly chart of the overview's size, captions, HTML blocks, three download
buttons, a toast), every content made once per process: a rerun costs what Streamlit itself
costs for such a page. The serve benchmark runs it with the same client as regionmap and the
trivial app, so regionmap's throughput reads against both ceilings.
"""

import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

N_PAGES = 10


@st.cache_resource
def _made() -> dict:
    """The chart, the deck and the texts, made once."""
    names = [f"振興局{i:02d}" for i in range(14)]
    fig = go.Figure(go.Bar(x=list(range(14)), y=names, orientation="h", text=names))
    fig.update_layout(title={"text": "ランキング"}, height=480, plot_bgcolor="white")
    layers = [
        pdk.Layer("GeoJsonLayer", f"app/static/layers/floor-{i}.json", id=f"layer-{i}")
        for i in range(3)
    ]
    labels = [{"position": [141 + i * 0.3, 43 + i * 0.1], "text": n} for i, n in enumerate(names)]
    layers.append(pdk.Layer("TextLayer", labels, id="labels", get_position="position"))
    view = pdk.ViewState(longitude=143.0, latitude=43.5, zoom=5.6)
    deck = pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=False)
    return {"fig": fig, "deck": deck, "html": "<div class='floor'>" + "凡例 " * 60 + "</div>"}


def _page() -> None:
    made = _made()
    st.title("全道概要")
    st.caption("北海道 地域政策マップ — 全道")
    _bound(st.selectbox, "metric", "指標", options=["a", "b", "c", "d", "e"])
    _bound(st.segmented_control, "level", "単位", options=["bureau", "region"])
    st.markdown("##### 地図の見出し")
    col_map, col_side = st.columns([4, 1])
    with col_map:
        st.pydeck_chart(made["deck"], height=540, key="floor.map", on_select=lambda: None)
        st.html(made["html"])
        st.caption("出典：…")
        st.caption("「国土数値情報（行政区域データ）」（国土交通省）を加工して作成")
    with col_side:
        st.html(made["html"])
        st.html(made["html"])
        st.caption("地図をクリックすると選択します")
    st.markdown("**資料の数値**")
    for row in (4, 5):
        for i, col in enumerate(st.columns(row)):
            with col:
                st.metric(
                    f"指標{i}", f"{i * 123:,}人", delta="+3人", delta_color="off", border=True
                )
                st.caption("2015年度 · 前年度比")
    st.warning("内訳はサンプル")
    st.plotly_chart(made["fig"], key="floor.chart", config={"displayModeBar": False})
    st.caption("出典：…")
    with st.expander("ダウンロード"):
        for i, col in enumerate(st.columns(3)):
            with col:
                st.download_button(f"ファイル{i}", data=lambda: b"x", key=f"floor.dl.{i}")
    st.html(made["html"])


def _bound(widget, field: str, label: str, **kwargs):
    """As ``regionmap.ui.components.widgets.bound_widget``: the value set before the widget, a callback."""
    key = "floor.w." + field
    st.session_state.setdefault(key, kwargs.get("options", [False])[0] if kwargs else False)
    st.session_state[key] = st.session_state[key]
    return widget(label, key=key, on_change=lambda: None, **kwargs)


pages = [st.Page(_page, title="全道概要", url_path="overview", default=True)]
pages += [st.Page(lambda: None, title=f"ページ{i}", url_path=f"page{i}") for i in range(1, N_PAGES)]
page = st.navigation(pages, position="hidden")
with st.sidebar:
    _bound(st.segmented_control, "lang", "言語", options=["ja", "en"])
    st.caption("ページ")
    for p in pages:
        st.page_link(p, label=p.title)
    st.subheader("絞り込み")
    _bound(st.multiselect, "theme", "テーマ", options=["t1", "t2", "t3", "t4"])
    _bound(st.selectbox, "fy", "年度", options=list(range(2011, 2021)))
    _bound(st.selectbox, "area", "地域", options=["", "r:doo", "b:sorachi"])
    _bound(st.toggle, "latest", "最新年度")
    for name in ("labels", "munis", "tiles"):
        _bound(st.checkbox, "layer_" + name, name)
    st.button("リンクをコピー", key="floor.copy")
page.run()
