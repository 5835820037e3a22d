"""The Streamlit interface: the run of a page, widgets, maps, cards, downloads, and one
module per page view (``pages/*.py`` only call them)."""
