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
   a copy for reading without DuckDB. The truth is the ``import_history`` table
   of the live file, swapped in with the data it describes: a crash or a full disk
   at any step leaves data and history agreeing (both old or both new); the copy
   is read only when the live file is missing or unreadable, and version numbers
   continue from the higher of the two (never reused). A failure after the swap
   (the copy, pruning) loses nothing and is not reported as a failed import.

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

The import tables (dispatch, sites, evacuees and the import-only ones) are defined once, in
``importable.toml`` (:mod:`regionmap.importable`): ``schema`` makes their tables from it.

Modules
-------
``schema``
``store``
``connection``
``load``
``filters`` (the pure ``(sql, params)`` builders, used as ``db.filters.in_filter``)
``queries``
``changes``
``importer`` (a package: reading and checking a file), ``parsing`` (cells as staff write them)
``export``, ``audit``, ``users``, ``snapshot``, ``sample``
``cli`` (``python -m regionmap db …`` and ``users …``)

No module imports this package's ``__init__`` (they import each other's modules), so loading
it has no cycle; a helper one module takes from another is public.
"""

from __future__ import annotations

from regionmap.db.changes import (  # noqa: F401
    commit_import,
    plan_import,
    read_plan,
    undo,
)
from regionmap.db.connection import (  # noqa: F401
    connect,
    meta,
    read_table,
)
from regionmap.db.load import (  # noqa: F401
    ensure_database,
    init_database,
)
from regionmap.db.queries import (  # noqa: F401
    bureau_projects,
    default_year,
    dispatches,
    document_totals,
    evacuees,
    fiscal_years,
    has_sample,
    headline,
    measures,
    metric_by_area,
    municipality_summary,
    priority_projects,
    proposals,
    real_years,
    sites,
    theme_covers,
    themes,
)
from regionmap.db.schema import (  # noqa: F401
    AREA_LEVELS,
    BLOCK_SIZE,
    DISPATCH_KINDS,
    DOCUMENT_FISCAL_YEAR,
    DOCUMENT_METRICS,
    DOCUMENT_SOURCE_EN,
    DOCUMENT_SOURCE_JA,
    HISTORY_FIELDS,
    OVERLAY_METRICS,
    OVERLAY_TABLES,
    POLICY_DIR,
    SAMPLE_SOURCE_EN,
    SAMPLE_SOURCE_JA,
    SCHEMA_VERSION,
    SITE_KINDS,
    TABLES,
    columns,
)
from regionmap.db.store import (  # noqa: F401
    DatabaseError,
    check,
    close_all,
    default_path,
    failure_reason,
    history,
    history_dir,
    schema_version,
)
