"""The A4 landscape PDF handout of a bureau or region (fpdf2, with the OS's Noto Sans CJK
embedded as a subset, so the text stays selectable), and its command line
``python -m regionmap report --bureau CODE|--region CODE|--all --out DIR``.
"""

from __future__ import annotations

import io
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fpdf.enums import TextMode

from regionmap import content, db, figures, geo, i18n, reference
from regionmap.fonts import FontNotFoundError, find_japanese_font
from regionmap.geo.layers import manifest
from regionmap.maps import labels, scales
from regionmap.maps.areas import AreaView
from regionmap.render import headline
from regionmap.render.chartimage import (
    chart_image,
    dispatch_figure,
    evacuee_figure,
    kinds_in_order,
    sites_figure,
)
from regionmap.render.common import (
    Area,
    UnknownAreaError,
    all_areas,
    lang_value,
    resolve_area,
)
from regionmap.render.mapimage import A4_LANDSCAPE, map_image, map_spec, place_names
from regionmap.style import INK, MISSING, MUTED, SAMPLE, format_number

#: The figure that colours the municipalities on the handout's map.
MAP_METRIC = "dispatch"


# ---------------------------------------------------------------------------
# Data: everything a handout shows, from regionmap.db
# ---------------------------------------------------------------------------


@dataclass
class HandoutData:
    area: Area
    lang: str
    headlines: dict[str, dict] = field(default_factory=dict)
    municipal_values: pd.DataFrame | None = None
    priority_projects: pd.DataFrame | None = None
    proposals: pd.DataFrame | None = None
    bureau_projects: pd.DataFrame | None = None
    dispatch_trend: pd.DataFrame | None = None  # fiscal_year x kind -> persons
    evacuee_trend: pd.Series | None = None  # month -> persons
    sites_by_kind: pd.Series | None = None
    sample_charts: set[str] = field(default_factory=set)  # charts drawn from sample rows
    sources: list[str] = field(default_factory=list)
    data_as_of: str = ""
    updated_on: str = ""
    boundary_vintage: str = ""
    theme_names: list[str] = field(default_factory=list)  # the policy-theme filter, if any
    any_sample: bool = False
    #: the dashboard's chosen public figure (財政力指数) as its municipal median, if chosen
    public: headline.PublicMedian | None = None


def collect(
    area: Area,
    lang: str,
    con,
    fiscal_year: int | None = None,
    theme_ids: list[str] | tuple[str, ...] | None = None,
    figure: str | None = None,
) -> HandoutData:

    f = area.filters()
    themes = list(theme_ids) if theme_ids else None

    def year(metric: str) -> int | None:  # the chosen year where the metric has it, else latest
        if fiscal_year is None:
            return None
        return fiscal_year if fiscal_year in db.fiscal_years(metric, con=con) else None

    data = HandoutData(area, lang)
    if themes:
        names = db.themes(con=con).set_index("theme_id")[i18n.col("name", lang)]
        data.theme_names = [str(names.get(th, th)) for th in themes]
    sources: list[str] = []
    for metric in figures.ids():
        h = dict(db.headline(metric, fiscal_year=year(metric), theme_ids=themes, con=con, **f))
        data.headlines[metric] = h
        src = lang_value(h, "source", lang)
        if src and src not in sources:
            sources.append(src)
        data.any_sample |= bool(h.get("is_sample"))
    if figure in figures.public_ids():  # the chosen public figure: its median, never a sum
        data.public = headline.public_median(figure, area, lang, fiscal_year, con)
        if data.public.source not in sources:
            sources.append(data.public.source)
    data.municipal_values = db.metric_by_area(
        MAP_METRIC,
        level="municipality",
        fiscal_year=year(MAP_METRIC),
        theme_ids=themes,
        con=con,
        **f,
    )
    data.priority_projects = db.priority_projects(theme_ids=themes, con=con, **f)
    data.proposals = db.proposals(theme_ids=themes, con=con, **f)
    data.bureau_projects = db.bureau_projects(theme_ids=themes, con=con, **f)

    disp = db.dispatches(theme_ids=themes, con=con, **f)
    if not disp.empty:
        value_col = _first_col(disp, ("persons", "value", "count"))
        trend = (
            disp.pivot_table(index="fiscal_year", columns="kind", values=value_col, aggfunc="sum")
            .fillna(0)
            .sort_index()
        )
        data.dispatch_trend = kinds_in_order(trend, "dispatch")
        if disp["is_sample"].any():
            data.sample_charts.add("dispatch")
    ev = db.evacuees(theme_ids=themes, con=con, **f)
    if not ev.empty:
        value_col = _first_col(ev, ("persons", "value", "count"))
        month_col = _first_col(ev, ("month", "as_of", "date"))
        data.evacuee_trend = ev.groupby(month_col)[value_col].sum().sort_index()
        if ev["is_sample"].any():
            data.sample_charts.add("evacuees")
    st = db.sites(fiscal_year=year("sites"), theme_ids=themes, con=con, **f)
    if not st.empty:
        kind_col = _first_col(st, (f"kind_{lang}", "kind_ja", "kind"))
        data.sites_by_kind = st.groupby(kind_col).size().sort_values(ascending=False)
        if st["is_sample"].any():
            data.sample_charts.add("sites")

    data.any_sample |= bool(data.sample_charts)
    data.sources = sources
    data.data_as_of = _data_as_of(data, lang)
    data.updated_on = _updated_on(con)
    data.boundary_vintage = _boundary_vintage()
    return data


def _first_col(df: pd.DataFrame, names: tuple[str, ...]) -> str:
    for n in names:
        if n in df.columns:
            return n
    raise KeyError(f"none of the columns {names} in {list(df.columns)}")


def _data_as_of(data: HandoutData, lang: str) -> str:
    """Which period each figure is of: "2015年度（重点プロジェクト・政策提案）、2016年3月（避難者）"."""
    groups: dict[str, list[str]] = {}
    for metric, h in data.headlines.items():
        if metric == "evacuees" and data.evacuee_trend is not None and len(data.evacuee_trend):
            when = i18n.month_text(data.evacuee_trend.index[-1], lang)
        else:
            when = i18n.fy_text(h.get("fiscal_year"), lang)
        if when:
            groups.setdefault(when, []).append(i18n.t(f"report.short.{metric}", lang))
    return i18n.join(
        (
            i18n.punct(
                "report.when_what", lang, when=w, what=i18n.join(m, lang, "report.event_items")
            )
            for w, m in groups.items()
        ),
        lang,
        "report.events",
    )


def _boundary_vintage() -> str:
    """Date of the boundary data the layers were built from (``geo.manifest()``)."""

    try:
        return str(manifest().get("vintage") or "")
    except (FileNotFoundError, ValueError):
        return ""


def _updated_on(con) -> str:
    """Day the database was last changed (init or import), from its history."""

    try:
        hist = db.read_table("import_history", con=con)
        return str(hist["created_at"].dropna().max())[:10]
    except Exception:  # an older or foreign database: say nothing rather than fail
        return ""


# ---------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------

FONT = "jp"


def _new_pdf(lang: str, footer_lines: list[str]):
    from fpdf import FPDF

    class Handout(FPDF):
        def footer(self):  # noqa: D401 - fpdf hook
            self.set_y(-34)
            self.set_font(FONT, "", 6.5)
            self.set_text_color(90, 90, 90)
            for line in footer_lines:
                self.set_x(28)
                self.cell(700, 8.5, line, new_x="LEFT", new_y="NEXT")
            self.set_xy(-128, -34)
            self.cell(100, 8.5, i18n.page_number(self.page_no(), lang), align="R")

    pdf = Handout(orientation="L", unit="pt", format="A4")
    regular = find_japanese_font(False)
    bold = find_japanese_font(True)
    pdf.add_font(FONT, "", regular.path, collection_font_number=regular.index)
    pdf.add_font(FONT, "B", bold.path, collection_font_number=bold.index)
    pdf.set_margins(28, 24, 28)
    pdf.set_auto_page_break(True, margin=44)
    pdf.set_lang(i18n.pick(("ja", "en"), lang))  # the PDF's language code
    pdf.alias_nb_pages()
    return pdf


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _header(pdf, data: HandoutData, continued: bool = False) -> None:
    area = data.area
    pdf.set_fill_color(37, 52, 148)
    pdf.rect(0, 0, A4_LANDSCAPE[0], 6, style="F")
    pdf.set_xy(28, 16)
    pdf.set_text_color(*INK)
    title = area.title(data.lang)
    title += i18n.punct("report.title", data.lang) + i18n.t("report.handout", data.lang)
    if continued:
        title += i18n.t("report.continued", data.lang)
    as_of = i18n.t("report.data_as_of", data.lang, when=data.data_as_of or MISSING)
    days = i18n.t("report.made_on", data.lang, day=date.today().isoformat())
    if data.updated_on:
        days = i18n.t("report.updated_on", data.lang, day=data.updated_on) + "　" + days
    # right: data date and the day it was made; the title takes what is left
    pdf.set_font(FONT, "", 7.5)
    right_w = max(pdf.get_string_width(as_of), pdf.get_string_width(days)) + 4
    room = 786 - right_w - 14
    size = 18.0 if not continued else 13.0
    pdf.set_font(FONT, "B", size)
    while pdf.get_string_width(title) > room and size > 10:
        size -= 0.5
        pdf.set_font(FONT, "B", size)
    pdf.set_xy(28, 16)
    pdf.set_text_color(*INK)
    pdf.cell(room, 24 if not continued else 18, title)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(814 - right_w, 14)
    pdf.cell(right_w, 10, as_of, align="R")
    pdf.set_xy(814 - right_w, 25)
    pdf.cell(right_w, 10, days, align="R")
    if continued:
        pdf.set_y(44)
        return
    # sub line: region / municipalities / seat or member bureaus
    pdf.set_xy(28, 42)
    pdf.set_font(FONT, "", 9)
    munis = reference.municipalities()
    col = "bureau_code" if area.kind == "bureau" else "region_code"
    n = int(((munis[col] == area.code) & (munis["kind"] == "municipality")).sum())
    parts = []
    if area.kind == "bureau":
        reg = reference.regions().set_index("region_code").loc[area.region_code]
        reg_name = reg[i18n.col("name", data.lang)]
        parts.append(i18n.t("report.region_of", data.lang, name=reg_name))
        parts.append(i18n.t("report.municipalities", data.lang, n=n))
        parts.append(i18n.t("report.seat", data.lang, seat=area.seat(data.lang)))
    else:
        b = reference.bureaus().set_index("bureau_code")
        names = [b.loc[c, i18n.col("name", data.lang)] for c in area.bureau_codes]
        parts.append(i18n.t("report.municipalities", data.lang, n=n))
        parts.append(
            i18n.t(
                "report.bureaus_in",
                data.lang,
                names=i18n.join(names, data.lang),
            )
        )
    if data.theme_names:
        themes = i18n.join(data.theme_names, data.lang)
        parts.append(i18n.t("report.themes", data.lang, names=themes))
    pdf.cell(780, 12, i18n.join(parts, data.lang, "report.dot"))
    y = 58
    # the document's own figures first (all Hokkaido, in its units, with their source)
    pdf.set_xy(28, y)
    pdf.set_font(FONT, "B", 7.5)
    pdf.set_text_color(*INK)
    pdf.cell(786, 10, _fit_text(pdf, document_figures_line(data.lang), 786))
    y += 14
    if data.any_sample:
        pdf.set_fill_color(254, 240, 217)
        pdf.set_draw_color(*SAMPLE)
        pdf.rect(28, y, 786, 16, style="DF")
        pdf.set_xy(32, y + 2)
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_text_color(*SAMPLE)
        pdf.cell(778, 12, i18n.t("report.sample_notice", data.lang))
        y += 20
    pdf.set_y(y)


def _draw_map(pdf, data: HandoutData, x: float, y: float, w: float, h: float) -> None:
    shown = data.headlines.get(MAP_METRIC, {})
    # a theme that covers nothing of it, or nothing imported: no figure on the map, never 0
    covered = shown.get("theme_match", True) and shown.get("has_figures", True)
    view = AreaView.of_area(data.area.kind, data.area.code)
    spec = map_spec(view, MAP_METRIC, data.municipal_values, data.lang, covered=covered)
    title_h = 14
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(w - 60, title_h, spec.title)
    if spec.sample:
        _sample_tag(pdf, x + w - 44, y + 1, data.lang)
    my, mh = y + title_h + 2, h - title_h - 2
    png, extent = map_image(spec, w, mh)
    pdf.image(io.BytesIO(png), x, my, w, mh, alt_text=spec.alt)  # the map in words
    pdf.set_draw_color(200, 200, 200)
    pdf.rect(x, my, w, mh)

    # legend, bottom-left (the names keep off it)
    legend_box: tuple[tuple[float, float, float, float], ...] = ()
    lh = 10
    lx, ly = x + 6, my + mh - 6 - lh * len(spec.legend)
    if spec.legend:
        pdf.set_font(FONT, "", 6.5)
        lw = max(pdf.get_string_width(s) for _c, s in spec.legend) + 22
        legend_box = ((lx - 3, ly - 3, lx - 3 + lw, ly + 2 + lh * len(spec.legend)),)
    # the names, as real text (selectable, crisp when printed), on a white halo: the same
    # rule as every map (regionmap.maps.labels); the neighbouring bureaus' in grey
    fs = 6.5 if len(spec.names) <= 30 else 5.2
    placement = place_names(spec, extent, (x, my, x + w, my + mh), fs, obstacles=legend_box)
    pdf.set_font(FONT, "B", fs)
    for p in placement.placed:
        px, py = (p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2
        tw = pdf.get_string_width(p.text)
        tx, ty = px - tw / 2, py + fs * 0.35
        if p.leader:  # a line from the area to the name, on a plate in the sea
            ax_, ay_ = _page_point(p.anchor, spec, extent, (x, my, w, mh))
            pdf.set_draw_color(*scales.LEADER_LINE)
            pdf.set_line_width(0.5)
            pdf.line(ax_, ay_, px, py)
            pdf.set_fill_color(*scales.LABEL_HALO)
            pdf.rect(*p.box[:2], p.box[2] - p.box[0], p.box[3] - p.box[1], style="DF")
        else:  # the halo: the text's outline in white, under the text
            with pdf.local_context(text_mode=TextMode.STROKE, line_width=2 * labels.HALO_EM * fs):
                pdf.set_draw_color(*scales.LABEL_HALO)
                pdf.text(tx, ty, p.text)
        pdf.set_text_color(*(scales.CONTEXT_INK if p.style == "context" else scales.LABEL_INK))
        pdf.text(tx, ty, p.text)
    # legend, bottom-left
    if spec.legend:
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(210, 210, 210)
        bx0, by0, bx1, by1 = legend_box[0]
        pdf.rect(bx0, by0, bx1 - bx0, by1 - by0, style="DF")
        pdf.set_font(FONT, "", 6.5)
        for i, (colour, text) in enumerate(spec.legend):
            pdf.set_fill_color(*_hex(colour))
            pdf.set_draw_color(150, 150, 150)
            pdf.rect(lx, ly + i * lh, 12, 7, style="DF")
            pdf.set_text_color(*INK)
            pdf.text(lx + 16, ly + i * lh + 6, text)
    # credit under the map
    pdf.set_font(FONT, "", 6)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x, my + mh + 1)
    pdf.cell(w, 8, i18n.t("report.credit", data.lang))


def _page_point(lonlat, spec, extent, frame) -> tuple[float, float]:
    """Where (lon, lat) is on the page, for a map of ``extent`` drawn in ``frame`` (x, y, w, h)."""
    x, y, w, h = frame
    px, py = lonlat[0] * spec.kx, lonlat[1]
    return (
        x + (px - extent[0]) / (extent[2] - extent[0]) * w,
        y + h - (py - extent[1]) / (extent[3] - extent[1]) * h,
    )


def _sample_tag(pdf, x: float, y: float, lang: str) -> None:
    pdf.set_font(FONT, "B", 6.5)
    w = pdf.get_string_width(i18n.sample_mark(lang)) + 8
    pdf.set_fill_color(*SAMPLE)
    pdf.rect(x, y, w, 10, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(x, y)
    pdf.cell(w, 10, i18n.sample_mark(lang), align="C")


def _draw_headlines(pdf, data: HandoutData, x: float, y: float, w: float) -> float:
    """Cards of the headline figures; returns the y below them."""
    cols, gap = 2, 8
    cw = (w - gap * (cols - 1)) / cols
    ch = 64
    for i, metric in enumerate(figures.ids()):
        h = data.headlines.get(metric, {})
        cx = x + (i % cols) * (cw + gap)
        cy = y + (i // cols) * (ch + gap)
        _card_box(pdf, cx, cy, cw, ch)
        pdf.cell(cw - 60, 10, i18n.t(f"report.metric.{metric}", data.lang))
        if h.get("is_sample") and h.get("theme_match", True):
            _sample_tag(pdf, cx + cw - 44, cy + 4, data.lang)
        # value + unit
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B", 17)
        # a theme that covers nothing of the figure: "—", never 0 (as on the pages)
        value = format_number(h.get("value") if h.get("theme_match", True) else None)
        shown = h.get("theme_match", True) and h.get("has_figures", True)
        if not h.get("has_figures", True):  # nothing imported, the sample hidden: never 0
            value = i18n.t("fig.not_imported", data.lang)
        pdf.set_xy(cx + 6, cy + 15)
        vw = pdf.get_string_width(value)
        pdf.cell(vw + 2, 20, value)
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(cx + 8 + vw, cy + 21)
        unit = lang_value(h, "unit", data.lang) if shown else ""
        # a branch on purpose (grammar, not a choice of text): "1 proposal", not "1 proposals"
        if data.lang == "en" and h.get("value") == 1:
            unit = format_number(1, unit, "en").split(" ", 1)[1]
        pdf.cell(40, 12, unit)
        # fiscal year, previous year, source
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*MUTED)
        line = i18n.fy_text(h.get("fiscal_year"), data.lang)
        if h.get("previous") is not None and not (
            isinstance(h.get("previous"), float) and math.isnan(h["previous"])
        ):
            line += i18n.punct("report.gap", data.lang) + i18n.t(
                "report.previous", data.lang, value=format_number(h["previous"])
            )
        pdf.set_xy(cx + 6, cy + 36)
        pdf.cell(cw - 12, 8, line)
        src = i18n.t("report.source", data.lang, source=lang_value(h, "source", data.lang, MISSING))
        for k, line in enumerate(_wrap(pdf, src, cw - 12, 2)):
            pdf.set_xy(cx + 6, cy + 45 + k * 8)
            pdf.cell(cw - 12, 8, line)
    n = len(figures.ids())
    if data.public is not None:  # the chosen public figure in the next card's place
        cx, cy = x + (n % cols) * (cw + gap), y + (n // cols) * (ch + gap)
        _public_card(pdf, data.public, cx, cy, cw, ch)
        n += 1
    rows = math.ceil(n / cols)
    return y + rows * (ch + gap)


def _card_box(pdf, cx: float, cy: float, cw: float, ch: float) -> None:
    """A headline card's box, the pen at its title (muted, bold)."""
    pdf.set_fill_color(246, 248, 251)
    pdf.set_draw_color(215, 220, 230)
    pdf.rect(cx, cy, cw, ch, style="DF")
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "B", 7.5)
    pdf.set_xy(cx + 6, cy + 4)


def _public_card(pdf, m: headline.PublicMedian, cx: float, cy: float, cw: float, ch: float):
    """A public figure's card: what is shown (the municipal median), its value with the
    lowest–highest, its year and the publisher's credit."""
    _card_box(pdf, cx, cy, cw, ch)
    pdf.cell(cw - 12, 10, _fit_text(pdf, m.label, cw - 12))
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 14)
    pdf.set_xy(cx + 6, cy + 15)
    pdf.cell(cw - 12, 20, _fit_text(pdf, m.value, cw - 12))
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(cx + 6, cy + 36)
    pdf.cell(cw - 12, 8, m.when)
    for k, line in enumerate(_wrap(pdf, m.source, cw - 12, 2)):
        pdf.set_xy(cx + 6, cy + 45 + k * 8)
        pdf.cell(cw - 12, 8, line)


def _wrap(pdf, text: str, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines of ``width`` in the current font; ellipsis on the last."""
    from fpdf.enums import MethodReturnValue

    lines = pdf.multi_cell(width, 8, text, dry_run=True, output=MethodReturnValue.LINES)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit_text(pdf, lines[-1] + "…", width)
    return lines


def _fit_text(pdf, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _chart(pdf, figure, x: float, y: float, w: float, h: float, sample: bool, lang: str) -> None:
    """A chart: its title as PDF text (searchable), the sample mark, the plot as an image."""
    title = figure.layout.title.text or ""
    figure.update_layout(title=None)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*INK)
    pdf.set_xy(x, y)
    pdf.cell(w - 52, 12, _fit_text(pdf, title, w - 52))
    if sample:
        _sample_tag(pdf, x + w - 44, y + 1, lang)
    png = chart_image(figure, w, h - 14, legend="below")
    pdf.image(io.BytesIO(png), x, y + 14, w, h - 14)


def _section(pdf, title: str) -> None:
    if pdf.get_y() > A4_LANDSCAPE[1] - 110:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(37, 52, 148)
    pdf.cell(0, 16, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _table(
    pdf, headings: list[str], rows: list[list[str]], widths: tuple[int, ...], lang: str
) -> None:
    from fpdf.fonts import FontFace

    if not rows:
        pdf.set_font(FONT, "", 8)
        pdf.cell(0, 12, i18n.t("report.none", lang), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(210, 215, 225)
    pdf.set_line_width(0.4)
    head = FontFace(emphasis="BOLD", fill_color=(230, 235, 245))
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=10,
        headings_style=head,
        padding=2,
        repeat_headings=1,
        cell_fill_color=(248, 249, 252),
        cell_fill_mode="ROWS",
    ) as table:
        row = table.row()
        for h in headings:
            row.cell(h)
        for r in rows:
            row = table.row()
            for c in r:
                row.cell(c)


def _s(row, *names: str) -> str:
    for n in names:
        if n in row and row[n] is not None and str(row[n]) not in ("", "nan", "None", "<NA>"):
            v = row[n]
            if isinstance(v, (list, tuple, np.ndarray)):
                return "、".join(str(x) for x in v)
            return str(v)
    return ""


def _project_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"title_{lang}", "title_ja"),
            _s(r, f"direction_name_{lang}", "direction_name_ja", "direction_theme_id"),
            _s(r, f"bureau_name_{lang}", "bureau_name_ja")
            or _s(r, f"region_name_{lang}", "region_name_ja", "region_code"),
            _direction_basis(_s(r, "project_id"), lang),
        ]
        for r in df.to_dict("records")
    ]


def _measures_text(measures: Any, lang: str) -> str:
    if measures is None or len(measures) == 0:
        return i18n.t("report.no_measures", lang)
    lines = []
    for m in measures:
        dept = m.get(f"department_{lang}") or m.get("department_ja") or ""
        text = m.get(f"text_{lang}") or m.get("text_ja") or ""
        lines.append(i18n.punct("report.dept", lang, dept=dept, text=text))
    return "\n".join(lines)


def _proposal_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"title_{lang}", "title_ja"),
            _s(r, f"bureau_names_{lang}", "bureau_names_ja", "bureau_codes"),
            _s(r, f"pillar_name_{lang}", "pillar_name_ja", "pillar_theme_id"),
            _measures_text(r.get("measures"), lang),
        ]
        for r in df.to_dict("records")
    ]


def attribution_text(attribution: str, lang: str) -> str:
    """The basis of a bureau project's bureau in plain words (明記 / 資料の配置から推定)."""
    b = content.basis("bureau_projects", "bureau_code", {"attribution": attribution})
    return content.basis_label(b, lang) if b else attribution


def _direction_basis(project_id: str, lang: str) -> str:
    """The basis of a priority project's direction in plain words."""
    b = content.bases_of("priority_projects", "direction_theme_id").get(project_id)
    return content.basis_label(b, lang) if b else ""


def document_figures_line(lang: str) -> str:
    """The document's own figures in one line with their source (all Hokkaido, FY2015)."""
    rows = content.document_figures()
    parts = [
        f"{content.figure_label(r, lang)} {content.figure_text(r, lang)}"
        for r in rows.to_dict("records")
    ]
    sources = dict.fromkeys(content.source_line(r, lang) for r in rows.to_dict("records"))
    return i18n.t(
        "report.document_figures",
        lang,
        fy=i18n.fy_text(int(rows["fiscal_year"].iloc[0]), lang),
        figures=i18n.join(parts, lang),
        source=" / ".join(sources),
    )


def _bureau_project_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"text_{lang}", "text_ja"),
            _s(r, f"bureau_name_{lang}", "bureau_name_ja", "bureau_code"),
            attribution_text(_s(r, "attribution"), lang),
        ]
        for r in df.to_dict("records")
    ]


def _render(data: HandoutData) -> bytes:
    credit = i18n.t("report.credit", data.lang)
    footer = [
        credit,
        _fit_len(
            i18n.t("report.data_source", data.lang, sources=" / ".join(data.sources) or MISSING),
            150,
        ),
    ]
    pdf = _new_pdf(data.lang, footer)
    pdf.set_title(f"{data.area.title(data.lang)} {i18n.t('report.handout', data.lang)}")
    pdf.set_author("regionmap")
    pdf.set_creator("regionmap")
    pdf.set_subject(credit)

    # page 1: map | headline figures + dispatch chart
    pdf.add_page()
    _header(pdf, data)
    top = pdf.get_y()
    bottom = A4_LANDSCAPE[1] - 48
    map_w = 430
    _draw_map(pdf, data, 28, top, map_w, bottom - top - 8)
    rx, rw = 28 + map_w + 14, 786 - map_w - 14
    y = _draw_headlines(pdf, data, rx, top, rw)
    if data.dispatch_trend is not None and len(data.dispatch_trend):
        _chart(
            pdf,
            dispatch_figure(data.dispatch_trend, data.lang),
            rx,
            y,
            rw,
            bottom - y,
            "dispatch" in data.sample_charts,
            data.lang,
        )

    # page 2: evacuees and sites charts, then the tables
    pdf.add_page()
    _header(pdf, data, continued=True)
    y = pdf.get_y() + 2
    ch = 170
    if data.evacuee_trend is not None and len(data.evacuee_trend):
        _chart(
            pdf,
            evacuee_figure(data.evacuee_trend, data.lang),
            28,
            y,
            386,
            ch,
            "evacuees" in data.sample_charts,
            data.lang,
        )
    if data.sites_by_kind is not None and len(data.sites_by_kind):
        _chart(
            pdf,
            sites_figure(data.sites_by_kind, data.lang),
            428,
            y,
            386,
            ch,
            "sites" in data.sample_charts,
            data.lang,
        )
    if (data.evacuee_trend is not None and len(data.evacuee_trend)) or (
        data.sites_by_kind is not None and len(data.sites_by_kind)
    ):
        pdf.set_y(y + ch + 4)
    for item, columns, rows, widths in (
        (
            "priority_projects",
            (
                "report.col_project",
                "report.col_direction",
                "report.col_region",
                "basis.col_direction",
            ),
            _project_rows,
            (50, 24, 12, 14),
        ),
        (
            "proposals",
            (
                "report.col_proposal",
                "report.col_bureau",
                "report.col_pillar_inferred",
                "report.col_response_matched",
            ),
            _proposal_rows,
            (34, 12, 10, 44),
        ),
        (
            "bureau_projects",
            ("report.col_item", "report.col_bureau", "report.col_confidence"),
            _bureau_project_rows,
            (66, 18, 16),
        ),
    ):
        _section(pdf, content.selection_label(item, data.lang))
        _table(
            pdf,
            [i18n.t(c, data.lang) for c in columns],
            rows(getattr(data, item), data.lang),
            widths,
            data.lang,
        )
    _section(pdf, i18n.t("report.sources_title", data.lang))
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*MUTED)
    notes = [document_figures_line(data.lang), credit, *data.sources]
    if names_credit := i18n.names_credit(data.lang):
        notes.append(names_credit)
    notes.append(i18n.t("basis.footnote", data.lang))
    if data.boundary_vintage:
        notes.insert(1, i18n.t("report.boundaries", data.lang, vintage=data.boundary_vintage))
    if data.any_sample:
        notes.append(i18n.t("report.sample_notice", data.lang))
    for line in notes:
        pdf.multi_cell(
            0,
            9,
            i18n.punct("report.bullet", data.lang, text=line),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())


def _fit_len(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def build_handout(
    area_kind: str,
    code: str,
    lang: str = "ja",
    con=None,
    *,
    fiscal_year: int | None = None,
    theme_ids: list[str] | tuple[str, ...] | None = None,
    figure: str | None = None,
) -> bytes:
    """The PDF handout of one bureau or region, as bytes.

    A4 landscape; Noto Sans CJK (or the OS's Japanese font) embedded as a
    subset; the text layer holds the area's name, the headline figures with
    unit, fiscal year, source and a sample mark where they are sample, the
    priority projects, proposals and departments' responses, the bureau's own
    projects, the date of the data and the MLIT credit. The map of the area and
    the charts are images.

    Parameters
    ----------
    area_kind : {"bureau", "region"}
    code : str
        Bureau code ("01".."14") or id ("sorachi"); region code ("1".."6") or id ("doo").
    lang : {"ja", "en"}
    con : duckdb connection, optional
        Defaults to :func:`regionmap.db.connect`.
    fiscal_year : int, optional
        The fiscal year of the figures where a metric has it (default: the latest).
    theme_ids : list of str, optional
        The dashboard's policy-theme filter; the handout names it in its header.
    figure : str, optional
        The dashboard's chosen figure: a public one (財政力指数) gets a card beside the
        headline figures, the median of the area's municipalities (said as such, never a
        sum) with their lowest–highest and the ministry's credit.

    Raises
    ------
    UnknownAreaError
        For an unknown code; the message lists the valid codes.
    """
    if lang not in i18n.LANGS:
        raise ValueError(f"lang must be 'ja' or 'en', got {lang!r}")
    area = resolve_area(area_kind, code)
    data = collect(area, lang, con, fiscal_year=fiscal_year, theme_ids=theme_ids, figure=figure)
    return _render(data)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def cli(args) -> int:
    """``python -m regionmap report --bureau CODE|--region CODE|--all --out DIR [--db PATH] [--lang]``."""
    try:
        if args.all:
            areas = all_areas()
        elif args.bureau is not None:
            areas = [resolve_area("bureau", args.bureau)]
        else:
            areas = [resolve_area("region", args.region)]
    except UnknownAreaError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"report: cannot create the output folder {out}: {exc}", file=sys.stderr)
        return 1

    if not geo.layers_available():
        folder = geo.layers.geo_dir_path()
        print(
            f"report: the boundary layers are not built in {folder}; "
            "run `python -m regionmap geo build` first (or set REGIONMAP_GEO_DIR)",
            file=sys.stderr,
        )
        return 1
    try:
        path = Path(args.db).expanduser() if getattr(args, "db", None) else None
        if path is not None and not path.is_file():
            print(f"report: database file not found: {path}", file=sys.stderr)
            return 1
        if path is None:
            db.ensure_database()
        con = db.connect(path)
        for area in areas:
            t0 = time.perf_counter()
            pdf = build_handout(area.kind, area.code, lang=args.lang, con=con)
            target = out / area.filename(args.lang)
            tmp = target.with_suffix(".pdf.part")
            tmp.write_bytes(pdf)
            tmp.replace(target)
            print(f"{target}  ({len(pdf) / 1024:.0f} KB, {time.perf_counter() - t0:.1f} s)")
    except (FontNotFoundError, FileNotFoundError) as exc:  # no Japanese font / layers not built
        print(f"report: {exc}", file=sys.stderr)
        return 1
    return 0
