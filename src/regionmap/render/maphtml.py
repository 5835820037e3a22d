"""A map to keep: one self-contained HTML file of a map view (no server, no network).

The file holds deck.gl itself (pydeck's bundled widget, ``createDeck``: the same
deck.gl version the app draws with), the deck's spec from
:func:`regionmap.maps.spec.area_deck` with the boundary layers' GeoJSON in place of
their ``app/static/layers/...`` URLs, and around the map what the page shows with it:
the title, the legend, the source, the MLIT credit and the sample notice, in the
interface language. Nothing is fetched: no CDN script or stylesheet, no basemap (the
GSI tiles need the network, so an exported map has none), no font file (the page's
system font stack, as the app).

A layer file drawn by several layers (a fill and its outlines, the selection) is
inlined once: the spec keeps the URL and the page swaps in the parsed file before
deck.gl reads the spec.

Text from files (a site's name, an ID) never runs as script here:

- every value reaches the file escaped by us: the page's texts as HTML text, the spec,
  tooltip and layer files as JSON with ``<``, ``>`` and ``&`` written as ``\\u`` escapes
  (nothing in them can end or re-open a ``<script>``);
- the tooltip is filled by the page's own ``getTooltip`` (:data:`_BOOT`), which HTML-escapes
  each ``{field}`` it fills, as Streamlit does in the app (pydeck's bundled tooltip fills
  them raw, and turns the tooltip's CSS ``{display:none}`` into ``undefined``, which showed
  every area's figure line at once);
- a Content-Security-Policy (:func:`csp`) lets only the file's two scripts run (by their
  sha256): no inline event handler, no ``eval``, no request to anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pydeck

from regionmap import settings
from regionmap.maps import deckgl, static
from regionmap.style import FONT_FAMILY

#: pydeck's deck.gl bundle for offline notebooks (defines ``createDeck``).
BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"
#: The map size the deck's initial view was fitted to (deckgl.view_for_bounds' default).
FIT_WIDTH, FIT_HEIGHT = deckgl.FIT_WIDTH, deckgl.FIT_HEIGHT
#: Limits the tests hold the file to (bytes).
MAX_FILE_BYTES = 5_000_000
MAX_DATA_BYTES = 300_000


@dataclass(frozen=True)
class MapPage:
    """What surrounds the map in the file (already in the interface language).

    ``legend_rows`` are (CSS colour, label) from low to high, as
    :meth:`regionmap.maps.scales.ColorScale.legend` gives them; ``categories`` a
    second legend of point colours.
    """

    title: str
    lang: str
    legend_title: str = ""
    legend_rows: Sequence[tuple[str, str]] = ()
    legend_note: str = ""
    categories_title: str = ""
    categories: Sequence[tuple[str, str]] = ()
    source: str = ""
    credit: str = ""
    sample_notice: str = ""
    note: str = ""
    footer: Sequence[str] = field(default_factory=tuple)


def layer_path(url: str, static_dir: Path | None = None) -> Path:
    """The file on disk of a layer URL ``app/static/layers/...``."""
    base = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    return base / url.removeprefix(static.STATIC_URL + "/")


def offline_spec(deck_json: str) -> tuple[dict, list[str]]:
    """The deck's spec without a basemap, and the static layer URLs it reads."""
    spec = json.loads(deck_json)
    for key in ("mapStyle", "mapProvider", "mapboxKey", "googleMapsKey"):
        spec.pop(key, None)
    urls: list[str] = []
    for layer in spec.get("layers", []):
        data = layer.get("data")
        if isinstance(data, str) and data.startswith(static.STATIC_URL) and data not in urls:
            urls.append(data)
    return spec, urls


def inline_data(urls: Sequence[str], static_dir: Path | None = None) -> dict[str, str]:
    """URL -> the layer file's compact GeoJSON text."""
    return {url: layer_path(url, static_dir).read_text(encoding="utf-8") for url in urls}


def _script_json(text: str) -> str:
    """JSON text safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` (only ever inside
    JSON strings) as ``\\u`` escapes, so no ``</script>``, ``<!--`` or ``<script`` is left for
    the HTML parser to act on; ``JSON.parse`` reads the same values."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _sha256(script: str) -> str:
    return (
        "'sha256-"
        + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        + "'"
    )


def csp(scripts: Sequence[str]) -> str:
    """The file's Content-Security-Policy: only ``scripts`` (by their sha256) run, so no
    inline event handler (``onerror=…``) and no ``javascript:`` URL can; no ``eval`` (only
    WebAssembly may be compiled: the bundle's loaders try it at start and fall back without
    it); nothing is fetched (images, fonts and workers only from ``data:``/``blob:`` made by
    the page). Styles may be inline (the page's and the tooltip's own)."""
    hashes = " ".join(_sha256(s) for s in scripts)
    return (
        f"default-src 'none'; script-src {hashes} 'wasm-unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; worker-src blob:; connect-src data: blob:; "
        "base-uri 'none'; form-action 'none'"
    )


def _legend_html(title: str, rows: Sequence[tuple[str, str]]) -> str:
    items = "".join(
        f"<li><span class='sw' style='background:{escape(colour, quote=True)}'></span>"
        f"<span>{escape(label)}</span></li>"
        for colour, label in rows
    )
    head = f"<div class='lt'>{escape(title)}</div>" if title else ""
    return f"{head}<ul>{items}</ul>"


_CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;font-family:@FONT@;color:#222;background:#fff}
body{display:flex;flex-direction:column}
header{padding:10px 16px 6px}
h1{font-size:clamp(16px,2.2vw,24px);margin:0;font-weight:700}
.note{font-size:13px;color:#555;margin-top:2px}
main{position:relative;flex:1 1 auto;min-height:320px}
#map{position:absolute;inset:0}
#legend{position:absolute;top:10px;right:10px;max-width:min(45vw,300px);
 background:rgba(255,255,255,.94);border:1px solid #bbb;border-radius:6px;padding:8px 10px;
 font-size:14px;z-index:2}
#legend ul{list-style:none;margin:0 0 6px;padding:0}
#legend li{display:flex;align-items:center;gap:6px;margin:2px 0}
#legend .sw{display:inline-block;width:18px;height:14px;border:1px solid #888;flex:none}
#legend .lt{font-weight:600;margin-bottom:4px}
#legend .ln{color:#555;font-size:12px}
footer{padding:6px 16px 10px;font-size:13px;color:#444}
footer p{margin:2px 0}
.sample{background:#fff6d6;border:1px solid #e0c060;border-radius:4px;padding:4px 8px;color:#5a4500}
""".replace("@FONT@", FONT_FAMILY)

_BOOT = r"""
(function(){
  var data = {};
  document.querySelectorAll('script[data-rm-url]').forEach(function(el){
    data[el.getAttribute('data-rm-url')] = JSON.parse(el.textContent);
  });
  var spec = JSON.parse(document.getElementById('rm-spec').textContent);
  (spec.layers || []).forEach(function(layer){
    if (typeof layer.data === 'string' && data[layer.data]) { layer.data = data[layer.data]; }
  });
  var tooltip = JSON.parse(document.getElementById('rm-tooltip').textContent);
  var map = document.getElementById('map');
  // the view was fitted to a FIT_W x FIT_H map: fit it to this window's map instead
  var view = spec.initialViewState, rect = map.getBoundingClientRect();
  if (view && rect.width > 0 && rect.height > 0) {
    var scale = Math.min(rect.width / FIT_W, rect.height / FIT_H);
    view.zoom = Math.max(view.minZoom || 0, Math.min(view.maxZoom || 20,
      view.zoom + Math.log(scale) / Math.LN2));
  }
  // The tooltip is filled here, each {field} HTML-escaped (pydeck's fills them raw): only
  // {name} tokens are fields, so the tooltip's CSS {display:none} stays CSS.
  function esc(v){
    return String(v).replace(/[&<>"']/g, function(c){
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function field(o, k){
    var has = Object.prototype.hasOwnProperty;
    if (has.call(o, k)) { return o[k]; }
    return o.properties && has.call(o.properties, k) ? o.properties[k] : undefined;
  }
  // inside the tooltip's <style> a value is CSS-escaped instead (so a key with quotes or
  // "</style>" still selects its own line, and cannot leave the style element)
  function getTooltip(info){
    if (!tooltip || !info.picked || !info.object) { return null; }
    var parts = String(tooltip.html || '').split(/(<style>[\s\S]*?<\/style>)/);
    var html = parts.map(function(part){
      var css = part.indexOf('<style>') === 0;
      return part.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function(m, k){
        var v = field(info.object, k);
        if (v == null) { return ''; }
        return css ? CSS.escape(String(v)) : esc(v);
      });
    }).join('');
    return {html: html, style: tooltip.style || {}};
  }
  var deck = createDeck({
    container: map, jsonInput: spec, tooltip: null, customLibraries: null, configuration: null
  });
  window.rmDeck = deck;
  // The names were placed on the server (regionmap.maps.labels), as in the app: deck.gl
  // draws them all. The map says when it has drawn its layers (tests wait for it).
  deck.setProps({
    getTooltip: getTooltip,
    onAfterRender: function(){
      if (!map.hasAttribute('data-rm-drawn') && deck.props.layers.length &&
          (deck.layerManager ? deck.layerManager.getLayers().every(function(l){
            return l.isLoaded; }) : true)) { map.setAttribute('data-rm-drawn', 'true'); }
    }
  });
  map.setAttribute('data-rm-layers', String((spec.layers || []).length));
})();
"""


def map_html(
    deck_json: str,
    tooltip: dict | bool | None,
    page: MapPage,
    *,
    static_dir: Path | None = None,
    bundle: Path = BUNDLE,
) -> str:
    """The HTML file of a map view.

    Parameters
    ----------
    deck_json : str
        ``Deck.to_json()`` of the view's deck (:func:`regionmap.maps.spec.area_deck`).
    tooltip : dict or bool or None
        The deck's tooltip (``deck._tooltip``): the same lines as on the page.
    page : MapPage
        Title, legend, source, credit and notices around the map.
    """
    spec, urls = offline_spec(deck_json)
    layers = inline_data(urls, static_dir)
    data_scripts = "".join(
        f"<script type='application/json' data-rm-url='{escape(url, quote=True)}'>"
        f"{_script_json(text)}</script>\n"
        for url, text in layers.items()
    )
    legend = ""
    if page.categories:
        legend += _legend_html(page.categories_title, page.categories)
    if page.legend_rows:
        legend += _legend_html(page.legend_title, page.legend_rows)
    if page.legend_note:
        legend += f"<div class='ln'>{escape(page.legend_note)}</div>"
    legend_div = f"<div id='legend'>{legend}</div>" if legend else ""
    footer = [f"<p class='source'>{escape(page.source)}</p>"] if page.source else []
    footer += [f"<p class='credit'>{escape(page.credit)}</p>"] if page.credit else []
    footer += [f"<p class='sample'>{escape(page.sample_notice)}</p>"] if page.sample_notice else []
    footer += [f"<p>{escape(line)}</p>" for line in page.footer]
    note = f"<div class='note'>{escape(page.note)}</div>" if page.note else ""
    js = bundle.read_text(encoding="utf-8").replace("</script", "<\\/script")
    boot = _BOOT.replace("FIT_W", str(FIT_WIDTH)).replace("FIT_H", str(FIT_HEIGHT))
    spec_text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    tip_text = json.dumps(tooltip if tooltip is not None else False, ensure_ascii=False)
    return (
        "<!DOCTYPE html>\n"
        f"<html lang='{escape(page.lang, quote=True)}'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp([js, boot])}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(page.title)}</title><style>{_CSS}</style></head>\n"
        f"<body><header><h1>{escape(page.title)}</h1>{note}</header>\n"
        f"<main><div id='map' role='img' aria-label='{escape(page.title, quote=True)}'></div>"
        f"{legend_div}</main>\n<footer>{''.join(footer)}</footer>\n"
        f"<script type='application/json' id='rm-spec'>{_script_json(spec_text)}</script>\n"
        f"<script type='application/json' id='rm-tooltip'>{_script_json(tip_text)}</script>\n"
        f"{data_scripts}"
        f"<script id='rm-deckgl'>{js}</script>\n"
        f"<script>{boot}</script>\n"
        "</body></html>\n"
    )


def data_bytes(deck_json: str, static_dir: Path | None = None) -> int:
    """Bytes of the view's own data in the file: its spec and inlined layer files."""
    spec, urls = offline_spec(deck_json)
    spec_text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    return len(spec_text.encode("utf-8")) + sum(
        len(text.encode("utf-8")) for text in inline_data(urls, static_dir).values()
    )
