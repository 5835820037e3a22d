"""Rendering on the server, with no Streamlit: charts, map images, slides, the PDF handout."""
