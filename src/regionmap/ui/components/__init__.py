"""What several pages show: the filter bar and figure controls (``widgets``), a page's map
(``mapview``), headline cards, rankings and tables (``cards``), notices and legends
(``notices``), downloads (``downloads``), the document's own figures and the basis of the
project's judgements (``document``) and the sections the overlay pages share (``overlay``).
"""
