"""Building a database from the committed files (``data/policy``, the reference tables,
the sample generator).
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regionmap import figures, geo, reference
from regionmap.db import public, sample
from regionmap.db.schema import (
    OVERLAY_TABLES,
    POLICY_DIR,
    SAMPLE_SOURCE_EN,
    SAMPLE_SOURCE_JA,
    SCHEMA_VERSION,
    columns,
    insert_frame,
    sample_scope_sql,
)
from regionmap.db.store import default_path, file_schema, os_user, utc_now, write_version

# --------------------------------------------------------------------------------------
# Init: reference, document facts, sample figures
# --------------------------------------------------------------------------------------


def _nfkc(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def _read_policy(name: str) -> pd.DataFrame | None:
    f = POLICY_DIR / f"{name}.csv"
    if not f.is_file():
        return None
    df = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = df.map(_nfkc).replace({"": None})
    return df


def _split(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _as_bool(series: pd.Series) -> pd.Series:
    return series.map(
        lambda v: None if v is None else str(v).strip().lower() in {"true", "1", "yes", "y", "t"}
    )


def _insert_links(
    con: duckdb.DuckDBPyConnection,
    df: pd.DataFrame,
    id_col: str,
    list_col: str,
    table: str,
    link_col: str,
) -> None:
    """Insert into the link ``table`` one ``(id_col, link_col)`` row for each distinct
    ``;``-separated value of each row's ``list_col``."""
    links = [
        {id_col: r[id_col], link_col: v}
        for r in df.to_dict("records")
        for v in dict.fromkeys(_split(r.get(list_col)))
    ]
    insert_frame(con, table, pd.DataFrame(links))


def _load_policy(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Load whatever ``data/policy/*.csv`` exist; return rows per table (missing files: 0)."""
    counts: dict[str, int] = {}
    tags: list[dict] = []

    def tag(item_type: str, item_id: str, *theme_lists: Iterable[str]) -> None:
        seen = set()
        for lst in theme_lists:
            for t in lst:
                if t and t not in seen:
                    seen.add(t)
                    tags.append({"item_type": item_type, "item_id": item_id, "theme_id": t})

    def tag_rows(item_type: str, df: pd.DataFrame, id_col: str, main_col: str | None) -> None:
        """Tag each row with its main theme (``main_col``, if any) and its ``theme_ids``."""
        for r in df.to_dict("records"):
            main = [r.get(main_col)] if main_col else []
            tag(item_type, r[id_col], main, _split(r.get("theme_ids")))

    df = _read_policy("themes")
    if df is not None:
        counts["themes"] = insert_frame(con, "themes", df)
    df = _read_policy("priority_projects")
    if df is not None:
        counts["priority_projects"] = insert_frame(con, "priority_projects", df)
        tag_rows("priority_project", df, "project_id", "direction_theme_id")
    df = _read_policy("proposals")
    if df is not None:
        df["is_joint"] = _as_bool(df["is_joint"]) if "is_joint" in df else None
        counts["proposals"] = insert_frame(con, "proposals", df)
        _insert_links(con, df, "proposal_id", "bureau_codes", "proposal_bureaus", "bureau_code")
        tag_rows("proposal", df, "proposal_id", "pillar_theme_id")
    df = _read_policy("measures")
    if df is not None:
        counts["measures"] = insert_frame(con, "measures", df)
        _insert_links(con, df, "measure_id", "proposal_ids", "measure_proposals", "proposal_id")
        tag_rows("measure", df, "measure_id", "pillar_theme_id")
    df = _read_policy("bureau_projects")
    if df is not None:
        counts["bureau_projects"] = insert_frame(con, "bureau_projects", df)
        tag_rows("bureau_project", df, "item_id", None)
    df = _read_policy("document_totals")
    if df is not None:
        if "is_approximate" in df:
            df["is_approximate"] = _as_bool(df["is_approximate"])
        counts["document_totals"] = insert_frame(con, "document_totals", df)
    insert_frame(con, "item_themes", pd.DataFrame(tags))
    return counts


def _sample_frames() -> dict[str, pd.DataFrame] | None:
    frames = {
        "dispatch": sample.dispatch(),
        "sites": sample.sites(_municipalities_layer()),
        "evacuees": sample.evacuees(),
    }
    for name, df in frames.items():
        df = df.copy()
        df["is_sample"] = True
        if "source_ja" not in df:
            df["source_ja"] = SAMPLE_SOURCE_JA
        if "source_en" not in df:
            df["source_en"] = SAMPLE_SOURCE_EN
        if name == "evacuees":
            df["month"] = pd.to_datetime(df["month"]).dt.date
            if "prefecture_ja" not in df:
                df["prefecture_ja"] = ""
            df["prefecture_ja"] = df["prefecture_ja"].fillna("")
        frames[name] = df
    return frames


def _municipalities_layer():
    """The built municipalities layer (to place sample sites inside their municipality), or None."""
    try:
        if geo.layers_available():
            return geo.load_layer("municipalities", "detail")
    except Exception:  # no layers yet: sites get no coordinates (noted in meta)
        return None
    return None


def _load_content(con: duckdb.DuckDBPyConnection, progress=None) -> dict:
    if progress:
        progress(0.1, "reference")
    insert_frame(con, "regions", reference.regions())
    insert_frame(con, "bureaus", reference.bureaus())
    insert_frame(con, "municipalities", reference.municipalities().replace({"": None}))
    if progress:
        progress(0.3, "policy")
    counts = _load_policy(con)
    insert_frame(
        con,
        "overlay_themes",
        pd.DataFrame([{"metric": f.id, "theme_id": t} for f in figures.FIGURES for t in f.themes]),
    )
    if progress:
        progress(0.45, "public")
    counts["fiscal_indicators"] = insert_frame(con, "fiscal_indicators", public.extract_rows())
    if progress:
        progress(0.5, "sample")
    frames = _sample_frames()
    if frames is not None:
        for name, df in frames.items():
            counts[name] = insert_frame(con, name, df)
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "created_at": utc_now(),
        "sample_loaded": str(frames is not None).lower(),
        "sites_placed": str(
            frames is not None and bool(frames["sites"]["lon"].notna().all())
        ).lower(),
        "policy_tables": ";".join(sorted(counts)),
    }
    insert_frame(con, "meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))
    return counts


def _carry_imports(con: duckdb.DuckDBPyConnection, old: Path) -> dict[str, int]:
    """Copy the real (imported) rows of every importable table of the ``old`` file into the
    version being built on ``con``, replacing the sample rows they replace on import (same
    periods and bureaus, :func:`sample_scope_sql`). Columns the old schema lacks are left
    empty; the tables and counts carried are returned (and said in the version's note)."""
    try:
        con.execute("ATTACH ? AS _old (READ_ONLY)", [str(old)])
    except duckdb.Error:  # not a DuckDB file of ours any more: nothing to carry
        return {}
    carried: dict[str, int] = {}
    try:
        for table in OVERLAY_TABLES:
            old_cols = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() "
                    "WHERE database_name = '_old' AND table_name = ?",
                    [table],
                ).fetchall()
            }
            if "is_sample" not in old_cols:
                continue
            cols = ", ".join(c for c in columns(table) if c in old_cols)
            rows = con.execute(f"SELECT {cols} FROM _old.{table} WHERE NOT is_sample").df()  # noqa: S608
            if rows.empty:
                continue
            frame = rows.reindex(columns=columns(table))
            frame = frame.astype(object).where(frame.notna(), None)
            con.register("_incoming", frame)
            try:
                con.execute(f"DELETE FROM {table} WHERE {sample_scope_sql(table)}")  # noqa: S608
            finally:
                con.unregister("_incoming")
            carried[table] = insert_frame(con, table, frame)
    finally:
        con.execute("DETACH _old")
    return carried


def init_database(
    path: str | os.PathLike | None = None,
    *,
    force: bool = False,
    user: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    note: str | None = None,
    upgrade: bool = False,
) -> dict:
    """Create the database (reference, document facts, sample figures) as a new version.

    With an existing database and ``force=False`` nothing is done and the
    returned record has ``action == "exists"``. ``force=True`` rebuilds it from
    the committed files; the previous file is kept for undo (imported rows are
    dropped by the rebuild: undo brings them back). ``upgrade=True`` (with
    ``force``) rebuilds only if the schema version still differs once the writer
    lock is held, so processes racing to upgrade rebuild once, and keeps the imported
    rows of the old file (:func:`_carry_imports`).
    """
    p = default_path(path)
    if p.exists() and not force:
        return {"action": "exists", "path": str(p)}

    def apply(con, version):
        counts = _load_content(con, progress)
        text = json.dumps(counts, ensure_ascii=False)
        if upgrade and p.exists():  # a schema upgrade keeps what staff imported
            carried = _carry_imports(con, p)
            text += "; " + json.dumps({"imported rows kept": carried}, ensure_ascii=False)
        return {
            "rows_added": int(sum(counts.values())),
            "note": f"{note}: {text}" if note else text,
        }

    record = {"action": "init", "user_name": user or os_user(), "file_name": None}
    try:
        return write_version(
            p,
            apply,
            record,
            fresh=True,
            progress=progress,
            only_if_missing=not force,
            skip_if=(lambda: p.exists() and file_schema(p) == SCHEMA_VERSION) if upgrade else None,
        )
    except FileExistsError:  # another process created it meanwhile
        return {"action": "exists", "path": str(p)}


def ensure_database(
    path: str | os.PathLike | None = None, progress: Callable[[float, str], None] | None = None
) -> Path:
    """Create the database on first run; rebuild it when its schema version differs.

    Atomic and safe when processes race (re-checked under the writer lock). A
    rebuild (older schema, or a DuckDB file that is not ours) keeps the old file
    in ``<db>.history/`` for undo. No-op when the file is current.

    Raises
    ------
    DatabaseError
        The file exists but DuckDB cannot open it (damaged, or not a DuckDB
        file); the message says what to do.
    """
    p = default_path(path)
    if p.exists():
        if file_schema(p) == SCHEMA_VERSION:
            return p
        # an older schema (or not our database): rebuild, keeping the old file for undo
        init_database(p, force=True, progress=progress, note="schema upgrade", upgrade=True)
        return p
    init_database(p, force=False, progress=progress)  # re-checked under the writer lock
    return p
