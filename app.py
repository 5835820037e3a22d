"""regionmap — the map dashboard of Hokkaido's regional policy.

Run with ``streamlit run app.py``. On first start the app builds what is missing
(boundary layers, database) with a visible progress status. Pages live in
``pages/`` and are listed in ``regionmap.ui.session.PAGES``; the shared filter bar is
drawn here, once, for every page. ``?present=1`` on any page opens the
presentation mode (``pages/present.py``). An unexpected error is logged with an id the
user is shown (``regionmap.ui.errors``), never a stack trace.
"""

from regionmap.ui import errors, frame, session
from regionmap.ui.views import present

with errors.boundary(session.url_lang()):
    session.setup_page()
    page = session.navigation()
    ctx = frame.start()
    present.route(ctx, page)
    page.run()
