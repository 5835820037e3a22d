"""振興局 Bureau view: one bureau or region, its municipalities and its policy items."""

from regionmap.ui import frame
from regionmap.ui.views import bureau

bureau.page(frame.context())
