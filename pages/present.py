"""プレゼンテーション Presentation mode: a bureau or region as full-screen slides."""

from regionmap.ui import frame, present

present.run(frame.context())
