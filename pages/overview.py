"""全道概要 Overview: figures by bureau or region on the map (first, above the fold on a
1280x720 screen), the document's own figures, headline figures of one year, ranking."""

from regionmap.ui import frame
from regionmap.ui.views import overview

overview.page(frame.context())
