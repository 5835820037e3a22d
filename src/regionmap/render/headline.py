"""The headline row: one year for every figure, and the document's own figures first.

One definition for the overview's cards, the slides and the handout (pure, no Streamlit):

- the row shows **one year** and says which (:attr:`Row.year_text`, :attr:`Row.why`): the
  chosen year, else the default year (the latest year with real figures, else the
  document's FY2015); with "最新年度" the latest year with any figures. A card whose figure
  has no figures in that year shows its own year and says so (:attr:`Card.other_year`).
- where the view is all of Hokkaido and the year's figures are not real, a figure the
  document gives (地域振興派遣 42市町村（うち22…）, 避難者 約2,500名) is the card's value, in
  the document's unit and with its source line; the sample total is named below it as
  "内訳はサンプル" (:attr:`Card.breakdown`).
- a count of a list the document calls a selection carries its label
  (主な地域重点プロジェクト(資料掲載分)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regionmap import content, db, figures, i18n
from regionmap.i18n import fy_text, t
from regionmap.style import format_delta, format_number

#: Figures whose count is of a list the document calls a selection (content.selections).
SELECTION_FIGURES: tuple[str, ...] = ("priority_projects", "proposals")


@dataclass(frozen=True)
class Card:
    """One figure of the headline row as shown."""

    metric: str
    label: str
    value: str  # formatted with its unit ("42市町村（うち22市町村は前年度から継続）")
    fiscal_year: int | None
    source: str
    is_sample: bool
    from_document: bool  # the value is the document's own figure
    breakdown: str | None = None  # "内訳はサンプル：延べ88人" under a document figure
    breakdown_sample: bool = False  # the breakdown named is a sample (not "未取り込み")
    delta: str | None = None
    other_year: bool = False  # its year is not the row's (said on the card)
    theme_match: bool = True
    raw_value: float | None = None


@dataclass(frozen=True)
class Row:
    year: int | None
    year_text: str
    why: str
    cards: tuple[Card, ...]

    def heading(self, lang: str) -> str:
        """``2015年度の数値（既定：資料の年度…）``."""
        return t("fig.row_year", lang, fy=self.year_text, why=self.why)


def row_year(fiscal_year: int | None, *, latest: bool, con=None) -> tuple[int | None, str]:
    """The row's year and why (``default``/``real``/``chosen``/``latest``)."""
    if fiscal_year is not None and not latest:
        return int(fiscal_year), "chosen"
    if latest:
        years = [y for m in db.OVERLAY_METRICS for y in db.fiscal_years(m, con=con)]
        return (max(years) if years else None), "latest"
    real = [y for m in db.OVERLAY_METRICS for y in db.real_years(m, con=con)]
    return (max(real), "real") if real else (db.DOCUMENT_FISCAL_YEAR, "default")


def label(metric: str, lang: str) -> str:
    """The card label: the selection's label for a selected list, else the figure's."""
    if metric in SELECTION_FIGURES:
        return content.selection_label(metric, lang)
    return t(f"metric.{metric}", lang)


def card(
    metric: str,
    year: int | None,
    lang: str,
    *,
    theme_ids: Sequence[str] = (),
    region_code: str | None = None,
    bureau_code: str | None = None,
    con=None,
) -> Card:
    """One card of ``metric`` in the row's ``year`` (its own year when it has none then)."""
    own_years = db.fiscal_years(metric, con=con)
    if not own_years and figures.get(metric).origin != "document":
        return _not_imported_card(metric, lang, theme_ids, region_code, bureau_code, con)
    fy = year if year in own_years else None  # None: the figure's default year
    h = db.headline(
        metric,
        fiscal_year=fy,
        theme_ids=list(theme_ids) or None,
        region_code=region_code,
        bureau_code=bureau_code,
        con=con,
    )
    covered = bool(h.get("theme_match", True))
    unit = h[i18n.col("unit", lang)]
    shown_fy = h.get("fiscal_year")
    other = year is not None and shown_fy is not None and int(shown_fy) != int(year)
    delta = None
    if covered and h.get("previous") is not None:
        delta = format_delta(h["value"] - h["previous"], h["unit_ja"], lang)
    doc = content.headline_document_figure(
        metric,
        shown_fy,
        whole_hokkaido=region_code is None and bureau_code is None and not theme_ids,
        real=not h.get("is_sample", False),
    )
    if doc is not None and covered:
        sample_total = t(f"metric.{metric}", lang) + " " + format_number(h["value"], unit, lang)
        breakdown = t("doc.breakdown_value", lang, value=sample_total)
        return _document_card(metric, doc, lang, breakdown, sample=True, other_year=other)
    return Card(
        metric=metric,
        label=label(metric, lang),
        value=format_number(h["value"] if covered else None, "" if not covered else unit, lang),
        fiscal_year=int(shown_fy) if shown_fy is not None else None,
        source=h[i18n.col("source", lang)],
        is_sample=covered and bool(h.get("is_sample")),
        from_document=figures.get(metric).origin == "document",
        delta=delta,
        other_year=other,
        theme_match=covered,
        raw_value=float(h["value"]) if covered and h["value"] is not None else None,
    )


def _document_card(
    metric: str, doc, lang: str, breakdown: str, *, sample: bool, other_year: bool
) -> Card:
    """The card of the document's own figure ``doc`` for ``metric``, its breakdown said under
    it (``sample``: the breakdown named is a sample; else "未取り込み")."""
    return Card(
        metric=metric,
        # a dispatch kind's figure is named by its kind (地域振興派遣); evacuees as such
        label=content.figure_label(doc, lang) if doc["kind"] else label(metric, lang),
        value=content.figure_text(doc, lang),
        fiscal_year=int(doc["fiscal_year"]),
        source=content.source_line(doc, lang),
        is_sample=False,
        from_document=True,
        breakdown=breakdown,
        breakdown_sample=sample,
        other_year=other_year,
        raw_value=float(doc["value"]),
    )


def _not_imported_card(
    metric: str,
    lang: str,
    theme_ids: Sequence[str],
    region_code: str | None,
    bureau_code: str | None,
    con,
) -> Card:
    """The card of a per-municipality figure with no figures at all (nothing imported, the
    sample hidden): the document's own figure where it gives one for the view, with
    "市町村別の内訳は未取り込み"; else "未取り込み" in words, never 0."""
    covered = db.theme_covers(metric, list(theme_ids) or None, con=con)
    doc = content.headline_document_figure(
        metric,
        db.DOCUMENT_FISCAL_YEAR,
        whole_hokkaido=region_code is None and bureau_code is None and not theme_ids,
        real=False,
    )
    if doc is not None and covered:
        breakdown = t("doc.breakdown_not_imported", lang)
        return _document_card(metric, doc, lang, breakdown, sample=False, other_year=False)
    return Card(
        metric=metric,
        label=label(metric, lang),
        value=t("fig.not_imported", lang) if covered else format_number(None, "", lang),
        fiscal_year=None,
        source="",
        is_sample=False,
        from_document=False,
        theme_match=covered,
    )


def headline_row(
    metrics: Sequence[str],
    lang: str,
    *,
    fiscal_year: int | None = None,
    latest: bool = False,
    theme_ids: Sequence[str] = (),
    region_code: str | None = None,
    bureau_code: str | None = None,
    con=None,
) -> Row:
    """The headline row of ``metrics``: one year (said), the document's figures first."""
    year, why = row_year(fiscal_year, latest=latest, con=con)
    cards = tuple(
        card(
            m,
            year,
            lang,
            theme_ids=theme_ids,
            region_code=region_code,
            bureau_code=bureau_code,
            con=con,
        )
        for m in metrics
    )
    return Row(year, fy_text(year, lang), t(f"fig.row_year.{why}", lang), cards)


def other_year_note(c: Card, lang: str) -> str:
    """``この数値は2015年度のもの`` for a card whose year is not the row's ("" otherwise)."""
    return t("fig.other_year", lang, fy=fy_text(c.fiscal_year, lang)) if c.other_year else ""


@dataclass(frozen=True)
class PublicMedian:
    """A public figure for a bureau or region as the slides and handouts show it."""

    label: str  # 財政力指数：市町村の中央値
    value: str  # 0.25指数（0.12–0.80）: the median, the lowest–highest beside it
    when: str
    source: str  # the publisher's credit


def public_median(figure_id: str, area, lang: str, fiscal_year: int | None, con) -> PublicMedian:
    """The public figure ``figure_id`` of ``area`` (a bureau or region): the median of its
    municipalities (``db.indicators.indicator_by_area``, said as such; never a sum), their
    lowest–highest beside it, the year the ministry's edition has (the chosen year, else the
    figure's own default) and the ministry's credit; "—" when none has a value, never 0."""
    from regionmap.db import indicators

    fig = figures.get(figure_id)
    years = indicators.indicator_years(figure_id, con=con)
    fy = fiscal_year if fiscal_year in years else None
    df = indicators.indicator_by_area(figure_id, area.kind, fy, con=con).set_index("area_code")
    row = df.loc[area.code] if area.code in df.index else None
    median = None if row is None else row["median"]
    unit = i18n.pick((fig.unit.ja, fig.unit.en_many), lang)
    value = format_number(median, unit, lang, decimals=fig.decimals)
    if row is not None and median is not None:  # the lowest–highest, as the ranking writes them
        lo, hi = (format_number(row[k], "", lang, decimals=fig.decimals) for k in ("min", "max"))
        value = i18n.punct("with_note", lang, text=value, note=f"{lo}–{hi}")
    return PublicMedian(
        label=t("fig.indicator_median", lang, metric=t(f"metric.{figure_id}", lang)),
        value=value,
        when=fy_text(int(df["fiscal_year"].iloc[0]) if len(df) else fy, lang),
        source=figures.source(fig.source or "").credit_text(lang),
    )
