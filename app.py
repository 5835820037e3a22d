"""regionmap — the map dashboard of Hokkaido's regional policy.

Run with ``streamlit run app.py``. On first start the app builds what is missing
(boundary layers, database) with a visible progress status. Pages live in
``pages/`` and are listed in ``regionmap.ui.PAGES``; the shared filter bar is
drawn here, once, for every page.
"""

from regionmap import ui

ui.setup_page()
page = ui.navigation()
ui.start()
page.run()
