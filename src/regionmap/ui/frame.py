"""What every page shares, drawn once per run: preparation, the state from the URL, its
notices, the filter bar in the sidebar and the map-ready script.

``app.py`` calls :func:`regionmap.ui.session.setup_page`, :func:`~regionmap.ui.session.navigation`
and :func:`start`; a page script calls its view with the run's context
(``regionmap.ui.views.<page>.page(frame.context())``).
"""

from __future__ import annotations

import streamlit as st

from regionmap import state as state_mod
from regionmap.ui import a11y, access, layout
from regionmap.ui.cached import all_themes, all_years, default_year
from regionmap.ui.components.mapview import map_ready_script
from regionmap.ui.components.widgets import filter_bar
from regionmap.ui.session import (
    Context,
    navigation,
    prepare,
    setup_page,
    store,
    stored,
    url_lang,
    url_params,
    write_url,
)


def start() -> Context:
    """Prepare, read the state from the URL, show its notices and draw the filter bar.

    Called once per run from ``app.py`` (pages get the result from :func:`context`).
    """
    lang = url_lang()
    access.gate(lang)  # stops the run: refused configuration, not signed in, refused user
    ready = prepare(lang)
    themes = all_themes() if ready.database else None
    known = list(themes["theme_id"]) if themes is not None else None
    years = all_years() if ready.database else ()
    state, notices = state_mod.from_query_params(
        url_params(),
        known_themes=known,
        known_years=years or None,
        default_fy=default_year() if ready.database else None,
    )
    # write back the cleaned state, so the URL shows what is shown
    write_url(state)
    ctx = Context(state, tuple(notices), ready, tuple(years), themes)
    store(ctx)
    map_ready_script()
    a11y.page_lang(ctx.lang)
    layout.apply()
    filter_bar(ctx)
    for notice in notices:
        st.toast(notice, icon=":material/info:")
    return ctx


def context() -> Context:
    """The :class:`Context` of this run (made by ``app.py``; made here when a page runs alone).

    A page runs alone when a freshly started server's first request is a page URL (a
    bookmark such as ``/dispatch?bureau=kamikawa``): Streamlit then runs the script from
    ``pages/`` itself, in its old multipage mode, and ``app.py`` never runs. The page then
    does what ``app.py`` does (page config, navigation, filter bar); the ``st.navigation``
    call also switches Streamlit to ``app.py`` for every later run.
    """
    ctx = stored()
    if ctx is None:
        setup_page()
        navigation()
        ctx = start()
    return ctx
