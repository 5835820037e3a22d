"""The committed extract of public figures: Hokkaido's rows of every edition of 総務省「地方公共
団体の主要財政指標一覧」 (``data/public/soumu_zaisei_hokkaido.csv``, its README beside it).

It is built from the ministry's workbooks as published by one command,
``python -m regionmap data build-public --from ../shared/data/soumu/zaisei`` (:func:`build`,
each workbook read by :mod:`regionmap.db.importer.fiscal`), and loaded into the table
``fiscal_indicators`` by every database build (:func:`extract_rows`), so a fresh clone shows the
real figures with no network and no ``../shared``. The file is text written the same way each
time (values with the ministry's decimals, missing values empty), so a rebuild can be compared
with the committed file byte for byte.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

from regionmap import settings
from regionmap.db.importer import editions, fiscal
from regionmap.db.importer.reading import workbook_grid
from regionmap.db.importer.result import Refused

#: The committed extract (figures.toml ``[sources.soumu_zaisei] extract``, under data/).
EXTRACT: Path = settings.DATA_DIR / editions.SOURCE.extract
#: The workbooks of a source folder: the editions as the ministry names them.
PATTERNS = ("*.xls", "*.xlsx")


def workbooks(folder: str | Path) -> list[Path]:
    """The workbooks in ``folder``, by fiscal year (their names are the editions': H17 … R3)."""
    files = [p for pat in PATTERNS for p in Path(folder).glob(pat)]
    return sorted(files, key=lambda p: (editions.file_name_year(p.name) or 0, p.name))


def build(folder: str | Path) -> tuple[pd.DataFrame, list[fiscal.Edition]]:
    """Every edition of ``folder`` read: the extract's rows (fiscal year, code) and each
    edition as read. A workbook with a problem raises :class:`Refused` (named)."""
    eds = []
    for path in workbooks(folder):
        grid = workbook_grid(path.read_bytes(), path.name)
        ed = fiscal.read_edition(grid, path.name)
        if not ed.ok:
            raise Refused("import.fiscal.build_failed", file=path.name,
                          first=ed.errors[0].format("en"), n=len(ed.errors))  # fmt: skip
        eds.append(ed)
    if not eds:
        raise Refused("import.fiscal.no_editions", folder=str(folder))
    rows = pd.concat([e.rows for e in eds], ignore_index=True)
    if rows.duplicated(list(fiscal.SPEC.key)).any():
        raise Refused("import.fiscal.edition_twice", folder=str(folder))
    rows = rows.sort_values(list(fiscal.SPEC.key)).reset_index(drop=True)
    return rows, eds


def to_csv(rows: pd.DataFrame) -> str:
    """The extract's text: :data:`fiscal.COLUMNS`, each value with its published decimals."""
    out = rows.loc[:, list(fiscal.COLUMNS)].copy()
    for col, places in fiscal.DECIMALS.items():
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
        na_values={c: [""] for c in fiscal.DECIMALS},
        encoding="utf-8",
    )
    return df


def extract_rows(path: str | Path | None = None) -> pd.DataFrame:
    """The extract with the bookkeeping columns of the table (real rows: not a sample; the
    source line of each row's edition), ready for ``insert_frame``; empty when the file is
    missing (a checkout without data/public)."""
    p = Path(path or EXTRACT)
    if not p.is_file():
        return pd.DataFrame(columns=list(fiscal.COLUMNS))
    df = read_extract(p)
    texts = {fy: editions.source_texts(int(fy)) for fy in df["fiscal_year"].unique()}
    df["source_ja"] = df["fiscal_year"].map(lambda fy: texts[fy][0])
    df["source_en"] = df["fiscal_year"].map(lambda fy: texts[fy][1])
    df["is_sample"] = False
    return df


def cli_build(folder: str, out: str | None = None) -> int:
    """``python -m regionmap data build-public --from FOLDER [--out FILE]``: build the extract,
    write it (atomically) and say per edition what was taken and set aside."""
    target = Path(out) if out else EXTRACT
    try:
        rows, eds = build(folder)
    except Refused as exc:
        print(f"regionmap: {exc.reason.text('en')}", file=sys.stderr)
        return 1
    for ed in eds:
        print(f"{editions.edition_name(ed.fiscal_year)} FY{ed.fiscal_year}: {len(ed.rows)} rows; "
              + "; ".join(n.text("en") for n in ed.notes[2:]))  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(to_csv(rows), encoding="utf-8")
    tmp.replace(target)
    print(f"{len(rows)} rows of {len(eds)} editions written to {target}")
    return 0
