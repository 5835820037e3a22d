"""A minimal Streamlit client speaking the browser's protocol over ``/_stcore/stream``.

It does what the browser's frontend does, no more: opens the websocket, sends
``BackMsg.rerun_script`` with the query string, the page and the widget states,
and reads ``ForwardMsg`` until ``script_finished``. Like the browser it keeps the
hashes of cacheable messages and sends them back (``cached_message_hashes``), so
an element that did not change comes back as a small reference, exactly as a
browser would receive it. Each rerun is timed from sending the back-message to
receiving ``script_finished`` (over loopback: the server's time plus a little
websocket transfer) and its bytes are counted: the whole message and the map
payload (``deck_gl_json_chart`` specs).
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: Widget element types the client knows how to set, and their WidgetState field.
_WIDGET_VALUE = {
    "selectbox": "string_value",
    "radio": "string_value",
    "multiselect": "string_array_value",
    "button_group": "string_array_value",
    "checkbox": "bool_value",
    "slider": "double_array_value",
}

_FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


@dataclass
class Widget:
    """A widget seen in a render: its id, user key, kind, option labels and current value."""

    id: str
    kind: str
    label: str
    options: list[str]
    value: Any
    bounds: tuple[float, float, float] | None = None  # slider min, max, step

    @property
    def key(self) -> str:
        # "$$ID-<hash>-<user key>"; "None" when the widget has no user key.
        parts = self.id.split("-", 2)
        return parts[2] if len(parts) == 3 and parts[0] == "$$ID" else ""


@dataclass
class RunResult:
    """One rerun as the client saw it."""

    elapsed_s: float
    status: str
    bytes_total: int = 0
    n_msgs: int = 0
    deck_bytes: int = 0  # deck_gl_json_chart spec bytes actually sent (not counting references)
    deck_gzip_bytes: int = 0
    deck_specs: list[str] = field(default_factory=list)
    deck_refs: int = 0  # map elements the server sent as a cache reference
    ref_msgs: int = 0
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, Widget] = field(default_factory=dict)
    static_urls: set[str] = field(default_factory=set)
    kinds: dict[str, int] = field(default_factory=dict)  # bytes per element kind
    texts: list[str] = field(default_factory=list)  # markdown shown (titles, captions, text)


def _option_labels(kind: str, el: Any) -> list[str]:
    if kind == "button_group":
        return [o.content for o in el.options]
    if kind == "slider":
        return list(el.options)
    return list(getattr(el, "options", []))


def _widget_from(kind: str, el: Any) -> Widget | None:
    if kind not in _WIDGET_VALUE or not el.id:
        return None
    opts = _option_labels(kind, el)
    if kind in ("selectbox", "radio"):
        value = opts[el.default] if el.HasField("default") and el.default < len(opts) else None
        if el.HasField("raw_value"):
            value = el.raw_value
    elif kind in ("multiselect", "button_group"):
        value = list(el.raw_values) if el.raw_values else [opts[i] for i in el.default]
    elif kind == "checkbox":
        value = bool(el.default)
    else:  # slider
        if opts:  # select_slider: sends option labels, not numbers
            return None
        value = list(el.value) if el.value else list(el.default)
        w = Widget(id=el.id, kind=kind, label=el.label, options=[], value=value)
        w.bounds = (el.min, el.max, el.step or 1.0)
        return w
    return Widget(id=el.id, kind=kind, label=getattr(el, "label", ""), options=opts, value=value)


def widget_state(widget: Widget, value: Any) -> WidgetState:
    """The ``WidgetState`` the browser sends when ``widget`` is set to ``value``."""
    ws = WidgetState(id=widget.id)
    field_name = _WIDGET_VALUE[widget.kind]
    if field_name == "string_value":
        ws.string_value = str(value)
    elif field_name == "string_array_value":
        ws.string_array_value.data.extend([str(v) for v in value])
    elif field_name == "bool_value":
        ws.bool_value = bool(value)
    elif field_name == "double_array_value":
        vals = value if isinstance(value, list | tuple) else [value]
        ws.double_array_value.data.extend([float(v) for v in vals])
    return ws


def _static_urls(spec: str) -> set[str]:
    """URLs of files the deck spec makes the browser fetch (layers served as static files)."""
    out: set[str] = set()
    try:
        doc = json.loads(spec)
    except ValueError:
        return out

    def walk(o: Any) -> None:
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
        elif isinstance(o, str) and ("app/static/" in o or o.startswith("http")):
            if o.endswith((".json", ".geojson", ".bin", ".arrow", ".parquet", ".pbf", ".mvt")):
                out.add(o)

    walk(doc)
    return out


class StreamlitSession:
    """One browser tab's worth of session against a Streamlit server."""

    def __init__(
        self,
        ws_url: str,
        query_string: str = "",
        page_name: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.headers = dict(headers or {})  # e.g. the proxy's sticky cookie
        self.response_headers: dict[str, str] = {}
        self.query_string = query_string
        self.page_name = page_name
        self.page_script_hash = ""
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.cached_hashes: set[str] = set()
        self.widgets: dict[str, Widget] = {}
        self.widget_values: dict[str, WidgetState] = {}
        self.ws: Any = None
        self.bytes_received = 0

    async def connect(self, timeout: float = 30.0) -> None:
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=timeout,
                ping_interval=None,
                additional_headers=self.headers or None,
            ),
            timeout,
        )
        self.response_headers = dict(self.ws.response.headers)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    def widget(self, key_part: str, kinds: tuple[str, ...] | None = None) -> Widget | None:
        """The first widget whose user key contains ``key_part`` (and of one of ``kinds``)."""
        for w in self.widgets.values():
            if key_part in w.key and (kinds is None or w.kind in kinds):
                return w
        return None

    def set_widget(self, widget: Widget, value: Any) -> None:
        self.widget_values[widget.id] = widget_state(widget, value)
        widget.value = value

    async def rerun(
        self, page_script_hash: str | None = None, page_name: str | None = None, timeout=120.0
    ) -> RunResult:
        """Send ``rerun_script`` with the current state; read until ``script_finished``."""
        if page_script_hash is not None:
            self.page_script_hash = page_script_hash
            self.widget_values = {}
        if page_name is not None:
            self.page_name = page_name
            self.page_script_hash = self.pages.get(page_name, "")
            self.widget_values = {}
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.page_name = "" if self.page_script_hash else self.page_name
        cs.cached_message_hashes.extend(sorted(self.cached_hashes))
        cs.widget_states.widgets.extend(self.widget_values.values())
        cs.context_info.timezone = "Asia/Tokyo"
        cs.context_info.locale = "ja-JP"
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        res = await asyncio.wait_for(self._read_until_finished(), timeout)
        res.elapsed_s = time.perf_counter() - t0
        return res

    async def _read_until_finished(self) -> RunResult:
        res = RunResult(elapsed_s=0.0, status="")
        seen_widgets: dict[str, Widget] = {}
        while True:
            data = await self.ws.recv()
            n = len(data)
            self.bytes_received += n
            res.bytes_total += n
            res.n_msgs += 1
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cached_hashes.add(msg.hash)
            if kind == "ref_hash":
                res.ref_msgs += 1
                if msg.ref_hash in self._deck_hashes:
                    res.deck_refs += 1
                continue
            if kind == "new_session":
                ns = msg.new_session
                self.page_script_hash = ns.page_script_hash or self.page_script_hash
                for p in ns.app_pages:
                    self.pages[p.url_pathname] = p.page_script_hash
            elif kind == "navigation":
                nav = msg.navigation
                for p in nav.app_pages:
                    self.pages[p.url_pathname] = p.page_script_hash
                if nav.page_script_hash:
                    self.page_script_hash = nav.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                ekind = el.WhichOneof("type")
                res.kinds[ekind] = res.kinds.get(ekind, 0) + n
                if ekind == "deck_gl_json_chart":
                    spec = el.deck_gl_json_chart.json
                    raw = spec.encode("utf-8")
                    res.deck_bytes += len(raw)
                    res.deck_gzip_bytes += len(zlib.compress(raw, 6))
                    res.deck_specs.append(spec)
                    res.static_urls |= _static_urls(spec)
                    if msg.hash:
                        self._deck_hashes.add(msg.hash)
                elif ekind == "markdown":
                    res.texts.append(el.markdown.body)
                elif ekind == "metric":
                    res.texts.append(f"{el.metric.label}: {el.metric.body}")
                elif ekind == "exception":
                    ex = el.exception
                    res.exceptions.append(f"{ex.type}: {ex.message}")
                else:
                    w = _widget_from(ekind, getattr(el, ekind))
                    if w is not None:
                        seen_widgets[w.id] = w
            elif kind == "script_finished":
                if msg.script_finished in _FINISHED:
                    res.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                    # Keep values the client set for widgets still on the page.
                    for wid, w in seen_widgets.items():
                        if wid in self.widgets and wid in self.widget_values:
                            w.value = self.widgets[wid].value
                    self.widgets = seen_widgets
                    self.widget_values = {
                        k: v for k, v in self.widget_values.items() if k in seen_widgets
                    }
                    res.widgets = dict(seen_widgets)
                    return res
                seen_widgets = {}

    @property
    def _deck_hashes(self) -> set[str]:
        if not hasattr(self, "_deck_hash_set"):
            self._deck_hash_set: set[str] = set()
        return self._deck_hash_set


def filter_widget(sess: StreamlitSession, preferred: tuple[str, ...]) -> Widget | None:
    """The widget a viewer would use to change a filter: by preferred key, else the first one
    with more than one option."""
    for key in preferred:
        w = sess.widget(key, ("selectbox", "radio", "multiselect", "button_group"))
        if w is not None and len(w.options) > 1:
            return w
    for w in sess.widgets.values():
        if w.kind in ("selectbox", "radio", "button_group") and len(w.options) > 1:
            return w
        if w.kind == "slider" and w.bounds and w.bounds[1] > w.bounds[0]:
            return w
    for w in sess.widgets.values():
        if w.kind == "checkbox":
            return w
    return None


def next_value(w: Widget, rng: Any = None) -> Any:
    """A different value for ``w`` (random with ``rng``, else the next option)."""
    if w.kind == "checkbox":
        return not bool(w.value)
    if w.kind == "slider":
        lo, hi, step = w.bounds or (0.0, 100.0, 1.0)
        n = int(round((hi - lo) / step)) if step else 0
        cur = list(w.value or [lo])
        choices = [lo + i * step for i in range(n + 1)]
        if len(cur) == 2:  # a range: move it as one
            width = cur[1] - cur[0]
            starts = [c for c in choices if c + width <= hi and c != cur[0]] or [lo]
            start = rng.choice(starts) if rng else starts[0]
            return [start, start + width]
        cands = [c for c in choices if c != cur[0]] or [lo]
        return [rng.choice(cands) if rng else cands[0]]
    opts = w.options
    if w.kind in ("multiselect",):
        cur = set(w.value or [])
        cands = [o for o in opts if {o} != cur]
        return [rng.choice(cands) if rng else cands[0]] if cands else []
    if w.kind == "button_group":
        cur = w.value[0] if w.value else None
        cands = [o for o in opts if o != cur]
        return [rng.choice(cands) if rng else cands[0]]
    cands = [o for o in opts if o != w.value]
    return rng.choice(cands) if rng else cands[0]
