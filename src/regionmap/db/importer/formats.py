"""Which reader reads a file: decided from its bytes, never from its name alone.

:data:`FORMATS` lists the formats the importer reads (a reader each, :mod:`.csvfile`,
:mod:`.xlsxfile`) and :data:`REFUSED` those it recognises and refuses with a message saying
what to do (an old ``.xls`` workbook, a PDF). A new reader is one module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from regionmap.db.importer import csvfile, xlsxfile
from regionmap.db.importer.reading import Budget, Source, utf16
from regionmap.db.importer.result import Refused

Reader = Callable[[bytes, str, Sequence[str], Budget], Source]


@dataclass(frozen=True)
class Format:
    """A format the importer reads: its reader, the bytes a file of it starts with (None: any
    text), and the file names it is offered under (the uploader's types)."""

    name: str
    read: Reader
    magic: bytes | None
    suffixes: tuple[str, ...]


#: The formats read, the ones with a signature first (text, the last, is what is left).
FORMATS: tuple[Format, ...] = (
    Format("xlsx", xlsxfile.read, b"PK\x03\x04", (".xlsx",)),
    # CSV, and Excel's "Unicode text" (UTF-16, tab-separated, saved as .txt)
    Format("csv", csvfile.read, None, (".csv", ".txt")),
)
#: Files recognised by their first bytes and refused (catalogue key of the refusal).
REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "import.refused.xls"),  # OLE2: Excel 97–2003
    (b"%PDF-", "import.refused.pdf"),
)
#: File types the importer reads (what the app's uploader offers).
UPLOAD_TYPES: tuple[str, ...] = tuple(s.lstrip(".") for f in FORMATS for s in f.suffixes)


def sniff(data: bytes, filename: str) -> Format:
    """The format of ``data`` from the bytes themselves; raises :class:`Refused` for the rest
    (binary bytes named .csv, a file named .xlsx that is not a workbook …)."""
    for magic, key in REFUSED:
        if data.startswith(magic):
            raise Refused(key)
    for fmt in FORMATS:
        if fmt.magic is not None and data.startswith(fmt.magic):
            return fmt
    suffix = Path(filename).suffix.lower()
    signed = [f for f in FORMATS if f.magic is not None and suffix in f.suffixes]
    if signed:
        raise Refused("import.refused.not_workbook", suffix=suffix)
    if utf16(data) is None and b"\x00" in data[:65536]:
        raise Refused("import.refused.binary")
    return FORMATS[-1]


def read(data: bytes, filename: str, tables: Sequence[str], budget: Budget) -> Source:
    """``data`` read by the reader of its format (:func:`sniff`)."""
    return sniff(data, filename).read(data, filename, tables, budget)
