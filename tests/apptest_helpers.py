"""What the AppTests of the app and its pages read off a run (shared by test_app and test_pages).

AppTest does not render pydeck: the map is read from its spec (layers, colours, view,
tooltip); text is read from the elements Streamlit would show.
"""

from __future__ import annotations

import json
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from regionmap import i18n, reference
from regionmap.settings import PROJECT_ROOT

CREDIT = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
BUREAUS = reference.bureaus().to_dict("records")


def run_app(params: dict | None = None, page: str | None = None) -> AppTest:
    """``app.py`` run with ``params`` in the URL, then switched to ``page`` (a script path
    relative to the project); fails on any exception the run showed."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=90)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str, params: dict | None = None) -> AppTest:
    """A page opened the way a link opens it: ``params`` in the URL, then ``pages/<page>.py``
    (switched to before the first run, so ``app.py`` runs with its filter bar); fails on any
    exception the run showed."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=90)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table of the run with a column ``column``."""
    found = [df for df in tables(at) if column in df.columns]
    assert found, [list(df.columns) for df in tables(at)]
    return found[0]


def deck_spec(at: AppTest) -> dict:
    """The one map of the page, as the JSON spec pydeck sends to the browser."""
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def tooltip_html(at: AppTest) -> str:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"]


def still_url(at: AppTest) -> str | None:
    """The URL of the map's still that the page shows in the map's place (None: none)."""
    styles = [e.proto.body for e in at.get("html") if "/previews/" in e.proto.body]
    assert len(styles) <= 1, styles
    if not styles:
        return None
    assert ".st-key-rm-map-" in styles[0] and ":not(:has([data-rm-drawn='true']))" in styles[0]
    return re.search(r"url\('([^']+)'\)", styles[0]).group(1)


def layer_ids(spec: dict) -> list[str]:
    return [lay["id"] for lay in spec["layers"]]


def layer(spec: dict, layer_id: str) -> dict:
    found = [lay for lay in spec["layers"] if lay["id"] == layer_id]
    assert found, f"no layer {layer_id}: {layer_ids(spec)}"
    return found[0]


def colours(expression: str) -> list:
    """The per-feature colours of a JSON expression accessor ``@@=([...])[properties.i]``."""
    m = re.fullmatch(r"@@=\((\[.*\])\)\[properties\.i\]", expression)
    assert m, expression
    return json.loads(m.group(1))


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "caption", "markdown", "subheader", "warning", "info")
             for e in getattr(at, kind)]  # fmt: skip
    return "\n".join(str(p) for p in parts)


def html_text(at: AppTest) -> str:
    """Text of the st.html blocks (the legends)."""
    return "\n".join(e.proto.body for e in at.get("html"))


def metric(at: AppTest, label: str) -> str:
    """The value of the ``st.metric`` card labelled ``label`` (cards are found by label; a
    sample figure's card is labelled with the mark, ``派遣職員（サンプル）``, and found too)."""
    marked = {label, *(i18n.sample_marked(label, lang) for lang in ("ja", "en"))}
    found = [m.value for m in at.metric if m.label in marked]
    assert found, [m.label for m in at.metric]
    return found[0]
