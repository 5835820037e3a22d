"""Import the tables staff fill (:mod:`regionmap.importable`: dispatch, sites, evacuees, and
the import-only kyoryokutai, migration_trials, wide_area_groups) from their spreadsheets.

Accepts CSV in UTF-8, UTF-8 with BOM, Shift_JIS/CP932 or Excel's UTF-16 "Unicode text", and
Excel ``.xlsx`` (title rows above the header are skipped: the header row is found by matching
known column names). The contents are checked, not the extension: binary bytes named
``.csv``, old ``.xls`` and PDF files are refused with a message.

Every row is validated; each problem is reported as ``file:row:column: reason`` with the
row number as the user sees it in their spreadsheet, in the user's language (every text is
a catalogue message, :class:`regionmap.i18n.Message`). A file is imported all or nothing.
:func:`validate` shows what would change (rows to add, replace, unchanged, and the sample
rows that real rows replace: those of the same period and bureau, named in
:meth:`ImportResult.summary`); :func:`commit` writes a new database version through
:func:`regionmap.db.commit_import` (atomic swap, history, undo). Importing the same file
twice changes nothing and says so.

Municipalities may be given as a 5- or 6-digit code or a name (see
:class:`regionmap.db.parsing.MunicipalityResolver`): Sapporo's wards are counted as 札幌市
(01100) with a note; Northern Territories villages are refused. ``allowed_bureaus``
(default None = all) limits an import to rows of given bureaus, for per-bureau editing rights.

Modules, one concept each:

- :mod:`.reading` — the limits (size, rows, cells, time) and the text's encoding;
- :mod:`.formats` — which reader reads a file, from its bytes; :mod:`.csvfile` and
  :mod:`.xlsxfile` — the readers;
- :mod:`.header` — the header row, the aliases of the columns, a title's as-of date;
- :mod:`.values` — one cell of a field, by the field's type; :mod:`.rows` — every row;
- :mod:`.result` — :class:`Issue`, :class:`Refused`, :class:`ImportResult`;
- :mod:`.api` — :func:`validate`, :func:`commit`, :func:`import_file`.

The command line (``python -m regionmap db import``) is :mod:`regionmap.db.cli`.
"""

from regionmap.db.importer.api import IMPORT_TABLES, commit, import_file, validate
from regionmap.db.importer.formats import UPLOAD_TYPES, sniff
from regionmap.db.importer.header import HEADER_SCAN_ROWS, column_letter
from regionmap.db.importer.reading import decode
from regionmap.db.importer.result import ImportResult, Issue, Refused, table_label
from regionmap.db.importer.values import MAX_COUNT
from regionmap.db.importer.xlsxfile import MAX_XLSX_COLUMNS

__all__ = [
    "HEADER_SCAN_ROWS",
    "IMPORT_TABLES",
    "MAX_COUNT",
    "MAX_XLSX_COLUMNS",
    "UPLOAD_TYPES",
    "ImportResult",
    "Issue",
    "Refused",
    "column_letter",
    "commit",
    "decode",
    "import_file",
    "sniff",
    "table_label",
    "validate",
]
