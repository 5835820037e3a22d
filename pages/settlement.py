"""集落対策 Settlement support: sites as points by kind; coverage by bureau."""

from regionmap.ui import frame
from regionmap.ui.views import settlement

settlement.page(frame.context())
