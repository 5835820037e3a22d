"""Presentation mode: a bureau or region as full-screen slides (``?present=1`` on any page).

Slides move with the ◀/▶ buttons and the keyboard (arrow keys, PageUp/PageDown as
clickers send). The slide number lives in the URL (``slide=3``).
"""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

from regionmap import figures, i18n, reference, settings
from regionmap.geo.layers import manifest
from regionmap.i18n import t
from regionmap.render import common, handout, mapimage
from regionmap.render.slides import (
    DETAIL_CHARS,
    MAX_ITEMS,
    SLIDES,
    SOURCE_CHARS,
    Figure,
    Slide,
    build_slide,
    clamp_slide,
)
from regionmap.state import to_query_params
from regionmap.ui import frame, session
from regionmap.ui.cached import by_db_version

#: Keys of the navigation buttons (Streamlit adds the class ``st-key-rm-present-next`` etc.,
#: dots as hyphens, to their containers).
KEY_PREV, KEY_NEXT = "rm.present.prev", "rm.present.next"
KEY_PAGE_UP, KEY_PAGE_DOWN = "rm.present.pgup", "rm.present.pgdn"

# --- Streamlit ----------------------------------------------------------------------------

#: Full width, no sidebar, header, toolbar or footer; the PageUp/PageDown buttons exist
#: only for their keyboard shortcuts. Type scales with the screen (vw, capped by vh so a
#: short screen keeps everything on it): a slide fits a 1280x720 projector without
#: scrolling (title, buttons, map, figures, chart) and grows on 1920x1080.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
footer, #MainMenu { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  max-width: 100% !important; padding: 0.7rem 2rem 0.5rem 2rem !important; }
div.rm-present-area { font-size: clamp(0.95rem, min(1.5vw, 2.6vh), 1.7rem); color: #555;
  margin: 0; line-height: 1.25; }
div.rm-present-title { font-size: clamp(1.5rem, min(3vw, 5.2vh), 3.4rem); font-weight: 700;
  line-height: 1.12; margin: 0; }
.rm-present-figs { display: grid; gap: 0.55rem 1.2rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 15rem), 1fr)); }
.rm-present-fig { border-left: 5px solid #00224e; padding: 0 0 0 0.7rem; margin: 0; min-width: 0; }
.rm-present-fig .l { font-size: clamp(0.85rem, min(1.2vw, 2.2vh), 1.5rem); color: #444;
  line-height: 1.25; }
.rm-present-fig .v { font-size: clamp(1.3rem, min(2.3vw, 4.2vh), 3rem); font-weight: 700;
  line-height: 1.1; }
.rm-present-fig .d { font-size: clamp(0.8rem, min(1.05vw, 1.9vh), 1.35rem); color: #444;
  margin-left: 0.5rem; }
.rm-present-fig .m { font-size: clamp(0.72rem, min(0.85vw, 1.6vh), 1.1rem); color: #666;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.rm-present-sample { background: #b35806; color: #fff; font-size: 0.8em; padding: 0.05rem 0.45rem;
  border-radius: 3px; margin-left: 0.4rem; vertical-align: middle; white-space: nowrap; }
.rm-present-items { font-size: clamp(0.95rem, min(1.3vw, 2.4vh), 1.7rem); line-height: 1.35;
  margin: 0; }
[data-testid="stMarkdownContainer"] ul.rm-present-items li { margin-bottom: 0.3rem;
  font-size: inherit; }
.rm-present-items .x { font-size: 0.78em; color: #555; }
.rm-present-count { font-size: clamp(1rem, 1.4vw, 1.6rem); text-align: center; }
.rm-present-note { font-size: clamp(0.72rem, min(0.9vw, 1.7vh), 1.05rem); color: #555;
  line-height: 1.3; margin: 0; }
.rm-present-note.sample { color: #7a3c00; }
[data-testid="stImage"] img { max-height: calc(100vh - 255px); max-width: 100%;
  width: auto !important; height: auto; object-fit: contain; }
.st-key-rm-present-pgup, .st-key-rm-present-pgdn { display: none !important; }
</style>
"""

#: The slide map's image (px), and the narrowest it is shown on a 1280x720 screen (px):
#: its area names and legend are sized for that (at least 16 px and 14 px there).
SLIDE_MAP_SIZE = (1400, 1050)
SLIDE_MAP_SHOWN_WIDTH = 560
LABEL_PX, LEGEND_PX = 16, 14


def slide_type_pt(shown_width: float = SLIDE_MAP_SHOWN_WIDTH) -> tuple[float, float]:
    """Point sizes (matplotlib, 100 dpi) of the slide map's labels and legend such that
    they are :data:`LABEL_PX` and :data:`LEGEND_PX` pixels when the image is shown
    ``shown_width`` pixels wide."""
    per_px = SLIDE_MAP_SIZE[0] / shown_width * 72 / 100
    return round(LABEL_PX * per_px, 1), round(LEGEND_PX * per_px, 1)


#: Height (px) of a slide's chart beside many figures / beside few.
CHART_HEIGHT = {"many": 280, "few": 340}


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


def _figure_html(fig: Figure, lang: str) -> str:
    sample = (
        f"<span class='rm-present-sample'>{_esc(i18n.sample_mark(lang))}</span>"
        if fig.is_sample
        else ""
    )
    delta = (
        f"<span class='d'>{_esc(t('fig.change', lang, delta=fig.delta))}</span>"
        if fig.delta
        else ""
    )
    source = fig.source if len(fig.source) <= SOURCE_CHARS else fig.source[: SOURCE_CHARS - 1] + "…"
    parts = (fig.fiscal_year, t("fig.source", lang, source=source))
    meta = i18n.join([x for x in parts if x], lang, "dot")
    return (
        f"<div class='rm-present-fig'><div class='l'>{_esc(fig.label)}{sample}</div>"
        f"<div><span class='v'>{_esc(fig.value)}</span>{delta}</div>"
        f"<div class='m' title='{_esc(fig.source)}'>{_esc(meta)}</div></div>"
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _items_html(items: tuple[tuple[str, str], ...], lang: str) -> str:
    shown = items[:MAX_ITEMS]
    lis = "".join(
        f"<li>{_esc(head)}"
        + (f"<br><span class='x'>{_esc(_clip(detail, DETAIL_CHARS))}</span>" if detail else "")
        + "</li>"
        for head, detail in shown
    )
    more = (
        f"<li class='x'>{_esc(t('present.more', lang, n=len(items) - len(shown)))}</li>"
        if len(items) > len(shown)
        else ""
    )
    return f"<ul class='rm-present-items'>{lis}{more}</ul>"


@by_db_version(max_entries=256)
def _cached_slide(
    area_kind, code, key, lang, fiscal_year, theme_ids, figure=None, *, db_version: str
) -> Slide:
    """:func:`build_slide` cached with every input and the database version (``figure``:
    the chosen figure where it is a public one, which the overview slide shows)."""
    return build_slide(
        area_kind, code, key, lang, fiscal_year=fiscal_year, theme_ids=theme_ids, figure=figure
    )


def layers_key() -> tuple[str, bool]:
    """What a drawn map depends on besides the database: the boundary layers' build
    (manifest checksum + built_at) and the ``hide_northern_territories`` setting."""

    try:
        m = manifest(settings.get("geo_dir"))
        build = f"{m.get('checksum', '')}/{m.get('built_at', '')}"
    except Exception:  # noqa: BLE001 - no layers: the map cannot be drawn anyway
        build = ""
    return build, bool(settings.get("hide_northern_territories"))


@by_db_version(max_entries=64)
def _map_alt(
    area_kind, code, metric, lang, fiscal_year, theme_ids, layers=("", False), *, db_version: str
) -> str:
    """The slide map's text alternative (:attr:`regionmap.render.mapimage.MapSpec.alt`),
    of the view :func:`_cached_map` draws. ``db_version`` and ``layers`` are cache keys."""
    ids = list(theme_ids) or None
    return mapimage.view_spec(area_kind, code, metric, "bureau", fiscal_year, ids, lang).alt


@by_db_version(max_entries=128)
def cached_map(
    area_kind,
    code,
    metric,
    lang,
    fiscal_year,
    theme_ids,
    layers=("", False),
    *,
    db_version: str,
) -> bytes:
    """The slide's map as PNG (drawn on the server: no tiles, no WebGL, no web fonts).

    ``db_version`` and ``layers`` (:func:`layers_key`) are only cache keys.
    """

    return mapimage.map_png(
        area_kind,
        code,
        metric,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids) or None,
        lang=lang,
        width=SLIDE_MAP_SIZE[0],
        height=SLIDE_MAP_SIZE[1],
        type_scale=1.5,
        label_pt=slide_type_pt()[0],
        legend_pt=slide_type_pt()[1],
    )


def route(ctx, chosen) -> None:
    """From any page (``chosen``, the page ``st.navigation`` runs), ``?present=1`` opens the
    presentation page (with the same URL state)."""

    if ctx.state.present and getattr(chosen, "url_path", "") != "present":
        st.switch_page(_present_page(), query_params=to_query_params(ctx.state))


def _present_page():
    return str(settings.PROJECT_ROOT / "pages" / "present.py")


def _go(number: int) -> None:
    ctx = frame.context()
    session.set_state(replace(ctx.state, present=True, slide=clamp_slide(number)))


def page(ctx) -> None:
    """Lay out the current slide of the state's bureau or region (the ``present`` page)."""

    lang, s = ctx.lang, ctx.state
    st.html(CSS)
    if not (s.bureau or s.region):
        st.markdown(
            f"<div class='rm-present-title'>{_esc(t('present.title', lang))}</div>",
            unsafe_allow_html=True,
        )
        st.info(t("present.pick", lang))
        _area_links(lang)
        return
    if not ctx.ready.database:
        st.warning(t("present.no_database", lang))
        return
    kind, code = ("bureau", s.bureau) if s.bureau else ("region", s.region)
    number = clamp_slide(s.slide)
    public = s.metric if s.metric in figures.public_ids() else None  # 財政力指数: on slide 1
    slide = _cached_slide(kind, code, SLIDES[number - 1], lang, s.fiscal_year, s.theme_ids, public)

    head, prev_col, count_col, next_col, exit_col = st.columns(
        [12, 2, 1, 2, 2], vertical_alignment="center"
    )
    with head:
        st.markdown(
            f"<div class='rm-present-area'>{_esc(slide.area_title)}</div>"
            f"<div class='rm-present-title'>{_esc(slide.title)}</div>",
            unsafe_allow_html=True,
        )
    _navigation(s, number, lang, prev_col, count_col, next_col, exit_col)
    left, right = st.columns([11, 10], gap="large")
    with left:
        png = cached_map(
            kind,
            code,
            slide.map_metric,
            lang,
            s.fiscal_year,
            s.theme_ids,
            layers_key(),
        )
        alt = _map_alt(kind, code, slide.map_metric, lang, s.fiscal_year, s.theme_ids, layers_key())
        st.image(png, width="stretch", alt=alt)
        st.caption(t("map.credit", lang))
        if slide.sample:  # one compact line: the slide keeps its room
            st.markdown(
                f"<p class='rm-present-note sample'>{_esc(t('notice.sample', lang))}</p>",
                unsafe_allow_html=True,
            )
        _downloads(kind, code, lang, png, number, s.fiscal_year, s.theme_ids, public)
    with right:
        st.markdown(
            "<div class='rm-present-figs'>"
            + "".join(_figure_html(f, lang) for f in slide.figures)
            + "</div>",
            unsafe_allow_html=True,
        )
        if slide.chart is not None:
            chart = go.Figure(slide.chart)  # a copy: the slide is cached
            chart.update_layout(height=CHART_HEIGHT["many" if len(slide.figures) > 2 else "few"])
            st.plotly_chart(
                chart,
                width="stretch",
                config={"displayModeBar": False},
                key="rm.present.chart",
            )
        elif slide.items:
            st.markdown(_items_html(slide.items, lang), unsafe_allow_html=True)


def _navigation(s, number: int, lang: str, prev_col, count_col, next_col, exit_col) -> None:
    """◀ n/6 ▶ and the way out; keyboard: Left/Right arrows, PageUp/PageDown."""

    with prev_col:
        st.button(
            "◀ " + t("present.prev", lang),
            key=KEY_PREV,
            on_click=_go,
            args=(number - 1,),
            disabled=number == 1,
            shortcut="Left",
            width="stretch",
        )
    with count_col:
        st.markdown(
            f"<div class='rm-present-count'>{number} / {len(SLIDES)}</div>", unsafe_allow_html=True
        )
    with next_col:
        st.button(
            t("present.next", lang) + " ▶",
            key=KEY_NEXT,
            on_click=_go,
            args=(number + 1,),
            disabled=number == len(SLIDES),
            shortcut="Right",
            width="stretch",
            type="primary",
        )
    with exit_col:
        back = replace(s, present=False, slide=None)
        st.page_link(
            str(settings.PROJECT_ROOT / "pages" / "bureau.py"),
            label=t("present.exit", lang),
            query_params=to_query_params(back),
        )
    # presentation clickers send PageUp / PageDown: hidden buttons carry those shortcuts
    st.button("PageUp", key=KEY_PAGE_UP, on_click=_go, args=(number - 1,), shortcut="PageUp")
    st.button("PageDown", key=KEY_PAGE_DOWN, on_click=_go, args=(number + 1,), shortcut="PageDown")


def _downloads(
    kind: str,
    code: str,
    lang: str,
    png: bytes,
    number: int,
    fiscal_year: int | None = None,
    theme_ids: tuple[str, ...] = (),
    figure: str | None = None,
) -> None:
    """The area's PDF handout (built when clicked, with the dashboard's filters and the
    chosen public ``figure``) and the map PNG."""

    area = common.resolve_area(kind, code)
    pdf_col, png_col, _ = st.columns([1, 1, 1])
    with pdf_col:
        st.download_button(
            t("present.download.pdf", lang),
            data=lambda: handout.build_handout(
                kind,
                code,
                lang=lang,
                fiscal_year=fiscal_year,
                theme_ids=list(theme_ids),
                figure=figure,
            ),
            file_name=area.filename(lang),
            mime="application/pdf",
            key="rm.present.pdf",
            icon=":material/picture_as_pdf:",
        )
    with png_col:
        st.download_button(
            t("present.download.png", lang),
            data=png,
            file_name=area.filename(lang).removesuffix(".pdf") + f"-slide{number}.png",
            mime="image/png",
            key="rm.present.png",
            icon=":material/map:",
        )


def _area_links(lang: str) -> None:
    b = reference.bureaus()
    for region in reference.regions().sort_values("sort_order").itertuples():
        cols = st.columns(6)
        with cols[0]:
            st.page_link(
                _present_page(),
                label=t(
                    "filter.area.region",
                    lang,
                    name=getattr(region, i18n.col("name", lang)),
                ),
                query_params={"present": "1", "region": region.region_id, "lang": lang},
            )
        for i, row in enumerate(b[b["region_code"] == region.region_code].itertuples(), start=1):
            with cols[i]:
                st.page_link(
                    _present_page(),
                    label=getattr(row, i18n.col("name", lang)),
                    query_params={"present": "1", "bureau": row.bureau_id, "lang": lang},
                )
