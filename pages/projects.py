"""地域重点プロジェクト Priority projects: by region and direction, filtered by theme."""

from regionmap.ui import frame, projects

projects.projects_page(frame.context())
