"""The data layer's shape (issue #22): every message a catalogue key (no ``(en, ja)`` pair,
no inline language branch), the importer in small modules. Read from the source, so a
regression names the file and line. The rules of the whole package (no import cycle, no
private name taken across modules, few language branches, layers) are in
``tests/test_architecture.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from regionmap.settings import PROJECT_ROOT

SRC = PROJECT_ROOT / "src"
DB = SRC / "regionmap" / "db"
#: The modules of the data layer and what reads spreadsheets with it.
DB_FILES = sorted(DB.rglob("*.py"))
MESSAGE_FILES = [*DB_FILES, SRC / "regionmap" / "codes.py", SRC / "regionmap" / "importable.py"]


_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _text(node: ast.AST) -> str | None:
    """The literal text of a string or f-string (its constant parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [_text(node.left), _text(node.right)]
        return "".join(p for p in parts if p) if any(p is not None for p in parts) else None
    return None


def _english(text: str | None) -> bool:
    return text is not None and not _JA.search(text) and bool(re.search(r"[A-Za-z]{3,}\s", text))


def _japanese(text: str | None) -> bool:
    return text is not None and bool(_JA.search(text))


#: Pairs of texts in both languages that are data, not messages, each with its reason.
DATA_PAIRS = {
    ("db/sample.py", "_OPERATORS"): "the sample's invented operators, stored in both languages "
    "(operator_ja, operator_en) as every site row is",
}


def en_ja_pairs(path: Path, rel: str | None = None) -> list[str]:
    """Calls, tuples and conditional expressions holding an English and a Japanese text side
    by side: a message written in two languages outside the catalogue (``rel``: the file's
    name in what is found; default its path in the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt: set[int] = set()
    rel = rel or str(path.relative_to(SRC / "regionmap"))
    for n in ast.walk(tree):
        if isinstance(n, (ast.Assign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(isinstance(t, ast.Name) and (rel, t.id) in DATA_PAIRS for t in targets):
                exempt |= {id(x) for x in ast.walk(n)}
    found = []
    for n in ast.walk(tree):
        if id(n) in exempt:
            continue
        if isinstance(n, ast.Call):
            kids = [*n.args, *(k.value for k in n.keywords)]
        elif isinstance(n, (ast.Tuple, ast.List)):
            kids = list(n.elts)
        elif isinstance(n, ast.IfExp):
            kids = [n.body, n.orelse]
        else:
            continue
        texts = [_text(k) for k in kids]
        if any(_english(t) for t in texts) and any(_japanese(t) for t in texts):
            found.append(f"{rel}:{n.lineno}")
    return found


def test_no_message_is_written_in_two_languages_outside_the_catalogue():
    found = [x for p in MESSAGE_FILES for x in en_ja_pairs(p)]
    assert found == []


def test_the_pair_check_finds_a_pair(tmp_path):
    # as importer.py wrote them before issue #22
    probe = tmp_path / "probe.py"
    probe.write_text(
        'raise Refused("the file is empty", "ファイルが空です")\n'
        'text = "取り込みました。" if lang == "ja" else "imported it."\n',
        encoding="utf-8",
    )
    assert en_ja_pairs(probe, "probe.py") == ["probe.py:1", "probe.py:2"]


_LANG_BRANCH = re.compile(r"""\blang\s*[!=]=\s*["'](?:en|ja)["']""")


def test_the_data_layer_and_its_command_line_have_no_language_branch():
    # the i18n helpers pick the language (t, pick, col, short_name_col, join …)
    files = [*DB_FILES, SRC / "regionmap" / "__main__.py", SRC / "regionmap" / "codes.py"]
    found = [
        f"{p.relative_to(SRC)}:{i}"
        for p in files
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if _LANG_BRANCH.search(line)
    ]
    assert found == []


def test_the_importer_is_a_package_of_small_modules():
    modules = sorted((DB / "importer").glob("*.py"))
    names = {p.stem for p in modules}
    assert {"reading", "formats", "csvfile", "xlsxfile", "header", "values", "rows", "result",
            "api"} <= names  # fmt: skip
    assert not (DB / "importer.py").exists()
    longest = max(len(p.read_text(encoding="utf-8").splitlines()) for p in modules)
    assert longest < 400, longest
    # no function of the importer runs for more than a screen
    for p in modules:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = n.end_lineno - n.lineno + 1
                assert length <= 60, f"{p.name}:{n.lineno} {n.name} has {length} lines"
