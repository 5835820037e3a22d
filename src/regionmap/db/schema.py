"""The schema: tables and columns (the whitelist of names SQL may use), vocabulary, the
document's and the sample's source lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd

from regionmap import figures, importable, settings

#: Bump when :data:`TABLES` changes: an existing file of another version is rebuilt from the
#: committed files on first use (the old file kept for undo). 2: proposals.policy_area_en,
#: proposals.bureau_label_ja, measures.note.
SCHEMA_VERSION = 7  # 7: fiscal_indicators (public figures, from data/public). 3: users; import_history: file_size, from_version, changes. 4: municipalities.name_en, bureaus.seat_en (English names from readings). 5: kyoryokutai, migration_trials, wide_area_groups (import only, created empty). 6: users.issuer, users.subject (sign-in key); import_history.user_role, user_bureaus, user_key (the rights a write was allowed by)
BLOCK_SIZE = 16384
#: Fiscal year of the planning document (平成27年度).
DOCUMENT_FISCAL_YEAR = 2015
DOCUMENT_SOURCE_JA = "北海道の地域政策に関する資料（平成27年度）"
DOCUMENT_SOURCE_EN = "Hokkaido regional policy document (FY2015)"
SAMPLE_SOURCE_JA = "サンプル（架空の内訳）：資料の合計に合わせて作成"
SAMPLE_SOURCE_EN = "Sample (invented breakdown), made to agree with the document's totals"
POLICY_DIR = settings.DATA_DIR / "policy"

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

#: Dispatch kinds and site kinds: id -> (Japanese, English), from the figure registry.
DISPATCH_KINDS: dict[str, tuple[str, str]] = figures.get("dispatch").kind_labels()
SITE_KINDS: dict[str, tuple[str, str]] = figures.get("sites").kind_labels()

#: The figures (``figures.FIGURES``) by origin: the document's items, per-municipality ones.
OVERLAY_METRICS: tuple[str, ...] = figures.ids(origin="municipal")
DOCUMENT_METRICS: tuple[str, ...] = figures.ids(origin="document")
AREA_LEVELS = ("region", "bureau", "municipality")
#: The value columns of ``fiscal_indicators`` (importable.toml ``[[published]]``): one per public
#: figure (figures.toml ``column``) and the FY2012–FY2013 editions' ラスパイレス指数 参考値.
FISCAL_VALUE_COLUMNS: tuple[str, ...] = importable.published("fiscal_indicators").value_columns()

# --------------------------------------------------------------------------------------
# Schema (the whitelist of table and column names)
# --------------------------------------------------------------------------------------

#: table -> (columns with types, primary key)
TABLES: dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]] = {
    "regions": (
        [("region_code", "VARCHAR"), ("region_id", "VARCHAR"), ("name_ja", "VARCHAR"),
         ("name_en", "VARCHAR"), ("seat_bureau_code", "VARCHAR"), ("sort_order", "INTEGER")],
        ("region_code",),
    ),
    "bureaus": (
        [("bureau_code", "VARCHAR"), ("bureau_id", "VARCHAR"), ("name_ja", "VARCHAR"),
         ("short_ja", "VARCHAR"), ("name_en", "VARCHAR"), ("kind_ja", "VARCHAR"),
         ("kind_en", "VARCHAR"), ("seat_ja", "VARCHAR"), ("seat_en", "VARCHAR"),
         ("seat_code", "VARCHAR"),
         ("region_code", "VARCHAR"), ("municipality_count", "INTEGER")],
        ("bureau_code",),
    ),
    "municipalities": (
        [("code", "VARCHAR"), ("code6", "VARCHAR"), ("name_ja", "VARCHAR"), ("name_en", "VARCHAR"),
         ("district_ja", "VARCHAR"), ("bureau_code", "VARCHAR"), ("region_code", "VARCHAR"),
         ("kind", "VARCHAR"), ("parent_code", "VARCHAR")],
        ("code",),
    ),
    "themes": (
        [("theme_id", "VARCHAR"), ("kind", "VARCHAR"), ("name_ja", "VARCHAR"),
         ("name_en", "VARCHAR"), ("group_id", "VARCHAR"), ("sort_order", "INTEGER"),
         ("description_ja", "VARCHAR"), ("description_en", "VARCHAR"), ("source_ref", "VARCHAR")],
        ("theme_id",),
    ),
    "priority_projects": (
        [("project_id", "VARCHAR"), ("title_ja", "VARCHAR"), ("title_en", "VARCHAR"),
         ("region_code", "VARCHAR"), ("bureau_code", "VARCHAR"),
         ("direction_theme_id", "VARCHAR"), ("note", "VARCHAR"), ("source_ref", "VARCHAR")],
        ("project_id",),
    ),
    "proposals": (
        [("proposal_id", "VARCHAR"), ("title_ja", "VARCHAR"), ("title_en", "VARCHAR"),
         ("bureau_label_ja", "VARCHAR"), ("is_joint", "BOOLEAN"), ("pillar_theme_id", "VARCHAR"),
         ("policy_area_ja", "VARCHAR"), ("policy_area_en", "VARCHAR"),
         ("note", "VARCHAR"), ("source_ref", "VARCHAR")],
        ("proposal_id",),
    ),
    "proposal_bureaus": ([("proposal_id", "VARCHAR"), ("bureau_code", "VARCHAR")], ("proposal_id", "bureau_code")),
    "measures": (
        [("measure_id", "VARCHAR"), ("text_ja", "VARCHAR"), ("text_en", "VARCHAR"),
         ("department_ja", "VARCHAR"), ("department_en", "VARCHAR"),
         ("pillar_theme_id", "VARCHAR"), ("note", "VARCHAR"), ("source_ref", "VARCHAR")],
        ("measure_id",),
    ),
    "measure_proposals": ([("measure_id", "VARCHAR"), ("proposal_id", "VARCHAR")], ("measure_id", "proposal_id")),
    "bureau_projects": (
        [("item_id", "VARCHAR"), ("text_ja", "VARCHAR"), ("text_en", "VARCHAR"),
         ("bureau_code", "VARCHAR"), ("attribution", "VARCHAR"), ("attribution_note", "VARCHAR"),
         ("source_ref", "VARCHAR")],
        ("item_id",),
    ),
    "item_themes": ([("item_type", "VARCHAR"), ("item_id", "VARCHAR"), ("theme_id", "VARCHAR")], ("item_type", "item_id", "theme_id")),
    "document_totals": (
        [("key", "VARCHAR"), ("fiscal_year", "INTEGER"), ("as_of", "VARCHAR"), ("value", "DOUBLE"),
         ("unit_ja", "VARCHAR"), ("unit_en", "VARCHAR"), ("label_ja", "VARCHAR"),
         ("label_en", "VARCHAR"), ("is_approximate", "BOOLEAN"), ("note", "VARCHAR"),
         ("source_ref", "VARCHAR")],
        ("key",),
    ),
    # the import tables (dispatch, sites, evacuees with a flagged sample; kyoryokutai,
    # migration_trials, wide_area_groups created empty): from importable.toml, the one place
    # they are defined
    **{tb.table: (tb.schema_columns(), tb.key) for tb in importable.TABLES},
    "overlay_themes": ([("metric", "VARCHAR"), ("theme_id", "VARCHAR")], ("metric", "theme_id")),
    # the tables of a government's workbooks as published (public figures): importable.toml's
    # [[published]], their one definition
    **{tb.table: (tb.schema_columns(), tb.key) for tb in importable.PUBLISHED},
    "import_history": (
        [("version", "INTEGER"), ("action", "VARCHAR"), ("table_name", "VARCHAR"),
         ("file_name", "VARCHAR"), ("sha256", "VARCHAR"), ("rows_added", "INTEGER"),
         ("rows_replaced", "INTEGER"), ("rows_removed", "INTEGER"), ("rows_unchanged", "INTEGER"),
         ("user_name", "VARCHAR"), ("bureau_scope", "VARCHAR"), ("created_at", "VARCHAR"),
         ("note", "VARCHAR"), ("snapshot", "VARCHAR"), ("undone_by", "INTEGER"),
         ("undoes", "INTEGER"), ("file_size", "BIGINT"), ("from_version", "INTEGER"),
         ("changes", "VARCHAR"), ("user_role", "VARCHAR"), ("user_bureaus", "VARCHAR"),
         ("user_key", "VARCHAR")],
        ("version",),
    ),
    # who may change what (regionmap.db.users); follows the live file across undo and rebuilds.
    # issuer + subject: the account a record is bound to (None: matched by verified e-mail)
    "users": (
        [("email", "VARCHAR"), ("role", "VARCHAR"), ("bureaus", "VARCHAR"),
         ("added_by", "VARCHAR"), ("added_at", "VARCHAR"), ("issuer", "VARCHAR"),
         ("subject", "VARCHAR")],
        ("email",),
    ),
    "meta": ([("key", "VARCHAR"), ("value", "VARCHAR")], ("key",)),
}  # fmt: skip

#: The import tables: key columns, the period column (what a plan is counted by), and which
#: sample rows a real import replaces: those of the file's (period, bureau) pairs, or all of the
#: file's bureaus (sites: an inventory of points, a map mixing invented and real sites of a
#: bureau would mislead). From importable.toml (:data:`regionmap.importable.TABLES`).
OVERLAY_TABLES: dict[str, dict[str, Any]] = {
    tb.table: {"key": tb.key, "period": tb.period, "replaces": tb.replaces}
    for tb in importable.TABLES
}


#: The tables of public figures an import writes (a ministry's workbook, db.importer.fiscal):
#: replaced by key (fiscal year, municipality); they hold no sample. Not in
#: :data:`OVERLAY_TABLES`: a database build loads them whole from data/public (nothing to carry).
PUBLIC_TABLES: dict[str, dict[str, Any]] = {
    tb.table: {"key": tb.key, "period": tb.period, "replaces": "period"}
    for tb in importable.PUBLISHED
}
#: Every table an import writes (:mod:`regionmap.db.changes`).
WRITABLE_TABLES: dict[str, dict[str, Any]] = {**OVERLAY_TABLES, **PUBLIC_TABLES}


def sample_scope_sql(table: str) -> str:
    """WHERE condition of the sample rows an import into ``table`` replaces (uses ``_incoming``).

    Sample rows of a bureau the file covers (its municipalities' bureaus) and, unless the
    table replaces all of a bureau's sample, of a period the file has for that bureau.
    """
    spec = WRITABLE_TABLES[table]
    same_period = ""
    if spec["replaces"] != "all":
        period = spec["period"]
        ptype = dict(TABLES[table][0])[period]
        same_period = f" AND CAST(i.{period} AS {ptype}) = {table}.{period}"
    return (
        f"{table}.is_sample AND EXISTS (SELECT 1 FROM _incoming i "  # noqa: S608
        "JOIN municipalities mi ON mi.code = CAST(i.municipality_code AS VARCHAR) "
        f"JOIN municipalities mt ON mt.code = {table}.municipality_code "
        f"WHERE mi.bureau_code = mt.bureau_code{same_period})"
    )


HISTORY_FIELDS = [c for c, _ in TABLES["import_history"][0]]


def columns(table: str) -> list[str]:
    """Column names of a table (raises KeyError for a table not in the whitelist)."""
    return [c for c, _ in TABLES[table][0]]


def whitelisted(table: str, cols: Iterable[str] | None = None) -> str:
    """Check a table (and columns) against the whitelist and return the table name."""
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}")
    if cols is not None:
        allowed = set(columns(table))
        bad = [c for c in cols if c not in allowed]
        if bad:
            raise KeyError(f"unknown column(s) {bad} of table {table!r}")
    return table


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of :data:`TABLES` that ``con``'s database lacks."""
    for table, (cols, key) in TABLES.items():
        body = ", ".join(f"{c} {t}" for c, t in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body}, PRIMARY KEY ({', '.join(key)}))")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Insert the whitelisted columns of ``df`` into ``table`` (missing columns as NULL)."""
    cols = columns(whitelisted(table))
    if df.empty:
        return 0
    frame = df.reindex(columns=cols).astype(object).where(df.reindex(columns=cols).notna(), None)
    con.register("_frame", frame)
    try:
        names = ", ".join(cols)
        casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in TABLES[table][0])
        con.execute(f"INSERT INTO {table} ({names}) SELECT {casts} FROM _frame")  # noqa: S608
    finally:
        con.unregister("_frame")
    return len(frame)
