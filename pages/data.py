"""データ Data: import (upload, validate, dry run, commit), history and undo, templates, export."""

from regionmap.ui import frame
from regionmap.ui.views import data

data.page(frame.context())
