"""Read-only connections on the live database: one cached connection per file version,
reopened when an import swapped a new file in; the schema checked once per version.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd

from regionmap.db.load import ensure_database
from regionmap.db.schema import TABLES, _ident
from regionmap.db.store import _CACHE, _CACHE_LOCK, _CATALOG, _open_read_only, check, default_path


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
    st = os.stat(p)
    key = (st.st_mtime_ns, st.st_ino, st.st_size)
    with _CACHE_LOCK:
        entry = _CACHE.get(str(p))
        if entry is None or entry[0] != key:
            entry = (key, _open_read_only(p))
            _CACHE[str(p)] = entry
        cur = entry[1].cursor()
    cur.execute(f"USE {_CATALOG}")
    return cur


def _con(con) -> duckdb.DuckDBPyConnection:
    return con if con is not None else connect()


def read_table(table: str, con=None) -> pd.DataFrame:
    """A whole table (whitelisted name) as a DataFrame, in key order."""
    cols, key = TABLES[_ident(table)]
    return _con(con).execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}").df()  # noqa: S608


def meta(con=None) -> dict[str, str]:
    """The ``meta`` table as a dict (schema_version, created_at, sample_loaded …)."""
    return dict(_con(con).execute("SELECT key, value FROM meta").fetchall())
