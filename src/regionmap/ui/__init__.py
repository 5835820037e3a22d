"""The Streamlit interface, in three parts (only this package imports Streamlit):

- the run of a page, here: :mod:`~regionmap.ui.session` (the page list, first-run
  preparation, the run's context, the URL), :mod:`~regionmap.ui.frame` (what every run
  draws first: the sign-in gate, the state and its notices, the filter bar),
  :mod:`~regionmap.ui.access` (sign-in), :mod:`~regionmap.ui.errors` (what a failed run
  shows), :mod:`~regionmap.ui.cached` (the data through Streamlit's caches),
  :mod:`~regionmap.ui.layout` (CSS that fits maps to the window) and
  :mod:`~regionmap.ui.replica` (a replica of ``serve``);
- :mod:`regionmap.ui.components`: what several pages show (widgets, maps, cards, notices,
  downloads, the document's figures, the overlay pages' sections);
- :mod:`regionmap.ui.views`: one module per page, named as its script (``pages/<name>.py``
  calls ``regionmap.ui.views.<name>.page``).
"""
