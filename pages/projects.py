"""地域重点プロジェクト Priority projects: by region and direction, filtered by theme."""

from regionmap import overlays, ui

overlays.projects_page(ui.context())
