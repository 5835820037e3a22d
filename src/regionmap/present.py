"""Presentation mode: a bureau or region as a sequence of full-screen slides.

For round-table meetings: ``?present=1&bureau=sorachi`` on any page (or the
``present`` page) shows the area as slides, in large type, with the sidebar,
header and filter widgets hidden:

1. area overview, 2. priority projects, 3. staff dispatch, 4. settlement
support, 5. evacuees, 6. proposals and the departments' responses.

Each slide has a map zoomed to the area with its municipalities' names (a PNG
drawn on the server by :func:`regionmap.report.map_png`: no tile server, no
WebGL, no web font), three to five headline figures with fiscal year and
source, at most one chart, and the sample notice when a figure is sample.
Slides move with the ◀/▶ buttons and with the keyboard: the arrow keys and
PageUp/PageDown that presentation clickers send (Streamlit's own button
shortcuts; nothing is fetched from the network).

The slide number lives in the URL (``slide=3``), so a link opens a given slide.
The content of a slide is built by :func:`build_slide`, a plain function
(tested directly); :func:`run` lays it out with Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import i18n, reference
from regionmap.charts import ACCENT, format_delta, format_number
from regionmap.i18n import fy_text, month_text, t

#: The slides, in order.
SLIDES: tuple[str, ...] = (
    "overview",
    "projects",
    "dispatch",
    "settlement",
    "evacuees",
    "proposals",
)
#: The metric each slide's map colours the municipalities by (None: the area plainly).
MAP_METRIC: dict[str, str | None] = {
    "overview": None,
    "projects": None,
    "dispatch": "dispatch",
    "settlement": "sites",
    "evacuees": "evacuees",
    "proposals": None,
}
#: Keys of the navigation buttons (Streamlit adds the class ``st-key-rm-present-next`` etc.,
#: dots as hyphens, to their containers).
KEY_PREV, KEY_NEXT = "rm.present.prev", "rm.present.next"
KEY_PAGE_UP, KEY_PAGE_DOWN = "rm.present.pgup", "rm.present.pgdn"
#: Most bullet items a slide lists (the rest is counted in a last line).
MAX_ITEMS = 4
#: Longest detail line under a bullet item.
DETAIL_CHARS = 110
#: Longest source text printed under a figure (the whole text is its tooltip).
SOURCE_CHARS = 48


@dataclass(frozen=True)
class Figure:
    """One headline figure of a slide, with what it needs to be read correctly."""

    label: str
    value: str  # formatted, with its unit
    fiscal_year: str  # "2016年度" / "FY2016" / "2016年3月"
    source: str
    is_sample: bool
    delta: str | None = None  # change on the year before, formatted


@dataclass(frozen=True)
class Slide:
    """The content of one slide."""

    key: str
    number: int  # 1-based
    title: str
    area_title: str
    figures: tuple[Figure, ...]
    chart: Any | None  # a plotly figure
    map_metric: str | None
    items: tuple[tuple[str, str], ...]  # (heading, detail) bullets
    sample: bool


def clamp_slide(slide: int | None) -> int:
    """A slide number within 1..len(SLIDES) (None -> 1)."""
    if slide is None:
        return 1
    return min(max(int(slide), 1), len(SLIDES))


# --- content ------------------------------------------------------------------------------


def _year_or_latest(metric: str, fiscal_year: int | None, con) -> int | None:
    from regionmap import database

    if fiscal_year is None:
        return None
    return fiscal_year if fiscal_year in database.fiscal_years(metric, con=con) else None


def _headline_figure(
    metric: str, area, lang: str, fiscal_year: int | None, theme_ids, con, label: str | None = None
) -> Figure:
    from regionmap import database

    h = database.headline(
        metric,
        fiscal_year=_year_or_latest(metric, fiscal_year, con),
        theme_ids=list(theme_ids) or None,
        con=con,
        **area.filters(),
    )
    unit = h[i18n.col("unit", lang)]
    covered = bool(h.get("theme_match", True))  # else "—", never 0 (as on the pages)
    delta = None
    if covered and h.get("previous") is not None:
        delta = format_delta(h["value"] - h["previous"], h["unit_ja"], lang)
    return Figure(
        label=label or t(f"metric.{metric}", lang),
        value=format_number(h["value"] if covered else None, unit, lang),
        fiscal_year=fy_text(h.get("fiscal_year"), lang),
        source=h[i18n.col("source", lang)],
        is_sample=covered and bool(h["is_sample"]),
        delta=delta,
    )


def _plain_figure(label: str, value: str, source: str, fy: str = "") -> Figure:
    return Figure(label=label, value=value, fiscal_year=fy, source=source, is_sample=False)


def _style_chart(fig, lang: str):
    fig.update_layout(
        font={"size": 18},
        title={"font": {"size": 22}},
        margin={"l": 10, "r": 20, "t": 60, "b": 40},
        height=380,
        plot_bgcolor="white",
        legend={"font": {"size": 16}},
    )
    return fig


def build_slide(
    area_kind: str,
    code: str,
    key: str,
    lang: str = "ja",
    *,
    fiscal_year: int | None = None,
    theme_ids: tuple[str, ...] = (),
    con=None,
) -> Slide:
    """The content of slide ``key`` for a bureau or region.

    Parameters
    ----------
    area_kind, code : str
        ``"bureau"``/``"region"`` and its code or id (as :func:`regionmap.report.resolve_area`).
    key : str
        One of :data:`SLIDES`.
    fiscal_year : int, optional
        The year to show where a figure has it (else the latest).
    theme_ids : tuple of str
        The policy-theme filter of the dashboard.
    """
    import plotly.graph_objects as go

    from regionmap import database, report

    if key not in SLIDES:
        raise ValueError(f"unknown slide {key!r}; one of {', '.join(SLIDES)}")
    area = report.resolve_area(area_kind, code)
    f = area.filters()
    themes = list(theme_ids) or None
    doc_source = t("present.source.document", lang)
    ref_source = t("present.source.reference", lang)
    figures: list[Figure] = []
    items: list[tuple[str, str]] = []
    chart = None
    sample = False

    if key == "overview":
        munis = reference.municipalities()
        col = "bureau_code" if area.kind == "bureau" else "region_code"
        n = int(((munis[col] == area.code) & (munis["kind"] == "municipality")).sum())
        figures.append(
            _plain_figure(
                t("present.fig.municipalities", lang), format_number(n, "市町村", lang), ref_source
            )
        )
        for metric in ("priority_projects", "proposals", "dispatch", "evacuees"):
            figures.append(_headline_figure(metric, area, lang, fiscal_year, theme_ids, con))
        if area.kind == "region":
            b = reference.bureaus()
            members = [
                f"{getattr(row, i18n.col('name', lang))}（{row.seat_ja}）"
                for row in b[b["region_code"] == area.code].itertuples()
            ]
            items.append(
                (
                    t("present.bureaus", lang),
                    i18n.join(members, lang),
                )
            )

        else:
            b = reference.bureaus().set_index("bureau_code").loc[area.code]
            items.append(
                (
                    str(b[i18n.col("kind", lang)]),
                    t("present.seat", lang, seat=b["seat_ja"]),
                )
            )
    elif key == "projects":
        pp = database.priority_projects(theme_ids=themes, con=con, **f)
        bp = database.bureau_projects(theme_ids=themes, con=con, **f)
        figures.append(
            _headline_figure("priority_projects", area, lang, fiscal_year, theme_ids, con)
        )
        figures.append(
            _plain_figure(
                t("present.fig.bureau_projects", lang),
                format_number(len(bp), "件", lang),
                doc_source,
                fy_text(database.DOCUMENT_FISCAL_YEAR, lang),
            )
        )
        directions = pp[i18n.col("direction_name", lang)].dropna().nunique()
        figures.append(
            _plain_figure(
                t("present.fig.directions", lang),
                format_number(directions, "", lang),
                doc_source,
                fy_text(database.DOCUMENT_FISCAL_YEAR, lang),
            )
        )
        for r in pp.to_dict("records"):
            items.append(
                (r[f"title_{lang}"] or r["title_ja"], r.get(f"direction_name_{lang}") or "")
            )
        for r in bp.to_dict("records"):
            items.append((r[f"text_{lang}"] or r["text_ja"], t("present.bureau_project", lang)))
    elif key == "dispatch":
        figures.append(_headline_figure("dispatch", area, lang, fiscal_year, theme_ids, con))
        d = database.dispatches(theme_ids=themes, con=con, **f)
        if not d.empty:
            fy = (
                int(d["fiscal_year"].max())
                if fiscal_year not in set(d["fiscal_year"])
                else fiscal_year
            )
            this = d[d["fiscal_year"] == fy]
            src = str(this[i18n.col("source", lang)].iloc[0]) if len(this) else ""
            smp = bool(this["is_sample"].any())
            figures.append(
                Figure(
                    t("present.fig.dispatch_munis", lang),
                    format_number(this["municipality_code"].nunique(), "市町村", lang),
                    fy_text(fy, lang),
                    src,
                    smp,
                )
            )
            regional = this[this["kind"] == "regional"]
            figures.append(
                Figure(
                    t("present.fig.dispatch_regional", lang),
                    format_number(int(regional["persons"].sum()), "人", lang),
                    fy_text(fy, lang),
                    src,
                    smp,
                )
            )
            # by kind id: the chart names each kind and gives it its one colour
            trend = d.pivot_table(
                index="fiscal_year", columns="kind", values="persons", aggfunc="sum"
            ).fillna(0)
            chart = report._dispatch_figure(report.kinds_in_order(trend, "dispatch"), lang)
            chart.update_layout(barmode="stack", title=t("present.chart.dispatch", lang))
            sample |= bool(d["is_sample"].any())
    elif key == "settlement":
        figures.append(_headline_figure("sites", area, lang, fiscal_year, theme_ids, con))
        s = database.sites(
            fiscal_year=_year_or_latest("sites", fiscal_year, con), theme_ids=themes, con=con, **f
        )
        if not s.empty:
            src = str(s[i18n.col("source", lang)].iloc[0])
            smp = bool(s["is_sample"].any())
            site_fy = figures[0].fiscal_year
            figures.append(
                Figure(
                    t("present.fig.site_munis", lang),
                    format_number(s["municipality_code"].nunique(), "市町村", lang),
                    site_fy,
                    src,
                    smp,
                )
            )
            figures.append(
                Figure(
                    t("present.fig.site_kinds", lang),
                    format_number(s["kind"].nunique(), "", lang),
                    site_fy,
                    src,
                    smp,
                )
            )
            kind_col = i18n.col("kind", lang)
            by_kind = s.groupby(kind_col).size().sort_values(ascending=True)
            chart = go.Figure(
                go.Bar(
                    x=by_kind.tolist(), y=list(by_kind.index), orientation="h", marker_color=ACCENT
                )
            )
            chart.update_layout(title=t("present.chart.sites", lang), showlegend=False)
            sample |= smp
    elif key == "evacuees":
        figures.append(_headline_figure("evacuees", area, lang, fiscal_year, theme_ids, con))
        e = database.evacuees(theme_ids=themes, con=con, **f)
        if not e.empty:
            monthly = e.groupby("month")["persons"].sum().sort_index()
            last = pd.Timestamp(monthly.index[-1])
            src = str(e[i18n.col("source", lang)].iloc[0])
            smp = bool(e["is_sample"].any())
            last_month = month_text(last, lang, numeric=True)
            year_before = last - pd.DateOffset(years=1)
            if year_before in monthly.index:
                figures.append(
                    Figure(
                        t("present.fig.evacuees_year_before", lang),
                        format_number(int(monthly[year_before]), "人", lang),
                        month_text(year_before, lang, numeric=True),
                        src,
                        smp,
                    )
                )
            latest = e[e["month"] == monthly.index[-1]]
            top = (
                latest.groupby("municipality_name_ja")["persons"].sum().sort_values(ascending=False)
            )
            if len(top):
                figures.append(
                    Figure(
                        t("present.fig.evacuees_top", lang, name=top.index[0]),
                        format_number(int(top.iloc[0]), "人", lang),
                        last_month,
                        src,
                        smp,
                    )
                )
            x = [pd.Timestamp(m).strftime("%Y-%m") for m in monthly.index]
            chart = go.Figure(
                go.Scatter(x=x, y=monthly.tolist(), mode="lines+markers", line={"color": ACCENT})
            )
            chart.update_layout(
                title=t("present.chart.evacuees", lang), yaxis={"rangemode": "tozero"}
            )
            sample |= smp
    elif key == "proposals":
        p = database.proposals(theme_ids=themes, con=con, **f)
        figures.append(_headline_figure("proposals", area, lang, fiscal_year, theme_ids, con))
        n_measures = int(p["measure_count"].sum()) if len(p) else 0
        depts = {
            m.get(i18n.col("department", lang))
            for ms in (p["measures"] if len(p) else [])
            for m in ms
        }
        fy = fy_text(database.DOCUMENT_FISCAL_YEAR, lang)
        figures.append(
            _plain_figure(
                t("present.fig.measures", lang),
                format_number(n_measures, "件", lang),
                doc_source,
                fy,
            )
        )
        figures.append(
            _plain_figure(
                t("present.fig.departments", lang),
                format_number(len(depts - {None}), "", lang),
                doc_source,
                fy,
            )
        )
        for r in p.to_dict("records"):
            responses = "／".join(
                f"{m.get(i18n.col('department', lang))}: "
                f"{m.get(i18n.col('text', lang)) or m.get('text_ja')}"
                for m in r["measures"]
            )
            items.append(
                (r[f"title_{lang}"] or r["title_ja"], responses or t("present.no_response", lang))
            )

    if chart is not None:
        chart = _style_chart(chart, lang)
    sample |= any(fig.is_sample for fig in figures)
    return Slide(
        key=key,
        number=SLIDES.index(key) + 1,
        title=t(f"present.slide.{key}", lang),
        area_title=area.title(lang),
        figures=tuple(figures[:5]),
        chart=chart,
        map_metric=MAP_METRIC[key],
        items=tuple(items),
        sample=sample,
    )


# --- Streamlit ----------------------------------------------------------------------------

#: Large type, full width, no sidebar, header, toolbar or footer; the PageUp/PageDown
#: buttons exist only for their keyboard shortcuts.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
footer, #MainMenu { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  max-width: 100% !important; padding: 1.2rem 2.4rem 1rem 2.4rem !important; }
div.rm-present-area { font-size: 1.5rem; color: #555; margin: 0; line-height: 1.3; }
div.rm-present-title { font-size: 3.0rem; font-weight: 700; line-height: 1.15; margin: 0 0 0.4rem 0; }
.rm-present-fig { border-left: 6px solid #00224e; padding: 0.1rem 0 0.1rem 0.9rem; margin: 0 0 0.8rem 0; }
.rm-present-fig .l { font-size: 1.35rem; color: #444; }
.rm-present-fig .v { font-size: 2.7rem; font-weight: 700; line-height: 1.1; }
.rm-present-fig .d { font-size: 1.25rem; color: #444; margin-left: 0.6rem; }
.rm-present-fig .m { font-size: 1.0rem; color: #666; }
.rm-present-sample { background: #b35806; color: #fff; font-size: 1.0rem; padding: 0.05rem 0.5rem;
  border-radius: 3px; margin-left: 0.5rem; vertical-align: middle; }
.rm-present-items { font-size: 1.45rem; line-height: 1.45; }
.rm-present-items li { margin-bottom: 0.4rem; }
.rm-present-items .x { font-size: 1.1rem; color: #555; }
.rm-present-count { font-size: 1.4rem; text-align: center; padding-top: 0.3rem; }
[data-testid="stImage"] img { max-height: 72vh; object-fit: contain; }
.st-key-rm-present-pgup, .st-key-rm-present-pgdn { display: none !important; }
</style>
"""


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


def _figure_html(fig: Figure, lang: str) -> str:
    sample = (
        f"<span class='rm-present-sample'>{_esc(t('present.sample', lang))}</span>"
        if fig.is_sample
        else ""
    )
    delta = (
        f"<span class='d'>{_esc(t('fig.change', lang, delta=fig.delta))}</span>"
        if fig.delta
        else ""
    )
    source = fig.source if len(fig.source) <= SOURCE_CHARS else fig.source[: SOURCE_CHARS - 1] + "…"
    meta = " ・ ".join(x for x in (fig.fiscal_year, t("fig.source", lang, source=source)) if x)
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


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_slide(area_kind, code, key, lang, fiscal_year, theme_ids, db_version) -> Slide:
    """:func:`build_slide` cached with every input and the database version."""
    return build_slide(area_kind, code, key, lang, fiscal_year=fiscal_year, theme_ids=theme_ids)


def layers_key() -> tuple[str, bool]:
    """What a drawn map depends on besides the database: the boundary layers' build
    (manifest checksum + built_at) and the ``hide_northern_territories`` setting."""
    from regionmap import settings
    from regionmap.geo import manifest

    try:
        m = manifest(settings.get("geo_dir"))
        build = f"{m.get('checksum', '')}/{m.get('built_at', '')}"
    except Exception:  # noqa: BLE001 - no layers: the map cannot be drawn anyway
        build = ""
    return build, bool(settings.get("hide_northern_territories"))


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_map(
    area_kind, code, metric, lang, fiscal_year, theme_ids, db_version, layers=("", False)
) -> bytes:
    """The slide's map as PNG (drawn on the server: no tiles, no WebGL, no web fonts).

    ``db_version`` and ``layers`` (:func:`layers_key`) are only cache keys.
    """
    from regionmap import report

    return report.map_png(
        area_kind,
        code,
        metric,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids) or None,
        lang=lang,
        width=1400,
        height=1050,
        type_scale=1.5,
    )


def route(ctx, page) -> None:
    """From any page, ``?present=1`` opens the presentation page (with the same URL state)."""
    from regionmap.state import to_query_params

    if ctx.state.present and getattr(page, "url_path", "") != "present":
        st.switch_page(_present_page(), query_params=to_query_params(ctx.state))


def _present_page():
    from regionmap import settings

    return str(settings.PROJECT_ROOT / "pages" / "present.py")


def _go(number: int) -> None:
    from regionmap import ui

    ctx = ui.context()
    ui.set_state(replace(ctx.state, present=True, slide=clamp_slide(number)))


def run(ctx) -> None:
    """Lay out the current slide of the state's bureau or region (the ``present`` page)."""
    from regionmap import ui

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
    slide = _cached_slide(
        kind, code, SLIDES[number - 1], lang, s.fiscal_year, s.theme_ids, ui.db_version()
    )

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
        png = _cached_map(
            kind,
            code,
            slide.map_metric,
            lang,
            s.fiscal_year,
            s.theme_ids,
            ui.db_version(),
            layers_key(),
        )
        st.image(png, width="stretch")
        st.caption(t("map.credit", lang))
        if slide.sample:
            ui.sample_notice(lang)
        _downloads(kind, code, lang, png, number, s.fiscal_year, s.theme_ids)
    with right:
        st.markdown("".join(_figure_html(f, lang) for f in slide.figures), unsafe_allow_html=True)
        if slide.chart is not None:
            st.plotly_chart(
                slide.chart,
                width="stretch",
                config={"displayModeBar": False},
                key="rm.present.chart",
            )
        elif slide.items:
            st.markdown(_items_html(slide.items, lang), unsafe_allow_html=True)


def _navigation(s, number: int, lang: str, prev_col, count_col, next_col, exit_col) -> None:
    """◀ n/6 ▶ and the way out; keyboard: Left/Right arrows, PageUp/PageDown."""
    from regionmap import settings
    from regionmap.state import to_query_params

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
) -> None:
    """The area's PDF handout (built when clicked, with the dashboard's filters) and the map PNG."""
    from regionmap import report

    area = report.resolve_area(kind, code)
    pdf_col, png_col, _ = st.columns([3, 3, 4])
    with pdf_col:
        st.download_button(
            t("present.download.pdf", lang),
            data=lambda: report.build_handout(
                kind, code, lang=lang, fiscal_year=fiscal_year, theme_ids=list(theme_ids)
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
