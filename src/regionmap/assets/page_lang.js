// regionmap: the page's language for assistive technology.
//
// Streamlit writes html lang="en" on every page and its own labels (the skip link,
// "Help for ...", "Link to heading", "Fullscreen", the sidebar's buttons ...) in
// English, with no setting for either. This script (put on every page with
// map_ready.js by regionmap.ui.components.mapview.map_ready_script) reads the page's
// marker, a hidden div of class rm-page-lang written by regionmap.ui.a11y:
//   data-lang    the interface language ("ja" or "en"): set as html lang;
//   data-labels  JSON [[english, translated], ...] from the catalogue (streamlit.*):
//                Streamlit's strings, with {label} for the part it fills in;
//   data-css     CSS kept in the page's head (contrast, regionmap.ui.layout.A11Y_CSS).
// It points each map's aria-describedby at its text alternative (a visually hidden
// div of class rm-map-alt, data-map="KEY", written by mapview.text_alternative), and
// makes a region that scrolls focusable.
// It sets the aria-label, title and placeholder attributes and the skip link's text
// in that language, again whenever Streamlit redraws them. A switch back to English
// puts Streamlit's own strings back.
//
// Streamlit sanitises st.html with DOMPurify, which drops a script whose text holds a
// "<" followed by a letter, "/" or "!": keep this file free of them.
(() => {
  if (window.__rmLang) return;
  const ATTRS = ["aria-label", "title", "placeholder"];
  const SCROLLERS = '[data-testid="stSidebarContent"], [data-testid="stTable"], [data-testid="stMain"]';
  const state = (window.__rmLang = { key: "", rules: [] });

  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // one rule per pair and direction: a regular expression of the source text (its
  // {label} matching anything) and the text it becomes
  const compile = (pairs, lang) =>
    pairs.map(([en, ja]) => {
      const [from, to] = lang === "ja" ? [en, ja] : [ja, en];
      const source = "^" + escape(from).replace("\\{label\\}", "(.+)") + "$";
      return { re: new RegExp(source), to };
    });
  // "Fullscreen: 政策テーマ" (Streamlit's label with its context): the first part translated
  const sub = (text, rules) => {
    for (const r of rules) {
      const m = r.re.exec(text);
      if (m) return r.to.replace("{label}", m[1] || "");
    }
    const at = text.indexOf(": ");
    if (at > 0) {
      const head = sub(text.slice(0, at), rules);
      if (head !== null) return head + (/^[\x00-\x7f]*$/.test(head) ? ": " : "：") + text.slice(at + 2);
    }
    return null;
  };

  const apply = () => {
    const marker = document.querySelector(".rm-page-lang");
    if (!marker) return;
    const css = marker.dataset.css || "";
    if (sheet.textContent !== css) sheet.textContent = css;
    const lang = marker.dataset.lang || "ja";
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
    const key = lang + marker.dataset.labels;
    if (state.key !== key) {
      let pairs = [];
      try {
        pairs = JSON.parse(marker.dataset.labels || "[]");
      } catch (e) {
        pairs = [];
      }
      state.key = key;
      state.rules = compile(pairs, lang);
    }
    // each map (a figure named by its alt) is described by its text alternative
    for (const alt of document.querySelectorAll(".rm-map-alt[id]")) {
      const chart = document.querySelector(
        `.st-key-${alt.dataset.map} [data-testid="stDeckGlJsonChart"]`,
      );
      if (chart && chart.getAttribute("aria-describedby") !== alt.id) {
        chart.setAttribute("aria-describedby", alt.id);
      }
    }
    // a region that scrolls is reached by the keyboard (WCAG 2.1.1): the sidebar when its
    // filters are taller than the window, a wide table on a phone
    for (const el of document.querySelectorAll(SCROLLERS)) {
      const scrolls = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    }
    const rules = state.rules;
    if (!rules.length) return;
    for (const name of ATTRS) {
      for (const el of document.querySelectorAll("[" + name + "]")) {
        const value = el.getAttribute(name);
        if (!value) continue;
        const to = sub(value, rules);
        if (to !== null && to !== value) el.setAttribute(name, to);
      }
    }
    // the skip link: its text is its name
    for (const el of document.querySelectorAll("a[href^='#'], button")) {
      if (el.children.length || !el.textContent) continue;
      const to = sub(el.textContent, rules);
      if (to !== null && to !== el.textContent) el.textContent = to;
    }
  };

  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      apply();
    });
  };
  const style = document.createElement("style");
  // the marker takes no room on the page
  style.textContent = ".stElementContainer:has(> .stHtml > .rm-page-lang){display:none}";
  document.head.appendChild(style);
  // the marker's data-css (contrast), kept in the head while Streamlit redraws the page
  const sheet = document.createElement("style");
  document.head.appendChild(sheet);
  window.addEventListener("resize", schedule);
  new MutationObserver(schedule).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-lang", "data-labels", "aria-describedby", ...ATTRS],
  });
  schedule();
})();
