"""Export tables and filtered views to CSV or Excel, and the import templates.

Every text cell that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is neutralised with a
leading apostrophe (OWASP "CSV injection"); numbers stay numbers. CSV is
written as UTF-8 with a BOM so that Excel opens Japanese text correctly.

Examples
--------
>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise(-3)
-3
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
from pathlib import Path

import pandas as pd

from regionmap import importable
from regionmap.db.connection import connect, read_table
from regionmap.db.schema import TABLES
from regionmap.db.store import failure_reason
from regionmap.plaintext import neutralise
from regionmap.settings import DATA_DIR

TEMPLATE_DIR = DATA_DIR / "templates"
#: The templates' workbook date: fixed, so that a template is the same bytes each time it is
#: made (data/templates/ is checked against what importable.toml makes).
TEMPLATE_DATE = dt.datetime(2026, 1, 1)


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and column name) neutralised; lists as text."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(
                lambda v: neutralise("; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
            ).astype(object)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM) of ``df``, formula-safe."""
    # CRLF line ends: Excel's convention, and the csv module then quotes a bare CR in a cell
    return safe_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(
    df: pd.DataFrame,
    sheet_name: str = "data",
    notes: list[str] | None = None,
    created: dt.datetime | None = None,
) -> bytes:
    """An .xlsx workbook of ``df`` (text never written as formulas), formula-safe.

    ``notes`` go to a second sheet "説明" (one line each). ``created``: the workbook's date
    (default now); a fixed one makes the same bytes every time (the templates).
    """
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
        if created is not None:
            xw.book.set_properties({"created": created})
        frame = safe_frame(df)
        for col in frame.columns:  # Excel cannot hold time zones
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_localize(None)
        frame.to_excel(xw, sheet_name=sheet_name[:31], index=False)
        ws = xw.sheets[sheet_name[:31]]
        for j, col in enumerate(frame.columns):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
            ws.set_column(j, j, min(max(8, width * 1.6), 60))
        if notes:
            pd.DataFrame({"説明 / notes": [neutralise(n) for n in notes]}).to_excel(
                xw, sheet_name="説明", index=False
            )
    return buf.getvalue()


def frame_bytes(df: pd.DataFrame, fmt: str, sheet_name: str = "data") -> bytes:
    """CSV or xlsx bytes of a frame (``fmt``: "csv" or "xlsx")."""
    if fmt == "csv":
        return to_csv_bytes(df)
    if fmt == "xlsx":
        return to_xlsx_bytes(df, sheet_name)
    raise ValueError(f"unknown format {fmt!r}; csv or xlsx")


class ExportError(RuntimeError):
    """The export file cannot be written; the message names it and says why."""


def export_table(
    table: str, out: str | os.PathLike, *, db_path: str | os.PathLike | None = None
) -> int:
    """Write a whole table to ``out`` (.csv or .xlsx, by suffix); return the row count.

    The file is written under ``<out>.tmp`` and renamed: a failure (a full disk, a folder
    that cannot be made) raises :class:`ExportError` naming ``out`` and leaves neither a
    partial file nor the temp file behind."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in {"csv", "xlsx"}:
        raise ValueError(f"{out}: write to a .csv or .xlsx file")
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
    df = read_table(table, con=connect(db_path))
    data = frame_bytes(df, fmt, sheet_name=table)
    tmp = out.with_name(out.name + ".tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ExportError(
            f"could not write the export file {out.absolute()}: {failure_reason(exc)} "
            "(nothing was written; the database is not touched by an export)"
        ) from None
    return len(df)


# --------------------------------------------------------------------------------------
# Import templates
# --------------------------------------------------------------------------------------

#: Template columns (the Japanese headers the importer knows) per importable table, from
#: importable.toml (:meth:`regionmap.importable.ImportTable.template_headers`).
TEMPLATE_COLUMNS: dict[str, list[str]] = {
    tb.table: tb.template_headers() for tb in importable.TABLES
}


def template_notes(table: str) -> list[str]:
    """Instructions shown with a template (Japanese / English), from importable.toml."""
    return list(importable.get(table).template_notes)


def template_frame(table: str) -> pd.DataFrame:
    """An empty frame with the template's headers."""
    if table not in TEMPLATE_COLUMNS:
        raise KeyError(f"no template for {table!r}; one of {', '.join(TEMPLATE_COLUMNS)}")
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TEMPLATE_COLUMNS[table]})


@functools.cache
def template_bytes(table: str, fmt: str) -> bytes:
    """The template of ``table`` as CSV (UTF-8 with BOM, header only) or xlsx (with notes).
    Made from the registry and the bundled vocabularies only: built once per process."""
    df = template_frame(table)
    if fmt == "csv":
        return to_csv_bytes(df)
    if fmt == "xlsx":
        return to_xlsx_bytes(
            df, sheet_name=table, notes=template_notes(table), created=TEMPLATE_DATE
        )
    raise ValueError(f"unknown format {fmt!r}; csv or xlsx")


def write_templates(out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write ``<table>_template.csv`` and ``.xlsx`` for every importable table."""
    out = Path(out_dir) if out_dir is not None else TEMPLATE_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TEMPLATE_COLUMNS:
        for fmt in ("csv", "xlsx"):
            p = out / f"{table}_template.{fmt}"
            p.write_bytes(template_bytes(table, fmt))
            written.append(p)
    return written
