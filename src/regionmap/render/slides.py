"""The content of the presentation slides, built by :func:`build_slide` (a plain function,
tested directly): 1. area overview, 2. priority projects, 3. staff dispatch, 4. settlement
support, 5. evacuees, 6. proposals and the departments' responses. Each has a map of the
area (drawn on the server), three to five headline figures with year and source, at most
one chart, and the sample notice when a figure is sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from regionmap import content, db, i18n, reference
from regionmap import figures as registry
from regionmap.i18n import fy_text, month_text, t
from regionmap.render import chartimage, common, headline
from regionmap.style import ACCENT, format_delta, format_number

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
    if fiscal_year is None:
        return None
    return fiscal_year if fiscal_year in db.fiscal_years(metric, con=con) else None


def _document_figures(figure_id: str, lang: str, fiscal_year: int | None) -> list[Figure]:
    """The document's own figures of ``figure_id`` (all Hokkaido, in its units: 42市町村 …)
    as slide figures, when the slide shows the document's year (or the latest)."""
    rows = content.document_figures(figure_id)
    if rows.empty or (fiscal_year is not None and fiscal_year != int(rows["fiscal_year"].iloc[0])):
        return []
    return [
        Figure(
            label=t("slide.doc_label", lang, label=content.figure_label(r, lang)),
            value=content.figure_text(r, lang),
            fiscal_year=fy_text(r["fiscal_year"], lang),
            source=content.source_line(r, lang),
            is_sample=False,
        )
        for r in rows.to_dict("records")
    ]


def _document_first(
    metric: str, n: int | None, area, lang: str, fiscal_year: int | None, theme_ids, con
) -> list[Figure]:
    """The document's own figures of ``metric`` first (its first ``n``, or all), then the
    area's breakdown of the same figure, labelled as the breakdown (its numbers may be a
    sample)."""
    label = t("slide.breakdown_label", lang, label=t(f"metric.{metric}", lang))
    return [
        *_document_figures(metric, lang, fiscal_year)[:n],
        headline_figure(metric, area, lang, fiscal_year, theme_ids, con, label=label),
    ]


def headline_figure(
    metric: str, area, lang: str, fiscal_year: int | None, theme_ids, con, label: str | None = None
) -> Figure:

    if label is None and metric in headline.SELECTION_FIGURES:
        label = headline.label(metric, lang)
    h = db.headline(
        metric,
        fiscal_year=_year_or_latest(metric, fiscal_year, con),
        theme_ids=list(theme_ids) or None,
        con=con,
        **area.filters(),
    )
    unit = h[i18n.col("unit", lang)]
    covered = bool(h.get("theme_match", True))  # else "—", never 0 (as on the pages)
    if not h["has_figures"]:  # nothing imported, the sample hidden: said, never 0
        return _plain_figure(label or t(f"metric.{metric}", lang), t("fig.not_imported", lang), "")
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


def _overview_figures(
    area, lang: str, fiscal_year: int | None, theme_ids, public: str | None, con
) -> list[Figure]:
    """The overview slide's figures: the area's municipalities, the chosen public figure
    (its median, never a sum) when there is one, then the counted figures."""
    munis = reference.municipalities()
    col = "bureau_code" if area.kind == "bureau" else "region_code"
    n = int(((munis[col] == area.code) & (munis["kind"] == "municipality")).sum())
    ref_source = t("present.source.reference", lang)
    out = [
        _plain_figure(
            t("present.fig.municipalities", lang), format_number(n, "市町村", lang), ref_source
        )
    ]
    if public is not None:
        out.append(public_figure(public, area, lang, fiscal_year, con))
    for metric in ("priority_projects", "proposals", "dispatch", "evacuees"):
        out.append(headline_figure(metric, area, lang, fiscal_year, theme_ids, con))
    return out


def public_figure(figure_id: str, area, lang: str, fiscal_year: int | None, con) -> Figure:
    """A public figure's card for a bureau or region (:func:`regionmap.render.headline.
    public_median`: the median of its municipalities, never a sum, with the credit)."""
    m = headline.public_median(figure_id, area, lang, fiscal_year, con)
    return Figure(
        label=m.label, value=m.value, fiscal_year=m.when, source=m.source, is_sample=False
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
    figure: str | None = None,
    con=None,
) -> Slide:
    """The content of slide ``key`` for a bureau or region.

    Parameters
    ----------
    area_kind, code : str
        ``"bureau"``/``"region"`` and its code or id (as :func:`regionmap.render.common.resolve_area`).
    key : str
        One of :data:`SLIDES`.
    fiscal_year : int, optional
        The year to show where a figure has it (else the latest).
    theme_ids : tuple of str
        The policy-theme filter of the dashboard.
    figure : str, optional
        The dashboard's chosen figure. A public one (``figures.PUBLIC_FIGURES``, 財政力指数)
        is on the overview slide: its card is the median of the area's municipalities (said
        as such, with their lowest–highest and the ministry's credit; never a sum) and its
        map colours the municipalities by their own values, with the law's thresholds and
        the credit drawn on it. The other slides keep their own figures.
    """
    import plotly.graph_objects as go

    if key not in SLIDES:
        raise ValueError(f"unknown slide {key!r}; one of {', '.join(SLIDES)}")
    area = common.resolve_area(area_kind, code)
    f = area.filters()
    themes = list(theme_ids) or None
    doc_source = t("present.source.document", lang)
    figures: list[Figure] = []
    items: list[tuple[str, str]] = []
    chart = None
    sample = False
    public = None

    if key == "overview":
        public = figure if figure in registry.public_ids() else None
        figures += _overview_figures(area, lang, fiscal_year, theme_ids, public, con)
        if area.kind == "region":
            b = reference.bureaus()
            members = [
                i18n.punct(
                    "with_note",
                    lang,
                    text=getattr(row, i18n.col("name", lang)),
                    note=getattr(row, i18n.col("seat", lang)),
                )
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
                    t("present.seat", lang, seat=b[i18n.col("seat", lang)]),
                )
            )
    elif key == "projects":
        pp = db.priority_projects(theme_ids=themes, con=con, **f)
        bp = db.bureau_projects(theme_ids=themes, con=con, **f)
        figures.append(
            headline_figure("priority_projects", area, lang, fiscal_year, theme_ids, con)
        )
        figures.append(
            _plain_figure(
                # the area's count rests on the bureau each item was given: partly our reading
                content.marked(
                    content.selection_label("bureau_projects", lang),
                    "bureau_projects",
                    "bureau_code",
                    bp["item_id"],
                    lang,
                    figure=True,
                ),
                format_number(len(bp), "件", lang),
                doc_source,
                fy_text(db.DOCUMENT_FISCAL_YEAR, lang),
            )
        )
        directions = pp[i18n.col("direction_name", lang)].dropna().nunique()
        figures.append(
            _plain_figure(
                # how many directions: partly this tool's reading where a direction is inferred
                content.marked(
                    t("present.fig.directions", lang),
                    "priority_projects",
                    "direction_theme_id",
                    pp["project_id"],
                    lang,
                    figure=True,
                ),
                format_number(directions, "", lang),
                doc_source,
                fy_text(db.DOCUMENT_FISCAL_YEAR, lang),
            )
        )
        # each item's direction or bureau carries the mark where it is this tool's reading
        for r in pp.to_dict("records"):
            direction = r.get(f"direction_name_{lang}") or ""
            items.append(
                (
                    r[f"title_{lang}"] or r["title_ja"],
                    content.marked(
                        direction,
                        "priority_projects",
                        "direction_theme_id",
                        [r["project_id"]],
                        lang,
                    )
                    if direction
                    else "",
                )
            )
        bureau_bases = content.bases_of("bureau_projects", "bureau_code")
        inferred_bureau = t(
            "present.bureau_project_inferred", lang, basis=content.basis_note("inferred", lang)
        )
        for r in bp.to_dict("records"):
            kind = (
                inferred_bureau
                if bureau_bases.get(str(r["item_id"])) == "inferred"
                else t("present.bureau_project", lang)
            )
            items.append((r[f"text_{lang}"] or r["text_ja"], kind))
    elif key == "dispatch":
        # the headline is the document's: 42市町村 (all Hokkaido), then the area's breakdown
        figures.extend(_document_first("dispatch", 1, area, lang, fiscal_year, theme_ids, con))
        d = db.dispatches(theme_ids=themes, con=con, **f)
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
            chart = chartimage.dispatch_figure(chartimage.kinds_in_order(trend, "dispatch"), lang)
            chart.update_layout(barmode="stack", title=t("present.chart.dispatch", lang))
            sample |= bool(d["is_sample"].any())
    elif key == "settlement":
        figures.append(headline_figure("sites", area, lang, fiscal_year, theme_ids, con))
        s = db.sites(
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
        figures.extend(_document_first("evacuees", None, area, lang, fiscal_year, theme_ids, con))
        e = db.evacuees(theme_ids=themes, con=con, **f)
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
                latest.groupby(i18n.col("municipality_name", lang))["persons"]
                .sum()
                .sort_values(ascending=False)
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
        p = db.proposals(theme_ids=themes, con=con, **f)
        figures.append(headline_figure("proposals", area, lang, fiscal_year, theme_ids, con))
        # distinct measures: one that answers two of the area's proposals counts once
        n_measures = content.distinct_measures(p)
        depts = {
            m.get(i18n.col("department", lang))
            for ms in (p["measures"] if len(p) else [])
            for m in ms
        }
        doc_fy = fy_text(db.DOCUMENT_FISCAL_YEAR, lang)
        figures.append(
            _plain_figure(
                content.measures_label(lang),
                format_number(n_measures, "件", lang),
                doc_source,
                doc_fy,
            )
        )
        figures.append(
            _plain_figure(
                t("present.fig.departments", lang),
                format_number(len(depts - {None}), "", lang),
                doc_source,
                doc_fy,
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
        map_metric=public if key == "overview" and public is not None else MAP_METRIC[key],
        items=tuple(items),
        sample=sample,
    )
