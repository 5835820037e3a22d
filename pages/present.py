"""プレゼンテーション Presentation mode: a bureau or region as full-screen slides."""

from regionmap.ui import frame
from regionmap.ui.views import present

present.page(frame.context())
