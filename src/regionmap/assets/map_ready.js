// regionmap: tells when a map is ready to be clicked.
//
// Streamlit's pydeck chart gives no signal when deck.gl has loaded the layer files
// of its spec and drawn them, and a click before that lands on nothing. This script
// (loaded once per page by regionmap.ui.frame.start) sets, on every map element
// ([data-testid="stDeckGlJsonChart"]) that has a marker after it (a hidden div of
// class rm-map-meta with data-map="KEY" data-spec="HASH" data-layers="URL URL ..."):
//   data-rm-ready="true"  once every layer file of the marker was fetched for the
//                         map's current canvas and three frames were drawn after it
//                         and after the marker's spec changed;
//   data-rm-ready="false" before that (the map shows a "progress" cursor);
//   data-rm-spec          the marker's spec hash once it is drawn (empty before);
//   data-rm-drawn="true"  once the map was drawn the first time (never cleared: the
//                         still shown in its place on a cold visit is hidden from then);
//   data-rm-zoom          the zoom shown: the first view refitted to the map's size
//                         (see fit below; the marker's data-view is the server's view).
// Browser tests wait for data-rm-ready="true" instead of sleeping.
//
// Streamlit sanitises st.html with DOMPurify, which drops a script whose text holds a
// "<" followed by a letter, "/" or "!": keep this file free of them.
(() => {
  if (window.__rmMaps) return;
  const LAYERS = "/app/static/layers/";
  const FRAMES = 3;
  // charts: map element -> what was seen of it (a WeakMap: removed maps are forgotten)
  const state = (window.__rmMaps = {
    fetches: [],
    charts: new WeakMap(),
    fitted: new Map(),
    sized: new WeakSet(),
  });
  const KEEP = 300; // fetch records kept (the newest)

  const pathOf = (url) => {
    try {
      return new URL(url, document.baseURI).pathname;
    } catch (e) {
      return String(url);
    }
  };

  const afterFrames = (n, fn) => {
    if (n <= 0) fn();
    else requestAnimationFrame(() => afterFrames(n - 1, fn));
  };

  // Layer files are fetched by deck.gl (loaders.gl) with window.fetch: note when each
  // one's body has been read (deck.gl parses it and draws it on the next frame).
  const originalFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || String(input);
    const promise = originalFetch.apply(this, arguments);
    const path = pathOf(url);
    if (!path.includes(LAYERS)) return promise;
    const record = { path, start: performance.now(), end: null, ok: false };
    state.fetches.push(record);
    if (state.fetches.length > KEEP) state.fetches.splice(0, state.fetches.length - KEEP);
    const done = (ok) =>
      afterFrames(FRAMES, () => {
        record.end = performance.now();
        record.ok = ok;
        schedule();
      });
    return promise.then(
      (response) => {
        for (const reader of ["arrayBuffer", "json", "text", "blob"]) {
          const read = response[reader] && response[reader].bind(response);
          if (read) {
            response[reader] = () =>
              read().then(
                (body) => {
                  done(response.ok);
                  return body;
                },
                (error) => {
                  done(false);
                  throw error;
                },
              );
          }
        }
        return response;
      },
      (error) => {
        done(false);
        throw error;
      },
    );
  };

  const update = () => {
    for (const meta of document.querySelectorAll(".rm-map-meta")) {
      const key = meta.dataset.map || "";
      const chart = document.querySelector(
        `.st-key-${key} [data-testid="stDeckGlJsonChart"]`,
      );
      if (!chart) continue;
      // a map whose size changes (the layout settling, a scrollbar, the window) is refitted:
      // a change of size alone is no mutation the observer below sees
      if (!state.sized.has(chart)) {
        state.sized.add(chart);
        resized.observe(chart);
      }
      // deck.gl's canvas (and MapLibre's, with the background map): new canvases are a
      // new deck.gl instance, which loads its layer files itself
      const canvases = [...chart.querySelectorAll("canvas")];
      const canvas = canvases[canvases.length - 1] || null;
      let seen = state.charts.get(chart);
      const same = seen && seen.canvases.length === canvases.length &&
        seen.canvases.every((c, i) => c === canvases[i]);
      if (!same) {
        seen = { canvases, since: performance.now() };
        state.charts.set(chart, seen);
      }
      const spec = meta.dataset.spec || "";
      if (seen.spec !== spec) {
        // the marker comes after the chart: the chart has its new spec; deck.gl draws
        // it on the next frame
        seen.spec = spec;
        seen.drawn = null;
        afterFrames(FRAMES, () => {
          if (seen.spec === spec) seen.drawn = spec;
          schedule();
        });
      }
      const wanted = (meta.dataset.layers || "").split(" ").filter(Boolean).map(pathOf);
      // every file read by this deck.gl (each layer of a file fetches it: the fill, its
      // outlines, the selection): none still loading, none failed
      const ready =
        !!canvas &&
        seen.drawn === spec &&
        wanted.every((path) => {
          const mine = state.fetches.filter(
            (f) => f.path === path && (f.end === null ? f.start >= seen.since : f.end >= seen.since),
          );
          return mine.length > 0 && mine.every((f) => f.end !== null && f.ok);
        });
      const value = ready ? "true" : "false";
      if (chart.dataset.rmReady !== value) chart.dataset.rmReady = value;
      // the spec that is drawn (empty while not ready): a test waits for a new one
      const drawn = ready ? spec : "";
      if (chart.dataset.rmSpec !== drawn) chart.dataset.rmSpec = drawn;
      // drawn once (never cleared): the page's still of the map gives way to it for good
      if (ready && chart.dataset.rmDrawn !== "true") chart.dataset.rmDrawn = "true";
      if (chart.dataset.rmLayers !== wanted.join(" ")) chart.dataset.rmLayers = wanted.join(" ");
      if (canvas) fit(chart, canvas, meta, seen);
    }
  };

  // The first view was fitted on the server to a map of fitWidth x fitHeight px; the map
  // is narrower on a phone and shorter on a small screen (ui/layout.py): refit its zoom to
  // the map's real size, as long as the view is the first one (or the one fitted here),
  // never after the user has moved the map. Streamlit holds the view: it is changed
  // through the chart's own onViewStateChange, found on deck.gl's React element.
  const deckProps = (canvas) => {
    const key = Object.keys(canvas).find((k) => k.startsWith("__reactFiber$"));
    let fiber = key ? canvas[key] : null;
    for (let i = 0; fiber && i < 40; i += 1, fiber = fiber.return) {
      const props = fiber.memoizedProps;
      if (props && props.viewState && typeof props.onViewStateChange === "function") return props;
    }
    return null;
  };
  const near = (a, b) => Math.abs(a - b) < 1e-4;
  const fit = (chart, canvas, meta, seen) => {
    let view = null;
    try {
      view = JSON.parse(meta.dataset.view || "null");
    } catch (e) {
      view = null;
    }
    const rect = chart.getBoundingClientRect();
    if (!view || rect.width === 0 || rect.height === 0) return;
    const props = deckProps(canvas);
    const current = props && props.viewState;
    if (!current) return;
    const scale = Math.min(rect.width / view.fitWidth, rect.height / view.fitHeight);
    const delta = Math.max(-3, Math.min(1, Math.log2(scale)));
    // within 7% of the size it was fitted to: the server's view as it is
    const target = Math.abs(delta) < 0.1 ? view.zoom
      : Math.max(view.minZoom, Math.min(view.maxZoom, Math.round((view.zoom + delta) * 100) / 100));
    const first = near(current.longitude, view.longitude) && near(current.latitude, view.latitude);
    // every zoom this script fitted this map's view to, kept by the map's key and view (not
    // with the canvas: deck.gl may make a new one). A zoom among them is still the first
    // view: sizes change fast while the page settles, and a fit can be overtaken by the
    // chart's own state of the one before; it is fitted again, never left at an old size.
    const mapKey = (meta.dataset.map || "") + " " + (meta.dataset.view || "");
    if (!state.fitted.has(mapKey)) state.fitted.set(mapKey, []);
    const fitted = state.fitted.get(mapKey);
    const untouched = first && (near(current.zoom, view.zoom) ||
      fitted.some((z) => near(current.zoom, z)));
    if (untouched && !fitted.some((z) => near(z, target))) fitted.push(target);
    if (untouched && !near(current.zoom, target)) {
      props.onViewStateChange({
        viewState: { ...current, zoom: target },
        interactionState: {},
        viewId: "default-view",
      });
    }
    const zoom = String(untouched ? target : current.zoom);
    if (chart.dataset.rmZoom !== zoom) chart.dataset.rmZoom = zoom;
  };
  window.addEventListener("resize", () => schedule());
  const resized = new ResizeObserver(() => schedule());

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  }

  const style = document.createElement("style");
  style.textContent =
    '[data-testid="stDeckGlJsonChart"][data-rm-ready="false"] canvas{cursor:progress!important}' +
    // the markers and this script take no room on the page
    '.stElementContainer:has(> .stHtml > .rm-map-meta),' +
    '.stElementContainer:has(> .stHtml > script){display:none}';
  document.head.appendChild(style);
  new MutationObserver(schedule).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-layers", "data-map", "data-spec"],
  });
  schedule();
})();
