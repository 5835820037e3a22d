"""Read-only connections on the live database: one cached connection per file version,
reopened when an import swapped a new file in; the schema checked once per version.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd

from regionmap import settings
from regionmap.db.load import ensure_database
from regionmap.db.schema import TABLES, whitelisted
from regionmap.db.store import check, default_path, reader


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only cursor on the live database; creates the database if missing.

    Cheap (one ``stat``); thread-safe (each call returns its own cursor on a
    shared, cached connection); reopens when an import swapped the file in.
    Once per file version the schema is checked: an older one is rebuilt
    (:func:`ensure_database`), a file DuckDB cannot open raises
    :class:`DatabaseError` saying what to do.
    """
    p = default_path(path)
    if not check(p):
        ensure_database(p)
    return reader(p)


def cursor(con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """``con``, or a cursor on the live database when it is None (the queries' ``con=None``)."""
    return con if con is not None else connect()


def read_table(table: str, con=None) -> pd.DataFrame:
    """A whole table (whitelisted name) as a DataFrame, in key order; a table with sample
    rows without them when samples are hidden (:func:`regionmap.settings.samples_shown`)."""
    cols, key = TABLES[whitelisted(table)]
    hidden = not settings.samples_shown() and "is_sample" in dict(cols)
    where = " WHERE NOT is_sample" if hidden else ""
    return cursor(con).execute(f"SELECT * FROM {table}{where} ORDER BY {', '.join(key)}").df()  # noqa: S608


def meta(con=None) -> dict[str, str]:
    """The ``meta`` table as a dict (schema_version, created_at, sample_loaded …)."""
    return dict(cursor(con).execute("SELECT key, value FROM meta").fetchall())
