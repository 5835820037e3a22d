"""The package's architecture (issue #22), read from the source (the AST of every module), so
a regression names the file and line:

- no module takes another one's ``_private`` names (beyond :data:`ALLOWED_PRIVATE`);
- the language is chosen by the i18n helpers: at most :data:`MAX_LANG_BRANCHES` inline
  branches on the language code, each with a comment saying why;
- ``maps/`` imports neither ``render/`` nor ``state`` nor Streamlit; nothing outside ``ui/``
  imports Streamlit;
- no import cycle between the package's modules;
- a page script lays out a view: no SQL, no geometry, no data library.

The data layer's own rules (messages as catalogue keys, the importer in small modules) are in
``tests/test_db_structure.py``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from regionmap.settings import PROJECT_ROOT

SRC = PROJECT_ROOT / "src"
PACKAGE = SRC / "regionmap"
PAGE_SCRIPTS = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
#: Every Python file of the project that may reach into the package.
PROJECT_FILES = [
    *sorted(PACKAGE.rglob("*.py")),
    *PAGE_SCRIPTS,
    *sorted((PROJECT_ROOT / "tests").glob("*.py")),
    *sorted((PROJECT_ROOT / "bench").rglob("*.py")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _rel(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def _own_module(path: Path) -> str | None:
    return module_name(path) if path.is_relative_to(PACKAGE) else None


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # what is imported: a regionmap module, or the top name of another package
    nested: bool  # inside a function (runs when called, not when the module is loaded)


def imports(path: Path) -> list[Import]:
    """The modules ``path`` imports: ``from regionmap.db import store`` is the module
    ``regionmap.db.store``, ``from regionmap.db import connect`` the package ``regionmap.db``;
    other packages by their top name (``streamlit``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested_nodes: set[int] = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            nested_nodes |= {id(x) for x in ast.walk(n) if x is not n}
    out: list[Import] = []
    for n in ast.walk(tree):
        nested = id(n) in nested_nodes
        if isinstance(n, ast.Import):
            for a in n.names:
                name = a.name if a.name in MODULES else a.name.split(".")[0]
                out.append(Import(n.lineno, name, nested))
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            if n.module in MODULES or n.module.startswith("regionmap."):
                subs = [f"{n.module}.{a.name}" for a in n.names]
                out += [Import(n.lineno, s, nested) for s in subs if s in MODULES]
                if any(s not in MODULES for s in subs):
                    out.append(Import(n.lineno, n.module, nested))
            else:
                out.append(Import(n.lineno, n.module.split(".")[0], nested))
    return out


def import_graph(*, nested: bool = False) -> dict[str, set[str]]:
    """Which package modules each package module imports (with ``nested``: also inside
    functions). Importing ``a.b.c`` loads ``a`` and ``a.b`` too, so those count as well."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges: set[str] = set()
        for imp in imports(path):
            if imp.module in MODULES and (nested or not imp.nested):
                parts = imp.module.split(".")
                edges |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
        edges.discard(name)
        # a package's own submodules are loaded after it: not an edge back to it
        graph[name] = {m for m in edges if not name.startswith(m + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


# --- no import cycle ---------------------------------------------------------------------
# Module level only: what runs when a module is loaded must not need a module that is still
# loading (db/__init__ → changes → audit → export → db worked only by import order). An
# import inside a function runs when the function is called, after every module is loaded:
# that is how a heavy library is imported where it is used, and it cannot fail by order.


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "regionmap.db.store" in graph["regionmap.db.changes"]  # the graph is read
    assert len(graph) == len(MODULES) > 90
    assert cycles(graph) == []


def test_not_even_through_imports_inside_functions():
    # none today, so kept at none: a lazy import is for a heavy library, not for a
    # package module that would otherwise close a cycle (the layers would not be layers)
    graph = import_graph(nested=True)
    assert "regionmap.fonts" in graph["regionmap.maps.labels"]  # imported inside a function
    assert "regionmap.fonts" not in import_graph()["regionmap.maps.labels"]
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    # db/__init__ → changes → audit → export → db, as it was before issue #22
    graph = {
        "regionmap.db": {"regionmap.db.changes"},
        "regionmap.db.changes": {"regionmap.db.audit"},
        "regionmap.db.audit": {"regionmap.db.export"},
        "regionmap.db.export": {"regionmap.db"},
    }
    assert cycles(graph) == [sorted(graph)]


def test_importing_a_submodule_counts_as_importing_its_package(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from regionmap.db import connect\nfrom regionmap.maps import areas\n")
    found = {i.module for i in imports(probe)}
    assert found == {"regionmap.db", "regionmap.maps.areas"}


# --- private names stay in their module --------------------------------------------------

#: ``file: module._name`` pairs allowed to cross (each with its reason); at most 5.
ALLOWED_PRIVATE: dict[str, str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path) -> list[str]:
    """``line: module._name`` for each ``_private`` name ``path`` takes from another package
    module: ``from m import _x`` (however many lines the import spans) and ``m._x`` (also
    ``regionmap.m._x`` and ``alias._x``) where ``m`` is a package module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _own_module(path)
    bound: dict[str, str] = {}  # a local name → the package module it is
    found: set[tuple[int, str]] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.name in MODULES:
                    local = a.asname or a.name.split(".")[0]
                    bound[local] = a.name if a.asname else local
        elif isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] == "regionmap":
            for a in n.names:
                full = f"{n.module}.{a.name}"
                if full in MODULES:
                    bound[a.asname or a.name] = full
                elif _private(a.name) and n.module != me:
                    found.add((n.lineno, full))
    for n in ast.walk(tree):
        if not isinstance(n, ast.Attribute):
            continue
        chain: list[str] = []
        x: ast.expr = n
        while isinstance(x, ast.Attribute):
            chain.insert(0, x.attr)
            x = x.value
        if not isinstance(x, ast.Name) or x.id not in bound:
            continue
        module = bound[x.id]
        for attr in chain:
            if f"{module}.{attr}" in MODULES:
                module = f"{module}.{attr}"
                continue
            if _private(attr) and module != me:
                found.add((n.lineno, f"{module}.{attr}"))
            break
    return [f"{line}: {what}" for line, what in sorted(found)]


def test_no_module_takes_another_ones_private_names():
    assert len(ALLOWED_PRIVATE) <= 5
    found = [
        f"{_rel(p)}:{use}"
        for p in PROJECT_FILES
        for use in private_uses(p)
        if f"{_rel(p)}: {use.split(': ', 1)[1]}" not in ALLOWED_PRIVATE
    ]
    assert found == []


def test_the_private_check_finds_every_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import regionmap.db\n"
        "import regionmap.db.store as st\n"
        "from regionmap.ui import session\n"
        "from regionmap.render.chartimage import (\n"
        "    kinds_in_order,\n"
        "    _chart_image,\n"
        ")\n"
        "session._CTX_KEY\n"
        "st._lock()\n"
        "regionmap.db.store._lock\n"
        "session.__name__\n",
        encoding="utf-8",
    )
    assert private_uses(probe) == [
        "4: regionmap.render.chartimage._chart_image",
        "8: regionmap.ui.session._CTX_KEY",
        "9: regionmap.db.store._lock",
        "10: regionmap.db.store._lock",
    ]


# --- the language is chosen in one place -------------------------------------------------

MAX_LANG_BRANCHES = 10
#: Where the language code is looked at by design: the helpers everything else calls.
LANG_HELPERS = {"src/regionmap/bilingual.py"}
_LANG_BRANCH = re.compile(
    r"""\b(?:lang|language)\w*\s*(?:[!=]=|(?:not\s+)?in)\s*[("']*(?:en|ja)["']"""
    r"""|["'](?:en|ja)["']\s*[!=]=\s*\w*\.?(?:lang|language)\b"""
)


def lang_branches(path: Path, rel: str | None = None) -> list[tuple[str, bool]]:
    """``(file:line, has_comment)`` for each line comparing the language code with "en" or
    "ja"; the comment is on the line itself or on the comment lines right above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = rel or _rel(path)
    out = []
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        if not _LANG_BRANCH.search(code):
            continue
        commented = "#" in line[len(code) :] or (i > 0 and lines[i - 1].strip().startswith("#"))
        out.append((f"{rel}:{i + 1}", commented))
    return out


def _branch_files() -> list[Path]:
    return [
        p for p in [*sorted(PACKAGE.rglob("*.py")), *PAGE_SCRIPTS] if _rel(p) not in LANG_HELPERS
    ]


def test_inline_language_branches_are_few_and_each_says_why():
    found = [b for p in _branch_files() for b in lang_branches(p)]
    assert len(found) <= MAX_LANG_BRANCHES, [where for where, _ in found]
    assert [where for where, commented in found if not commented] == []


def test_the_language_helpers_are_the_only_other_place():
    # the one definition of choosing between the two (pick, col, ...) branches once
    helpers = [b for rel in LANG_HELPERS for b in lang_branches(PROJECT_ROOT / rel)]
    assert len(helpers) == 1


def test_the_branch_check_finds_branches_and_their_comments(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        'name = row["name_en"] if lang == "en" else row["name_ja"]\n'
        "# a reason\n"
        'if data.lang != "ja":\n'
        "    pass\n"
        'ok = language in ("en",)  # English only\n'
        'x = "en" == lang\n'
        'y = pick(("a", "b"), lang)\n',
        encoding="utf-8",
    )
    assert lang_branches(probe, "probe.py") == [
        ("probe.py:1", False),
        ("probe.py:3", True),
        ("probe.py:5", True),
        ("probe.py:6", False),
    ]


# --- layers ------------------------------------------------------------------------------


def _package_files(under: str) -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py")) if under else sorted(PACKAGE.rglob("*.py"))


def test_maps_imports_neither_render_nor_state_nor_streamlit():
    found = [
        f"{_rel(p)}:{i.line} {i.module}"
        for p in _package_files("maps")
        for i in imports(p)
        if i.module.startswith(("regionmap.render", "regionmap.state", "regionmap.ui"))
        or i.module == "streamlit"
    ]
    assert found == []


def test_nothing_below_ui_imports_streamlit():
    checked = [p for p in _package_files("") if not p.is_relative_to(PACKAGE / "ui")]
    assert len(checked) > 60
    found = [
        f"{_rel(p)}:{i.line}"
        for p in checked
        for i in imports(p)
        if i.module == "streamlit" or i.module.startswith("regionmap.ui")
    ]
    assert found == []


def test_the_layer_checks_see_an_import_inside_a_function(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    import streamlit as st\n    from regionmap import state\n")
    assert [(i.module, i.nested) for i in imports(probe)] == [
        ("streamlit", True),
        ("regionmap.state", True),
    ]


# --- page scripts lay out a view ---------------------------------------------------------

_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP)\b.*\b(FROM|INTO|SET|TABLE)\b", re.I)
_GEOMETRY = re.compile(
    r"\.(geometry|to_crs|buffer|simplify|centroid|dissolve|representative_point|unary_union"
    r"|union_all|intersects|sjoin|overlay|area)\b"
)
#: Libraries that do the data and geometry work the package owns.
_DATA_LIBRARIES = {"duckdb", "geopandas", "shapely", "pyogrio", "pyproj", "pandas", "pydeck"}


def page_problems(path: Path, rel: str | None = None) -> list[str]:
    rel = rel or _rel(path)
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    out = [
        f"{rel}:{i.line} imports {i.module}" for i in imports(path) if i.module in _DATA_LIBRARIES
    ]
    out += [
        f"{rel}:{i.line} imports {i.module}"
        for i in imports(path)
        if i.module.startswith("regionmap") and not i.module.startswith("regionmap.ui")
    ]
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and _SQL.search(n.value):
            out.append(f"{rel}:{n.lineno} SQL")
        if isinstance(n, ast.Attribute) and _GEOMETRY.fullmatch("." + n.attr):
            out.append(f"{rel}:{n.lineno} geometry .{n.attr}")
    return sorted(out)


def test_page_scripts_hold_no_sql_and_no_geometry():
    assert len(PAGE_SCRIPTS) >= 10
    assert [x for p in PAGE_SCRIPTS for x in page_problems(p)] == []


def test_the_page_check_finds_sql_and_geometry(tmp_path):
    probe = tmp_path / "page.py"
    probe.write_text(
        "import duckdb\n"
        "from regionmap import db\n"
        'rows = db.connect().execute("SELECT * FROM sites WHERE code = ?", [c])\n'
        "shape = layer.to_crs(3857).geometry\n",
        encoding="utf-8",
    )
    assert page_problems(probe, "page.py") == [
        "page.py:1 imports duckdb",
        "page.py:2 imports regionmap.db",
        "page.py:3 SQL",
        "page.py:4 geometry .geometry",
        "page.py:4 geometry .to_crs",
    ]


@pytest.mark.parametrize("path", PAGE_SCRIPTS, ids=lambda p: p.name)
def test_each_page_script_is_short(path):
    # a page lays out widgets and calls its view: a screen at most
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 40
