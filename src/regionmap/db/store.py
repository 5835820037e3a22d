"""The versioned store: one DuckDB file per version, swapped atomically; the writer lock,
history, pruning; read-only connections, reopened when a new version appears.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import getpass
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regionmap import auth, settings
from regionmap.db.schema import (
    BLOCK_SIZE,
    HISTORY_FIELDS,
    SCHEMA_VERSION,
    columns,
    create_schema,
    insert_frame,
)
from regionmap.i18n import LANGS, t

# --------------------------------------------------------------------------------------
# Paths, history records, the writer lock
# --------------------------------------------------------------------------------------


def default_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: ``path`` if given, else ``settings.get("db_path")``."""
    return Path(path if path is not None else settings.get("db_path")).expanduser().absolute()


def history_dir(path: str | os.PathLike | None = None) -> Path:
    """Folder of the previous versions and the ``history.json`` copy: ``<db>.history``."""
    p = default_path(path)
    return p.with_name(p.name + ".history")


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.tmp-"


def one_row(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always gives one (an aggregate, ``SELECT (…), (…)``)."""
    row = cur.fetchone()
    if row is None:
        raise duckdb.Error("the query gave no row")
    return row


@contextlib.contextmanager
def _writer_lock(path: Path, timeout: float = 120.0):
    """Advisory lock on ``<db>.lock`` so writers queue; readers never take it."""
    lock_path = path.with_name(path.name + ".lock")
    fh = open(lock_path, "a+b")
    deadline = time.monotonic() + timeout
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
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
    strays = [
        *path.parent.glob(_tmp_prefix(path) + "*"),
        *history_dir(path).glob(".history.json.tmp-*"),
    ]
    for p in strays:
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


#: Who writes without a signed-in person (the command line, set-up): the operator.
_OPERATOR = auth.personal_identity(None)


def utc_now() -> str:
    """Now, in UTC, as the history records it (ISO 8601, whole seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _read_history_file(path: Path) -> list[dict] | None:
    f = history_dir(path) / "history.json"
    try:
        entries = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable or cut short: the database decides
        return None
    return entries if isinstance(entries, list) else None


def _write_history_file(path: Path, entries: list[dict]) -> None:
    f = history_dir(path) / "history.json"
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_name(f".history.json.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, f)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _history_from_db(path: Path) -> list[dict] | None:
    """The ``import_history`` table of the live file; None when there is no readable file."""
    if not path.exists():
        return None
    try:
        con = open_read_only(path)
    except duckdb.Error:  # a damaged file has no readable history (init --force replaces it)
        return None
    try:
        if not one_row(
            con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'import_history'"
            )
        )[0]:
            return []
        df = con.execute("SELECT * FROM import_history ORDER BY version").df()
    except duckdb.Error:
        return None
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
                 "undone_by", "undoes", "file_size", "from_version"} and v is not None:  # fmt: skip
            v = int(v)
        out[k] = v
    return out


def _history_entries(path: Path) -> list[dict]:
    """History records: the ``import_history`` table inside the live file (the truth: it is
    swapped in with the data it describes); the ``history.json`` copy only when there is no
    readable file (deleted, or damaged before ``init --force``)."""
    entries = _history_from_db(path)
    if entries is None:
        entries = _read_history_file(path) or []
    return [_clean_record(e) for e in entries]


#: (path, st_mtime_ns, st_ino, st_size) of the live file -> its history records
_HISTORY_CACHE: dict[str, tuple[tuple[int, int, int], list[dict]]] = {}


def _cached_entries(path: Path) -> list[dict]:
    """:func:`_history_entries`, read again only when the live file changed (one ``stat``)."""
    try:
        st = os.stat(path)
        key = (st.st_mtime_ns, st.st_ino, st.st_size)
    except OSError:
        return _history_entries(path)
    with _CACHE_LOCK:
        hit = _HISTORY_CACHE.get(str(path))
    if hit is None or hit[0] != key:
        hit = (key, _history_entries(path))
        with _CACHE_LOCK:
            _HISTORY_CACHE[str(path)] = hit
    return [dict(e) for e in hit[1]]


def history(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every version of the database, newest first, without opening the live DB for writing.

    Columns: version, action (init|import|undo), table_name, file_name, sha256,
    rows_added, rows_replaced, rows_removed, rows_unchanged, user_name,
    bureau_scope, created_at (UTC ISO), note, snapshot, undone_by, undoes,
    plus ``undoable`` (bool).
    """
    p = default_path(path)
    entries = _cached_entries(p)
    target = undo_target(entries, p)
    return _history_frame(entries, target["version"] if target else None)


def _history_frame(entries: list[dict], undoable: int | None) -> pd.DataFrame:
    """History records as :func:`history` gives them; ``undoable``: the version an undo takes back."""
    df = pd.DataFrame(entries, columns=HISTORY_FIELDS)
    for col in ("version", "rows_added", "rows_replaced", "rows_removed", "rows_unchanged",
                "undone_by", "undoes", "file_size", "from_version"):  # fmt: skip
        df[col] = df[col].astype("Int64")
    df["undoable"] = df["version"] == (undoable if undoable is not None else -1)
    return df.sort_values("version", ascending=False, ignore_index=True)


def imported_before(
    con: duckdb.DuckDBPyConnection, sha256: str | None, table: str | None
) -> dict | None:
    """The newest import of the file with checksum ``sha256`` (into ``table`` unless None)
    not undone, as a row of :func:`history` (a dict); None when there is none. Read on ``con``
    (a connection on the live file, :func:`open_read_only`): only that record and the version
    an undo takes back, not the whole history."""
    where = "sha256 = ? AND action = 'import' AND undone_by IS NULL"
    params: list[Any] = [sha256]
    if table is not None:
        where += " AND table_name = ?"
        params.append(table)
    fields = ", ".join(HISTORY_FIELDS)
    rows = con.execute(
        f"SELECT {fields} FROM import_history WHERE {where} ORDER BY version DESC LIMIT 1",  # noqa: S608
        params,
    ).fetchall()
    if not rows:
        return None
    # undo_target in SQL: the latest import (or forced init) not undone whose file was kept
    target = con.execute(
        "SELECT max(version) FROM import_history WHERE action IN ('import', 'init') "
        "AND undone_by IS NULL AND coalesce(snapshot, '') <> ''"
    ).fetchall()[0][0]
    rec = _clean_record(dict(zip(HISTORY_FIELDS, rows[0], strict=True)))
    return _history_frame([rec], target).iloc[0].to_dict()


def undo_target(entries: list[dict], path: Path) -> dict | None:
    """The record an undo takes back: the latest import (or forced init) not yet undone
    whose previous file was kept; None when there is none."""
    for e in sorted(entries, key=lambda e: e["version"], reverse=True):
        if e["action"] in {"import", "init"} and e.get("undone_by") is None and e.get("snapshot"):
            return e
    return None


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


_SNAPSHOT_GLOB = "[0-9][0-9][0-9][0-9]*.duckdb"


def _prune(path: Path, keep: int) -> None:
    snaps = sorted(history_dir(path).glob(_SNAPSHOT_GLOB))
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


#: The steps of :func:`write_version`, in order (``REGIONMAP_TEST_FAULT`` names one).
WRITE_STEPS = ("copy", "apply", "checkpoint", "snapshot", "swap", "mirror", "prune")


def _step(name: str) -> None:
    """Test hook: ``REGIONMAP_TEST_FAULT=<step>:kill`` kills the process (``kill -9``),
    ``<step>:full`` raises the OS's error of a full disk and ``<step>:duckdb-full`` DuckDB's
    (as DuckDB words it when the disk fills under its checkpoint or commit) just before step
    ``name`` (see :data:`WRITE_STEPS`)."""
    raw = os.environ.get("REGIONMAP_TEST_FAULT")
    if not raw:
        return
    step, _, kind = raw.partition(":")
    if step != name:
        return
    if kind == "kill":
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # pragma: no cover - Windows
    if kind == "duckdb-full":
        where = f'Could not write file "{name}": {os.strerror(errno.ENOSPC)}'
        if name == "checkpoint":
            raise duckdb.FatalException(
                f"FATAL Error: Failed to create checkpoint because of error: {where}"
            )
        raise duckdb.TransactionException(f"TransactionContext Error: Failed to commit: {where}")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _as_os_error(exc: duckdb.Error) -> OSError:
    """DuckDB's failure to write the new version as the OS error it stands for: a full disk
    (DuckDB says "No space left on device" in a FatalException, a TransactionException, an
    IOException …) is ``ENOSPC``, any other ``EIO`` with DuckDB's first line."""
    text = str(exc).strip()
    if os.strerror(errno.ENOSPC) in text:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return OSError(errno.EIO, f"DuckDB: {text.splitlines()[0] if text else type(exc).__name__}")


def write_version(
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
    authorise: Callable[[], dict] | None = None,
) -> dict:
    """Build the next version in a temp file and swap it in; return its history record.

    ``apply(con, version)`` changes the copy and may return fields for the record
    (or raise to abandon, leaving everything as it was). ``fresh`` starts from an
    empty file, ``base`` from a given file instead of the live one; ``mark`` may
    edit the earlier records (undo marks the undone one). ``only_if_missing`` and
    ``skip_if`` are checked under the writer lock and raise ``FileExistsError``
    (another process did the work meanwhile).

    The history (every record, this one included, with the file's checksum) is written
    into the new file's ``import_history`` before the swap, so data and history change
    together: a crash or a full disk at any step leaves both as they were, or both new.
    After the swap, ``history.json`` (a copy for reading without DuckDB) and pruning are
    housekeeping: their failure loses nothing and is not an error. Version numbers come
    from the live file's history and the copy's, whichever is higher (with neither readable,
    after the kept files' numbers), so none is reused.
    Settings are read before anything is written (an invalid one raises ``ValueError``).

    ``authorise()`` is called first under the writer lock: it reads the writer's rights
    again from the live file (:func:`regionmap.db.users.authorise`) and returns the history
    fields that record them (``user_role``, ``user_bureaus``, ``user_key``; ``user_name``
    where the record has none), or raises ``PermissionError`` and nothing is written. Every
    write of a signed-in person passes it (an import, an undo, a change of the users);
    without it the write is the operator's (the command line, set-up, a schema upgrade:
    the operating-system account, every right).
    """
    keep = settings.get("history_keep")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path):
        if (only_if_missing and path.exists()) or (skip_if is not None and skip_if()):
            raise FileExistsError(path)
        # the rights of the moment, not those of the page that drew the button
        rights = authorise() if authorise is not None else auth.rights_record(_OPERATOR)
        _clean_stray(path)
        entries = _history_entries(path)
        copied = _read_history_file(path) or []
        versions = [int(e["version"]) for e in [*entries, *copied]]
        if not versions:  # no readable history at all: never overwrite a kept file
            names = (f.name.split(".")[0] for f in history_dir(path).glob(_SNAPSHOT_GLOB))
            versions = [int(n) for n in names if n.isdigit()]
        version = max(versions, default=0) + 1
        tmp = path.with_name(f"{_tmp_prefix(path)}{os.getpid()}-{version}")
        if callable(base):  # chosen under the lock (undo picks its target here)
            base = base(entries)
        src = base if base is not None else (None if fresh or not path.exists() else path)
        try:
            _step("copy")
            if src is not None:
                shutil.copyfile(src, tmp)
            # 16 KB blocks: the default 256 KB block per column segment makes a 10 MB file
            con = duckdb.connect(str(tmp), config={"default_block_size": str(BLOCK_SIZE)})
            try:
                create_schema(con)
                if src != path and path.exists():  # undo, rebuild: users follow the live file
                    _carry_users(con, path)
                extra = apply(con, version) or {}
                _step("apply")
                rec: dict[str, Any] = {k: None for k in HISTORY_FIELDS}
                rec.update(record)
                rec.update({k: v for k, v in rights.items() if k != "user_name" or not rec[k]})
                rec.update(extra)
                rec.update(
                    version=version,
                    from_version=max((e["version"] for e in entries), default=None)
                    if path.exists()
                    else None,
                    created_at=utc_now(),
                    snapshot=f"{version:04d}.duckdb" if keep_previous and path.exists() else None,
                )
                if mark is not None:
                    mark(entries, version)
                all_entries = [*entries, _clean_record(rec)]
                con.execute("DELETE FROM import_history")
                insert_frame(
                    con, "import_history", pd.DataFrame(all_entries, columns=HISTORY_FIELDS)
                )
                _step("checkpoint")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if progress:
                progress(0.9, "swap")
            _pause_hook()
            _step("snapshot")
            if rec["snapshot"]:
                _snapshot(path, history_dir(path) / rec["snapshot"])
            _step("swap")
            _replace(tmp, path)
        except BaseException as exc:
            for p in (tmp, tmp.with_name(tmp.name + ".wal")):
                with contextlib.suppress(OSError):
                    p.unlink()
            if isinstance(exc, duckdb.Error):  # a full disk under DuckDB, a damaged copy …
                raise _as_os_error(exc) from exc
            raise
        # committed: what follows only tidies up (the next writer redoes it)
        with contextlib.suppress(OSError):
            _step("mirror")
            _write_history_file(path, all_entries)
        with contextlib.suppress(OSError):
            _step("prune")
            _prune(path, keep)
    if progress:
        progress(1.0, "done")
    return _clean_record(rec)


def failure_reason(exc: BaseException, lang: str = "en") -> str:
    """Why a write failed, for people, in ``lang``: a full disk says so (the OS's or DuckDB's
    "No space left on device"), another OS error its own words, anything else its message."""
    text = str(exc)
    full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (
        os.strerror(errno.ENOSPC) in text
    )
    if full:
        return t("error.disk_full", lang)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class DatabaseError(RuntimeError):
    """The database file cannot be used; the message names the file and what to do."""


def _unusable(path: Path, exc: BaseException) -> DatabaseError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # raised where no language is known (the app's start, the command line): both, Japanese first
    said = [t("db.unusable", lang, path=path, name=path.name, detail=detail) for lang in LANGS]
    return DatabaseError(" / ".join(said))


def file_schema(path: Path) -> int | None:
    """Schema version of an existing file; None for a DuckDB file that is not ours.

    Raises :class:`DatabaseError` when DuckDB cannot open the file at all.
    """
    try:
        con = open_read_only(path)
    except duckdb.Error as exc:
        raise _unusable(path, exc) from exc
    try:
        return connection_schema(con)
    finally:
        con.close()


def connection_schema(con: duckdb.DuckDBPyConnection) -> int | None:
    """Schema version of the file ``con`` reads; None for a DuckDB file that is not ours."""
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(rows[0][0]) if rows else None
    except (duckdb.Error, ValueError):
        return None


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
        if file_schema(p) != SCHEMA_VERSION:
            return False
    except DatabaseError:
        return False
    with _CACHE_LOCK:
        _CHECKED.add(key)
    return True


def schema_version(path: str | os.PathLike | None = None) -> int | None:
    """Schema version of a database file (None when it is not one of ours)."""
    try:
        return file_schema(default_path(path))
    except DatabaseError:
        return None


def os_user() -> str | None:
    """The operating-system account running this process (the command line's writer)."""
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name (containers)
        return None


# --------------------------------------------------------------------------------------
# Reading: the cached read-only connection
# --------------------------------------------------------------------------------------

#: path -> ((st_mtime_ns, st_ino, st_size) of the file it was opened on, the connection)
_CACHE: dict[str, tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]] = {}
_CACHE_LOCK = threading.Lock()
#: (path, st_mtime_ns, st_ino, st_size) of files found to have the current schema
_CHECKED: set[tuple[str, int, int, int]] = set()
_CATALOG = "regionmap"


def reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A cursor on the cached read-only connection of the live file ``path``: one connection
    per file version (``st_mtime_ns``, ``st_ino``, ``st_size``), reopened when an import
    swapped a new file in; thread-safe (each call gets its own cursor)."""
    st = os.stat(path)
    key = (st.st_mtime_ns, st.st_ino, st.st_size)
    with _CACHE_LOCK:
        entry = _CACHE.get(str(path))
        if entry is None or entry[0] != key:
            entry = (key, open_read_only(path))
            _CACHE[str(path)] = entry
        cur = entry[1].cursor()
    cur.execute(f"USE {_CATALOG}")
    return cur


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A new read-only connection on the file ``path`` (the caller closes it)."""
    # a private in-memory instance with the file attached: DuckDB's instance cache
    # (keyed by path) would otherwise keep serving the replaced file
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    con.execute(f"ATTACH ? AS {_CATALOG} (READ_ONLY)", [str(path)])
    con.execute(f"USE {_CATALOG}")
    return con


def close_all(path: str | os.PathLike | None = None) -> None:
    """Close cached connections (of one path, or all when ``path`` is None)."""
    with _CACHE_LOCK:
        keys = [str(default_path(path))] if path is not None else list(_CACHE)
        for k in keys:
            entry = _CACHE.pop(k, None)
            if entry is not None:
                with contextlib.suppress(Exception):
                    entry[1].close()


def _carry_users(con: duckdb.DuckDBPyConnection, live: Path) -> None:
    """Copy the users of the ``live`` file into the version being built on ``con``.

    Called by the store for versions built from another base than the live file (an
    undo's snapshot, a rebuild): the list of users always follows the live file. A live
    file without the table (an older schema), missing or damaged leaves the list as it is;
    columns an older schema's list lacks are left empty.
    """
    try:
        con.execute("ATTACH ? AS _live_users (READ_ONLY)", [str(live)])
    except duckdb.Error:  # a missing or damaged live file (being rebuilt): nothing to carry
        return
    try:
        live_cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() "
                "WHERE database_name = '_live_users' AND table_name = 'users'"
            ).fetchall()
        }
        if live_cols:
            # an older schema's list lacks newer columns (issuer, subject): left empty, so
            # its records keep the key they had (the e-mail)
            cols = ", ".join(c for c in columns("users") if c in live_cols)
            con.execute("DELETE FROM users")
            con.execute(f"INSERT INTO users ({cols}) SELECT {cols} FROM _live_users.users")  # noqa: S608
    finally:
        con.execute("DETACH _live_users")
