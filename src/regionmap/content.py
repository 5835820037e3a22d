"""The planning document's own content as the pages show it: its figures, which of its lists
are selections, which columns are the project's judgement, and its sections.

Everything here is read from ``data/policy/`` (one definition each):

- ``document_totals.csv``: the figures the document gives (42市町村, 約2,500名 …); which of
  them belong to which figure is declared in :data:`regionmap.figures.DOCUMENT_FIGURES`.
- ``selections.csv``: the lists the document calls a selection (〔主な…〕, (主なもの),
  主な取組) and the label a count of them must carry ("（資料掲載分）").
- ``judgements.csv`` and ``bases.csv``: for each column of the policy tables, whether it is
  stated in the document (明記) or the project's reading of its layout (資料の配置から推定),
  with a one-line explanation in both languages.
- ``sections.csv`` and ``policy_flow.csv``: the document's sections on migration, wide-area
  cooperation, support for evacuees and how the policy is made, summarised in our words,
  each with its source reference.

>>> [f"{r.value}{r.unit_ja}" for r in document_figures("dispatch").itertuples()]
['42市町村', '1団体', '6団体']
>>> figure_text(document_figures("evacuees").iloc[0], "ja")
'約2,500名'
>>> basis_label("inferred", "ja")
'資料の配置から推定'
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from regionmap import figures, i18n
from regionmap.db import schema
from regionmap.once import made_once
from regionmap.themes import POLICY_DIR, POLICY_TABLES, policy_table

#: The document's source line (as the figures' source in both languages).
DOCUMENT_SOURCE_JA = schema.DOCUMENT_SOURCE_JA  # the document's name: one definition, the schema's
DOCUMENT_SOURCE_EN = schema.DOCUMENT_SOURCE_EN
#: The statement "every proposal is reflected" rests on the project's matching: say so.
MATCHING_NOTE_JA = "（本ツールの対応付け）"
MATCHING_NOTE_EN = "(this tool's matching)"


def with_matching_note(text: str, lang: str) -> str:
    """``text`` followed by the note that the matching is this tool's reading."""
    return text + MATCHING_NOTE_JA if lang == "ja" else f"{text} {MATCHING_NOTE_EN}"


def measures_label(lang: str) -> str:
    """The label of a count of the departments' measures that reflect some proposals:
    the selection's (各部施策への反映（資料掲載分）) with the matching note, since which
    measure answers which proposal is this tool's matching."""
    return with_matching_note(selection_label("measures", lang), lang)


def distinct_measures(proposals: pd.DataFrame) -> int:
    """How many of the departments' measures reflect ``proposals`` (rows of
    :func:`regionmap.db.proposals`, each with its ``measures``): a measure that answers two
    of them (m12, m13 answer three 人口減少 proposals) counts once."""
    if proposals.empty or "measures" not in proposals:
        return 0
    return len(
        {m["measure_id"] for ms in proposals["measures"] if isinstance(ms, list) for m in ms}
    )


@made_once(max_entries=64)
def _totals() -> pd.DataFrame:
    return policy_table("document_totals").set_index("key")


def document_figures(figure_id: str | None = None, fiscal_year: int | None = None) -> pd.DataFrame:
    """The document's own figures (of ``figure_id``, in ``fiscal_year``), in screen order.

    Columns: key, figure, kind, fiscal_year (int), as_of, value (int), is_approximate (bool),
    continuing (int or None: "of which continuing from the previous year"), unit_ja,
    unit_en (the English plural), label_ja, label_en, note, source_ref, source_ja,
    source_en, is_sample (always False).
    """
    t = _totals()
    rows = []
    for d in figures.document_figures(figure_id):
        r = t.loc[d.key]
        fy = int(r["fiscal_year"])
        if fiscal_year is not None and fy != int(fiscal_year):
            continue
        rows.append(
            {
                "key": d.key,
                "figure": d.figure,
                "kind": d.kind,
                "fiscal_year": fy,
                "as_of": r["as_of"],
                "value": int(r["value"]),
                "is_approximate": r["is_approximate"] == "true",
                "continuing": int(t.at[d.continuing_key, "value"]) if d.continuing_key else None,
                "unit_ja": r["unit_ja"],
                "unit_en": r["unit_en"],
                "label_ja": r["label_ja"],
                "label_en": r["label_en"],
                "note": r["note"],
                "source_ref": r["source_ref"],
                "source_ja": DOCUMENT_SOURCE_JA,
                "source_en": DOCUMENT_SOURCE_EN,
                "is_sample": False,
            }
        )
    columns = ["key", "figure", "kind", "fiscal_year", "as_of", "value", "is_approximate"]
    columns += ["continuing", "unit_ja", "unit_en", "label_ja", "label_en", "note"]
    columns += ["source_ref", "source_ja", "source_en", "is_sample"]
    return pd.DataFrame(rows, columns=columns)


def figure_text(row: Mapping, lang: str) -> str:
    """A document figure as the document writes it, in ``lang``: ``42市町村（うち22市町村は前年度
    から継続）``, ``1団体（前年度から継続）``, ``約2,500名``; ``42 municipalities (22 continuing
    from the previous year)``, ``about 2,500 persons``."""
    value, cont = int(row["value"]), row.get("continuing")
    approx = bool(row["is_approximate"])
    if lang == "en":
        unit = figures.unit_of(str(row["unit_ja"]))
        word = unit.text(value, "en") if unit else str(row["unit_en"])
        text = f"{'about ' if approx else ''}{value:,} {word}"
        all_continuing = " (continuing from the previous year)"
        some_continuing = " ({} continuing from the previous year)"
    else:
        text = f"{'約' if approx else ''}{value:,}{row['unit_ja']}"
        all_continuing = "（前年度から継続）"
        some_continuing = f"（うち{{}}{row['unit_ja']}は前年度から継続）"
    if cont is not None and not pd.isna(cont):
        text += all_continuing if int(cont) == value else some_continuing.format(int(cont))
    return text


def figure_label(row: Mapping, lang: str) -> str:
    """A document figure's label without the "(約)" the value already carries."""
    label = str(row["label_en" if lang == "en" else "label_ja"])
    for tail in (" (約)", " (about)", "(約)"):
        label = label.removesuffix(tail)
    for tail in (" 派遣先市町村数", " 派遣先団体数", ": municipalities receiving staff"):
        label = label.replace(tail, "")
    return label.replace(": bodies receiving staff", "")


def source_line(row: Mapping, lang: str) -> str:
    """``北海道の地域政策に関する資料（平成27年度） §II-3(1) 道職員の…`` (the document and its
    section; in English the section number only: its title is the document's Japanese)."""
    ref = section_ref(row["source_ref"], lang)
    src = row["source_en"] if lang == "en" else row["source_ja"]
    return f"{src} {ref}".strip()


def section_ref(source_ref: str, lang: str) -> str:
    """The section part of a ``source_ref`` (``§II-3(1) 道職員の…``; ``§II-3(1)`` in English)."""
    text = str(source_ref)
    ref = text.split(" ", 1)[1] if " " in text else ""
    if lang == "en":
        ref = " / ".join(p.split(" ", 1)[0] for p in ref.split(" / ") if p.startswith("§"))
    return ref


def headline_document_figure(
    metric: str, fiscal_year: int | None, *, whole_hokkaido: bool, real: bool
) -> Mapping | None:
    """The document's figure a headline shows for ``metric`` instead of a sample total:
    its first figure of that year (地域振興派遣 42市町村, 避難者 約2,500名), when the view is
    all of Hokkaido (the document gives Hokkaido totals only) and the year's figures are
    not real (imported figures, once there, are shown as they are). None otherwise."""
    if not whole_hokkaido or real or fiscal_year is None:
        return None
    rows = document_figures(metric, fiscal_year=fiscal_year)
    return None if rows.empty else rows.iloc[0].to_dict()


# --------------------------------------------------------------------------------------
# Selections and judgements
# --------------------------------------------------------------------------------------


@made_once(max_entries=64)
def _selections() -> pd.DataFrame:
    return policy_table("selections").set_index("table")


def selections() -> pd.DataFrame:
    """The lists the document calls a selection: table, heading_ja, marker_ja, label_ja,
    label_en, count_label_ja, count_label_en (``{n}`` for the count), source_ref."""
    return _selections().reset_index()


def selection_label(table: str, lang: str, n: int | None = None) -> str:
    """The label of a selected list (``主な地域重点プロジェクト（資料掲載分）``); with ``n``,
    the count label (``主な地域重点プロジェクト（資料掲載分）16件``)."""
    row = _selections().loc[table]
    suffix = "en" if lang == "en" else "ja"
    if n is None:
        return str(row[f"label_{suffix}"])
    return str(row[f"count_label_{suffix}"]).format(n=n)


@made_once(max_entries=64)
def _bases() -> pd.DataFrame:
    # the vocabulary of bases: our words, not the document's (so not a policy table)
    return pd.read_csv(POLICY_DIR / "bases.csv", dtype=str, keep_default_na=False).set_index(
        "basis"
    )


def basis_label(basis: str, lang: str) -> str:
    """明記 / 資料の配置から推定 (``Stated in the document`` / ``Inferred from the document's
    layout``)."""
    return str(_bases().at[basis, "label_en" if lang == "en" else "label_ja"])


def basis_note(basis: str, lang: str) -> str:
    """A basis as a note inside a sentence or a bracket: 資料の配置から推定; in English with a
    small first letter (``inferred from the document's layout``)."""
    label = basis_label(basis, lang)
    return label if lang != "en" else label[:1].lower() + label[1:]


def basis_explanation(basis: str, lang: str) -> str:
    """The one-line explanation of a basis (for a hover or a footnote)."""
    return str(_bases().at[basis, "explanation_en" if lang == "en" else "explanation_ja"])


@made_once(max_entries=64)
def judgements() -> pd.DataFrame:
    """Every column of the policy tables whose basis is declared: table, column,
    when_column, when_value (a basis that depends on another column's value), basis
    (``stated`` or ``inferred``), explanation_ja, explanation_en."""
    return pd.read_csv(POLICY_DIR / "judgements.csv", dtype=str, keep_default_na=False)


def basis(table: str, column: str, row: Mapping | None = None) -> str | None:
    """The basis of ``table.column`` (for ``row`` where it depends on another column, e.g. a
    bureau project's ``attribution``); None when the column is not declared."""
    df = judgements()
    hits = df[(df["table"] == table) & (df["column"] == column)]
    for r in hits.itertuples():
        if not r.when_column:
            return str(r.basis)
        if row is not None and str(row.get(r.when_column, "")) == r.when_value:
            return str(r.basis)
    return None


def bases_of(table: str, column: str) -> dict[str, str]:
    """``{row id: basis}`` of ``table.column`` for every row of the committed policy table
    (the id is the table's key column; the basis may depend on another column of the row,
    e.g. a priority project's ``direction_basis``)."""
    return dict(_bases_of(table, column))


@made_once(
    max_entries=64
)  # committed files: the same for every session (the bureau page asks on every run)
def _bases_of(table: str, column: str) -> dict[str, str]:
    df = policy_table(table)
    key = POLICY_TABLES[table]
    out = {}
    for row in df.to_dict("records"):
        b = basis(table, column, row)
        if b:
            out[str(row[key])] = b
    return out


def inferred_share(table: str, column: str, ids) -> tuple[int, int]:
    """``(inferred, all)``: how many of the rows ``ids`` of ``table`` (their key column's
    values) have ``column`` as this tool's reading, and how many there are."""
    bases = bases_of(table, column)
    ids = [str(i) for i in ids]
    return sum(bases.get(i) == "inferred" for i in ids), len(ids)


def marked(text: str, table: str, column: str, ids, lang: str, *, figure: bool = False) -> str:
    """``text`` (what shows ``table.column`` of the rows ``ids``: a direction's name, a count)
    with the basis mark when it rests on this tool's reading: ``観光立国北海道の実現（資料の配置
    から推定）`` when every row is inferred, ``…（うち1件は資料の配置から推定）`` when some are
    (``figure``: a figure counted over the rows, e.g. how many directions an area's projects
    have, says ``…（一部は資料の配置から推定）``); unchanged when all are stated."""
    inferred, n = inferred_share(table, column, ids)
    if not inferred:
        return text
    note = basis_note("inferred", lang)
    if inferred == n:
        return i18n.punct("with_note", lang, text=text, note=note)
    if figure:
        return i18n.t("basis.partly", lang, text=text, basis=note)
    return i18n.t("basis.some", lang, text=text, n=inferred, basis=note)


@made_once(max_entries=64)
def projects_naming_a_bureau() -> frozenset[str]:
    """The priority projects whose title names a bureau's area (``bureau_named_by``: 日高,
    とかち, いしかり …). Not pp05: its bureau (オホーツク) follows from its region, which has
    one bureau, but its title names none."""
    df = policy_table("priority_projects")
    return frozenset(df.loc[df["bureau_named_by"] != "", "project_id"])


def judged_columns(table: str | None = None) -> pd.DataFrame:
    """The (table, column) pairs that are, wholly or for some rows, the project's judgement."""
    df = judgements()
    df = df[df["basis"] == "inferred"]
    if table is not None:
        df = df[df["table"] == table]
    return df[["table", "column"]].drop_duplicates().reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


def sections() -> pd.DataFrame:
    """The document's sections the pages show as text, in order: section_id, sort_order,
    section_ref, heading_ja, heading_en, summary_ja, summary_en (ours), anchor_ja (a phrase
    the document has verbatim), theme_ids, figure_ids (";"), source_ref."""
    df = policy_table("sections")
    df["sort_order"] = df["sort_order"].astype(int)
    return df.sort_values("sort_order").reset_index(drop=True)


def policy_flow() -> pd.DataFrame:
    """How the policy is made, step by step (推進体制): step (int), actor_ja, actor_en,
    action_ja, action_en, anchor_ja, source_ref."""
    df = policy_table("policy_flow")
    df["step"] = df["step"].astype(int)
    return df.sort_values("step").reset_index(drop=True)
