"""The tables staff import: one :class:`ImportTable` each, read from ``importable.toml``.

Each table says once its columns and their types, the columns staff write (headers,
aliases, required, how a cell is read), its key, the column its plan is counted by
(``period``), which sample rows a real import replaces, its count column, its names in both
languages and its template. Everything else is made from here:

- the database's tables: ``db.schema.TABLES`` and ``db.schema.OVERLAY_TABLES``;
- the importer's columns, header detection and row checks (:mod:`regionmap.db.importer`);
- the figures' count columns and real years (``db.queries``);
- the templates (``db.export.template_bytes``, ``data/templates/``);
- the names in the text catalogue: ``import.table.<id>`` and ``import.key.<id>``
  (:mod:`regionmap.i18n` takes them from :func:`catalogue_texts`).

Why a data file: like ``figures.toml``, a table is a fact to state, not code to write. The file
holds no logic, is read and checked once at import (a wrong entry is a :class:`SpecError`
naming the table and the field), and adding a table is one entry in it (see the README,
"Adding an importable table"). How a cell of a field ``type`` is read is code, in
:mod:`regionmap.db.importer.values` (one function a type).

Examples
--------
>>> get("dispatch").key
('fiscal_year', 'municipality_code', 'kind')
>>> get("kyoryokutai").template_headers()
['年度', '市町村コード', '市町村名', '隊員数', '出典']
>>> normalise_header("人数（人）"), normalise_header("Fiscal_Year")
('人数', 'fiscalyear')
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regionmap import figures

#: How a field's cells are read (``db.importer.values`` has one reader per type).
FIELD_TYPES: tuple[str, ...] = (
    "municipality",
    "fiscal_year",
    "month",
    "count",
    "kind",
    "choice",
    "text",
    "coordinate",
    "prefecture",
    "id",
    "source",
)
#: The columns that follow every import table's own: the sample flag, the source of the row's
#: figures in both languages and the history version that wrote it.
BOOKKEEPING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("is_sample", "BOOLEAN"),
    ("source_ja", "VARCHAR"),
    ("source_en", "VARCHAR"),
    ("import_id", "INTEGER"),
)
REPLACES: tuple[str, ...] = ("period", "all")


class SpecError(ValueError):
    """importable.toml says something a table cannot hold (named: which table, which field)."""


def normalise_header(value: object) -> str:
    """A header as compared with the aliases: NFKC, lower case, without spaces, ``_``, ``※``,
    ``*`` and a bracketed unit (``人数(人)``, ``経度[度]``)."""
    return _compact(re.sub(r"[(\[].*?[)\]]", "", _nfkc(value)))


def header_key(value: object) -> str:
    """A header as compared with an alias that has brackets of its own (``名称(英語)``): the
    same as :func:`normalise_header` but the brackets' content kept."""
    return _compact(re.sub(r"[()\[\]]", "", _nfkc(value)))


def _nfkc(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def _compact(text: str) -> str:
    return re.sub(r"[\s_※*]", "", text)


@dataclass(frozen=True)
class Field:
    """A column staff write: its header, aliases, whether it is required and how it is read.

    Attributes
    ----------
    id : str
        The column it fills (``municipality_name`` and ``district`` fill none: they are read
        to find the code).
    header : str
        The template's header (Japanese, as staff write it); the column's name in messages.
    label_en : str
        Its name in English, lower case (inside sentences; capitalise for a heading).
    aliases : tuple of str
        Every header staff write for it; the first four are offered when it is missing.
    type : str
        One of :data:`FIELD_TYPES`.
    options : mapping
        The type's options: ``kinds``, ``words``, ``range``, ``from_title``, ``derive``,
        ``lang`` (see importable.toml).
    """

    id: str
    header: str
    label_en: str
    aliases: tuple[str, ...]
    type: str
    required: bool = False
    in_template: bool = True
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> tuple[str, str]:
        """Its name as ``(Japanese, English)`` (for :func:`regionmap.i18n.pick`)."""
        return (self.header, self.label_en)

    def stores(self) -> tuple[str, ...]:
        """The columns a value of this field fills."""
        if self.type == "municipality":
            return (self.id,) if self.id == "municipality_code" else ()
        if self.type == "kind":
            return (self.id, f"{self.id}_ja", f"{self.id}_en")
        if self.type == "prefecture":
            return (f"{self.id}_ja", f"{self.id}_en")
        return (self.id,)

    def vocabulary(self) -> dict[str, tuple[str, ...]]:
        """A kind's or a choice's values: id -> the words staff write for it (a kind's
        Japanese and English names first, from figures.toml)."""
        words = {k: tuple(v) for k, v in self.options.get("words", {}).items()}
        if self.type != "kind":
            return words
        kinds = figures.kinds(self.options["kinds"])
        return {k.id: (k.id, k.ja, k.en, *words.get(k.id, ())) for k in kinds}

    def kind_names(self) -> dict[str, tuple[str, str]]:
        """A kind field's kinds as ``{id: (Japanese, English)}`` (from figures.toml)."""
        return {k.id: (k.ja, k.en) for k in figures.kinds(self.options["kinds"])}


@dataclass(frozen=True)
class _Table:
    """What every table an import writes says the same way: its id, names, key, the column its
    plan is counted by, its columns; its names in the catalogue and its database columns."""

    table: str
    label: tuple[str, str]
    key: tuple[str, ...]
    key_label: tuple[str, str]
    period: str
    columns: tuple[tuple[str, str], ...]

    @property
    def label_key(self) -> str:
        """The text catalogue's key of its name."""
        return f"import.table.{self.table}"

    @property
    def key_label_key(self) -> str:
        """The text catalogue's key of its key in words."""
        return f"import.key.{self.table}"

    def schema_columns(self) -> list[tuple[str, str]]:
        """Its database columns and their types: its own, then :data:`BOOKKEEPING_COLUMNS`."""
        return [*self.columns, *BOOKKEEPING_COLUMNS]


@dataclass(frozen=True)
class ImportTable(_Table):
    """A table staff import (see importable.toml for what each attribute means)."""

    replaces: str
    sample: bool
    fields: tuple[Field, ...]
    count: str | None = None
    order: tuple[tuple[str, str], ...] = ()
    template_notes: tuple[str, ...] = ()

    @property
    def label_ja(self) -> str:
        return self.label[0]

    @property
    def label_en(self) -> str:
        return self.label[1]

    def field(self, field_id: str) -> Field:
        """The field ``field_id`` (``KeyError`` if the table has none)."""
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"{self.table} has no field {field_id!r}")

    @property
    def template_fields(self) -> tuple[Field, ...]:
        """The fields of the template, in order."""
        return tuple(f for f in self.fields if f.in_template)

    def template_headers(self) -> list[str]:
        """The template's header row (Japanese, as staff write it)."""
        return [f.header for f in self.template_fields]

    def aliases(self) -> dict[str, str]:
        """Every alias (:func:`header_key`) -> the field it names."""
        return {header_key(a): f.id for f in self.fields for a in (f.id, *f.aliases)}

    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)


# --------------------------------------------------------------------------------------
# importable.toml, read and checked once at import
# --------------------------------------------------------------------------------------

_TABLE_KEYS = frozenset(
    {"id", "label", "key", "key_label", "period", "replaces", "count", "sample", "columns"}
    | {"field", "order", "template_notes", "template_lines"}
)
_FIELD_KEYS = frozenset({"id", "header", "label_en", "aliases", "required", "type", "in_template"})
_OPTIONS = {
    "kind": ({"kinds"}, {"words"}),
    "choice": ({"words"}, set()),
    "coordinate": ({"range"}, set()),
    "month": (set(), {"from_title"}),
    "id": (set(), {"derive"}),
    "source": ({"lang"}, set()),
}


def _pair(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)
    )


def _field(entry: dict, where: str) -> Field:
    where = f"{where}, field {entry.get('id', '?')}"
    ftype = entry.get("type")
    if ftype not in FIELD_TYPES:
        raise SpecError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
    needed, optional = _OPTIONS.get(ftype, (set(), set()))
    unknown = set(entry) - _FIELD_KEYS - needed - optional
    missing = ({"id", "header", "label_en", "aliases"} | needed) - set(entry)
    if unknown or missing:
        raise SpecError(f"{where}: unknown {sorted(unknown)} or missing {sorted(missing)} keys")
    options = {k: entry[k] for k in needed | optional if k in entry}
    if ftype == "kind":
        try:
            figures.kinds(options["kinds"])
        except KeyError:
            raise SpecError(
                f"{where}: no list [kinds] {options['kinds']} in figures.toml"
            ) from None
    return Field(
        id=entry["id"],
        header=entry["header"],
        label_en=entry["label_en"],
        aliases=tuple(entry["aliases"]),
        type=ftype,
        required=bool(entry.get("required", False)),
        in_template=bool(entry.get("in_template", True)),
        options=options,
    )


def _fields(
    entries: list[dict], groups: Mapping[str, tuple[Field, ...]], where: str
) -> list[Field]:
    out: list[Field] = []
    for entry in entries:
        if "use" not in entry:
            out.append(_field(entry, where))
            continue
        group = groups.get(entry["use"])
        if group is None or set(entry) - {"use", "more_aliases"}:
            raise SpecError(f"{where}: use names a [[group.…]] and may add more_aliases")
        more = entry.get("more_aliases", {})
        if set(more) - {f.id for f in group}:
            raise SpecError(f"{where}: more_aliases for a field {entry['use']} has not")
        out.extend(_with_aliases(f, more.get(f.id, ())) for f in group)
    return out


def _with_aliases(f: Field, more: list[str] | tuple[str, ...]) -> Field:
    return Field(f.id, f.header, f.label_en, (*f.aliases, *more), f.type, f.required,
                 f.in_template, f.options)  # fmt: skip


def _check_table(tb: ImportTable, where: str) -> None:
    """The table's parts agree with each other (a :class:`SpecError` names what does not)."""
    cols = {c for c, _ in tb.schema_columns()}
    ids = [f.id for f in tb.fields]
    if len(set(ids)) != len(ids):
        raise SpecError(f"{where}: a field is listed twice")
    stored = {c for f in tb.fields for c in f.stores()}
    named = {*tb.key, tb.period, *([tb.count] if tb.count else [])}
    if not stored <= cols or not named <= cols:
        raise SpecError(f"{where}: not in [table.columns]: {sorted((stored | named) - cols)}")
    if not {"municipality_code", "municipality_name"} <= set(ids):
        raise SpecError(f'{where}: needs the municipality fields (use = "municipality")')
    if tb.replaces not in REPLACES:
        raise SpecError(f"{where}: replaces is one of {', '.join(REPLACES)}")
    for pair in tb.order:
        if len(pair) != 2 or not set(pair) <= set(ids):
            raise SpecError(f"{where}: order holds pairs of its fields")
    for f in tb.fields:
        _check_field(tb, f, set(ids), f"{where}, field {f.id}")


def _check_field(tb: ImportTable, f: Field, ids: set[str], where: str) -> None:
    aliases = tb.aliases()
    for a in (f.id, *f.aliases):
        if aliases[header_key(a)] != f.id:
            raise SpecError(f"{where}: the alias {a!r} names another field too")
    if aliases.get(header_key(f.header)) != f.id:
        raise SpecError(f"{where}: its header {f.header!r} is not one of its aliases")
    if f.type == "kind":
        kinds = {k.id for k in figures.kinds(f.options["kinds"])}
        if set(f.options.get("words", {})) - kinds:
            raise SpecError(f"{where}: words for a kind that is not one of {sorted(kinds)}")
    if not set(f.options.get("derive", ())) <= ids:
        raise SpecError(f"{where}: derive names fields of the table")


def _template_notes(
    entry: dict, notes: Mapping[str, str], kinds_text: str, where: str
) -> tuple[str, ...]:
    names = entry.get("template_notes", [])
    unknown = [n for n in names if n not in notes]
    if unknown:
        raise SpecError(f"{where}: no [notes] {', '.join(unknown)}")
    lines = [notes[n] for n in names] + list(entry.get("template_lines", []))
    return tuple(line.replace("{kinds}", kinds_text) for line in lines)


def _common(entry: dict, where: str) -> dict[str, Any]:
    """What every table of importable.toml says the same way: its id, names, key, period and
    columns (checked)."""
    if not _pair(entry["label"]) or not _pair(entry["key_label"]):
        raise SpecError(f"{where}: label and key_label are [Japanese, English]")
    return {
        "table": entry["id"],
        "label": tuple(entry["label"]),
        "key": tuple(entry["key"]),
        "key_label": tuple(entry["key_label"]),
        "period": entry["period"],
        "columns": tuple(entry["columns"].items()),
    }


def _table(
    entry: dict, groups: Mapping[str, tuple[Field, ...]], notes: Mapping[str, str], n: int
) -> ImportTable:
    where = f"importable.toml, [[table]] {n} ({entry.get('id', '?')})"
    unknown = set(entry) - _TABLE_KEYS
    missing = {
        "id",
        "label",
        "key",
        "key_label",
        "period",
        "replaces",
        "sample",
        "columns",
        "field",
    } - set(entry)
    if unknown or missing:
        raise SpecError(f"{where}: unknown {sorted(unknown)} or missing {sorted(missing)} keys")
    fields = tuple(_fields(entry["field"], groups, where))
    kind_fields = [f for f in fields if f.type == "kind"]
    kinds_text = (
        "、".join(ja for ja, _ in kind_fields[0].kind_names().values()) if kind_fields else ""
    )
    tb = ImportTable(
        **_common(entry, where),
        replaces=entry["replaces"],
        sample=bool(entry["sample"]),
        fields=fields,
        count=entry.get("count"),
        order=tuple(tuple(p) for p in entry.get("order", ())),  # type: ignore[misc]
        template_notes=_template_notes(entry, notes, kinds_text, where),
    )
    _check_table(tb, where)
    return tb


@dataclass(frozen=True)
class PublishedTable(_Table):
    """A table filled from a government's workbooks as published (importable.toml
    ``[[published]]``): its columns, key, the source of its figures and the published headers."""

    source: str
    headers: Mapping[str, str] = field(compare=False)

    def value_columns(self) -> tuple[str, ...]:
        """Its value columns (the DOUBLE ones), in order."""
        return tuple(c for c, t in self.columns if t == "DOUBLE")


_PUBLISHED_KEYS = frozenset(
    {"id", "label", "key", "key_label", "period", "source", "columns", "headers"}
)


def _published(entry: dict, n: int) -> PublishedTable:
    where = f"importable.toml, [[published]] {n} ({entry.get('id', '?')})"
    if set(entry) != _PUBLISHED_KEYS:
        raise SpecError(f"{where}: its keys are {', '.join(sorted(_PUBLISHED_KEYS))}")
    tb = PublishedTable(
        **_common(entry, where), source=entry["source"], headers=dict(entry["headers"])
    )
    cols = dict(tb.columns)
    if not {*tb.key, tb.period} <= set(cols):
        raise SpecError(f"{where}: key and period are columns of [published.columns]")
    figs = [f for f in figures.PUBLIC_FIGURES if f.source == tb.source and f.table == tb.table]
    if not figs or any(cols.get(f.column or "") != "DOUBLE" for f in figs):
        raise SpecError(f"{where}: each public figure of {tb.source} needs its DOUBLE column")
    read = {"code", "prefecture", "name"}
    if not set(tb.headers.values()) <= set(cols) | read:
        raise SpecError(f"{where}: a header names no column")
    return tb


def load(text: str) -> tuple[ImportTable, ...]:
    """The tables in ``text`` (importable.toml), checked; a :class:`SpecError` names the entry
    that is wrong."""
    data = tomllib.loads(text)
    groups: dict[str, tuple[Field, ...]] = {
        name: tuple(_field(e, f"importable.toml, [[group.{name}]]") for e in entries)
        for name, entries in data.get("group", {}).items()
    }
    notes = data.get("notes", {})
    tables = tuple(_table(e, groups, notes, n) for n, e in enumerate(data["table"], start=1))
    ids = [tb.table for tb in tables]
    if len(set(ids)) != len(ids):
        raise SpecError("importable.toml: a table id is used twice")
    return tables


#: Every importable table, in the order the importer tries them and the pages list them.
TABLES: tuple[ImportTable, ...] = load(
    (Path(__file__).parent / "importable.toml").read_text(encoding="utf-8")
)
#: The tables filled from a government's workbooks as published (``[[published]]``).
PUBLISHED: tuple[PublishedTable, ...] = tuple(
    _published(e, n)
    for n, e in enumerate(
        tomllib.loads((Path(__file__).parent / "importable.toml").read_text(encoding="utf-8")).get(
            "published", ()
        ),
        start=1,
    )
)
#: Their names (``db import --table``, the Data page's choice of table).
NAMES: tuple[str, ...] = tuple(tb.table for tb in TABLES)
#: The tables only staff imports fill (no sample): the regional page offers their templates.
IMPORT_ONLY: tuple[ImportTable, ...] = tuple(tb for tb in TABLES if not tb.sample)

_BY_NAME = {tb.table: tb for tb in TABLES}


def get(table: str) -> ImportTable:
    """The table ``table``; a :class:`KeyError` naming the known ones otherwise."""
    try:
        return _BY_NAME[table]
    except KeyError:
        raise KeyError(f"unknown import table {table!r}; one of {', '.join(NAMES)}") from None


def published(table: str) -> PublishedTable:
    """The published table ``table`` (``KeyError`` if none)."""
    return {tb.table: tb for tb in PUBLISHED}[table]


def catalogue_texts() -> dict[str, dict[str, str]]:
    """The tables' names as text catalogue entries: ``import.table.<id>`` (the table) and
    ``import.key.<id>`` (its key in words); :mod:`regionmap.i18n` adds them to its catalogue."""
    out: dict[str, dict[str, str]] = {}
    for tb in (*TABLES, *PUBLISHED):
        out[tb.label_key] = {"ja": tb.label[0], "en": tb.label[1]}
        out[tb.key_label_key] = {"ja": tb.key_label[0], "en": tb.key_label[1]}
    return out
