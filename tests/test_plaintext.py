"""Issue #10, item 4: nothing executable or linkable shows or leaves. Text from files and
URLs is shown as plain text (escaped Markdown), tables shown with Streamlit's own CSV
download carry neutralised values; every page is swept with hostile values."""

from __future__ import annotations

import re
import shutil
import string

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from regionmap import state
from regionmap.db import importer
from regionmap.plaintext import WORD_JOINER, neutralise, plain, shown_frame
from regionmap.settings import PROJECT_ROOT
from regionmap.ui.session import PAGES

HOSTILE = '[x](http://evil) ![p](http://evil/p.png) <img src=x> =HYPERLINK("http://evil")'
#: Markdown a value must never bring unescaped: a link, an image, HTML
_RAW = re.compile(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\)<img")
#: after escapes are resolved: a bare URL or address that GFM would turn into a link
_BARE = re.compile(r"(?i)(?<!\u2060)(?:https?://|www\.|@mail)")


def leaks(md: str) -> bool:
    """Whether Markdown ``md`` would show a link, image or HTML from the hostile values."""
    return bool(_RAW.search(md) or _BARE.search(re.sub(r"\\(.)", r"\1", md)))


def _unescaped(md: str) -> list[str]:
    """ASCII punctuation in ``md`` not preceded by a backslash (escaped backslashes paired)."""
    out, i = [], 0
    while i < len(md):
        if md[i] == "\\" and i + 1 < len(md):
            i += 2
            continue
        if md[i] in string.punctuation:
            out.append(md[i])
        i += 1
    return out


@pytest.mark.parametrize(
    "value",
    [
        HOSTILE,
        "see www.evil.com or mail evil@mail.example, https://evil/x",
        "line one\n# heading\n> quote\n- item\n1. one\n```\ncode",
        ":red[colour] :material/home: $x^2$ **bold** _it_ `code` | a | b |",
        "&lt;img src=x&gt; &#x3C;b&#x3E; \\[already\\]",
        "札幌市（さっぽろ）・十勝",
    ],
)
def test_plain_escapes_every_markdown_construct(value):
    md = plain(value)
    assert not leaks(md)
    assert _unescaped(md) == []
    assert "\n" not in md and "\r" not in md
    # GFM links bare URLs and e-mail addresses after escapes are resolved unless the
    # character before is a letter or a format character: the word joiner
    text = re.sub(r"\\(.)", r"\1", md)
    for m in re.finditer(r"(?i)https?://|www\.", text):
        assert m.start() > 0 and text[m.start() - 1] == WORD_JOINER
    for m in re.finditer(r"@", text):
        assert text[m.start() - 1] == WORD_JOINER
    # read back, it is the same text (line breaks as spaces)
    assert text.replace(WORD_JOINER, "") == re.sub(r"[\r\n]+", " ", value)


def test_plain_of_missing_values_and_numbers():
    assert plain(None) == "" and plain(float("nan")) == "" and plain(pd.NA) == ""
    assert plain(1200) == "1200" and plain(3.5) == "3\\.5"


def test_shown_frame_neutralises_text_cells_lists_and_headers_only():
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://evil")', "@SUM(A1)", "+1", "-2", "札幌市", None],
            "n": [1, -2, 3, 4, 5, 6],
            "=cmd": [["=a", "b"], [], ["ok"], ["@x"], ["-"], ["c"]],
        }
    )
    out = shown_frame(df)
    assert list(out.columns) == ["name", "n", "'=cmd"]
    assert list(out["name"])[:5] == [
        '\'=HYPERLINK("http://evil")',
        "'@SUM(A1)",
        "'+1",
        "'-2",
        "札幌市",
    ]
    assert pd.isna(out["name"].iloc[5])
    assert list(out["n"]) == [1, -2, 3, 4, 5, 6] and out["n"].dtype == df["n"].dtype
    assert out["'=cmd"].iloc[0] == ["'=a", "b"] and out["'=cmd"].iloc[3] == ["'@x"]
    assert df["name"].iloc[0].startswith("=")  # the input is left alone
    assert neutralise("\tx") == "'\tx" and neutralise(-3) == -3


def test_a_bad_url_value_is_a_notice_in_plain_text():
    link = "[Session expired - click to log in again](http://evil)"
    _, notices = state.from_query_params({"fy": link, HOSTILE: "1"})
    assert len(notices) == 2
    for n in notices:
        assert not leaks(n), n
    assert plain(link) in notices[0] and plain(HOSTILE) in notices[1]


# --- the sweep: every page, hostile imports and URL parameters ---------------------------


@pytest.fixture(scope="module")
def hostile_db(db_path, tmp_path_factory):
    """A copy of the session database with files whose every text field is hostile."""
    target = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(db_path, target)
    q = '"' + HOSTILE.replace('"', '""') + '"'
    formula = '"=HYPERLINK(""http://evil"")"'
    files = {
        "dispatch": [
            "年度,市町村コード,派遣区分,人数,継続・新規,出典",
            f"2016,01100,地域振興派遣,3,新規,{q}",
            f"2016,01202,相互交流,2,継続,{q}",
        ],
        "sites": [
            "ID,名称,市町村コード,種別,経度,緯度,開始年度,運営主体,出典",
            f"h1,{q},01100,サロン,141.35,43.06,2016,{formula},{q}",
            f"h2,{formula},01202,買い物支援,140.73,41.77,2015,{q},{q}",
        ],
        "evacuees": [
            "年月,市町村コード,避難元,避難者数,出典",
            f"2015-03,01100,福島県,12,{q}",
            f"2015-03,01202,宮城県,3,{q}",
        ],
    }
    for table, lines in files.items():
        res = importer.commit(
            ("\n".join(lines) + "\n").encode("utf-8"),
            f"[f](http://evil) {table}.csv",
            table,
            db_path=target,
        )
        assert res.ok and res.committed, [str(i) for i in res.errors]
    return target


def _strings(obj) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


#: elements whose text is not Markdown: checked elsewhere (tables) or by the map's owner
_NOT_MARKDOWN = {"dataframe", "deck_gl_json_chart", "plotly_chart"}


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _sweep(at) -> tuple[list[str], list[pd.DataFrame]]:
    texts, frames = [], []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "dataframe":
            frames.append(node.value)
            continue
        if node.type in _NOT_MARKDOWN:
            continue
        texts.extend(_strings(MessageToDict(proto)))
    return texts, frames


URL = {
    "fy": "[Session expired - click to log in again](http://evil)",
    "bureau": HOSTILE,
    "muni": "![p](http://evil/p.png)",
    "kind": "<img src=x>",
    "theme": "www.evil.com",
    "mfrom": "evil@mail.example",
    HOSTILE: "x",
}


@pytest.mark.parametrize("page", [p.script for p in PAGES])
@pytest.mark.parametrize("params", [{"fy": "2016"}, URL], ids=["hostile-data", "hostile-url"])
def test_no_page_shows_a_link_image_or_formula_from_data_or_url(
    hostile_db, monkeypatch, page, params
):
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(hostile_db))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    texts, frames = _sweep(at.run())  # the first run (its notices), then the page
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    more_texts, more_frames = _sweep(at)
    texts, frames = texts + more_texts, frames + more_frames
    found = [s for s in texts if leaks(s)]
    assert found == [], found
    # the hostile values were reached, and shown escaped
    if params is URL:
        assert any(plain(URL["fy"]) in s for s in texts)  # the notice of the bad parameter
    elif page in {"pages/dispatch.py", "pages/settlement.py"}:
        assert any(plain(HOSTILE) in s for s in texts)  # the source
    if page == "pages/settlement.py" and params is not URL:  # the operator, in the table
        cells = {v for df in frames for col in df.columns for v in df[col] if isinstance(v, str)}
        assert '\'=HYPERLINK("http://evil")' in cells
    elif page == "pages/data.py":
        assert any(plain("[f](http://evil)") in s for s in texts)  # the file name
    for df in frames:
        for col in df.columns:
            assert not str(col).startswith(("=", "@", "+")), col
            for v in df[col]:
                if isinstance(v, str):
                    assert not v.startswith(("=", "@", "+", "\t", "\r")), (col, v)


# --- the Data page's upload (AppTest cannot upload: the uploader returns a file) ----------


def _upload_script():
    import os

    import streamlit as st

    from regionmap.ui import frame
    from regionmap.ui.views import data as dataview

    class Upload:
        name = os.environ["RM_TEST_UPLOAD_NAME"]

        def getvalue(self):
            with open(os.environ["RM_TEST_UPLOAD"], "rb") as fh:
                return fh.read()

    real = st.file_uploader  # AppTest runs in this process: put it back afterwards
    st.file_uploader = lambda *a, **k: Upload()
    try:
        dataview.page(frame.context())
    finally:
        st.file_uploader = real


@pytest.mark.parametrize("bad", [False, True], ids=["preview", "refused"])
def test_the_upload_preview_and_its_messages_show_file_text_as_text(
    hostile_db, tmp_path, monkeypatch, bad
):
    q = '"' + HOSTILE.replace('"', '""') + '"'
    lines = [
        f"年度,市町村名,派遣区分,人数,出典,{q}",
        f"2017,{q if bad else '夕張市'},地域振興派遣,2,{q},x",
    ]
    f = tmp_path / "up.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(hostile_db))
    monkeypatch.setenv("RM_TEST_UPLOAD", str(f))
    monkeypatch.setenv("RM_TEST_UPLOAD_NAME", "[f](http://evil) =up.csv")
    at = AppTest.from_function(_upload_script, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    texts, frames = _sweep(at)
    found = [s for s in texts if leaks(s)]
    assert found == [], found
    assert any(plain(HOSTILE) in s for s in texts)  # the ignored column (or the bad name)
    cells = [v for df in frames for col in df.columns for v in df[col] if isinstance(v, str)]
    assert cells and not [v for v in cells if v.startswith(("=", "@", "+"))]
