"""地域重点プロジェクト Priority projects: by region and direction, filtered by theme."""

from regionmap.ui import frame
from regionmap.ui.views import projects

projects.page(frame.context())
