"""Maps: boundary layers published as static files, colours, deck.gl layers, and the one
map spec every page, slide and handout draws (:mod:`regionmap.maps.spec`)."""
