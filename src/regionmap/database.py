"""The policy database: schema, versioned store, connection and every query.

This is the only module with SQL. Views and other modules call the functions
here; filters become ``(sql, params)`` in small pure functions (``*_filter``)
with bound parameters only. Table and column names come from the fixed
whitelist :data:`TABLES`, never from input.

Storage and concurrency
-----------------------
DuckDB lets one process write a file and locks it against every other process
(even read-only opens fail). So the live file (``settings.get("db_path")``) is
never written in place:

1. a writer (``init``, an import, an undo) takes an advisory lock on
   ``<db>.lock`` (writers queue; readers never touch the lock), removes stray
   temp files of killed writers, copies the live file to ``.<db>.tmp-<pid>``,
   applies its change there (the history record goes into its
   ``import_history`` table), ``CHECKPOINT`` s and closes it (16 KB blocks: a
   ~1.3 MB file instead of ~10 MB with DuckDB's default 256 KB);
2. the previous live file is kept as ``<db>.history/NNNN.duckdb`` (a hard link
   when the file system allows it: the live file is never modified, so the link
   is a true snapshot); the last ``history_keep`` are kept;
3. ``os.replace`` moves the new file onto the live path (atomic on POSIX; on
   Windows a reader holding the file makes it fail with ``PermissionError``:
   retried for about 5 s, then refused with a message asking to close the app);
4. ``<db>.history/history.json`` is rewritten (atomically) with every record,
   so the history can be read without opening the database.

An undo is a new version built from the kept snapshot before the undone import
(the undone state itself is not kept: there is no redo). A database whose
schema version differs is rebuilt by :func:`ensure_database` (old file kept).

Readers (:func:`connect`) open the live file read-only, attached to a private
in-memory DuckDB (which sidesteps DuckDB's per-path instance cache that would
keep serving the old file), cached per ``(path, st_mtime_ns, st_ino,
st_size)``: every call stats the file and reopens when an import swapped it,
so the app sees the new data at its next rerun and never half an import. Any
number of processes may read at once. A writer killed mid-way leaves the live
file untouched and a stray temp file that the next writer removes.

Tables
------
Reference (from :mod:`regionmap.reference`):
    ``regions``, ``bureaus``, ``municipalities`` (179 + Sapporo's 10 wards +
    6 Northern Territories villages, ``kind`` tells which).
Document facts (from ``data/policy/*.csv``, each row with ``source_ref``):
    ``themes`` (4 pillars, 4 directions), ``priority_projects``,
    ``proposals`` + ``proposal_bureaus`` (joint proposals have several),
    ``measures`` + ``measure_proposals``, ``bureau_projects``,
    ``document_totals``; theme tags of all of them in
    ``item_themes(item_type, item_id, theme_id)``.
Overlay figures (sample from :mod:`regionmap.sample` until real files are imported):
    ``dispatch`` (key fiscal_year, municipality_code, kind),
    ``sites`` (key site_id; its fiscal year is ``start_fy``),
    ``evacuees`` (key month, municipality_code, prefecture_ja); each row has
    ``is_sample``, ``source_ja``, ``source_en`` and ``import_id`` (the history
    version that wrote it). Their theme tags: ``overlay_themes(metric, theme_id)``.
Bookkeeping: ``import_history`` (one row per version), ``meta`` (key, value).

SQL text is assembled only from fixed fragments of this module and whitelisted
names (hence the ``noqa: S608`` marks); every value is a bound parameter.

Imports upsert by key; real rows replace the *sample* rows of the same table,
period (fiscal year; month for evacuees) and bureau: a file of Tokachi's FY2016
dispatches removes Tokachi's FY2016 sample rows only, the other bureaus keep
theirs (still flagged sample, so the app keeps saying so). Sites replace every
sample site of the bureaus the file covers, whatever their year (a map mixing
invented and real points of one bureau would mislead). Real rows not in the
file are kept (so a bureau can import only its own rows).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regionmap import figures, settings

#: Bump when :data:`TABLES` changes: an existing file of another version is rebuilt from the
#: committed files on first use (the old file kept for undo). 2: proposals.policy_area_en,
#: proposals.bureau_label_ja, measures.note.
SCHEMA_VERSION = 2
BLOCK_SIZE = 16384
#: Fiscal year of the planning document (平成27年度).
DOCUMENT_FISCAL_YEAR = 2015
DOCUMENT_SOURCE_JA = "北海道の地域政策に関する資料（平成27年度）"
DOCUMENT_SOURCE_EN = "Hokkaido regional policy document (FY2015)"
SAMPLE_SOURCE_JA = "サンプル（資料の合計に合わせて作成した架空の内訳）"
SAMPLE_SOURCE_EN = "Sample (invented breakdown that agrees with the document's totals)"
POLICY_DIR = settings.DATA_DIR / "policy"

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

#: Dispatch kinds and site kinds: id -> (Japanese, English), from the figure registry.
DISPATCH_KINDS: dict[str, tuple[str, str]] = figures.get("dispatch").kind_labels()
SITE_KINDS: dict[str, tuple[str, str]] = figures.get("sites").kind_labels()

#: The figures (``figures.FIGURES``) by origin: the document's items, per-municipality ones.
METRICS: tuple[str, ...] = figures.ids()
OVERLAY_METRICS: tuple[str, ...] = figures.ids(origin="municipal")
DOCUMENT_METRICS: tuple[str, ...] = figures.ids(origin="document")
AREA_LEVELS = ("region", "bureau", "municipality")

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
         ("kind_en", "VARCHAR"), ("seat_ja", "VARCHAR"), ("seat_code", "VARCHAR"),
         ("region_code", "VARCHAR"), ("municipality_count", "INTEGER")],
        ("bureau_code",),
    ),
    "municipalities": (
        [("code", "VARCHAR"), ("code6", "VARCHAR"), ("name_ja", "VARCHAR"),
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
    "dispatch": (
        [("fiscal_year", "INTEGER"), ("municipality_code", "VARCHAR"), ("kind", "VARCHAR"),
         ("kind_ja", "VARCHAR"), ("kind_en", "VARCHAR"), ("persons", "INTEGER"),
         ("status", "VARCHAR"),
         ("is_sample", "BOOLEAN"), ("source_ja", "VARCHAR"), ("source_en", "VARCHAR"),
         ("import_id", "INTEGER")],
        ("fiscal_year", "municipality_code", "kind"),
    ),
    "sites": (
        [("site_id", "VARCHAR"), ("name_ja", "VARCHAR"), ("name_en", "VARCHAR"),
         ("municipality_code", "VARCHAR"), ("kind", "VARCHAR"), ("kind_ja", "VARCHAR"),
         ("kind_en", "VARCHAR"), ("lon", "DOUBLE"), ("lat", "DOUBLE"), ("start_fy", "INTEGER"),
         ("is_model_project", "BOOLEAN"), ("operator_ja", "VARCHAR"), ("operator_en", "VARCHAR"),
         ("is_sample", "BOOLEAN"), ("source_ja", "VARCHAR"), ("source_en", "VARCHAR"),
         ("import_id", "INTEGER")],
        ("site_id",),
    ),
    "evacuees": (
        [("month", "DATE"), ("municipality_code", "VARCHAR"), ("prefecture_ja", "VARCHAR"),
         ("prefecture_en", "VARCHAR"), ("persons", "INTEGER"), ("is_sample", "BOOLEAN"),
         ("source_ja", "VARCHAR"), ("source_en", "VARCHAR"), ("import_id", "INTEGER")],
        ("month", "municipality_code", "prefecture_ja"),
    ),
    "overlay_themes": ([("metric", "VARCHAR"), ("theme_id", "VARCHAR")], ("metric", "theme_id")),
    "import_history": (
        [("version", "INTEGER"), ("action", "VARCHAR"), ("table_name", "VARCHAR"),
         ("file_name", "VARCHAR"), ("sha256", "VARCHAR"), ("rows_added", "INTEGER"),
         ("rows_replaced", "INTEGER"), ("rows_removed", "INTEGER"), ("rows_unchanged", "INTEGER"),
         ("user_name", "VARCHAR"), ("bureau_scope", "VARCHAR"), ("created_at", "VARCHAR"),
         ("note", "VARCHAR"), ("snapshot", "VARCHAR"), ("undone_by", "INTEGER"),
         ("undoes", "INTEGER")],
        ("version",),
    ),
    "meta": ([("key", "VARCHAR"), ("value", "VARCHAR")], ("key",)),
}  # fmt: skip

#: Overlay tables: key columns, the period column, and which sample rows a real import
#: replaces: those of the file's (period, bureau) pairs, or all of the file's bureaus (sites:
#: an inventory of points, a map mixing invented and real sites of a bureau would mislead).
OVERLAY_TABLES: dict[str, dict[str, Any]] = {
    "dispatch": {"key": ("fiscal_year", "municipality_code", "kind"), "period": "fiscal_year", "replaces": "period"},
    "sites": {"key": ("site_id",), "period": "start_fy", "replaces": "all"},
    "evacuees": {"key": ("month", "municipality_code", "prefecture_ja"), "period": "month", "replaces": "period"},
}  # fmt: skip


def _sample_scope_sql(table: str) -> str:
    """WHERE condition of the sample rows an import into ``table`` replaces (uses ``_incoming``).

    Sample rows of a bureau the file covers (its municipalities' bureaus) and, unless the
    table replaces all of a bureau's sample, of a period the file has for that bureau.
    """
    spec = OVERLAY_TABLES[table]
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


def _ident(table: str, cols: Iterable[str] | None = None) -> str:
    """Check a table (and columns) against the whitelist and return the table name."""
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}")
    if cols is not None:
        allowed = set(columns(table))
        bad = [c for c in cols if c not in allowed]
        if bad:
            raise KeyError(f"unknown column(s) {bad} of table {table!r}")
    return table


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for table, (cols, key) in TABLES.items():
        body = ", ".join(f"{c} {t}" for c, t in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body}, PRIMARY KEY ({', '.join(key)}))")


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Insert the whitelisted columns of ``df`` into ``table`` (missing columns as NULL)."""
    cols = columns(_ident(table))
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


# --------------------------------------------------------------------------------------
# Paths, history records, the writer lock
# --------------------------------------------------------------------------------------


def default_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: ``path`` if given, else ``settings.get("db_path")``."""
    return Path(path if path is not None else settings.get("db_path")).expanduser().absolute()


def history_dir(path: str | os.PathLike | None = None) -> Path:
    """Folder of the previous versions and ``history.json``: ``<db>.history``."""
    p = default_path(path)
    return p.with_name(p.name + ".history")


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


@contextlib.contextmanager
def _writer_lock(path: Path, timeout: float = 120.0):
    """Advisory lock on ``<db>.lock`` so writers queue; readers never take it."""
    lock_path = path.with_name(path.name + ".lock")
    fh = open(lock_path, "a+b")
    deadline = time.monotonic() + timeout
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            while True:
                try:
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"another import is running on {path}") from None
                    time.sleep(0.2)
        else:
            import fcntl

            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"another import is running on {path}") from None
                    time.sleep(0.1)
        yield
    finally:
        if os.name != "nt":
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def _clean_stray(path: Path) -> list[Path]:
    """Remove temp files left by killed writers (call with the writer lock held)."""
    removed = []
    for p in path.parent.glob(_tmp_prefix(path) + "*"):
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _read_history_file(path: Path) -> list[dict] | None:
    f = history_dir(path) / "history.json"
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _write_history_file(path: Path, entries: list[dict]) -> None:
    f = history_dir(path) / "history.json"
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_name(f".history.json.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, f)


def _history_from_db(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        con = _open_read_only(path)
    except duckdb.Error:  # a damaged file has no readable history (init --force replaces it)
        return []
    try:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'import_history'"
        ).fetchone()[0]:
            return []
        df = con.execute("SELECT * FROM import_history ORDER BY version").df()
    finally:
        con.close()
    return [_clean_record(r) for r in df.to_dict("records")]


def _clean_record(rec: dict) -> dict:
    out = {}
    for k in HISTORY_FIELDS:
        v = rec.get(k)
        if v is not None and not isinstance(v, str) and pd.isna(v):
            v = None
        if k in {"version", "rows_added", "rows_replaced", "rows_removed", "rows_unchanged",
                 "undone_by", "undoes"} and v is not None:  # fmt: skip
            v = int(v)
        out[k] = v
    return out


def _history_entries(path: Path) -> list[dict]:
    """History records: from ``history.json``; from the live DB if the file is missing."""
    entries = _read_history_file(path)
    if entries is None:
        entries = _history_from_db(path)
    return [_clean_record(e) for e in entries]


def history(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every version of the database, newest first, without opening the live DB for writing.

    Columns: version, action (init|import|undo), table_name, file_name, sha256,
    rows_added, rows_replaced, rows_removed, rows_unchanged, user_name,
    bureau_scope, created_at (UTC ISO), note, snapshot, undone_by, undoes,
    plus ``undoable`` (bool).
    """
    p = default_path(path)
    entries = _history_entries(p)
    df = pd.DataFrame(entries, columns=HISTORY_FIELDS)
    for col in ("version", "rows_added", "rows_replaced", "rows_removed", "rows_unchanged",
                "undone_by", "undoes"):  # fmt: skip
        df[col] = df[col].astype("Int64")
    target = _undo_target(entries, p)
    df["undoable"] = df["version"] == (target["version"] if target else -1)
    return df.sort_values("version", ascending=False, ignore_index=True)


def _snapshot(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        dest.unlink()
    try:
        os.link(src, dest)  # the live file is never modified in place: a link is a snapshot
    except OSError:
        shutil.copyfile(src, dest)


def _replace(tmp: Path, path: Path) -> None:
    if os.name != "nt":
        os.replace(tmp, path)
        return
    close_all(path)  # pragma: no cover - Windows: our own readers hold the file
    for attempt in range(25):  # pragma: no cover
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            if attempt == 24:
                raise PermissionError(
                    f"{path} is held open by another program (the app?); close it and retry"
                ) from None
            time.sleep(0.2)


def _prune(path: Path, keep: int) -> None:
    snaps = sorted(history_dir(path).glob("[0-9][0-9][0-9][0-9]*.duckdb"))
    for old in snaps[: max(0, len(snaps) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()


def _pause_hook() -> None:
    """Test hook: ``REGIONMAP_TEST_IMPORT_PAUSE=<seconds>`` sleeps after the temp file is written."""
    raw = os.environ.get("REGIONMAP_TEST_IMPORT_PAUSE")
    if raw:
        marker = os.environ.get("REGIONMAP_TEST_IMPORT_MARKER")
        if marker:
            Path(marker).write_text(str(os.getpid()))
        time.sleep(float(raw))


def _write_version(
    path: Path,
    apply: Callable[[duckdb.DuckDBPyConnection, int], dict | None],
    record: dict,
    *,
    fresh: bool = False,
    base: Path | Callable[[list[dict]], Path] | None = None,
    mark: Callable[[list[dict], int], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
    only_if_missing: bool = False,
    skip_if: Callable[[], bool] | None = None,
    keep_previous: bool = True,
) -> dict:
    """Build the next version in a temp file and swap it in; return its history record.

    ``apply(con, version)`` changes the copy and may return fields for the record
    (or raise to abandon, leaving everything as it was). ``fresh`` starts from an
    empty file, ``base`` from a given file instead of the live one; ``mark`` may
    edit the earlier records (undo marks the undone one). ``only_if_missing`` and
    ``skip_if`` are checked under the writer lock and raise ``FileExistsError``
    (another process did the work meanwhile).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path):
        if (only_if_missing and path.exists()) or (skip_if is not None and skip_if()):
            raise FileExistsError(path)
        _clean_stray(path)
        entries = _history_entries(path)
        version = max((e["version"] for e in entries), default=0) + 1
        tmp = path.with_name(f"{_tmp_prefix(path)}{os.getpid()}-{version}")
        if callable(base):  # chosen under the lock (undo picks its target here)
            base = base(entries)
        src = base if base is not None else (None if fresh or not path.exists() else path)
        try:
            if src is not None:
                shutil.copyfile(src, tmp)
            # 16 KB blocks: the default 256 KB block per column segment makes a 10 MB file
            con = duckdb.connect(str(tmp), config={"default_block_size": str(BLOCK_SIZE)})
            try:
                _create_schema(con)
                extra = apply(con, version) or {}
                rec = {k: None for k in HISTORY_FIELDS}
                rec.update(record)
                rec.update(extra)
                rec.update(
                    version=version,
                    created_at=_now(),
                    snapshot=f"{version:04d}.duckdb" if keep_previous and path.exists() else None,
                )
                if mark is not None:
                    mark(entries, version)
                all_entries = [*entries, _clean_record(rec)]
                con.execute("DELETE FROM import_history")
                _insert_frame(
                    con, "import_history", pd.DataFrame(all_entries, columns=HISTORY_FIELDS)
                )
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if progress:
                progress(0.9, "swap")
            _pause_hook()
            if rec["snapshot"]:
                _snapshot(path, history_dir(path) / rec["snapshot"])
            _replace(tmp, path)
        except BaseException:
            for p in (tmp, tmp.with_name(tmp.name + ".wal")):
                with contextlib.suppress(OSError):
                    p.unlink()
            raise
        _write_history_file(path, all_entries)
        _prune(path, settings.get("history_keep"))
    if progress:
        progress(1.0, "done")
    return _clean_record(rec)


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

    df = _read_policy("themes")
    if df is not None:
        counts["themes"] = _insert_frame(con, "themes", df)
    df = _read_policy("priority_projects")
    if df is not None:
        counts["priority_projects"] = _insert_frame(con, "priority_projects", df)
        for r in df.to_dict("records"):
            tag(
                "priority_project",
                r["project_id"],
                [r.get("direction_theme_id")],
                _split(r.get("theme_ids")),
            )
    df = _read_policy("proposals")
    if df is not None:
        df["is_joint"] = _as_bool(df["is_joint"]) if "is_joint" in df else None
        counts["proposals"] = _insert_frame(con, "proposals", df)
        links = [
            {"proposal_id": r["proposal_id"], "bureau_code": b}
            for r in df.to_dict("records")
            for b in dict.fromkeys(_split(r.get("bureau_codes")))
        ]
        _insert_frame(con, "proposal_bureaus", pd.DataFrame(links))
        for r in df.to_dict("records"):
            tag(
                "proposal", r["proposal_id"], [r.get("pillar_theme_id")], _split(r.get("theme_ids"))
            )
    df = _read_policy("measures")
    if df is not None:
        counts["measures"] = _insert_frame(con, "measures", df)
        links = [
            {"measure_id": r["measure_id"], "proposal_id": p}
            for r in df.to_dict("records")
            for p in dict.fromkeys(_split(r.get("proposal_ids")))
        ]
        _insert_frame(con, "measure_proposals", pd.DataFrame(links))
        for r in df.to_dict("records"):
            tag("measure", r["measure_id"], [r.get("pillar_theme_id")], _split(r.get("theme_ids")))
    df = _read_policy("bureau_projects")
    if df is not None:
        counts["bureau_projects"] = _insert_frame(con, "bureau_projects", df)
        for r in df.to_dict("records"):
            tag("bureau_project", r["item_id"], _split(r.get("theme_ids")))
    df = _read_policy("document_totals")
    if df is not None:
        if "is_approximate" in df:
            df["is_approximate"] = _as_bool(df["is_approximate"])
        counts["document_totals"] = _insert_frame(con, "document_totals", df)
    _insert_frame(con, "item_themes", pd.DataFrame(tags))
    return counts


def _sample_frames() -> dict[str, pd.DataFrame] | None:
    try:
        from regionmap import sample  # the data engineer's deterministic generator
    except ImportError:
        return None
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
        from regionmap import geo

        if geo.layers_available():
            return geo.load_layer("municipalities", "detail")
    except Exception:  # no layers yet: sites get no coordinates (noted in meta)
        return None
    return None


def _load_content(con: duckdb.DuckDBPyConnection, progress=None) -> dict:
    from regionmap import reference

    if progress:
        progress(0.1, "reference")
    _insert_frame(con, "regions", reference.regions())
    _insert_frame(con, "bureaus", reference.bureaus())
    _insert_frame(con, "municipalities", reference.municipalities().replace({"": None}))
    if progress:
        progress(0.3, "policy")
    counts = _load_policy(con)
    _insert_frame(
        con,
        "overlay_themes",
        pd.DataFrame([{"metric": f.id, "theme_id": t} for f in figures.FIGURES for t in f.themes]),
    )
    if progress:
        progress(0.5, "sample")
    frames = _sample_frames()
    if frames is not None:
        for name, df in frames.items():
            counts[name] = _insert_frame(con, name, df)
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "created_at": _now(),
        "sample_loaded": str(frames is not None).lower(),
        "sites_placed": str(
            frames is not None and bool(frames["sites"]["lon"].notna().all())
        ).lower(),
        "policy_tables": ";".join(sorted(counts)),
    }
    _insert_frame(con, "meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))
    return counts


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
    lock is held, so processes racing to upgrade rebuild once.
    """
    p = default_path(path)
    if p.exists() and not force:
        return {"action": "exists", "path": str(p)}

    def apply(con, version):
        counts = _load_content(con, progress)
        text = json.dumps(counts, ensure_ascii=False)
        return {
            "rows_added": int(sum(counts.values())),
            "note": f"{note}: {text}" if note else text,
        }

    record = {"action": "init", "user_name": user or _user(), "file_name": None}
    try:
        return _write_version(
            p,
            apply,
            record,
            fresh=True,
            progress=progress,
            only_if_missing=not force,
            skip_if=(lambda: p.exists() and _file_schema(p) == SCHEMA_VERSION) if upgrade else None,
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
        if _file_schema(p) == SCHEMA_VERSION:
            return p
        # an older schema (or not our database): rebuild, keeping the old file for undo
        init_database(p, force=True, progress=progress, note="schema upgrade", upgrade=True)
        return p
    init_database(p, force=False, progress=progress)  # re-checked under the writer lock
    return p


class DatabaseError(RuntimeError):
    """The database file cannot be used; the message names the file and what to do."""


def _unusable(path: Path, exc: BaseException) -> DatabaseError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DatabaseError(
        f"データベースファイル {path} を開けません（壊れているか DuckDB のファイルではありません）。"
        f"`python -m regionmap db init --force` で作り直してください（元のファイルは {path.name}.history/"
        f" に残ります）。/ The database file {path} cannot be opened (damaged, or not a DuckDB "
        f"file: {detail}). Rebuild it with `python -m regionmap db init --force` (the old file "
        f"is kept in {path.name}.history/), or move it away, then reload the app."
    )


def _file_schema(path: Path) -> int | None:
    """Schema version of an existing file; None for a DuckDB file that is not ours.

    Raises :class:`DatabaseError` when DuckDB cannot open the file at all.
    """
    try:
        con = _open_read_only(path)
    except duckdb.Error as exc:
        raise _unusable(path, exc) from exc
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None
    except (duckdb.Error, ValueError):
        return None
    finally:
        con.close()


def check(path: str | os.PathLike | None = None) -> bool:
    """Whether the database file exists with the current schema (cached per file version).

    False for a missing, older, foreign or damaged file (:func:`ensure_database`
    then rebuilds it, or raises :class:`DatabaseError` saying what to do). Cheap on
    repeat calls (one ``stat``): the app calls it every run.
    """
    p = default_path(path)
    try:
        st = os.stat(p)
    except OSError:  # missing (or a parent is not a folder: ensure_database says so)
        return False
    key = (str(p), st.st_mtime_ns, st.st_ino, st.st_size)
    with _CACHE_LOCK:
        if key in _CHECKED:
            return True
    try:
        if _file_schema(p) != SCHEMA_VERSION:
            return False
    except DatabaseError:
        return False
    with _CACHE_LOCK:
        _CHECKED.add(key)
    return True


def schema_version(path: str | os.PathLike | None = None) -> int | None:
    """Schema version of a database file (None when it is not one of ours)."""
    try:
        con = _open_read_only(default_path(path))
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None
    except (duckdb.Error, ValueError):
        return None
    finally:
        con.close()


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name (containers)
        return None


# --------------------------------------------------------------------------------------
# Reading: the cached read-only connection
# --------------------------------------------------------------------------------------

_CACHE: dict[str, tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]] = {}
_CACHE_LOCK = threading.Lock()
#: (path, st_mtime_ns, st_ino, st_size) of files found to have the current schema
_CHECKED: set[tuple[str, int, int, int]] = set()
_CATALOG = "regionmap"


def _open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    # a private in-memory instance with the file attached: DuckDB's instance cache
    # (keyed by path) would otherwise keep serving the replaced file
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    con.execute(f"ATTACH ? AS {_CATALOG} (READ_ONLY)", [str(path)])
    con.execute(f"USE {_CATALOG}")
    return con


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


def close_all(path: str | os.PathLike | None = None) -> None:
    """Close cached connections (of one path, or all when ``path`` is None)."""
    with _CACHE_LOCK:
        keys = [str(default_path(path))] if path is not None else list(_CACHE)
        for k in keys:
            entry = _CACHE.pop(k, None)
            if entry is not None:
                with contextlib.suppress(Exception):
                    entry[1].close()


def _con(con) -> duckdb.DuckDBPyConnection:
    return con if con is not None else connect()


def read_table(table: str, con=None) -> pd.DataFrame:
    """A whole table (whitelisted name) as a DataFrame, in key order."""
    cols, key = TABLES[_ident(table)]
    return _con(con).execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}").df()  # noqa: S608


def meta(con=None) -> dict[str, str]:
    """The ``meta`` table as a dict (schema_version, created_at, sample_loaded …)."""
    return dict(_con(con).execute("SELECT key, value FROM meta").fetchall())


# --------------------------------------------------------------------------------------
# Filters: pure functions from arguments to (sql, params)
# --------------------------------------------------------------------------------------


def _as_list(value: Any) -> list | None:
    """None/empty -> None; a scalar -> [scalar]; an iterable -> list."""
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [str(value)]
    values = [str(v) for v in value if v is not None and str(v) != ""]
    return values or None


def in_filter(expr: str, values: Any) -> tuple[str, list]:
    """``expr IN (?, ?)`` for a list of values; ``("", [])`` for no filter.

    ``expr`` must be a fixed SQL expression from this module, never input.

    >>> in_filter("m.bureau_code", ["01", "02"])
    ('m.bureau_code IN (?, ?)', ['01', '02'])
    >>> in_filter("m.bureau_code", None)
    ('', [])
    """
    vals = _as_list(values)
    if not vals:
        return "", []
    return f"{expr} IN ({', '.join('?' for _ in vals)})", vals


def range_filter(expr: str, low: Any = None, high: Any = None) -> tuple[str, list]:
    """``expr >= ? AND expr <= ?`` with either bound optional.

    >>> range_filter("d.fiscal_year", 2014, None)
    ('d.fiscal_year >= ?', [2014])
    """
    parts, params = [], []
    if low is not None:
        parts.append(f"{expr} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{expr} <= ?")
        params.append(high)
    return " AND ".join(parts), params


def and_all(*filters: tuple[str, list]) -> tuple[str, list]:
    """Join filters with AND, dropping empty ones; ``("TRUE", [])`` when none is left."""
    parts = [f"({s})" for s, _ in filters if s]
    params = [p for s, ps in filters if s for p in ps]
    return (" AND ".join(parts) if parts else "TRUE"), params


def area_filter(
    region_code: Any = None,
    bureau_code: Any = None,
    municipality_code: Any = None,
    alias: str = "m",
) -> tuple[str, list]:
    """Filter on a joined ``municipalities`` row ``alias`` (region, bureau, municipality).

    A municipality filter also matches the wards of a city (their ``parent_code``).
    """
    muni = _as_list(municipality_code)
    if muni:
        ph = ", ".join("?" for _ in muni)
        muni_f = (f"({alias}.code IN ({ph}) OR {alias}.parent_code IN ({ph}))", muni + muni)
    else:
        muni_f = ("", [])
    return and_all(
        in_filter(f"{alias}.region_code", region_code),
        in_filter(f"{alias}.bureau_code", bureau_code),
        muni_f,
    )


def overlay_theme_filter(metric: str, theme_ids: Any) -> tuple[str, list]:
    """For a per-municipality figure: no condition when no theme is selected or the themes
    cover it, else one that keeps nothing. The answer is the registry's
    (:func:`regionmap.figures.covers`), the same the pages use for their notices."""
    ids = _as_list(theme_ids)
    if not ids or figures.covers(metric, ids):
        return "", []
    return "FALSE", []


def item_theme_filter(item_type: str, id_expr: str, theme_ids: Any) -> tuple[str, list]:
    """For document items: the item carries one of the selected themes."""
    ids = _as_list(theme_ids)
    if not ids:
        return "", []
    ph = ", ".join("?" for _ in ids)
    return (
        f"{id_expr} IN (SELECT it.item_id FROM item_themes it WHERE it.item_type = ? "  # noqa: S608
        f"AND it.theme_id IN ({ph}))",
        [item_type, *ids],
    )


def _select(con, sql: str, params: Sequence) -> pd.DataFrame:
    return _con(con).execute(sql, list(params)).df()


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


def themes(kind: str | None = None, con=None) -> pd.DataFrame:
    """Policy themes: theme_id, kind ("pillar"|"direction"), name_ja, name_en, group_id,
    sort_order, description_ja, description_en."""
    where, params = and_all(in_filter("kind", kind))
    return _select(
        con,
        "SELECT theme_id, kind, name_ja, name_en, group_id, sort_order, description_ja, "  # noqa: S608
        f"description_en FROM themes WHERE {where} ORDER BY sort_order, theme_id",
        params,
    )


def _info(metric: str) -> dict[str, str]:
    """Unit (English plural) and label of a figure, as the frames carry them."""
    fig = figures.get(metric)
    return {
        "unit_ja": fig.unit.ja,
        "unit_en": fig.unit.en_many,
        "label_ja": fig.label_ja,
        "label_en": fig.label_en,
    }


def theme_covers(metric: str, theme_ids: Any, con=None) -> bool:
    """Whether the theme filter leaves anything of ``metric`` to show (the one answer every
    page, slide and handout uses; :func:`regionmap.figures.covers`). A document figure is
    covered by the themes its items carry."""
    _check_metric(metric)
    ids = _as_list(theme_ids)
    if not ids:
        return True
    fig = figures.get(metric)
    carried: list[str] = []
    if fig.item_type is not None:
        rows = _con(con).execute(
            "SELECT DISTINCT theme_id FROM item_themes WHERE item_type = ?", [fig.item_type]
        )
        carried = [r[0] for r in rows.fetchall()]
    return figures.covers(metric, ids, carried)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    return metric


def fiscal_years(metric: str, con=None) -> list[int]:
    """Fiscal years with figures for ``metric``, ascending.

    Sites count from their start year on, so every year from the first start to
    the latest year of any overlay figure is listed; evacuees by the fiscal year
    of their months; document metrics have the document's year.
    """
    _check_metric(metric)
    c = _con(con)
    if metric in DOCUMENT_METRICS:
        return [DOCUMENT_FISCAL_YEAR]
    if metric == "dispatch":
        rows = c.execute("SELECT DISTINCT fiscal_year FROM dispatch ORDER BY 1").fetchall()
        return [int(r[0]) for r in rows]
    if metric == "evacuees":
        rows = c.execute(
            "SELECT DISTINCT CAST(year(month) - CASE WHEN month(month) < 4 THEN 1 ELSE 0 END "
            "AS INTEGER) FROM evacuees ORDER BY 1"
        ).fetchall()
        return [int(r[0]) for r in rows]
    lo, hi = c.execute(
        "SELECT min(start_fy), greatest(max(start_fy), "
        "(SELECT max(fiscal_year) FROM dispatch)) FROM sites"
    ).fetchone()
    return [] if lo is None else list(range(int(lo), int(hi) + 1))


def _fy_of_month_sql(col: str) -> str:
    return f"CAST(year({col}) - CASE WHEN month({col}) < 4 THEN 1 ELSE 0 END AS INTEGER)"


def _facts(
    metric: str,
    fiscal_year: int | None,
    theme_ids: Any,
    kind: Any = None,
) -> tuple[str, list]:
    """SQL of the metric's facts at municipality grain (overlay) or bureau grain (document).

    Columns: municipality_code (overlay) / bureau_code (document), value, is_sample,
    source_ja, source_en, item_id (document: for distinct counts).
    """
    if metric == "dispatch":
        where, params = and_all(
            ("d.fiscal_year = ?", [fiscal_year]),
            in_filter("d.kind", kind),
            overlay_theme_filter(metric, theme_ids),
        )
        return (
            "SELECT d.municipality_code, d.persons AS value, d.is_sample, d.source_ja, "  # noqa: S608
            f"d.source_en FROM dispatch d WHERE {where}",
            params,
        )
    if metric == "sites":
        where, params = and_all(
            ("s.start_fy <= ?", [fiscal_year]),
            in_filter("s.kind", kind),
            overlay_theme_filter(metric, theme_ids),
        )
        return (
            "SELECT s.municipality_code, 1 AS value, s.is_sample, s.source_ja, s.source_en "  # noqa: S608
            f"FROM sites s WHERE {where}",
            params,
        )
    if metric == "evacuees":
        fy = _fy_of_month_sql("month")
        where, params = and_all(
            (
                f"e.month = (SELECT max(month) FROM evacuees WHERE {fy} = ?)",  # noqa: S608
                [fiscal_year],
            ),
            overlay_theme_filter(metric, theme_ids),
        )
        return (
            "SELECT e.municipality_code, e.persons AS value, e.is_sample, e.source_ja, "  # noqa: S608
            f"e.source_en FROM evacuees e WHERE {where}",
            params,
        )
    if metric == "priority_projects":
        where, params = item_theme_filter("priority_project", "p.project_id", theme_ids)
        where = where or "TRUE"
        # a project naming a bureau belongs to it; a region-wide one to every bureau of its region
        return (
            "SELECT b.bureau_code, p.project_id AS item_id FROM priority_projects p "  # noqa: S608
            "JOIN bureaus b ON (p.bureau_code = b.bureau_code) "
            "OR (p.bureau_code IS NULL AND p.region_code = b.region_code) "
            f"WHERE {where}",
            params,
        )
    if metric == "proposals":
        where, params = item_theme_filter("proposal", "pb.proposal_id", theme_ids)
        where = where or "TRUE"
        return (
            "SELECT pb.bureau_code, pb.proposal_id AS item_id FROM proposal_bureaus pb "  # noqa: S608
            f"WHERE {where}",
            params,
        )
    raise ValueError(metric)  # pragma: no cover


def _default_year(metric: str, fiscal_year: int | None, con) -> int | None:
    """``fiscal_year``, or the figure's default (:attr:`figures.Figure.default_year`): the
    document's year, or the latest year with figures."""
    if fiscal_year is not None:
        return int(fiscal_year)
    if figures.get(metric).default_year == "document":
        return DOCUMENT_FISCAL_YEAR
    years = fiscal_years(metric, con=con)
    return years[-1] if years else None


def _sources_sql(metric: str, fiscal_year: int | None) -> tuple[str, list]:
    """SQL of one row (source_ja, source_en, is_sample) for a metric's figures in a year."""
    if metric in DOCUMENT_METRICS:
        return (
            "SELECT CAST(? AS VARCHAR) AS source_ja, CAST(? AS VARCHAR) AS source_en, "
            "false AS is_sample",
            [DOCUMENT_SOURCE_JA, DOCUMENT_SOURCE_EN],
        )
    sql, params = _facts(metric, fiscal_year, None)
    return (
        "SELECT coalesce(string_agg(DISTINCT source_ja, ' / ' ORDER BY source_ja), '') AS source_ja, "  # noqa: S608
        "coalesce(string_agg(DISTINCT source_en, ' / ' ORDER BY source_en), '') AS source_en, "
        f"coalesce(bool_or(is_sample), false) AS is_sample FROM ({sql}) f",
        params,
    )


_LEVEL_EXPR = {
    "region": ("regions", "region_code", "m.region_code"),
    "bureau": ("bureaus", "bureau_code", "m.bureau_code"),
    "municipality": ("municipalities", "code", "coalesce(m.parent_code, m.code)"),
}


def metric_by_area(
    metric: str,
    level: str = "bureau",
    fiscal_year: int | None = None,
    theme_ids: Any = None,
    region_code: Any = None,
    bureau_code: Any = None,
    kind: Any = None,
    con=None,
) -> pd.DataFrame:
    """The metric per area of ``level``: every area listed, 0 where there is no figure.

    Columns: area_code, value, unit_ja, unit_en, fiscal_year, source_ja, source_en,
    is_sample, selected (False for areas outside the region/bureau filter: their
    value is 0 so the map can dim them). Municipality level lists the 179
    municipalities and the 6 Northern Territories villages (Sapporo as one; ward
    figures roll up to it). Fiscal year defaults to the latest with figures;
    document metrics count items (a region-wide priority project counts for each
    bureau of its region); a theme filter excluding the metric's themes gives 0s.
    """
    _check_metric(metric)
    if level not in _LEVEL_EXPR:
        raise ValueError(f"unknown level {level!r}; one of {', '.join(AREA_LEVELS)}")
    c = _con(con)
    fy = _default_year(metric, fiscal_year, c)
    table, code_col, level_expr = _LEVEL_EXPR[level]
    facts_sql, facts_params = _facts(metric, fy, theme_ids, kind)
    sel_sql, sel_params = area_filter(region_code, bureau_code, None, alias="m")
    if metric in OVERLAY_METRICS:
        joined = (
            f"SELECT {level_expr} AS area_code, f.value FROM ({facts_sql}) f "  # noqa: S608
            f"JOIN municipalities m ON m.code = f.municipality_code WHERE {sel_sql}"
        )
        agg = "sum(value)"
    else:
        # document facts are per bureau: spread to the municipalities of the bureau
        muni_join = (
            "JOIN municipalities m ON m.bureau_code = f.bureau_code AND m.kind <> 'ward'"
            if level == "municipality"
            else "JOIN (SELECT bureau_code, region_code, NULL AS parent_code, bureau_code AS code "
            "FROM bureaus) m ON m.bureau_code = f.bureau_code"
        )
        joined = (
            f"SELECT {level_expr} AS area_code, f.item_id FROM ({facts_sql}) f {muni_join} "  # noqa: S608
            f"WHERE {sel_sql}"
        )
        agg = "count(DISTINCT item_id)"
    if level == "municipality":
        areas = "SELECT code AS area_code, region_code, bureau_code FROM municipalities m WHERE m.kind <> 'ward'"
        area_sel, area_params = area_filter(region_code, bureau_code, None, alias="a")
    elif level == "bureau":
        areas = "SELECT bureau_code AS area_code, region_code, bureau_code FROM bureaus"
        area_sel, area_params = area_filter(region_code, bureau_code, None, alias="a")
    else:
        areas = "SELECT region_code AS area_code, region_code, NULL AS bureau_code FROM regions"
        area_sel, area_params = and_all(
            in_filter("a.region_code", region_code),
            (
                "a.region_code IN (SELECT region_code FROM bureaus WHERE bureau_code IN "  # noqa: S608
                f"({', '.join('?' for _ in _as_list(bureau_code))}))"
                if _as_list(bureau_code)
                else "",
                _as_list(bureau_code) or [],
            ),
        )
    order = "r.sort_order" if level == "region" else "a.area_code"
    src_sql, src_params = _sources_sql(metric, fy)
    info = _info(metric)
    sql = (
        f"WITH v AS (SELECT area_code, {agg} AS value FROM ({joined}) j GROUP BY area_code), "  # noqa: S608
        f"a AS ({areas}), s AS ({src_sql}) "
        "SELECT a.area_code, CAST(coalesce(v.value, 0) AS BIGINT) AS value, "
        "CAST(? AS VARCHAR) AS unit_ja, CAST(? AS VARCHAR) AS unit_en, "
        "CAST(? AS INTEGER) AS fiscal_year, s.source_ja, s.source_en, s.is_sample, "
        f"coalesce({area_sel}, false) AS selected FROM a LEFT JOIN v USING (area_code) CROSS JOIN s "
        + ("JOIN regions r ON r.region_code = a.area_code " if level == "region" else "")
        + f"ORDER BY {order}"
    )
    params = [
        *facts_params,
        *sel_params,
        *src_params,
        info["unit_ja"],
        info["unit_en"],
        fy,
        *area_params,
    ]
    return c.execute(sql, params).df()


def _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind) -> tuple[str, list]:
    facts_sql, facts_params = _facts(metric, fy, theme_ids, kind)
    sel_sql, sel_params = area_filter(region_code, bureau_code, None, alias="m")
    if metric in OVERLAY_METRICS:
        sql = (
            f"SELECT coalesce(sum(f.value), 0) FROM ({facts_sql}) f "  # noqa: S608
            f"JOIN municipalities m ON m.code = f.municipality_code WHERE {sel_sql}"
        )
    else:
        sql = (
            f"SELECT count(DISTINCT f.item_id) FROM ({facts_sql}) f "  # noqa: S608
            f"JOIN bureaus m ON m.bureau_code = f.bureau_code WHERE {sel_sql}"
        )
    return sql, [*facts_params, *sel_params]


def _total(metric, fy, theme_ids, region_code, bureau_code, kind, con) -> int:
    sql, params = _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind)
    return int(_con(con).execute(sql, params).fetchone()[0])


def headline(
    metric: str,
    fiscal_year: int | None = None,
    theme_ids: Any = None,
    region_code: Any = None,
    bureau_code: Any = None,
    kind: Any = None,
    con=None,
) -> dict:
    """One figure for the headline cards.

    Returns dict(value, previous, fiscal_year, unit_ja, unit_en, label_ja, label_en,
    source_ja, source_en, is_sample, theme_match). ``previous`` is the same
    figure one fiscal year earlier (None when there is none). ``theme_match`` is
    False when the theme filter excludes the metric (value is then 0).
    """
    _check_metric(metric)
    c = _con(con)
    years = fiscal_years(metric, con=c)
    fy = int(fiscal_year) if fiscal_year is not None else (years[-1] if years else None)
    info = _info(metric)
    # one statement: this year's total, last year's, and the sources
    cur_sql, cur_params = _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind)
    has_prev = fy is not None and (fy - 1) in years
    prev_sql, prev_params = (
        _total_sql(metric, fy - 1, theme_ids, region_code, bureau_code, kind)
        if has_prev
        else ("SELECT NULL", [])
    )
    src_sql, src_params = _sources_sql(metric, fy)
    row = c.execute(
        f"SELECT ({cur_sql}), ({prev_sql}), s.* FROM ({src_sql}) s",  # noqa: S608
        [*cur_params, *prev_params, *src_params],
    ).fetchone()
    value = int(row[0] or 0)
    previous = int(row[1]) if has_prev and row[1] is not None else None
    src_ja, src_en, is_sample = row[2] or "", row[3] or "", bool(row[4])
    theme_match = theme_covers(metric, theme_ids, con=c)
    return {
        "metric": metric,
        "value": value,
        "previous": previous,
        "fiscal_year": fy,
        "unit_ja": info["unit_ja"],
        "unit_en": info["unit_en"],
        "label_ja": info["label_ja"],
        "label_en": info["label_en"],
        "source_ja": src_ja,
        "source_en": src_en,
        "is_sample": is_sample,
        "theme_match": theme_match,
    }


def _doc_columns(df: pd.DataFrame, unit_ja: str, unit_en: str) -> pd.DataFrame:
    df["unit_ja"], df["unit_en"] = unit_ja, unit_en
    df["fiscal_year"] = DOCUMENT_FISCAL_YEAR
    df["source_ja"], df["source_en"] = DOCUMENT_SOURCE_JA, DOCUMENT_SOURCE_EN
    df["is_sample"] = False
    return df


def _theme_list_sql(id_expr: str) -> str:
    """The ``;``-joined themes of the item ``id_expr``; its item type is a bound parameter
    (the caller puts it in its parameters where this expression stands)."""
    return (
        "(SELECT string_agg(it.theme_id, ';' ORDER BY it.theme_id) FROM item_themes it "  # noqa: S608
        f"WHERE it.item_type = ? AND it.item_id = {id_expr})"
    )


def priority_projects(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """The regional priority projects (地域重点プロジェクト).

    A bureau filter keeps projects naming that bureau and the region-wide projects
    of its region. Columns: project_id, title_ja, title_en, region_code,
    region_name_ja, region_name_en, bureau_code, bureau_name_ja, bureau_name_en,
    direction_theme_id, direction_name_ja, direction_name_en, theme_ids (";"),
    note, source_ref + unit/fiscal_year/source/is_sample.
    """
    bureaus_f = _as_list(bureau_code)
    bureau_sql = ("", [])
    if bureaus_f:
        ph = ", ".join("?" for _ in bureaus_f)
        bureau_sql = (
            f"(p.bureau_code IN ({ph}) OR (p.bureau_code IS NULL AND p.region_code IN "  # noqa: S608
            f"(SELECT region_code FROM bureaus WHERE bureau_code IN ({ph}))))",
            bureaus_f + bureaus_f,
        )
    where, params = and_all(
        item_theme_filter("priority_project", "p.project_id", theme_ids),
        in_filter("p.region_code", region_code),
        bureau_sql,
    )
    sql = (
        "SELECT p.project_id, p.title_ja, p.title_en, p.region_code, r.name_ja AS region_name_ja, "  # noqa: S608
        "r.name_en AS region_name_en, p.bureau_code, b.name_ja AS bureau_name_ja, "
        "b.name_en AS bureau_name_en, p.direction_theme_id, t.name_ja AS direction_name_ja, "
        f"t.name_en AS direction_name_en, {_theme_list_sql('p.project_id')} "
        "AS theme_ids, p.note, p.source_ref FROM priority_projects p "
        "LEFT JOIN regions r ON r.region_code = p.region_code "
        "LEFT JOIN bureaus b ON b.bureau_code = p.bureau_code "
        "LEFT JOIN themes t ON t.theme_id = p.direction_theme_id "
        f"WHERE {where} ORDER BY p.project_id"
    )
    return _doc_columns(
        _select(con, sql, ["priority_project", *params]), *_unit("priority_projects")
    )


def _unit(metric: str) -> tuple[str, str]:
    info = _info(metric)
    return info["unit_ja"], info["unit_en"]


def measures(proposal_id: Any = None, theme_ids: Any = None, con=None) -> pd.DataFrame:
    """Departments' measures that reflect proposals: measure_id, proposal_id,
    department_ja, department_en, text_ja, text_en, pillar_theme_id, note, source_ref."""
    where, params = and_all(
        in_filter("mp.proposal_id", proposal_id),
        item_theme_filter("measure", "me.measure_id", theme_ids),
    )
    sql = (
        "SELECT me.measure_id, mp.proposal_id, me.department_ja, me.department_en, me.text_ja, "  # noqa: S608
        "me.text_en, me.pillar_theme_id, me.note, me.source_ref FROM measures me "
        "LEFT JOIN measure_proposals mp ON mp.measure_id = me.measure_id "
        f"WHERE {where} ORDER BY mp.proposal_id, me.measure_id"
    )
    return _select(con, sql, params)


def proposals(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """Bureau policy proposals (振興局からの政策提案) with the departments' measures.

    A joint proposal matches a filter on any of its bureaus. Columns: proposal_id,
    title_ja, title_en, bureau_codes (";"), bureau_names_ja ("・"), bureau_names_en
    (", "), region_codes (";"), is_joint, pillar_theme_id, pillar_name_ja,
    pillar_name_en, policy_area_ja, policy_area_en, bureau_label_ja, theme_ids, note, source_ref, measure_count,
    measures (list of dicts: measure_id, department_ja, department_en, text_ja,
    text_en) + unit/fiscal_year/source/is_sample.
    """
    c = _con(con)
    where, params = and_all(
        item_theme_filter("proposal", "p.proposal_id", theme_ids),
        (
            "p.proposal_id IN (SELECT pb2.proposal_id FROM proposal_bureaus pb2 JOIN bureaus b2 "  # noqa: S608
            f"ON b2.bureau_code = pb2.bureau_code WHERE {and_all(in_filter('b2.region_code', region_code), in_filter('b2.bureau_code', bureau_code))[0]})",
            [*(_as_list(region_code) or []), *(_as_list(bureau_code) or [])],
        )
        if (_as_list(region_code) or _as_list(bureau_code))
        else ("", []),
    )
    sql = (
        # bureaus, themes and measures aggregated per proposal, then one join
        "WITH pb AS (SELECT pb.proposal_id, "  # noqa: S608
        "string_agg(b.bureau_code, ';' ORDER BY b.bureau_code) AS bureau_codes, "
        "string_agg(b.short_ja, '・' ORDER BY b.bureau_code) AS bureau_names_ja, "
        "string_agg(b.name_en, ', ' ORDER BY b.bureau_code) AS bureau_names_en, "
        "string_agg(DISTINCT b.region_code, ';' ORDER BY b.region_code) AS region_codes "
        "FROM proposal_bureaus pb JOIN bureaus b USING (bureau_code) GROUP BY 1), "
        "th AS (SELECT item_id AS proposal_id, string_agg(theme_id, ';' ORDER BY theme_id) "
        "AS theme_ids FROM item_themes WHERE item_type = 'proposal' GROUP BY 1), "
        "ms AS (SELECT mp.proposal_id, list({'measure_id': me.measure_id, "
        "'department_ja': me.department_ja, 'department_en': me.department_en, "
        "'text_ja': me.text_ja, 'text_en': me.text_en} ORDER BY me.measure_id) AS measures "
        "FROM measure_proposals mp JOIN measures me USING (measure_id) GROUP BY 1) "
        "SELECT p.proposal_id, p.title_ja, p.title_en, pb.bureau_codes, pb.bureau_names_ja, "
        "pb.bureau_names_en, pb.region_codes, p.is_joint, p.pillar_theme_id, "
        "t.name_ja AS pillar_name_ja, t.name_en AS pillar_name_en, p.policy_area_ja, "
        "p.policy_area_en, p.bureau_label_ja, "
        "th.theme_ids, p.note, p.source_ref, ms.measures "
        "FROM proposals p LEFT JOIN pb USING (proposal_id) LEFT JOIN th USING (proposal_id) "
        "LEFT JOIN ms USING (proposal_id) LEFT JOIN themes t ON t.theme_id = p.pillar_theme_id "
        f"WHERE {where} ORDER BY p.proposal_id"
    )
    df = c.execute(sql, params).df()
    df["measures"] = [
        [dict(m) for m in v] if v is not None and not isinstance(v, float) else []
        for v in df["measures"]
    ]
    df["measure_count"] = df["measures"].map(len).astype("int64")
    return _doc_columns(df, *_unit("proposals"))


def bureau_projects(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """Bureau-specific projects (振興局独自事業): item_id, text_ja, text_en, bureau_code,
    bureau_name_ja, bureau_name_en, region_code, attribution, attribution_note,
    theme_ids, source_ref + unit/fiscal_year/source/is_sample."""
    where, params = and_all(
        item_theme_filter("bureau_project", "bp.item_id", theme_ids),
        in_filter("b.region_code", region_code),
        in_filter("bp.bureau_code", bureau_code),
    )
    sql = (
        "SELECT bp.item_id, bp.text_ja, bp.text_en, bp.bureau_code, b.name_ja AS bureau_name_ja, "  # noqa: S608
        "b.name_en AS bureau_name_en, b.region_code, bp.attribution, bp.attribution_note, "
        f"{_theme_list_sql('bp.item_id')} AS theme_ids, bp.source_ref "
        "FROM bureau_projects bp LEFT JOIN bureaus b ON b.bureau_code = bp.bureau_code "
        f"WHERE {where} ORDER BY bp.bureau_code, bp.item_id"
    )
    return _doc_columns(_select(con, sql, ["bureau_project", *params]), "件", "items")


def document_totals(con=None) -> pd.DataFrame:
    """The totals the document gives (key, fiscal_year, as_of, value, unit, label, source_ref)."""
    return _select(con, "SELECT * FROM document_totals ORDER BY key", [])


def _overlay_columns(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    df["unit_ja"], df["unit_en"] = _unit(metric)
    if "is_sample" in df:
        df["is_sample"] = df["is_sample"].astype(bool)
    return df


_MUNI_COLS = (
    "m.name_ja AS municipality_name_ja, m.district_ja, m.bureau_code, "
    "b.name_ja AS bureau_name_ja, b.name_en AS bureau_name_en, m.region_code"
)


def dispatches(
    fiscal_year_from: int | None = None,
    fiscal_year_to: int | None = None,
    theme_ids: Any = None,
    region_code: Any = None,
    bureau_code: Any = None,
    municipality_code: Any = None,
    kind: Any = None,
    con=None,
) -> pd.DataFrame:
    """Staff dispatches: fiscal_year, municipality_code, municipality_name_ja, district_ja,
    bureau_code, bureau_name_ja, bureau_name_en, region_code, kind, kind_ja, kind_en,
    persons, status, is_sample, source_ja, source_en, unit_ja, unit_en."""
    where, params = and_all(
        range_filter("d.fiscal_year", fiscal_year_from, fiscal_year_to),
        overlay_theme_filter("dispatch", theme_ids),
        area_filter(region_code, bureau_code, municipality_code),
        in_filter("d.kind", kind),
    )
    sql = (
        f"SELECT d.fiscal_year, d.municipality_code, {_MUNI_COLS}, d.kind, d.kind_ja, "  # noqa: S608
        f"d.kind_en, d.persons, d.status, d.is_sample, d.source_ja, d.source_en "
        "FROM dispatch d JOIN municipalities m ON m.code = d.municipality_code "
        "LEFT JOIN bureaus b ON b.bureau_code = m.bureau_code "
        f"WHERE {where} ORDER BY d.fiscal_year, d.municipality_code, d.kind"
    )
    return _overlay_columns(_select(con, sql, params), "dispatch")


def sites(
    fiscal_year: int | None = None,
    theme_ids: Any = None,
    region_code: Any = None,
    bureau_code: Any = None,
    municipality_code: Any = None,
    kind: Any = None,
    con=None,
) -> pd.DataFrame:
    """Settlement-support sites active in ``fiscal_year`` (started then or before; all if None).

    Columns: site_id, name_ja, name_en, municipality_code, municipality_name_ja,
    district_ja, bureau_code, bureau_name_ja, bureau_name_en, region_code, kind,
    kind_ja, kind_en, lon, lat, start_fy, operator_ja, is_sample, source_ja,
    source_en, unit_ja, unit_en, fiscal_year.
    """
    where, params = and_all(
        range_filter("s.start_fy", None, fiscal_year),
        overlay_theme_filter("sites", theme_ids),
        area_filter(region_code, bureau_code, municipality_code),
        in_filter("s.kind", kind),
    )
    sql = (
        f"SELECT s.site_id, s.name_ja, s.name_en, s.municipality_code, {_MUNI_COLS}, s.kind, "  # noqa: S608
        f"s.kind_ja, s.kind_en, s.lon, s.lat, s.start_fy, s.is_model_project, s.operator_ja, "
        "s.operator_en, s.is_sample, "
        "s.source_ja, s.source_en FROM sites s JOIN municipalities m ON m.code = s.municipality_code "
        "LEFT JOIN bureaus b ON b.bureau_code = m.bureau_code "
        f"WHERE {where} ORDER BY s.start_fy, s.site_id"
    )
    df = _overlay_columns(_select(con, sql, params), "sites")
    df["fiscal_year"] = fiscal_year if fiscal_year is not None else df["start_fy"]
    return df


def _month(value: Any) -> dt.date | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return dt.date(ts.year, ts.month, 1)


def evacuees(
    month_from: Any = None,
    month_to: Any = None,
    region_code: Any = None,
    bureau_code: Any = None,
    municipality_code: Any = None,
    theme_ids: Any = None,
    con=None,
) -> pd.DataFrame:
    """Evacuees by month and municipality: month (date), fiscal_year, municipality_code,
    municipality_name_ja, district_ja, bureau_code, bureau_name_ja, bureau_name_en,
    region_code, prefecture_ja, prefecture_en, persons, is_sample, source_ja, source_en,
    unit_ja, unit_en. ``month_from``/``month_to`` accept dates or "YYYY-MM"."""
    where, params = and_all(
        range_filter("e.month", _month(month_from), _month(month_to)),
        overlay_theme_filter("evacuees", theme_ids),
        area_filter(region_code, bureau_code, municipality_code),
    )
    sql = (
        f"SELECT e.month, {_fy_of_month_sql('e.month')} AS fiscal_year, e.municipality_code, "  # noqa: S608
        f"{_MUNI_COLS}, e.prefecture_ja, e.prefecture_en, e.persons, e.is_sample, e.source_ja, "
        "e.source_en FROM evacuees e JOIN municipalities m ON m.code = e.municipality_code "
        "LEFT JOIN bureaus b ON b.bureau_code = m.bureau_code "
        f"WHERE {where} ORDER BY e.month, e.municipality_code, e.prefecture_ja"
    )
    return _overlay_columns(_select(con, sql, params), "evacuees")


def municipality_summary(code: str, fiscal_year: int | None = None, con=None) -> pd.DataFrame:
    """Figures of one municipality for the click-through, one row per metric.

    ``code`` may be 5 or 6 digits; a ward shows its city's figures. Columns:
    metric, label_ja, label_en, value, unit_ja, unit_en, fiscal_year, source_ja,
    source_en, is_sample, scope ("municipality" for overlay figures, "bureau" for
    the document's projects and proposals, counted for the municipality's bureau).
    """
    from regionmap.codes import normalize_code

    c = _con(con)
    code5 = normalize_code(code)
    row = c.execute(
        "SELECT coalesce(parent_code, code), bureau_code FROM municipalities WHERE code = ?",
        [code5],
    ).fetchone()
    if row is None:
        raise ValueError(f"unknown municipality code {code!r}")
    city, bureau = row
    out = []
    for metric in METRICS:
        fy = _default_year(metric, fiscal_year, c)
        info = _info(metric)
        if metric in OVERLAY_METRICS:
            facts_sql, params = _facts(metric, fy, None)
            value_sql = (
                f"SELECT coalesce(sum(f.value), 0) FROM ({facts_sql}) f "  # noqa: S608
                "JOIN municipalities m ON m.code = f.municipality_code "
                "WHERE coalesce(m.parent_code, m.code) = ?"
            )
            params = [*params, city]
            scope = "municipality"
        else:
            value_sql, params = _total_sql(metric, fy, None, None, bureau, None)
            scope = "bureau"
        src_sql, src_params = _sources_sql(metric, fy)
        value, src_ja, src_en, is_sample = c.execute(
            f"SELECT ({value_sql}), s.* FROM ({src_sql}) s",  # noqa: S608
            [*params, *src_params],
        ).fetchone()
        out.append(
            {
                "metric": metric,
                "label_ja": info["label_ja"],
                "label_en": info["label_en"],
                "value": int(value),
                "unit_ja": info["unit_ja"],
                "unit_en": info["unit_en"],
                "fiscal_year": fy,
                "source_ja": src_ja,
                "source_en": src_en,
                "is_sample": bool(is_sample),
                "scope": scope,
            }
        )
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------
# Imports (SQL side; parsing and validation live in regionmap.importer)
# --------------------------------------------------------------------------------------

_VALUE_COLS = {t: [c for c in columns(t) if c not in spec["key"] and c != "import_id"] for t, spec in OVERLAY_TABLES.items()}  # fmt: skip


def plan_import(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> dict:
    """What importing ``rows`` (normalised, real) into ``table`` would change.

    Returns dict(rows=<rows with a ``change`` column: add|replace|unchanged>,
    added, replaced, unchanged, removed (sample rows of the same periods and bureaus
    that go), periods (sorted list), removed_by_period {period: count},
    removed_by_bureau [{bureau_code, short_ja, name_en, rows}] in bureau order).
    """
    if table not in OVERLAY_TABLES:
        raise KeyError(f"cannot import into {table!r}")
    key = OVERLAY_TABLES[table]["key"]
    period = OVERLAY_TABLES[table]["period"]
    vals = _VALUE_COLS[table]
    incoming = rows.reindex(columns=columns(table)).copy()
    incoming["is_sample"] = False  # imported rows are real
    incoming["import_id"] = None
    incoming["_row"] = range(len(incoming))
    incoming = incoming.astype(object).where(incoming.notna(), None)
    con.register("_incoming", incoming)
    try:
        casts = ", ".join(f"CAST(i.{c} AS {t}) AS {c}" for c, t in TABLES[table][0])
        on = " AND ".join(f"t.{k} = i.{k}" for k in key)
        same = " AND ".join(f"t.{v} IS NOT DISTINCT FROM i.{v}" for v in vals)
        change = con.execute(
            f"WITH i AS (SELECT {casts}, i._row FROM _incoming i) "  # noqa: S608
            f"SELECT i._row, CASE WHEN t.{key[0]} IS NULL OR t.is_sample THEN 'add' "
            f"WHEN {same} THEN 'unchanged' ELSE 'replace' END AS change "
            f"FROM i LEFT JOIN {table} t ON {on} ORDER BY i._row"
        ).fetchall()
        removed = con.execute(
            f"SELECT {period}, count(*) FROM {table} WHERE {_sample_scope_sql(table)} "  # noqa: S608
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        by_bureau = con.execute(
            f"SELECT b.bureau_code, b.short_ja, b.name_en, count(*) FROM {table} "  # noqa: S608
            f"JOIN municipalities m ON m.code = {table}.municipality_code "
            "JOIN bureaus b ON b.bureau_code = m.bureau_code "
            f"WHERE {_sample_scope_sql(table)} GROUP BY 1, 2, 3 ORDER BY 1"
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
    p = default_path(path)
    ensure_database(p)
    con = _open_read_only(p)
    try:
        return plan_import(con, table, rows)
    finally:
        con.close()


def commit_import(
    path: str | os.PathLike | None,
    table: str,
    rows: pd.DataFrame,
    *,
    file_name: str | None = None,
    sha256: str | None = None,
    user: str | None = None,
    bureau_scope: Sequence[str] | None = None,
    note: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Write ``rows`` into ``table`` as a new version (all or nothing).

    Sample rows of the same periods and bureaus are removed (see
    :func:`_sample_scope_sql`; other bureaus keep theirs), rows with an existing key are
    replaced, unchanged rows are left alone. When nothing would change, nothing
    is written and the returned record has ``action == "unchanged"``. Returns
    the history record plus ``plan`` (see :func:`plan_import`).
    """
    p = default_path(path)
    ensure_database(p)
    key = OVERLAY_TABLES[table]["key"]
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
            con.execute(f"DELETE FROM {table} WHERE {_sample_scope_sql(table)}")  # noqa: S608
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
        _insert_frame(con, table, frame)
        return {
            "rows_added": plan["added"],
            "rows_replaced": plan["replaced"],
            "rows_removed": plan["removed"],
            "rows_unchanged": plan["unchanged"],
        }

    record = {
        "action": "import",
        "table_name": table,
        "file_name": file_name,
        "sha256": sha256,
        "user_name": user or _user(),
        "bureau_scope": ";".join(bureau_scope) if bureau_scope else None,
        "note": note,
    }
    try:
        rec = _write_version(p, apply, record, progress=progress)
    except _NoChange:
        plan = holder["plan"]
        return {**record, "action": "unchanged", "version": None, "plan": plan,
                "rows_added": 0, "rows_replaced": 0, "rows_removed": 0,
                "rows_unchanged": plan["unchanged"]}  # fmt: skip
    rec["plan"] = holder["plan"]
    return rec


class _NoChange(Exception):
    pass


def _undo_target(entries: list[dict], path: Path) -> dict | None:
    for e in sorted(entries, key=lambda e: e["version"], reverse=True):
        if e["action"] in {"import", "init"} and e.get("undone_by") is None and e.get("snapshot"):
            return e
    return None


def undo(
    path: str | os.PathLike | None = None, *, user: str | None = None, note: str | None = None
) -> dict:
    """Restore the version before the latest import (or forced init) not yet undone.

    The undo is itself a new, recorded version (the undone file is not kept: no
    redo; the snapshots kept are those of imports, ``history_keep`` of them). Raises
    ``LookupError`` when there is nothing to undo or the previous file is no
    longer kept (``history_keep``).
    """
    p = default_path(path)
    chosen: dict[str, Any] = {}

    def pick(entries: list[dict]) -> Path:
        # under the writer lock: two undos at once undo two versions, not one twice
        target = _undo_target(entries, p)
        if target is None:
            raise LookupError("nothing to undo")
        snap = history_dir(p) / target["snapshot"]
        if not snap.is_file():
            raise LookupError(
                f"the version before #{target['version']} is no longer kept "
                f"(only the last {settings.get('history_keep')} are)"
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
            "bureau_scope": target.get("bureau_scope"),
            "undoes": target["version"],
        }

    if not p.exists():
        raise LookupError("nothing to undo")
    record = {"action": "undo", "user_name": user or _user(), "note": note}
    # the state before the undo is not kept: undo is not itself undoable (no redo)
    return _write_version(p, apply, record, base=pick, mark=mark, keep_previous=False)
