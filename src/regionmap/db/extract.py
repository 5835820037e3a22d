"""The committed extract of public figures, as the database reads it: the table's columns and
decimals (importable.toml ``[[published]]``, figures.toml), the file
(``data/public/soumu_zaisei_hokkaido.csv``) and its rows with their source lines.

:mod:`regionmap.db.public` builds the file from the ministry's workbooks (through the
importer); this module reads it, without the importer, for every database build
(:mod:`regionmap.db.load`).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from regionmap import figures, importable, settings
from regionmap.db import editions

#: The table the editions fill (one column per public figure of that source).
TABLE = "fiscal_indicators"
#: The FY2012–FY2013 editions' second Laspeyres column (the table's last value column).
LASPEYRES_REFERENCE = "laspeyres_reference"
#: The table's one definition (importable.toml ``[[published]]``).
SPEC = importable.published(TABLE)
#: Every column of the table's rows (its database columns but the bookkeeping ones).
COLUMNS: tuple[str, ...] = tuple(c for c, _ in SPEC.columns)
#: Decimals of each value column (the ministry's; the reference value as the index).
DECIMALS: dict[str, int] = {
    **{f.column: f.decimals for f in figures.PUBLIC_FIGURES if f.column},
    LASPEYRES_REFERENCE: figures.get("laspeyres").decimals,
}

#: The committed extract (figures.toml ``[sources.soumu_zaisei] extract``, under data/).
EXTRACT: Path = settings.DATA_DIR / editions.SOURCE.extract


def to_csv(rows: pd.DataFrame) -> str:
    """The extract's text: :data:`COLUMNS`, each value with its published decimals."""
    out = rows.loc[:, list(COLUMNS)].copy()
    for col, places in DECIMALS.items():
        out[col] = ["" if v is None or pd.isna(v) else f"{float(v):.{places}f}" for v in out[col]]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def read_extract(path: str | Path | None = None) -> pd.DataFrame:
    """The committed extract as rows of ``fiscal_indicators`` (missing values as None)."""
    df = pd.read_csv(
        path or EXTRACT,
        dtype={"municipality_code": str, "name_published": str, "edition": str},
        keep_default_na=False,
        na_values={c: [""] for c in DECIMALS},
        encoding="utf-8",
    )
    return df


def extract_rows(path: str | Path | None = None) -> pd.DataFrame:
    """The extract with the bookkeeping columns of the table (real rows: not a sample; the
    source line of each row's edition), ready for ``insert_frame``; empty when the file is
    missing (a checkout without data/public)."""
    p = Path(path or EXTRACT)
    if not p.is_file():
        return pd.DataFrame(columns=list(COLUMNS))
    df = read_extract(p)
    texts = {fy: editions.source_texts(int(fy)) for fy in df["fiscal_year"].unique()}
    df["source_ja"] = df["fiscal_year"].map(lambda fy: texts[fy][0])
    df["source_en"] = df["fiscal_year"].map(lambda fy: texts[fy][1])
    df["is_sample"] = False
    return df
