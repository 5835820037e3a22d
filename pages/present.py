"""プレゼンテーション Presentation mode: a bureau or region as full-screen slides."""

from regionmap import present, ui

present.run(ui.context())
