"""One definition of each import table (issue #22): ``importable.toml``, read and checked by
:mod:`regionmap.importable`, and everything made from it — the database's tables, the
importer's columns and checks, the figures' count columns, the templates, the names in the
catalogue, the command line's choices. Each consumer is checked against the spec, and the
source is scanned for a table's facts written out a second time.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import pickle
import re
import tomllib

import openpyxl
import pytest
from import_helpers import xlsx_of

from regionmap import figures, i18n, importable
from regionmap.__main__ import _build_parser
from regionmap.db import export, importer, queries, schema
from regionmap.db.importer import header
from regionmap.settings import PROJECT_ROOT

SPEC_FILE = PROJECT_ROOT / "src" / "regionmap" / "importable.toml"
TABLE_IDS = list(importable.NAMES)


# --------------------------------------------------------------------------- the consumers


def test_the_six_tables_and_which_hold_a_sample():
    assert TABLE_IDS == ["dispatch", "sites", "evacuees", "kyoryokutai", "migration_trials",
                         "wide_area_groups"]  # fmt: skip
    assert [tb.table for tb in importable.IMPORT_ONLY] == [
        "kyoryokutai",
        "migration_trials",
        "wide_area_groups",
    ]
    assert importer.IMPORT_TABLES == importable.NAMES


@pytest.mark.parametrize("table", TABLE_IDS)
def test_the_database_table_is_the_spec(table):
    tb = importable.get(table)
    cols, key = schema.TABLES[table]
    assert cols == [*tb.columns, *importable.BOOKKEEPING_COLUMNS]
    assert key == tb.key
    assert schema.OVERLAY_TABLES[table] == {
        "key": tb.key,
        "period": tb.period,
        "replaces": tb.replaces,
    }
    # what the importer fills, the key, the period and the count are columns of the table
    names = {c for c, _ in cols}
    assert {c for f in tb.fields for c in f.stores()} <= names
    assert {*tb.key, tb.period, *([tb.count] if tb.count else [])} <= names


#: The digest of ``db.schema.TABLES`` at each schema version: a table added or changed in
#: importable.toml (or schema.py) changes it, and existing database files then need the new
#: tables, which they get when ``SCHEMA_VERSION`` is raised (rebuilt on first use, imported
#: rows kept). Raise it in ``db/schema.py`` and record the new digest here.
SCHEMA_DIGESTS = {6: "6c9c97d11fc07ce1", 7: "702b07381ece5cc8"}


def test_a_changed_schema_has_a_new_version():
    digest = hashlib.sha256(json.dumps(schema.TABLES, sort_keys=True).encode()).hexdigest()[:16]
    assert SCHEMA_DIGESTS.get(schema.SCHEMA_VERSION) == digest, (
        f"the tables changed: raise SCHEMA_VERSION in db/schema.py and add "
        f"{schema.SCHEMA_VERSION + 1}: {digest!r} to SCHEMA_DIGESTS"
    )


def test_wide_area_groups_are_planned_by_grouping_name():
    # the two old copies disagreed (figures: period None; schema: "group_name"). The plan of
    # an import is counted by its period column (changes.plan_import reads rows[period]), and
    # a grouping has no time period: its name is what a plan names, as the summary shows
    tb = importable.get("wide_area_groups")
    assert tb.period == "group_name" and schema.OVERLAY_TABLES[tb.table]["period"] == "group_name"
    assert tb.replaces == "all" and not tb.sample


@pytest.mark.parametrize("table", TABLE_IDS)
def test_the_importer_reads_every_alias_and_the_template_of_the_spec(table):
    tb = importable.get(table)
    for f in tb.fields:
        for alias in (f.id, *f.aliases):
            assert header.fields_found([alias], table) == {f.id: 0}, (table, alias)
    found = header.fields_found(tb.template_headers(), table)
    assert list(found) == [f.id for f in tb.template_fields]
    required = {f.id for f in tb.required()}
    assert header.has_required(found, table)
    for missing in required:  # a header without a required column is not a header
        assert not header.has_required({k: v for k, v in found.items() if k != missing}, table)


def test_a_unit_in_brackets_is_read_but_a_bracketed_alias_is_its_own_field(dbp):
    # 人数(人) is 人数; 名称(英語) is the English name, not a second 名称 column (it was: the two
    # columns were taken for one field and a row whose names differ was refused)
    assert header.fields_found(["人数（人）"], "dispatch") == {"persons": 0}
    assert header.fields_found(["名称", "名称（英語）"], "sites") == {"name_ja": 0, "name_en": 1}
    rows = [
        ["名称", "名称（英語）", "市町村名", "種別", "経度", "緯度", "開始年度"],
        ["みんなのサロン", "Everyone's salon", "ニセコ町", "サロン", "140.69", "42.80", "2019"],
    ]
    res = importer.validate(xlsx_of({"Sheet": rows}), "sites.xlsx", db_path=dbp)
    assert res.ok, [str(e) for e in res.errors]
    assert res.rows.iloc[0]["name_en"] == "Everyone's salon"
    assert res.rows.iloc[0]["name_ja"] == "みんなのサロン"


@pytest.mark.parametrize("metric", queries.MUNICIPAL_METRICS)
def test_each_figure_counts_the_count_column_of_its_table(metric):
    tb = importable.get(figures.get(metric).table)
    value = f"f.{tb.count} AS value" if tb.count else "1 AS value"
    assert value in queries._FACTS[metric].select
    assert f"FROM {tb.table} f" in queries._FACTS[metric].select
    assert f"FROM {tb.table} WHERE NOT is_sample" in queries._REAL_YEARS_SQL[metric]


@pytest.mark.parametrize("table", TABLE_IDS)
def test_the_templates_are_made_from_the_spec(table):
    tb = importable.get(table)
    assert export.TEMPLATE_COLUMNS[table] == tb.template_headers()
    assert export.template_notes(table) == list(tb.template_notes)
    wb = openpyxl.load_workbook(io.BytesIO(export.template_bytes(table, "xlsx")))
    assert [c.value for c in wb[table][1]] == tb.template_headers()
    notes = [r[0].value for r in wb["説明"].iter_rows(min_row=2)]
    assert notes == list(tb.template_notes)
    assert not any("{kinds}" in n for n in notes)  # the kinds are filled in
    kinds = [f for f in tb.fields if f.type == "kind"]
    for f in kinds:  # the kinds the template names are those the importer reads
        assert any("、".join(ja for ja, _ in f.kind_names().values()) in n for n in notes)
    for fmt in ("csv", "xlsx"):  # data/templates/ is what the spec makes (write_templates)
        committed = export.TEMPLATE_DIR / f"{table}_template.{fmt}"
        assert committed.read_bytes() == export.template_bytes(table, fmt), committed.name


@pytest.mark.parametrize("table", TABLE_IDS)
def test_the_names_in_the_catalogue_are_the_spec(table):
    tb = importable.get(table)
    assert i18n.CATALOG[f"import.table.{table}"] == {"ja": tb.label[0], "en": tb.label[1]}
    assert i18n.CATALOG[f"import.key.{table}"] == {"ja": tb.key_label[0], "en": tb.key_label[1]}
    catalogue_file = tomllib.loads(
        (PROJECT_ROOT / "src/regionmap/i18n/catalog.toml").read_text(encoding="utf-8")
    )
    assert f"import.table.{table}" not in catalogue_file  # defined in the spec only
    with pytest.raises(ValueError, match=f"import.table.{table}"):  # and refused there
        i18n._add_import_table_names({f"import.table.{table}": {"ja": "表", "en": "table"}})


def test_the_command_line_offers_the_spec_tables():
    parser = _build_parser()
    db_sub = next(a for a in parser._actions if getattr(a, "choices", None) and "db" in a.choices)
    db_parser = db_sub.choices["db"]
    actions = next(a for a in db_parser._actions if getattr(a, "choices", None))
    table = next(a for a in actions.choices["import"]._actions if a.dest == "table")
    assert tuple(table.choices) == importable.NAMES


# --------------------------------------------------------------------------- the spec checked


_GOOD = SPEC_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        # an alias that names two fields of one table
        (('aliases = ["人数", "派遣人数"', 'aliases = ["人数", "派遣区分"'), "names another field"),
        # a header the importer would not read back
        (('header = "隊員数"', 'header = "隊員の数"'), "is not one of its aliases"),
        # a column the table does not have
        (('count = "members"', 'count = "member_count"'), "not in [table.columns]"),
        # a list of kinds figures.toml does not have
        (('kinds = "groupings"', 'kinds = "groups"'), "no list [kinds] groups"),
        # a type the importer cannot read
        (('type = "count"', 'type = "number"'), "type must be one of"),
        # a note the file does not have
        (('"no_sample", "one_row_per_year"]', '"no_sample", "one_row"]'), "no [notes] one_row"),
    ],
)
def test_a_wrong_spec_is_refused_naming_the_table_and_field(edit, says):
    old, new = edit
    assert old in _GOOD
    with pytest.raises(importable.SpecError, match=re.escape(says)) as err:
        importable.load(_GOOD.replace(old, new, 1))
    assert "importable.toml" in str(err.value) and "[[table]]" in str(err.value)


def test_the_spec_loads_as_it_is():
    assert importable.load(_GOOD) == importable.TABLES


# --------------------------------------------------------------------------- nothing else


_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node: ast.AST) -> list[str]:
    """The string constants of a literal collection (one level), in order."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for s in map(_const, node.elts) if s is not None]
    if isinstance(node, ast.Dict):
        return [s for s in map(_const, [k for k in node.keys if k is not None]) if s is not None]
    return []


def _literal_strings(node: ast.AST) -> set[str] | None:
    """Every string in a literal value (None when it is not a literal)."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            stack.extend([*v.keys(), *v.values()])
        elif isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
    return out


def second_definitions(source: str) -> list[tuple[int, str]]:
    """(line, what) of each literal in ``source`` that states an import table's fact again:
    its key, two (Japanese) aliases of one field, its typed columns, its template's headers,
    its count column as a figure's value in SQL, or per-table values naming its columns in a
    dict keyed by two or more table names."""
    tables = importable.TABLES
    names = {tb.table: tb for tb in tables}
    keys = {tb.key for tb in tables if len(tb.key) > 1}
    found = []
    counts = {f"f.{tb.count} AS value" for tb in tables if tb.count}
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        text = _const(node) or ""
        if any(c in text for c in counts):  # a figure's value read from a table's count column
            found.append((line, f"a count column in {text[:60]!r}"))
        if isinstance(node, ast.List) and len(node.elts) >= 3:
            first = [_literal_strings(e) is not None and ast.literal_eval(e) for e in node.elts[:3]]
            for tb in tables:
                if [tuple(p) if isinstance(p, tuple) else p for p in first] == list(tb.columns[:3]):
                    found.append((line, f"the columns of {tb.table}"))
        strings = _strings(node)
        if not strings:
            continue
        if isinstance(node, (ast.Tuple, ast.List)) and len(strings) == len(node.elts):
            if tuple(strings) in keys:
                found.append((line, f"the key {tuple(strings)}"))
        for tb in tables:
            for f in tb.fields:
                both = [s for s in strings if s in f.aliases and _JA.search(s)]
                if len(both) >= 2:
                    found.append((line, f"aliases of {tb.table}.{f.id}: {both}"))
            headers = tb.template_headers()
            if len(strings) >= 3 and strings[:3] == headers[:3]:
                found.append((line, f"the template headers of {tb.table}"))
        if isinstance(node, ast.Dict):
            per_table = []
            for k, v in zip(node.keys, node.values, strict=True):
                tb = names.get(_const(k) or "")
                words = _literal_strings(v)
                if tb is not None and words is not None:
                    own = {c for c, _ in tb.columns} | {a for f in tb.fields for a in f.aliases}
                    if words & own:
                        per_table.append(tb.table)
            if len(per_table) >= 2:
                found.append((line, f"values per table for {per_table}"))
    return found


def test_nothing_else_defines_the_import_tables():
    sources = sorted((PROJECT_ROOT / "src" / "regionmap").rglob("*.py"))
    sources += sorted((PROJECT_ROOT / "pages").glob("*.py")) + [PROJECT_ROOT / "app.py"]
    assert len(sources) > 60
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {what}"
        for path in sources
        if path.name != "importable.py"
        for line, what in second_definitions(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    "snippet",
    [
        # the kinds of second definition the spec replaced
        '_COUNT_FIELD = {"kyoryokutai": "members", "migration_trials": "participants"}',
        'FIELDS = {"dispatch": (Field("fiscal_year", "年度", ("年度", "派遣年度")),)}',
        'OVERLAY = {"sites": {"key": ("site_id",)}, "evacuees": {"period": "month"}}',
        'ImportTable("wide_area_groups", key=("group_name", "municipality_code"), period=None)',
        'T = {"x": [("fiscal_year", "INTEGER"), ("municipality_code", "VARCHAR"), ("members", "INTEGER")]}',
        'TEMPLATE = ["年度", "市町村コード", "市町村名", "隊員数", "出典"]',
        '_Facts("SELECT f.municipality_code, f.members AS value FROM kyoryokutai f")',
    ],
)
def test_the_scan_finds_a_table_defined_again(snippet):
    assert second_definitions(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        # tables named, not defined: samples by table, a figure per slide, a lookup by key
        'frames = {"dispatch": sample.dispatch(), "sites": sample.sites(layer)}',
        'MAP_METRIC = {"dispatch": "dispatch", "settlement": "sites", "evacuees": "evacuees"}',
        'df.sort_values(list(importable.get("dispatch").key))',
        'NAMES = ("code", "code6", "name")',
    ],
)
def test_the_scan_leaves_uses_of_the_tables_alone(snippet):
    assert second_definitions(snippet) == []


# --------------------------------------------------------------------------- the result


def test_a_checked_file_pickles_and_says_the_same_in_both_languages(dbp):
    # the Data page caches a checked file (st.cache_data pickles it): its messages are data
    bad = "年度,市町村名,派遣区分,人数\nH27,泊村,地域振興派遣,-1\nH27,札幌市中央区,交流,1\n"
    res = importer.validate(bad.encode(), "j.csv", db_path=dbp)
    again = pickle.loads(pickle.dumps(res))
    for lang in i18n.LANGS:
        assert [i.format(lang) for i in again.errors] == [i.format(lang) for i in res.errors]
        assert again.note_texts(lang) == res.note_texts(lang)
        assert again.summary(lang) == res.summary(lang)
    assert "3行目: 札幌市中央区（01101）は札幌市（01100）として集計します" in again.note_texts("ja")
    assert "row 3: ward 札幌市中央区 (01101) counted as 札幌市 (01100)" in again.notes


def test_every_message_key_in_the_code_has_both_languages_with_the_same_placeholders():
    keys: set[str] = set()
    pattern = re.compile(r"""["']((?:import|parse|codes|db|audit)\.[a-z_]+(?:\.[a-z_]+)*)["']""")
    for path in (PROJECT_ROOT / "src" / "regionmap").rglob("*.py"):
        keys |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(keys) > 100, "the scan found too few keys: is the pattern still right?"
    assert sorted(k for k in keys if k not in i18n.CATALOG) == []
