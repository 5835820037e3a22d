"""Imports and undo: plan an import (what changes per table, period and bureau), commit it
as a new version, undo the latest.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regionmap import auth, reference, settings
from regionmap.db import audit, users
from regionmap.db.load import ensure_database
from regionmap.db.schema import (
    SCHEMA_VERSION,
    TABLES,
    WRITABLE_TABLES,
    columns,
    insert_frame,
    sample_scope_sql,
)
from regionmap.db.store import (
    connection_schema,
    default_path,
    file_schema,
    history_dir,
    imported_before,
    open_read_only,
    os_user,
    undo_target,
    write_version,
)

# --------------------------------------------------------------------------------------
# Imports (SQL side; parsing and validation live in regionmap.db.importer)
# --------------------------------------------------------------------------------------

_VALUE_COLS = {t: [c for c in columns(t) if c not in spec["key"] and c != "import_id"] for t, spec in WRITABLE_TABLES.items()}  # fmt: skip


def plan_import(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> dict:
    """What importing ``rows`` (normalised, real) into ``table`` would change.

    Returns dict(rows=<rows with a ``change`` column: add|replace|unchanged>,
    added, replaced, unchanged, removed (sample rows of the same periods and bureaus
    that go), periods (sorted list), removed_by_period {period: count},
    removed_by_bureau [{bureau_code, short_ja, name_en, rows}] in bureau order).
    """
    if table not in WRITABLE_TABLES:
        raise KeyError(f"cannot import into {table!r}")
    key = WRITABLE_TABLES[table]["key"]
    period = WRITABLE_TABLES[table]["period"]
    vals = _VALUE_COLS[table]
    incoming = rows.reindex(columns=columns(table))  # a new frame: ``rows`` is left alone
    incoming["is_sample"] = False  # imported rows are real
    incoming["import_id"] = None
    incoming["_row"] = range(len(incoming))
    incoming = incoming.astype(object).where(incoming.notna(), None)
    con.register("_incoming", incoming)
    try:
        casts = ", ".join(f"CAST(i.{c} AS {t}) AS {c}" for c, t in TABLES[table][0])
        on = " AND ".join(f"t.{k} = i.{k}" for k in key)
        same = " AND ".join(f"t.{v} IS NOT DISTINCT FROM i.{v}" for v in vals)
        # only the rows of the file's periods can match a key that holds the period
        live = (
            f"(SELECT * FROM {table} WHERE {period} IN (SELECT {period} FROM i))"  # noqa: S608
            if period in key
            else table
        )
        change = con.execute(
            f"WITH i AS (SELECT {casts}, i._row FROM _incoming i) "  # noqa: S608
            f"SELECT i._row, CASE WHEN t.{key[0]} IS NULL OR t.is_sample THEN 'add' "
            f"WHEN {same} THEN 'unchanged' ELSE 'replace' END AS change "
            f"FROM i LEFT JOIN {live} t ON {on} ORDER BY i._row"
        ).fetchall()
        removed = con.execute(
            f"SELECT {period}, count(*) FROM {table} WHERE {sample_scope_sql(table)} "  # noqa: S608
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        by_bureau = con.execute(
            f"SELECT b.bureau_code, b.short_ja, b.name_en, count(*) FROM {table} "  # noqa: S608
            f"JOIN municipalities m ON m.code = {table}.municipality_code "
            "JOIN bureaus b ON b.bureau_code = m.bureau_code "
            f"WHERE {sample_scope_sql(table)} GROUP BY 1, 2, 3 ORDER BY 1"
        ).fetchall()
    finally:
        con.unregister("_incoming")
    out = rows.copy()
    out["change"] = [c for _, c in change]
    counts = out["change"].value_counts()
    periods = sorted({_period_key(v) for v in rows[period]})
    return {
        "rows": out,
        "added": int(counts.get("add", 0)),
        "replaced": int(counts.get("replace", 0)),
        "unchanged": int(counts.get("unchanged", 0)),
        "removed": int(sum(n for _, n in removed)),
        "removed_by_period": {_period_key(p): int(n) for p, n in removed},
        "removed_by_bureau": [
            {"bureau_code": c, "short_ja": ja, "name_en": en, "rows": int(n)}
            for c, ja, en, n in by_bureau
        ],
        "periods": periods,
    }


def _period_key(v: Any) -> str:
    if isinstance(v, (dt.date, pd.Timestamp)):
        return f"{v.year:04d}-{v.month:02d}"
    return str(int(v)) if not isinstance(v, str) else v


def read_plan(path: str | os.PathLike | None, table: str, rows: pd.DataFrame) -> dict:
    """:func:`plan_import` against the live database (opened read-only)."""
    return dry_run(path, table, rows)[0]


def dry_run(
    path: str | os.PathLike | None, table: str, rows: pd.DataFrame, sha256: str | None = None
) -> tuple[dict, dict | None]:
    """:func:`plan_import` against the live database, and whether the file with checksum
    ``sha256`` was imported into ``table`` before (:func:`regionmap.db.store.imported_before`),
    on one read-only connection: the live file is opened once (checked, planned against and
    asked for that one record), and the plan and the record read the same version."""
    con = _open_live(default_path(path))
    try:
        plan = plan_import(con, table, rows)
        return plan, imported_before(con, sha256, table) if sha256 is not None else None
    finally:
        con.close()


def _open_live(p: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the live file with the current schema: the file opened once
    when it is current; created or rebuilt first otherwise (:func:`ensure_database`, which
    also says what to do with a file DuckDB cannot open)."""
    if p.exists():
        try:
            con = open_read_only(p)
        except duckdb.Error:
            con = None
        if con is not None:
            if connection_schema(con) == SCHEMA_VERSION:
                return con
            con.close()
    ensure_database(p)
    return open_read_only(p)


def commit_import(
    path: str | os.PathLike | None,
    table: str,
    rows: pd.DataFrame,
    *,
    file_name: str | None = None,
    sha256: str | None = None,
    file_size: int | None = None,
    user: str | None = None,
    bureau_scope: Sequence[str] | None = None,
    note: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    actor: auth.Identity | None = None,
) -> dict:
    """Write ``rows`` into ``table`` as a new version (all or nothing).

    ``actor``: the signed-in person importing (None: the command line's operator). Their
    rights are read again from the live file under the writer lock: someone who may not
    import now, or not rows of these bureaus, gets :class:`regionmap.auth.Refused` and
    nothing is written (:func:`regionmap.db.users.authorise`).

    Sample rows of the same periods and bureaus are removed (see
    :func:`sample_scope_sql`; other bureaus keep theirs), rows with an existing key are
    replaced, unchanged rows are left alone. When nothing would change, nothing
    is written and the returned record has ``action == "unchanged"``. Returns
    the history record plus ``plan`` (see :func:`plan_import`).
    """
    p = default_path(path)
    ensure_database(p)
    key = WRITABLE_TABLES[table]["key"]
    holder: dict[str, Any] = {}

    def apply(con, version):
        plan = plan_import(con, table, rows)
        holder["plan"] = plan
        if plan["added"] + plan["replaced"] + plan["removed"] == 0:
            raise _NoChange()
        every = plan["rows"].drop(columns="change").reindex(columns=columns(table))
        todo = plan["rows"][plan["rows"]["change"] != "unchanged"].drop(columns="change").copy()
        todo["is_sample"] = False
        todo["import_id"] = version
        frame = todo.reindex(columns=columns(table))
        frame = frame.astype(object).where(frame.notna(), None)
        # the sample rows the plan counted: of every row of the file (unchanged ones too)
        con.register("_incoming", every.astype(object).where(every.notna(), None))
        try:
            con.execute(f"DELETE FROM {table} WHERE {sample_scope_sql(table)}")  # noqa: S608
        finally:
            con.unregister("_incoming")
        con.register("_incoming", frame)
        try:
            on = " AND ".join(
                f"{table}.{k} = CAST(i.{k} AS {dict(TABLES[table][0])[k]})" for k in key
            )
            con.execute(f"DELETE FROM {table} USING _incoming i WHERE {on}")  # noqa: S608
        finally:
            con.unregister("_incoming")
        insert_frame(con, table, frame)
        return {
            "rows_added": plan["added"],
            "rows_replaced": plan["replaced"],
            "rows_removed": plan["removed"],
            "rows_unchanged": plan["unchanged"],
            "changes": audit.import_changes(con, table, plan),
        }

    record = {
        "action": "import",
        "table_name": table,
        "file_name": file_name,
        "sha256": sha256,
        "file_size": file_size,
        "user_name": user or os_user(),
        "bureau_scope": ";".join(bureau_scope) if bureau_scope else None,
        "note": note,
    }

    def authorise() -> dict:
        return users.authorise(actor, p, "import", bureaus=_bureaus_of(rows))

    try:
        rec = write_version(p, apply, record, progress=progress, authorise=authorise)
    except _NoChange:
        plan = holder["plan"]
        return {**record, "action": "unchanged", "version": None, "plan": plan,
                "rows_added": 0, "rows_replaced": 0, "rows_removed": 0,
                "rows_unchanged": plan["unchanged"]}  # fmt: skip
    rec["plan"] = holder["plan"]
    return rec


class _NoChange(Exception):
    pass


def _bureaus_of(rows: pd.DataFrame) -> set[str]:
    """The bureau codes of the municipalities ``rows`` touch."""
    munis = reference.municipalities()
    bureau_of = dict(zip(munis["code"], munis["bureau_code"], strict=True))
    codes = rows["municipality_code"] if "municipality_code" in rows else []
    return {bureau_of.get(str(c), "?") for c in codes}


def undo(
    path: str | os.PathLike | None = None,
    *,
    user: str | None = None,
    note: str | None = None,
    actor: auth.Identity | None = None,
) -> dict:
    """Restore the version before the latest import (or forced init) not yet undone.

    The undo is itself a new, recorded version (the undone file is not kept: no
    redo; the snapshots kept are those of imports, ``history_keep`` of them). Raises
    ``LookupError`` when there is nothing to undo or the previous file is no
    longer kept (``history_keep``). ``actor``: the signed-in person undoing (None: the
    command line's operator); their rights are read again from the live file under the
    writer lock, and :class:`regionmap.auth.Refused` raised, nothing written, unless they
    may undo that version now (:func:`regionmap.auth.undo_refusal`: an editor only their
    own imports, an administrator any).
    """
    p = default_path(path)
    chosen: dict[str, Any] = {}
    then: dict[str, Any] = {}

    def pick(entries: list[dict]) -> Path:
        # under the writer lock: two undos at once undo two versions, not one twice
        target = undo_target(entries, p)
        if target is None:
            raise LookupError("nothing to undo")
        refusal = auth.undo_reason(then["identity"], target)
        if refusal is not None:
            raise refusal
        snap = history_dir(p) / target["snapshot"]
        if not snap.is_file():
            raise LookupError(
                f"the version before #{target['version']} is no longer kept "
                f"(only the last {settings.get('history_keep')} are)"
            )
        if file_schema(snap) != SCHEMA_VERSION:  # before a schema upgrade (which kept imports)
            raise LookupError(
                f"the version before #{target['version']} has an older database schema and "
                "cannot be restored (the upgrade kept every imported row)"
            )
        chosen["target"] = target
        return snap

    def mark(all_entries: list[dict], version: int) -> None:
        for e in all_entries:
            if e["version"] == chosen["target"]["version"]:
                e["undone_by"] = version

    def apply(con, version):
        target = chosen["target"]
        return {
            "table_name": target.get("table_name"),
            "file_name": target.get("file_name"),
            "sha256": target.get("sha256"),
            "file_size": target.get("file_size"),
            "bureau_scope": target.get("bureau_scope"),
            "changes": target.get("changes"),  # what is taken back
            "undoes": target["version"],
        }

    if not p.exists():
        raise LookupError("nothing to undo")
    record = {"action": "undo", "user_name": user or os_user(), "note": note}
    # the state before the undo is not kept: undo is not itself undoable (no redo)
    return write_version(
        p,
        apply,
        record,
        base=pick,
        mark=mark,
        keep_previous=False,
        authorise=lambda: users.authorise(actor, p, "undo", then=then),
    )
